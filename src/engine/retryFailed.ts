import type { TaskStore } from "../store/types";
import type { TaskRegistry } from "../core/taskRegistry";
import { RETRYABLE_STATUSES, ValidationError, describeValue, isPlainObject, type LogLevel, type RetryFailedOptions, type TaskData } from "../core/types";

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

/** The failed, interrupted and rejected tasks the filter matches, oldest first. */
export function retryableTasks(store: TaskStore, filter: RetryFailedFilter): TaskData[] {
  const query = { status: [...RETRYABLE_STATUSES], ...(filter.funcName === undefined ? {} : { funcName: filter.funcName }) };
  const count = store.countTasks(query);
  if (count === 0) return [];
  const tasks = store.listTasks({ ...query, withLogs: false, sort: { by: "createdAt", order: "asc" }, limit: count });
  const { sinceMs } = filter;
  return sinceMs === undefined ? tasks : tasks.filter((t) => t.createdAt >= sinceMs);
}

/** What retryFailed needs from the manager. */
export interface RetryFailedHost {
  store: TaskStore;
  registry: TaskRegistry;
  retryTask(taskId: string): Promise<string>;
  report(message: string, level: LogLevel): void;
}

/**
 * `manager.retryFailed`: retries the matching tasks oldest first and resolves with the new ids. Tasks
 * of functions not registered now are skipped and named in one warning; an unknown `funcName` is an
 * UnknownFunctionError.
 */
export async function retryFailed(host: RetryFailedHost, options: unknown): Promise<string[]> {
  const filter = parseRetryFailedOptions(options);
  if (filter.funcName !== undefined) host.registry.lookup(filter.funcName);
  const ids: string[] = [];
  const skipped = new Set<string>();
  for (const task of retryableTasks(host.store, filter)) {
    if (host.registry.get(task.funcName)) ids.push(await host.retryTask(task.taskId));
    else skipped.add(task.funcName);
  }
  if (skipped.size > 0) {
    host.report(`retryFailed skipped the tasks of ${[...skipped].join(", ")}: no task function of that name is registered now`, "warning");
  }
  return ids;
}
