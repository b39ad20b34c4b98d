/**
 * The engine's package entry, built to dist/engine.js (CommonJS). The one engine file that may import
 * the stores: `new TaskManager({ dbPath })` opens an sql.js database, no dbPath and no store keeps
 * history in memory.
 */
import { MemoryStore, SqlJsStore, type TaskStore } from "../store";
import { RotatingLogFile } from "../store/logFile";
import { consoleSink } from "./taskContext";
import { TaskManager as CoreTaskManager } from "./taskManager";
import type { TaskManagerOptions } from "./types";

function openStore(options: TaskManagerOptions): TaskStore {
  if (options.dbPath !== undefined) {
    const report = options.onOutsideLog ?? consoleSink;
    return new SqlJsStore({
      dbPath: options.dbPath,
      maxRecords: options.maxRecords,
      lockOwner: options.lockOwner,
      onWarning: (message) => report(`Taskflow store: ${message}`, "warning"),
    });
  }
  return new MemoryStore({ maxRecords: options.maxRecords });
}

/** The task engine (see TaskManager in taskManager.ts), opening its store from `dbPath` when none is given. */
export class TaskManager extends CoreTaskManager {
  constructor(options: TaskManagerOptions = {}) {
    super(options, openStore, (logFile, onError) => new RotatingLogFile(logFile, onError));
  }
}

export * from "./types";
export { TaskRecord } from "./taskRecord";
export { task, isTaskHandle } from "./task";
export { taskLog, getTaskContext, enqueue, reportProgress, type TaskLogOptions } from "./taskContext";
export { backoffDelayMs } from "./backoff";
export { systemClock, systemRandom } from "./clock";
export { Fernet, FernetError, generateKey, type FernetEncryptOptions, type FernetDecryptOptions } from "./fernet";
export { TimeoutError, CancelledError, ShutdownError, toError } from "./errors";
export { Emitter } from "./emitter";
export type { RegisterOptions } from "./taskRegistry";
export type { AttemptDelegate } from "./attemptDelegate";
export type { StoreFactory } from "./taskManager";
export type { LogFileOptions } from "../store/logFile";
export { DatabaseLockedError, readLockHolder, type LockHolder } from "../store";
export { WorkspaceRuntime, type WorkspaceRuntimeOptions } from "../runtime/workspaceRuntime";
