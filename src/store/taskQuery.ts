/**
 * The filtering and ordering rules every store shares, written once in plain TypeScript.
 * MemoryStore uses them directly; SqlJsStore expresses the same rules in SQL and the conformance
 * suite holds both to them.
 */
import {
  ALL_STATUSES, DEFAULT_LIST_LIMIT, parseListTasksQuery, type ListTasksQuery, type SortField, type TaskData, type TaskStatus,
} from "../model";

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

/** A validated query with every default filled in. */
export type ResolvedQuery = ListTasksQuery & {
  sort: { by: SortField; order: "asc" | "desc" };
  withLogs: boolean;
  limit: number;
  offset: number;
};

/**
 * Validates a listTasks or countTasks query and fills in its defaults (newest first, with logs, a
 * page of DEFAULT_LIST_LIMIT). Throws a ValidationError that names the bad field.
 */
export function resolveQuery(query: unknown): ResolvedQuery {
  const parsed = parseListTasksQuery(query);
  return {
    ...parsed,
    sort: { by: parsed.sort?.by ?? "createdAt", order: parsed.sort?.order ?? "desc" },
    withLogs: parsed.withLogs ?? true,
    limit: parsed.limit ?? DEFAULT_LIST_LIMIT,
    offset: parsed.offset ?? 0,
  };
}

/** The search filter's text, lower-cased; undefined when the query does not search. */
export function searchNeedle(query: ListTasksQuery): string | undefined {
  return query.search === undefined || query.search === "" ? undefined : query.search.toLowerCase();
}

/** True when the task passes every filter of the query (sort, limit and offset are not filters). */
export function matchesQuery(task: TaskData, query: ListTasksQuery): boolean {
  const statuses = statusList(query.status);
  if (statuses && !statuses.includes(task.status)) return false;
  if (query.funcName !== undefined && task.funcName !== query.funcName) return false;
  if (query.parentId !== undefined && task.parentId !== query.parentId) return false;
  if (query.queue !== undefined && task.queue !== query.queue) return false;
  if (query.scheduleId !== undefined && task.scheduleId !== query.scheduleId) return false;
  if (query.createdBefore !== undefined && !(task.createdAt < query.createdBefore)) return false;
  if (query.tag !== undefined) {
    const { key, value } = parseTagFilter(query.tag);
    if (!Object.prototype.hasOwnProperty.call(task.tags, key)) return false;
    if (value !== undefined && task.tags[key] !== value) return false;
  }
  const needle = searchNeedle(query);
  if (needle !== undefined && !searchableText(task).includes(needle)) return false;
  return true;
}

type Searchable = Pick<TaskData, "funcName" | "taskId" | "error" | "tags">;

function joinedText(task: Searchable): string {
  return [task.funcName, task.taskId, task.error ?? "", ...Object.values(task.tags)].join("\n");
}

/** What the search filter looks in: lower-cased function name, id, error and tag values, one per line. */
export function searchableText(task: Searchable): string {
  return joinedText(task).toLowerCase();
}

const BEYOND_ASCII = /[\u0080-\uffff]/;

/**
 * The search_text column a store keeps for a task: its searchableText when that has characters
 * beyond ASCII, which SQLite's lower() does not fold, else "" (the query lower-cases the columns
 * themselves, see searchableTextSql in sqlQueries.ts), so most rows do not store their text twice.
 */
export function searchText(task: Searchable): string {
  const text = joinedText(task);
  return BEYOND_ASCII.test(text) ? text.toLowerCase() : "";
}

/**
 * Where each status sorts under `sort: { by: "status" }`, ascending: the model's status order
 * (running and pending first), so a list sorted by status groups like the views do.
 */
export const STATUS_RANK: Readonly<Record<TaskStatus, number>> = Object.fromEntries(ALL_STATUSES.map((s, i) => [s, i])) as Record<TaskStatus, number>;

/**
 * Compares strings by code point, as SQLite's BINARY collation compares their UTF-8 bytes. `<` on
 * JavaScript strings compares UTF-16 units, which orders characters beyond U+FFFF differently.
 */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && x <= 0xdfff) return y >= 0xd800 && y <= 0xdfff ? x - y : 1;
    if (y >= 0xd800 && y <= 0xdfff) return -1;
    return x - y;
  }
  return a.length - b.length;
}

function durationMs(task: TaskData): number | null {
  return task.startTime === null || task.endTime === null ? null : task.endTime - task.startTime;
}

/**
 * The order of `sort`: by its key, ties broken by taskId in the same direction; under `duration`,
 * tasks without one come last in either direction.
 */
export function comparatorFor(sort: ResolvedQuery["sort"]): (a: TaskData, b: TaskData) => number {
  const sign = sort.order === "asc" ? 1 : -1;
  const byKey = ((): ((a: TaskData, b: TaskData) => number) => {
    switch (sort.by) {
      case "createdAt": return (a, b) => sign * (a.createdAt - b.createdAt);
      case "funcName": return (a, b) => sign * compareText(a.funcName, b.funcName);
      case "status": return (a, b) => sign * (STATUS_RANK[a.status] - STATUS_RANK[b.status]);
      case "duration": return (a, b) => {
        const x = durationMs(a);
        const y = durationMs(b);
        if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
        return sign * (x - y);
      };
    }
  })();
  return (a, b) => byKey(a, b) || sign * compareText(a.taskId, b.taskId);
}

/** Newest first: createdAt descending, then taskId descending. */
export const compareNewestFirst = comparatorFor({ by: "createdAt", order: "desc" });

/** Oldest first: createdAt ascending, then taskId ascending. */
export const compareOldestFirst = comparatorFor({ by: "createdAt", order: "asc" });
