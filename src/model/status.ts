/**
 * Task statuses and the rules on them, declared once: the engine, the stores, the tree, the panels
 * and both webviews ask these functions instead of listing statuses themselves.
 */

/** The status of a task. The string values are part of the stored format and the API. */
export const TaskStatus = {
  /** Enqueued, waiting to run, or waiting for its next retry. */
  Pending: "pending",
  /** An attempt is executing. */
  Running: "running",
  /**
   * Stopped at a sleep, waitForInput or waitForRuns whose condition does not hold yet (see
   * `waitingFor`): holds no worker and no slot, survives restarts, and goes back to pending when the
   * condition holds. Neither running nor finished.
   */
  Waiting: "waiting",
  /** An attempt returned. */
  Success: "success",
  /** The last allowed attempt threw; retries exhausted. */
  Failed: "failed",
  /** Running when the engine shut down or the process died, and requeue was not allowed. */
  Interrupted: "interrupted",
  /** Cancelled by a person or a caller while pending or running. */
  Cancelled: "cancelled",
  /** Refused because its queue was full; finished, never runs, can be retried. */
  Rejected: "rejected",
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

/** Every status, in the order the views group them. */
export const ALL_STATUSES: readonly TaskStatus[] = [
  TaskStatus.Running,
  TaskStatus.Waiting,
  TaskStatus.Pending,
  TaskStatus.Failed,
  TaskStatus.Interrupted,
  TaskStatus.Rejected,
  TaskStatus.Cancelled,
  TaskStatus.Success,
];

/** Statuses from which a task never moves again by itself. */
export const FINISHED_STATUSES: readonly TaskStatus[] = ALL_STATUSES.filter((s) => s !== "pending" && s !== "running" && s !== "waiting");

/** Statuses a person or `retryTask` may start again: the run did not succeed and was not called off. */
export const RETRYABLE_STATUSES: readonly TaskStatus[] = [TaskStatus.Failed, TaskStatus.Interrupted, TaskStatus.Rejected];

/** Statuses `cancelTask` accepts. */
export const CANCELLABLE_STATUSES: readonly TaskStatus[] = [TaskStatus.Pending, TaskStatus.Running, TaskStatus.Waiting];

/** Statuses `retryTask(id, { resume: true })` accepts: the retryable ones and cancelled. */
export const RESUMABLE_STATUSES: readonly TaskStatus[] = [TaskStatus.Failed, TaskStatus.Interrupted, TaskStatus.Cancelled];

export function isTaskStatus(value: unknown): value is TaskStatus {
  return typeof value === "string" && (ALL_STATUSES as readonly string[]).includes(value);
}

/** Never moves again by itself: success, failed, interrupted, cancelled or rejected. */
export function isFinished(status: TaskStatus): boolean {
  return status !== "pending" && status !== "running" && status !== "waiting";
}

/** May be retried with `{ resume: true }` or `{ fromStep }`: the new run starts with the original's steps. */
export function isResumable(status: TaskStatus): boolean {
  return status === "failed" || status === "interrupted" || status === "cancelled";
}

/** May be retried (a new run with the same arguments and tags). */
export function isRetryable(status: TaskStatus): boolean {
  return status === "failed" || status === "interrupted" || status === "rejected";
}

/** May be cancelled. */
export function isCancellable(status: TaskStatus): boolean {
  return status === "pending" || status === "running" || status === "waiting";
}

/** May be deleted from history: only finished runs, so nothing in flight loses its record. */
export function isDeletable(status: TaskStatus): boolean {
  return isFinished(status);
}

/**
 * An idempotency key held by a task in this status still counts: adding with the same key returns
 * that task. A retryable task (failed, interrupted, rejected) releases its key for a new run.
 */
export function holdsIdempotencyKey(status: TaskStatus): boolean {
  return !isRetryable(status);
}

/** What can be done to a task in a status; the tree's context values and the panels' buttons come from it. */
export type TaskCapability = "retryable" | "cancellable" | "deletable";

export function capabilities(status: TaskStatus): TaskCapability[] {
  const out: TaskCapability[] = [];
  if (isRetryable(status)) out.push("retryable");
  if (isCancellable(status)) out.push("cancellable");
  if (isDeletable(status)) out.push("deletable");
  return out;
}
