export type { TaskStore, SqlJsStoreOptions, StoreTimers } from "./types";
export { MemoryStore, type MemoryStoreOptions } from "./memoryStore";
export { SqlJsStore } from "./sqlJsStore";
