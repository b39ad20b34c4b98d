/**
 * The filtering, ordering and copying rules every store shares, written once in plain TypeScript.
 * MemoryStore uses them directly; SqlJsStore expresses the same rules in SQL and the conformance
 * suite holds both to them.
 */
import { FINISHED_STATUSES, type ListTasksQuery, type Metrics, type TaskData, type TaskStatus } from "../engine/types";

/** Default page size of listTasks when the query gives no limit. */
export const DEFAULT_LIST_LIMIT = 100;

/** Default number of finished records a store keeps. */
export const DEFAULT_MAX_RECORDS = 10_000;

/** A tag filter: `key` (has the tag) or `key=value`. */
export interface TagFilter {
  key: string;
  /** undefined when only the key must be present. */
  value: string | undefined;
}

export function parseTagFilter(tag: string): TagFilter {
  const eq = tag.indexOf("=");
  return eq < 0 ? { key: tag, value: undefined } : { key: tag.slice(0, eq), value: tag.slice(eq + 1) };
}

export function statusList(status: ListTasksQuery["status"]): TaskStatus[] | undefined {
  if (status === undefined) return undefined;
  return Array.isArray(status) ? status : [status];
}

export function isFinished(status: TaskStatus): boolean {
  return FINISHED_STATUSES.includes(status);
}

/** True when the task passes every filter of the query (limit and offset are not filters). */
export function matchesQuery(task: TaskData, query: ListTasksQuery): boolean {
  const statuses = statusList(query.status);
  if (statuses && !statuses.includes(task.status)) return false;
  if (query.funcName !== undefined && task.funcName !== query.funcName) return false;
  if (query.createdBefore !== undefined && !(task.createdAt < query.createdBefore)) return false;
  if (query.tag !== undefined) {
    const { key, value } = parseTagFilter(query.tag);
    if (!Object.prototype.hasOwnProperty.call(task.tags, key)) return false;
    if (value !== undefined && task.tags[key] !== value) return false;
  }
  if (query.text !== undefined && query.text !== "" && !searchText(task).includes(query.text.toLowerCase())) return false;
  return true;
}

/** What the text filter searches: lower-cased function name, id, error and tag values, one per line. */
export function searchText(task: Pick<TaskData, "funcName" | "taskId" | "error" | "tags">): string {
  return [task.funcName, task.taskId, task.error ?? "", ...Object.values(task.tags)].join("\n").toLowerCase();
}

/** Newest first: createdAt descending, then taskId descending. */
export function compareNewestFirst(a: TaskData, b: TaskData): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.taskId < b.taskId ? 1 : a.taskId > b.taskId ? -1 : 0;
}

/** Oldest first: createdAt ascending, then taskId ascending. */
export function compareOldestFirst(a: TaskData, b: TaskData): number {
  return compareNewestFirst(b, a);
}

/** Validated paging of a query; throws with the expected shape when limit or offset are not usable. */
export function paging(query: ListTasksQuery): { limit: number; offset: number } {
  const limit = query.limit ?? DEFAULT_LIST_LIMIT;
  const offset = query.offset ?? 0;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`listTasks limit must be a whole number >= 0, got ${String(limit)}`);
  }
  if (!Number.isInteger(offset) || offset < 0) {
    throw new RangeError(`listTasks offset must be a whole number >= 0, got ${String(offset)}`);
  }
  return { limit, offset };
}

/**
 * A deep copy of a JSON value (the engine checks args and kwargs are JSON at enqueue). Faster than
 * structuredClone for the small values tasks carry, which matters on the per-save path.
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = cloneJson((value as Record<string, unknown>)[key]);
  return out as T;
}

/** A deep copy, so a caller mutating what it got (or what it gave) never changes the store. */
export function copyTask(task: TaskData): TaskData {
  return {
    taskId: task.taskId,
    funcName: task.funcName,
    status: task.status,
    args: cloneJson(task.args),
    kwargs: cloneJson(task.kwargs),
    createdAt: task.createdAt,
    startTime: task.startTime,
    endTime: task.endTime,
    retriesUsed: task.retriesUsed,
    error: task.error,
    logs: task.logs.slice(),
    stacktrace: task.stacktrace,
    idempotencyKey: task.idempotencyKey,
    tags: { ...task.tags },
    encryptedPayload: task.encryptedPayload ? task.encryptedPayload.slice() : null,
  };
}

/** Accumulates Metrics one task at a time. */
export class MetricsAccumulator {
  private readonly counts: Metrics = {
    total: 0, pending: 0, running: 0, success: 0, failed: 0, interrupted: 0, cancelled: 0,
    successRate: 0, avgDuration: 0,
  };
  private durationSumMs = 0;
  private durationCount = 0;

  add(status: TaskStatus, startTime: number | null, endTime: number | null, count = 1): void {
    this.counts.total += count;
    this.counts[status] += count;
    if (isFinished(status) && startTime !== null && endTime !== null) {
      this.durationSumMs += (endTime - startTime) * count;
      this.durationCount += count;
    }
  }

  /** Adds an aggregate: `count` finished tasks whose durations sum to `durationSumMs` over `durationCount` of them. */
  addDurations(durationSumMs: number, durationCount: number): void {
    this.durationSumMs += durationSumMs;
    this.durationCount += durationCount;
  }

  addCount(status: TaskStatus, count: number): void {
    this.counts.total += count;
    this.counts[status] += count;
  }

  result(): Metrics {
    const done = this.counts.success + this.counts.failed;
    return {
      ...this.counts,
      successRate: done === 0 ? 0 : this.counts.success / done,
      avgDuration: this.durationCount === 0 ? 0 : this.durationSumMs / this.durationCount / 1000,
    };
  }
}
