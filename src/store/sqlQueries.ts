/** The SQL form of the query rules in taskQuery.ts, over the tasks table aliased as t, and the reads that run them. */
import type { Database, SqlValue, Statement } from "sql.js";
import { ALL_STATUSES, MetricsAccumulator, TASK_COLUMNS, fromColumns, isFinished, type ListTasksQuery, type Metrics, type TaskData, type TaskStatus } from "../model";
import { parseTagFilter, searchNeedle, statusList, type ResolvedQuery } from "./taskQuery";

/** The task columns to select, in the order `fromColumns` reads them. */
export const SELECT_COLUMNS = TASK_COLUMNS.map((c) => `t.${c}`).join(", ");

/** The queue whose runs tasks_queue leaves out (schema v8): the default queue, which most runs are in. */
const UNINDEXED_QUEUE = "default";

/**
 * The condition of the partial index tasks_queue. A query on another queue repeats it word for word,
 * since SQLite uses a partial index only for a query that has the index's condition among its own.
 */
export const NAMED_QUEUE_SQL = `queue <> '${UNINDEXED_QUEUE}'`;

/** The WHERE clause and its parameters for a query's filters. */
export function whereClause(query: ListTasksQuery): { where: string; params: SqlValue[] } {
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  const equal = (column: string, value: string | undefined): void => {
    if (value === undefined) return;
    conditions.push(`t.${column} = ?`);
    params.push(value);
  };
  const statuses = statusList(query.status);
  if (statuses) {
    conditions.push(statuses.length === 0 ? "0" : `t.status IN (${statuses.map(() => "?").join(",")})`);
    params.push(...statuses);
  }
  equal("func_name", query.funcName);
  equal("parent_id", query.parentId);
  equal("queue", query.queue);
  if (query.queue !== undefined && query.queue !== UNINDEXED_QUEUE) conditions.push(`t.${NAMED_QUEUE_SQL}`);
  equal("schedule_id", query.scheduleId);
  if (query.createdBefore !== undefined) {
    conditions.push("t.created_at < ?");
    params.push(query.createdBefore);
  }
  if (query.tag !== undefined) {
    const { key, value } = parseTagFilter(query.tag);
    conditions.push(`t.tags <> '{}' AND EXISTS (SELECT 1 FROM json_each(t.tags) g WHERE g.key = ?${value === undefined ? "" : " AND g.value = ?"})`);
    params.push(key, ...(value === undefined ? [] : [value]));
  }
  const needle = searchNeedle(query);
  if (needle !== undefined) {
    const search = searchCondition(needle);
    conditions.push(search.sql);
    params.push(...search.params);
  }
  return { where: conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`, params };
}

/**
 * searchableText (taskQuery.ts) in SQL, over the tasks table aliased as `alias`: lower() folds only
 * ASCII, so it equals searchableText for the rows whose search_text is "".
 */
export function searchableTextSql(alias: string): string {
  const tagValues = `iif(${alias}.tags = '{}', '', coalesce((SELECT char(10) || group_concat(value, char(10)) FROM json_each(${alias}.tags)), ''))`;
  return `lower(${alias}.func_name || char(10) || ${alias}.task_id || char(10) || coalesce(${alias}.error, '') || ${tagValues})`;
}

/**
 * The search filter: the needle in searchableText, read from search_text where a row keeps it. A
 * needle without a line break is in the text exactly when it is in one of its lines, so each column
 * is tried alone, and a tag's value only when the needle is in the row's tags JSON at all (a value
 * appears there verbatim unless it holds characters JSON escapes).
 */
function searchCondition(needle: string): { sql: string; params: SqlValue[] } {
  if (needle.includes("\n")) return { sql: `instr(iif(t.search_text = '', ${searchableTextSql("t")}, t.search_text), ?) > 0`, params: [needle] };
  const verbatimInJson = JSON.stringify(needle) === `"${needle}"`;
  const columns = ["t.func_name", "t.task_id", "coalesce(t.error, '')"].map((c) => `instr(lower(${c}), ?) > 0`);
  const tags = `(t.tags <> '{}'${verbatimInJson ? " AND instr(lower(t.tags), ?) > 0" : ""} AND EXISTS (SELECT 1 FROM json_each(t.tags) WHERE instr(lower(value), ?) > 0))`;
  return {
    sql: `iif(t.search_text <> '', instr(t.search_text, ?) > 0, ${[...columns, tags].join(" OR ")})`,
    params: Array<string>(verbatimInJson ? 6 : 5).fill(needle),
  };
}

// Status names are the model's own constants, so inlining them as literals is safe.
const STATUS_RANK_SQL = `CASE t.status ${ALL_STATUSES.map((s, i) => `WHEN '${s}' THEN ${i}`).join(" ")} END`;
const DURATION_SQL = "(t.end_time - t.start_time)";

/** The ORDER BY clause of comparatorFor(sort): the key, then task_id, both in the sort's direction. */
export function orderByClause(sort: ResolvedQuery["sort"]): string {
  const dir = sort.order === "asc" ? "ASC" : "DESC";
  switch (sort.by) {
    case "createdAt": return `ORDER BY t.created_at ${dir}, t.task_id ${dir}`;
    case "funcName": return `ORDER BY t.func_name ${dir}, t.task_id ${dir}`;
    case "status": return `ORDER BY ${STATUS_RANK_SQL} ${dir}, t.task_id ${dir}`;
    // The difference is NULL when either time is; `IS NULL` sorts those last in both directions.
    case "duration": return `ORDER BY ${DURATION_SQL} IS NULL, ${DURATION_SQL} ${dir}, t.task_id ${dir}`;
  }
}

/** Tasks of a `SELECT SELECT_COLUMNS ...` query, with their logs unless `withLogs` is false. */
export function selectTasks(db: Database, sql: string, params: SqlValue[], withLogs = true): TaskData[] {
  const stmt = db.prepare(sql);
  const tasks: TaskData[] = [];
  try {
    stmt.bind(params);
    while (stmt.step()) tasks.push(fromColumns(stmt.get()));
  } finally {
    stmt.free();
  }
  if (tasks.length === 0 || !withLogs) return tasks;
  const byId = new Map(tasks.map((t) => [t.taskId, t]));
  const logs = db.prepare("SELECT t.task_id, l.line FROM tasks t JOIN logs l ON l.task_ref = t.task_ref WHERE t.task_id IN (SELECT value FROM json_each(?)) ORDER BY l.task_ref, l.seq");
  try {
    logs.bind([JSON.stringify([...byId.keys()])]);
    while (logs.step()) {
      const [taskId, line] = logs.get() as [string, string];
      byId.get(taskId)!.logs.push(line);
    }
  } finally {
    logs.free();
  }
  return tasks;
}

/** The rows of a prepared statement run with `params`; it is left reset for its next use. */
export function stepAll(stmt: Statement, params: SqlValue[] = []): SqlValue[][] {
  const rows: SqlValue[][] = [];
  stmt.bind(params);
  try {
    while (stmt.step()) rows.push(stmt.get());
  } finally {
    stmt.reset();
  }
  return rows;
}

/** The first column of every row of a query. */
export function column(db: Database, sql: string, params: SqlValue[]): SqlValue[] {
  const stmt = db.prepare(sql);
  const values: SqlValue[] = [];
  try {
    stmt.bind(params);
    while (stmt.step()) values.push(stmt.get()[0]);
  } finally {
    stmt.free();
  }
  return values;
}

/** The first column of a query's first row, or null. */
export function scalar(db: Database, sql: string, params: SqlValue[]): SqlValue {
  return column(db, sql, params)[0] ?? null;
}

/** Counts per status and duration figures, from the status_counts table the triggers keep. */
export function readMetrics(db: Database): Metrics {
  const acc = new MetricsAccumulator();
  const stmt = db.prepare("SELECT status, n, duration_n, duration_sum_ms FROM status_counts");
  try {
    while (stmt.step()) {
      const [status, n, durationN, durationSumMs] = stmt.get() as [TaskStatus, number, number, number];
      acc.addCount(status, n);
      if (isFinished(status)) acc.addDurations(durationSumMs, durationN);
    }
  } finally {
    stmt.free();
  }
  return acc.result();
}
