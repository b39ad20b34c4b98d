/**
 * The typed messages between the extension host and the Taskflow webviews (task panel, dashboard).
 *
 * Every message is declared once, with a literal method name, a typed payload and its direction.
 * Three kinds travel:
 * - a command from the webview (no reply),
 * - a request from the webview that always gets exactly one response (ok with a result, or an
 *   error message), correlated by `id`,
 * - a notification from the host.
 *
 * A message from a webview is untrusted input: each command and request descriptor carries a
 * `parse` that checks every field (types, task id format, enums, ranges) and throws a
 * {@link ProtocolError} that says what was expected and what was got. Both sides dispatch through
 * the descriptors' `is()` guards, never on raw method strings.
 *
 * This file must stay free of Node and vscode imports: it is bundled into the browser apps too.
 */
import type { Metrics, TaskDict, TaskStatus } from "./engine/types";

/** A command from the webview to the host. */
export interface CommandMessage<M extends string = string, P = unknown> {
  kind: "command";
  method: M;
  params: P;
}
/** A request from the webview; the host answers with one {@link ResponseMessage} of the same id. */
export interface RequestMessage<M extends string = string, P = unknown> {
  kind: "request";
  /** Chosen by the webview, unique among its outstanding requests. Positive integer. */
  id: number;
  method: M;
  params: P;
}
/** The host's answer to a request. */
export type ResponseMessage<R = unknown> =
  | { kind: "response"; id: number; ok: true; result: R }
  | { kind: "response"; id: number; ok: false; error: string };
/** A notification from the host to the webview. */
export interface NotificationMessage<M extends string = string, P = unknown> {
  kind: "notification";
  method: M;
  params: P;
}

export type WebviewToHostMessage = CommandMessage | RequestMessage;
export type HostToWebviewMessage = ResponseMessage | NotificationMessage;

/** Thrown by a descriptor's `parse` when a webview message is malformed. */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
}

export interface CommandType<M extends string, P> {
  readonly kind: "command";
  readonly method: M;
  /** Validates untrusted params; throws ProtocolError. */
  parse(params: unknown): P;
  /** True for a command envelope of this method (params still unchecked: call `parse`). */
  is(message: unknown): message is CommandMessage<M, unknown>;
  /** Builds the envelope (webview side). */
  create(params: P): CommandMessage<M, P>;
}

export interface RequestType<M extends string, P, R> {
  readonly kind: "request";
  readonly method: M;
  parse(params: unknown): P;
  is(message: unknown): message is RequestMessage<M, unknown>;
  create(id: number, params: P): RequestMessage<M, P>;
  /** Type-only marker for the result; never read at run time. */
  readonly resultType?: R;
}

