export type { TaskStore, SqlJsStoreOptions } from "./types";
export { MemoryStore, type MemoryStoreOptions } from "./memoryStore";
export { SqlJsStore } from "./sqlJsStore";
export { SchemaTooNewError } from "./schema";
export { DatabaseLock, DatabaseLockedError, readLockHolder, lockPathOf, type LockHolder } from "./databaseLock";
export { StoreWriteError } from "./storeWriteError";
