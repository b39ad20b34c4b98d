import {
  RETRYABLE_STATUSES, ValidationError, describeValue, isPlainObject, isRetryable,
  type LogLevel, type RetryFailedOptions, type TaskData,
} from "../model";
import type { TaskStore } from "../store/types";

/** retryFailed's options, checked: `since` as epoch ms. */
export interface RetryFailedFilter {
  sinceMs?: number;
  funcName?: string;
}

const SHAPE = `an object like { since: "2026-12-01T00:00:00Z", funcName: "sendEmail" }`;

/** Checks retryFailed's options; throws a ValidationError saying what was expected and what was got. */
export function parseRetryFailedOptions(options: unknown): RetryFailedFilter {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw new ValidationError(`retryFailed options must be ${SHAPE}, got ${describeValue(options)}`, "");
  const { since, funcName, ...rest } = options as RetryFailedOptions & Record<string, unknown>;
  const unknownKey = Object.keys(rest)[0];
  if (unknownKey !== undefined) throw new ValidationError(`retryFailed options have an unknown key "${unknownKey}". Known keys: since, funcName`, unknownKey);
  const filter: RetryFailedFilter = {};
  if (since !== undefined) {
    const ms = since instanceof Date ? since.getTime() : typeof since === "string" ? Date.parse(since) : Number.NaN;
    if (Number.isNaN(ms)) {
      throw new ValidationError(`retryFailed option "since" must be a Date or an ISO time like "2026-12-01T00:00:00Z", got ${describeValue(since)}`, "since");
    }
    filter.sinceMs = ms;
  }
  if (funcName !== undefined) {
    if (typeof funcName !== "string" || funcName === "") {
      throw new ValidationError(`retryFailed option "funcName" must be a task name, got ${describeValue(funcName)}`, "funcName");
    }
    filter.funcName = funcName;
  }
  return filter;
}

/** Whether retryFailed retries `task`: failed, interrupted or rejected, and matching the filter. */
export function matchesRetryFilter(task: TaskData, filter: RetryFailedFilter): boolean {
  return isRetryable(task.status)
    && (filter.funcName === undefined || task.funcName === filter.funcName)
    && (filter.sinceMs === undefined || task.createdAt >= filter.sinceMs);
}

/** The tasks of `history` retryFailed retries, oldest first. */
export function retryableOf(history: readonly TaskData[], filter: RetryFailedFilter): TaskData[] {
  return history.filter((t) => matchesRetryFilter(t, filter)).sort((a, b) => a.createdAt - b.createdAt);
}

/** The failed, interrupted and rejected tasks of a local store that the filter matches, oldest first. */
export function retryableTasks(store: TaskStore, filter: RetryFailedFilter): TaskData[] {
  const query = { status: [...RETRYABLE_STATUSES], ...(filter.funcName === undefined ? {} : { funcName: filter.funcName }) };
  const count = store.countTasks(query);
  if (count === 0) return [];
  const tasks = store.listTasks({ ...query, withLogs: false, sort: { by: "createdAt", order: "asc" }, limit: count });
  return tasks.filter((t) => matchesRetryFilter(t, filter));
}

/** What retryFailed needs from a backend's manager. */
export interface RetryFailedHost {
  /** The tasks the filter matches (see matchesRetryFilter), oldest first. */
  retryable(filter: RetryFailedFilter): TaskData[] | Promise<TaskData[]>;
  /** Throws UnknownFunctionError for a name no function is registered under. */
  lookup(funcName: string): unknown;
  isRegistered(funcName: string): boolean;
  retryTask(taskId: string): Promise<string>;
  report(message: string, level: LogLevel): void;
}

/**
 * `retryFailed` on either backend: retries the matching tasks oldest first and resolves with the new
 * ids. Tasks of functions not registered now are skipped and named in one warning; an unknown
 * `funcName` is an UnknownFunctionError.
 */
export async function retryFailed(host: RetryFailedHost, options: unknown): Promise<string[]> {
  const filter = parseRetryFailedOptions(options);
  if (filter.funcName !== undefined) host.lookup(filter.funcName);
  const ids: string[] = [];
  const skipped = new Set<string>();
  for (const task of await host.retryable(filter)) {
    if (host.isRegistered(task.funcName)) ids.push(await host.retryTask(task.taskId));
    else skipped.add(task.funcName);
  }
  if (skipped.size > 0) {
    host.report(`retryFailed skipped the tasks of ${[...skipped].sort().join(", ")}: no task function of that name is registered now`, "warning");
  }
  return ids;
}
