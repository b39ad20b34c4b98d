import type { SqlValue } from "sql.js";
import type { ListTasksQuery, TaskData, TaskStatus } from "../engine/types";
import { parseTagFilter, statusList } from "./taskQuery";

/** The tasks columns, in the order rowToTask reads them. */
export const COLUMNS = `task_id, func_name, status, args, kwargs, created_at, start_time, end_time, retries_used, error,
  stacktrace, idempotency_key, tags, encrypted_payload`;

/** A tasks row (COLUMNS order) as TaskData, logs empty. */
export function rowToTask(row: SqlValue[]): TaskData {
  const [taskId, funcName, status, args, kwargs, createdAt, startTime, endTime, retriesUsed, error, stacktrace, idempotencyKey, tags, payload] = row;
  return {
    taskId: taskId as string,
    funcName: funcName as string,
    status: status as TaskStatus,
    args: JSON.parse(args as string) as unknown[],
    kwargs: JSON.parse(kwargs as string) as Record<string, unknown>,
    createdAt: Number(createdAt),
    startTime: startTime === null ? null : Number(startTime),
    endTime: endTime === null ? null : Number(endTime),
    retriesUsed: Number(retriesUsed),
    error: error as string | null,
    logs: [],
    stacktrace: stacktrace as string | null,
    idempotencyKey: idempotencyKey as string | null,
    tags: JSON.parse(tags as string) as Record<string, string>,
    encryptedPayload: payload === null ? null : new Uint8Array(payload as Uint8Array),
  };
}

/** The WHERE clause and its parameters for a query's filters (tasks aliased as t). */
export function whereClause(query: ListTasksQuery): { where: string; params: SqlValue[] } {
  const conditions: string[] = [];
  const params: SqlValue[] = [];
  const statuses = statusList(query.status);
  if (statuses) {
    conditions.push(statuses.length === 0 ? "0" : `t.status IN (${statuses.map(() => "?").join(",")})`);
    params.push(...statuses);
  }
  if (query.funcName !== undefined) {
    conditions.push("t.func_name = ?");
    params.push(query.funcName);
  }
  if (query.createdBefore !== undefined) {
    conditions.push("t.created_at < ?");
    params.push(query.createdBefore);
  }
  if (query.tag !== undefined) {
    const { key, value } = parseTagFilter(query.tag);
    conditions.push(`EXISTS (SELECT 1 FROM tags g WHERE g.task_id = t.task_id AND g.key = ?${value === undefined ? "" : " AND g.value = ?"})`);
    params.push(key, ...(value === undefined ? [] : [value]));
  }
  if (query.text !== undefined && query.text !== "") {
    conditions.push("instr(t.search_text, ?) > 0");
    params.push(query.text.toLowerCase());
  }
  return { where: conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`, params };
}