export interface NotificationType<M extends string, P> {
  readonly kind: "notification";
  readonly method: M;
  is(message: unknown): message is NotificationMessage<M, P>;
  create(params: P): NotificationMessage<M, P>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function envelopeIs(message: unknown, kind: string, method: string): boolean {
  return isRecord(message) && message.kind === kind && message.method === method;
}

function command<M extends string, P>(method: M, parse: (params: unknown) => P): CommandType<M, P> {
  return {
    kind: "command",
    method,
    parse,
    is: (m): m is CommandMessage<M, unknown> => envelopeIs(m, "command", method),
    create: (params) => ({ kind: "command", method, params }),
  };
}

function request<M extends string, P, R>(method: M, parse: (params: unknown) => P): RequestType<M, P, R> {
  return {
    kind: "request",
    method,
    parse,
    is: (m): m is RequestMessage<M, unknown> =>
      envelopeIs(m, "request", method) && isRequestId((m as Record<string, unknown>).id),
    create: (id, params) => ({ kind: "request", id, method, params }),
  };
}

function notification<M extends string, P>(method: M): NotificationType<M, P> {
  return {
    kind: "notification",
    method,
    is: (m): m is NotificationMessage<M, P> => envelopeIs(m, "notification", method) && "params" in (m as object),
    create: (params) => ({ kind: "notification", method, params }),
  };
}

function isRequestId(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0;
}

/** True for a well-formed response envelope (the webview checks host replies with it). */
export function isResponseMessage(message: unknown): message is ResponseMessage {
  if (!isRecord(message) || message.kind !== "response" || !isRequestId(message.id)) return false;
  return message.ok === true ? "result" in message : message.ok === false && typeof message.error === "string";
}

const TASK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const STATUSES: readonly TaskStatus[] = ["pending", "running", "success", "failed", "interrupted", "cancelled"];

/** The sort keys the dashboard table offers. */
export const SORT_KEYS = ["createdAt", "funcName", "status", "duration", "retriesUsed"] as const;
export type SortKey = (typeof SORT_KEYS)[number];
/** Largest page the dashboard may ask for. */
export const MAX_PAGE_SIZE = 500;
/** Most tasks one bulk retry may name. */
export const MAX_BULK_RETRY = 500;
/** Longest filter text, function name, tag or file path accepted from a webview, in characters. */
export const MAX_TEXT_LENGTH = 1000;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

function fail(field: string, expected: string, got: unknown): never {
  throw new ProtocolError(`${field}: expected ${expected}, got ${describe(got)}`);
}

function objectParams(params: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (!isRecord(params)) fail("params", "an object", params);
  const extra = Object.keys(params).filter((k) => !allowed.includes(k));
  if (extra.length > 0) {
    throw new ProtocolError(`params: unexpected field(s) ${extra.join(", ")}; allowed: ${allowed.join(", ") || "none"}`);
  }
  return params;
}

/** A task id: a UUID v4 string. */
export function parseTaskId(value: unknown, field = "taskId"): string {
  if (typeof value !== "string" || !TASK_ID.test(value)) fail(field, "a task id (UUID v4)", value);
  return value.toLowerCase();
}

function parseText(value: unknown, field: string, options: { optional?: boolean; nonEmpty?: boolean } = {}): string | null {
  if (value === undefined || value === null) {
    if (options.optional) return null;
    fail(field, "a string", value);
  }
  if (typeof value !== "string") fail(field, "a string", value);
  if (value.length > MAX_TEXT_LENGTH) fail(field, `a string of at most ${MAX_TEXT_LENGTH} characters`, value);
  if (options.nonEmpty && value.trim() === "") fail(field, "a non-empty string", value);
  return value;
}

function parseInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(field, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

function parseEnum<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    fail(field, `one of ${allowed.join(", ")}`, value);
  }
  return value as T;
}

function parseTaskIdParams(params: unknown): { taskId: string } {
  const p = objectParams(params, ["taskId"]);
  return { taskId: parseTaskId(p.taskId) };
}

function parseEmpty(params: unknown): Record<string, never> {
  if (params === undefined) return {};
  objectParams(params, []);
  return {};
}

/** A stack frame that points into a workspace file, as the host resolved it. */
export interface FrameLink {
  /** Absolute file system path, inside a workspace folder. */
  path: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** Workspace-relative path shown to the user. */
  label: string;
}

/** One line of a stack trace; `link` is set when the frame is a file inside the workspace. */
export interface StackLine {
  text: string;
  link: FrameLink | null;
}

/** A task as the task panel shows it: the API's JSON shape plus the resolved stack. */
export interface TaskView extends TaskDict {
  stack: StackLine[];
}

/** Per task function figures for the dashboard. Durations in seconds. */
export interface FunctionStats {
  funcName: string;
  runs: number;
  /** success / (success + failed), 0..1; 0 when nothing finished. */
  successRate: number;
  /** Seconds; null when no run has a duration. */
  avgDuration: number | null;
  /** 95th percentile (nearest rank), seconds; null when no run has a duration. */
  p95Duration: number | null;
  /** Statuses of the newest runs, newest first, at most five. */
  lastOutcomes: TaskStatus[];
}

