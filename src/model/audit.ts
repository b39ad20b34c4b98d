/**
 * The audit trail: what people and callers did to tasks, queues and schedules, and who asked.
 * Kept by the store, newest first (`audit()`).
 */

/** What was done. `pause`/`resume` cover queues and schedules; `configure` a queue's settings. */
export const AUDIT_ACTIONS = ["run", "retry", "cancel", "delete", "clear", "pause", "resume", "schedule", "unschedule", "configure"] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who asked: the VS Code window, the taskflow CLI, the HTTP API, or code calling the engine. */
export const AUDIT_ACTORS = ["vscode", "cli", "http", "api"] as const;
export type AuditActor = (typeof AUDIT_ACTORS)[number];

/** One entry of the audit trail. */
export interface AuditEntry {
  /** ISO 8601 time of the action. */
  at: string;
  action: AuditAction;
  /** The task it concerns (the new run for run and retry), or null (clear, queues, schedules). */
  taskId: string | null;
  actor: AuditActor;
  /** What else a reader needs: the function, the queue or schedule, how many were deleted. Null when nothing. */
  detail: string | null;
}

/** Paging of `audit()`. */
export interface AuditQuery {
  /** @default 100 */
  limit?: number;
  /** @default 0 */
  offset?: number;
}

/** Whether a value is one of the audit actors (for an actor named by a caller, e.g. an HTTP header). */
export function isAuditActor(value: unknown): value is AuditActor {
  return typeof value === "string" && (AUDIT_ACTORS as readonly string[]).includes(value);
}
