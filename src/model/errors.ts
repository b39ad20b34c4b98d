/**
 * Errors the client interface rejects with, so a caller (a panel, the CLI, the HTTP API) can tell
 * "no such task" (404) from "not in a state for that" (409) without reading messages.
 */
import type { TaskStatus } from "./status";

/** No task has this id: it never existed, or it was deleted or cleared from history. */
export class UnknownTaskError extends Error {
  override readonly name = "UnknownTaskError";
  constructor(readonly taskId: string, message = `Unknown task id "${taskId}": it may have been deleted or cleared from history`) {
    super(message);
  }
}

/** The task exists but its status does not allow the operation (cancel a finished task, retry a running one). */
export class TaskStateError extends Error {
  override readonly name = "TaskStateError";
  constructor(readonly taskId: string, readonly status: TaskStatus, message: string) {
    super(message);
  }
}

/** No task function is registered under this name. */
export class UnknownFunctionError extends Error {
  override readonly name = "UnknownFunctionError";
  constructor(readonly funcName: string, message: string) {
    super(message);
  }
}

/**
 * The task's queue held `maxSize` pending tasks. The run was still recorded: `taskId` is a stored
 * task with status `rejected` (finished, never runs by itself, can be retried once there is room).
 */
export class QueueFullError extends Error {
  override readonly name = "QueueFullError";
  constructor(readonly taskId: string, readonly queue: string, readonly maxSize: number, message: string) {
    super(message);
  }
}