/** A row of the dashboard's task table (no logs, no arguments). */
export interface TaskRow {
  taskId: string;
  funcName: string;
  status: TaskStatus;
  createdAt: string;
  duration: number | null;
  retriesUsed: number;
  error: string | null;
  tags: Record<string, string>;
}

/** The dashboard's filters, sort and page. */
export interface TaskQuery {
  /** Empty means every status. */
  statuses: TaskStatus[];
  funcName: string | null;
  /** `key` or `key=value`. */
  tag: string | null;
  /** Case-insensitive text matched against name, id, error and tag values. */
  text: string | null;
  sort: SortKey;
  descending: boolean;
  /** Rows per page, 1..MAX_PAGE_SIZE. */
  limit: number;
  offset: number;
}

export interface DashboardSummary {
  metrics: Metrics;
  functions: FunctionStats[];
}

export type ExportFormat = "csv" | "json";

function parseFilters(p: Record<string, unknown>): Omit<TaskQuery, "sort" | "descending" | "limit" | "offset"> {
  if (!Array.isArray(p.statuses)) fail("statuses", "an array of statuses", p.statuses);
  if (p.statuses.length > STATUSES.length) fail("statuses", `at most ${STATUSES.length} statuses`, p.statuses);
  const statuses = [...new Set(p.statuses.map((s, i) => parseEnum(s, `statuses[${i}]`, STATUSES)))];
  return {
    statuses,
    funcName: parseText(p.funcName, "funcName", { optional: true }) || null,
    tag: parseText(p.tag, "tag", { optional: true }) || null,
    text: parseText(p.text, "text", { optional: true }) || null,
  };
}

const QUERY_FIELDS = ["statuses", "funcName", "tag", "text", "sort", "descending", "limit", "offset"];

/** Validates a dashboard query from a webview. */
export function parseTaskQuery(params: unknown): TaskQuery {
  const p = objectParams(params, QUERY_FIELDS);
  if (typeof p.descending !== "boolean") fail("descending", "a boolean", p.descending);
  return {
    ...parseFilters(p),
    sort: parseEnum(p.sort, "sort", SORT_KEYS),
    descending: p.descending,
    limit: parseInteger(p.limit, "limit", 1, MAX_PAGE_SIZE),
    offset: parseInteger(p.offset, "offset", 0, Number.MAX_SAFE_INTEGER),
  };
}

/** webview -> host: the webview is loaded and wants a snapshot. */
export const Ready = command("ready", parseEmpty);

/** webview -> host (dashboard): open the task panel of a task. */
export const ShowTask = command("showTask", parseTaskIdParams);

/** webview -> host (task panel): retry a failed or interrupted task; result is the new task's id. */
export const RetryTask = request<"retryTask", { taskId: string }, { taskId: string }>("retryTask", parseTaskIdParams);

/**
 * host -> webview: the task engine cannot answer yet (still starting after a reload, restarting,
 * no folder open); the host sends the data by itself once it can.
 */
export const EngineUnavailable = notification<"engineUnavailable", { message: string }>("engineUnavailable");

/** webview -> host: open a workspace file at a line (the host checks it is inside a workspace folder). */
export const OpenFrame = command("openFrame", (params: unknown): { path: string; line: number; column: number } => {
  const p = objectParams(params, ["path", "line", "column"]);
  const path = parseText(p.path, "path", { nonEmpty: true }) as string;
  return {
    path,
    line: parseInteger(p.line, "line", 1, 10_000_000),
    column: p.column === undefined ? 1 : parseInteger(p.column, "column", 1, 10_000_000),
  };
});

/** webview -> host: cancel a pending or running task. */
export const CancelTask = request<"cancelTask", { taskId: string }, { cancelled: boolean }>("cancelTask", parseTaskIdParams);

/** webview -> host: run the task's function again with the same arguments and tags; result is the new id. */
export const RunAgain = request<"runAgain", { taskId: string }, { taskId: string }>("runAgain", parseTaskIdParams);

