/**
 * Errors the client interface rejects with, so a caller (a panel, the CLI, the HTTP API) can tell
 * "no such task" (404) from "not in a state for that" (409) without reading messages; and the one a
 * task throws to stop its retries.
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

/**
 * Thrown by a task to fail at once: no retries are spent on it, whatever the task's `retries`. The
 * record keeps its message and stack like any failure. Recognised by its name, so one thrown by
 * another copy of the engine, or rebuilt from a worker thread's message, counts too.
 */
export class NonRetryableError extends Error {
  override readonly name = "NonRetryableError";
}

/** Whether `error` is a NonRetryableError (by name, from any realm or bundle). */
export function isNonRetryableError(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "NonRetryableError";
}

/** No schedule has this id: it never existed, or it was removed. */
export class UnknownScheduleError extends Error {
  override readonly name = "UnknownScheduleError";
  constructor(readonly scheduleId: string, message = `No schedule has id ${JSON.stringify(scheduleId)}: listSchedules() gives the ids there are`) {
    super(message);
  }
}

/**
 * Thrown inside a task by `waitForInput` or `waitForRuns` when the wait's `timeout` elapsed first.
 * Catch it to go on without the input or the runs; uncaught, it fails the attempt like any throw.
 */
export class WaitTimeoutError extends Error {
  override readonly name = "WaitTimeoutError";
}
