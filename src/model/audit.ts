/**
 * The audit trail: what people and callers did to tasks, queues and schedules, and who asked.
 * Kept by the store, newest first (`audit()`).
 */
import { describeValue } from "./describe";
import { ValidationError } from "./schemas";

/**
 * What was done. `pause`/`resume` cover queues and schedules; `configure` a queue's settings;
 * `debounce` an add that went into a pending run of the same key (a task's `debounce` config).
 */
export const AUDIT_ACTIONS = ["run", "retry", "cancel", "delete", "clear", "pause", "resume", "schedule", "unschedule", "configure", "debounce", "input"] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who asked: the VS Code window, the taskflow CLI, the HTTP API, or code calling the engine. */
export const AUDIT_ACTORS = ["vscode", "cli", "http", "api"] as const;
export type AuditActor = (typeof AUDIT_ACTORS)[number];

/** One entry of the audit trail. */
export interface AuditEntry {
  /** ISO 8601 time of the action. */
  at: string;
  action: AuditAction;
  /** The task it concerns (the new run for run and retry, the run the add went into for debounce), or null (clear, queues, schedules). */
  taskId: string | null;
  actor: AuditActor;
  /** What else a reader needs: the function, the queue or schedule, how many were deleted. Null when nothing. */
  detail: string | null;
}

/** Paging of `audit()`. */
export interface AuditQuery {
  /** Entries to return, a whole number from 0 to AUDIT_MAX_LIMIT. @default 100 */
  limit?: number;
  /** Newest entries to skip, a whole number >= 0. @default 0 */
  offset?: number;
}

/** Entries the store keeps: appending beyond it drops the oldest. */
export const AUDIT_MAX_ENTRIES = 10000;
/** Largest page `audit()` returns. */
export const AUDIT_MAX_LIMIT = 1000;
const DEFAULT_AUDIT_LIMIT = 100;

/** An audit query with its defaults, checked; throws a ValidationError saying what was expected and got. */
export function resolveAuditQuery(query: AuditQuery = {}): Required<AuditQuery> {
  if (typeof query !== "object" || query === null) throw new ValidationError(`The audit query must be an object like { limit: 100, offset: 0 }, got ${describeValue(query)}`, "");
  const check = (key: "limit" | "offset", value: unknown, fallback: number, max: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
      throw new ValidationError(`audit ${key} must be a whole number from 0 to ${max}, got ${describeValue(value)}`, key);
    }
    return value;
  };
  return {
    limit: check("limit", query.limit, DEFAULT_AUDIT_LIMIT, AUDIT_MAX_LIMIT),
    offset: check("offset", query.offset, 0, Number.MAX_SAFE_INTEGER),
  };
}

/** Whether a value is one of the audit actors (for an actor named by a caller, e.g. an HTTP header). */
export function isAuditActor(value: unknown): value is AuditActor {
  return typeof value === "string" && (AUDIT_ACTORS as readonly string[]).includes(value);
}