/** host -> webview: the whole task (after `ready`, and when the panel is pointed at another task). Null when it no longer exists. */
export const TaskSnapshot = notification<"taskSnapshot", { taskId: string; task: TaskView | null }>("taskSnapshot");

/**
 * host -> webview: new log lines of the shown task, in order; `from` is the index of the first one
 * in the task's logs, so the webview can tell a gap (and ask again with `ready`).
 */
export const TaskLogAppended = notification<"taskLogAppended", { taskId: string; from: number; lines: string[] }>("taskLogAppended");

/** host -> webview: status, timings, attempts, error and stack changed; logs are unchanged and not sent. */
export const TaskChanged = notification<"taskChanged", { taskId: string; task: Omit<TaskView, "logs"> }>("taskChanged");

/** host -> webview: metrics and per-function figures (after `ready`, and at most four times a second while tasks change). */
export const DashboardUpdated = notification<"dashboardUpdated", DashboardSummary>("dashboardUpdated");

/** webview -> host: one page of the task table; result has the rows and the total matching. */
export const QueryTasks = request<"queryTasks", TaskQuery, { rows: TaskRow[]; total: number; funcNames: string[] }>(
  "queryTasks",
  parseTaskQuery,
);

/** webview -> host: retry these failed or interrupted tasks. */
export const RetryTasks = request<
  "retryTasks",
  { taskIds: string[] },
  { retried: Array<{ taskId: string; newTaskId: string }>; errors: Array<{ taskId: string; error: string }> }
>("retryTasks", (params) => {
  const p = objectParams(params, ["taskIds"]);
  if (!Array.isArray(p.taskIds) || p.taskIds.length === 0 || p.taskIds.length > MAX_BULK_RETRY) {
    fail("taskIds", `an array of 1 to ${MAX_BULK_RETRY} task ids`, p.taskIds);
  }
  return { taskIds: [...new Set(p.taskIds.map((id, i) => parseTaskId(id, `taskIds[${i}]`)))] };
});

/** Ages the dashboard offers for clearing history, in seconds (0 clears every finished task). */
export const CLEAR_AGES_SECONDS = [0, 3600, 86_400, 7 * 86_400, 30 * 86_400] as const;
/** Largest age accepted for clearing history: ten years, in seconds. */
export const MAX_CLEAR_AGE_SECONDS = 10 * 365 * 86_400;

/** webview -> host: delete finished tasks created more than `olderThanSeconds` ago (the host asks the user to confirm). */
export const ClearHistory = request<"clearHistory", { olderThanSeconds: number }, { deleted: number | null }>(
  "clearHistory",
  (params) => {
    const p = objectParams(params, ["olderThanSeconds"]);
    return { olderThanSeconds: parseInteger(p.olderThanSeconds, "olderThanSeconds", 0, MAX_CLEAR_AGE_SECONDS) };
  },
);

/** webview -> host: save every row matching the filters (not only the page) as CSV or JSON; result has the path, or null when the user cancelled. */
export const ExportTasks = request<
  "exportTasks",
  { query: Omit<TaskQuery, "limit" | "offset">; format: ExportFormat },
  { path: string | null; count: number }
>("exportTasks", (params) => {
  const p = objectParams(params, ["query", "format"]);
  const q = objectParams(p.query, QUERY_FIELDS.filter((f) => f !== "limit" && f !== "offset"));
  const { limit: _l, offset: _o, ...query } = parseTaskQuery({ ...q, limit: 1, offset: 0 });
  return { query, format: parseEnum(p.format, "format", ["csv", "json"] as const) };
});

/** Every command and request a task panel accepts. */
export const TASK_PANEL_INBOUND = [Ready, OpenFrame, RetryTask, CancelTask, RunAgain] as const;
/** Every command and request the dashboard accepts. */
export const DASHBOARD_INBOUND = [Ready, ShowTask, QueryTasks, RetryTasks, ClearHistory, ExportTasks] as const;
