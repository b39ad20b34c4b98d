/**
 * The local engine with its store opened for it: `new LocalTaskManager({ dbPath })` opens an sql.js
 * database, no dbPath and no store keeps history in memory. The one engine file that builds stores;
 * the rest of the engine sees only the TaskStore interface.
 */
import { MemoryStore, SqlJsStore, type TaskStore } from "../store";
import { RotatingLogFile } from "../store/logFile";
import { consoleSink } from "../core/taskContext";
import { TaskManager } from "./taskManager";
import type { TaskManagerOptions } from "../core/types";

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

/** The local task engine (see taskManager.ts), opening its store from `dbPath` when none is given. */
export class LocalTaskManager extends TaskManager {
  constructor(options: TaskManagerOptions = {}) {
    super(options, openStore, (logFile, onError) => new RotatingLogFile(logFile, onError));
  }
}
