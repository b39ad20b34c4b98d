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
 * `parse` built from a valibot schema that checks every field (types, task id format, enums,
 * ranges) and throws a {@link ProtocolError} that says what was expected and what was got. Both
 * sides dispatch through the descriptors' `is()` guards, never on raw method strings. Statuses,
 * sort fields and task shapes come from the model (src/model), so the webviews and the engine
 * never disagree on them.
 *
 * This file must stay free of Node and vscode imports: it is bundled into the browser apps too.
 */
import * as v from "valibot";
import type { TaskDict } from "./model/fields";
import type { AuditEntry } from "./model/audit";
import type { FlowRule, QueueInfo } from "./model/client";
import type { Metrics } from "./model/metrics";
import type { ThroughputBucket, ThroughputBucketSize } from "./model/throughput";
import { describeValue, isPlainObject } from "./model/describe";
import { SORT_FIELDS, formatIssue } from "./model/schemas";
import { ALL_STATUSES, type TaskStatus } from "./model/status";

export * from "./protocolEnvelope";
import { ProtocolError, command, notification, request } from "./protocolEnvelope";

const TASK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Largest page the dashboard may ask for. */
export const MAX_PAGE_SIZE = 500;
/** Most tasks one bulk retry may name. */
export const MAX_BULK_RETRY = 500;
/** Longest filter text, function name, tag or file path accepted from a webview, in characters. */
export const MAX_TEXT_LENGTH = 1000;
/** Ages the dashboard offers for clearing history, in seconds (0 clears every finished task). */
export const CLEAR_AGES_SECONDS = [0, 3600, 86_400, 7 * 86_400, 30 * 86_400] as const;
/** Largest age accepted for clearing history: ten years, in seconds. */
export const MAX_CLEAR_AGE_SECONDS = 10 * 365 * 86_400;
/** Largest 1-based line or column a frame link may name. */
const MAX_POSITION = 10_000_000;

/**
 * The parse function of a schema, with the model's messages (`params "limit" must be a whole number
 * from 1 to 500, got the number 0`), thrown as ProtocolError. Two cases the model words for callers
 * of the engine are worded here for nested params: a missing key, and an unknown key inside a
 * nested object, so the message names where it is.
 */
function parser<S extends v.GenericSchema>(schema: S, subject = "params"): (value: unknown) => v.InferOutput<S> {
  const keys = "entries" in schema ? Object.keys((schema as unknown as { entries: object }).entries) : undefined;
  return (value) => {
    // valibot's object schemas accept arrays (an array is an object); a webview never means one.
    if (keys && Array.isArray(value)) throw new ProtocolError(`${subject} ${(schema as { message?: unknown }).message}, got ${describeValue(value)}`);
    const result = v.safeParse(schema, value);
    if (result.success) return result.output;
    const issue = result.issues[0];
    const path = v.getDotPath(issue) ?? "";
    const dot = path.lastIndexOf(".");
    const parent = dot < 0 ? subject : `${subject} "${path.slice(0, dot)}"`;
    const key = path.slice(dot + 1);
    if (issue.type === "strict_object" || issue.type === "object") {
      if (issue.expected === "never" && dot >= 0) throw new ProtocolError(`${parent} has an unknown key "${key}"`, path);
      if (issue.expected === `"${key}"` && issue.input === undefined) throw new ProtocolError(`${subject} "${path}" is missing: ${parent} ${issue.message}`, path);
    }
    throw new ProtocolError(formatIssue(subject, issue, dot < 0 ? keys : undefined).message, path);
  };
}

const ID_MESSAGE = "must be a task id (UUID v4)";
/** A task id: a UUID v4 string, lower-cased. */
const TaskIdSchema = v.pipe(v.string(ID_MESSAGE), v.regex(TASK_ID, ID_MESSAGE), v.toLowerCase());

const TEXT_MESSAGE = `must be a string of at most ${MAX_TEXT_LENGTH} characters`;
const TextSchema = v.pipe(v.string(TEXT_MESSAGE), v.maxLength(MAX_TEXT_LENGTH, TEXT_MESSAGE));
/**
 * Optional text: null, undefined and "" all mean "not set" and become null. An optional with a
 * default, not a nullish, so the inferred field is `string | null` rather than optional.
 */
const OptionalTextSchema = v.optional(v.pipe(v.nullable(TextSchema), v.transform((value) => value || null)), null);

function wholeNumber(min: number, max?: number) {
  const message = max === undefined ? `must be a whole number >= ${min}` : `must be a whole number from ${min} to ${max}`;
  const bounded = v.pipe(v.number(message), v.safeInteger(message), v.minValue(min, message));
  return max === undefined ? bounded : v.pipe(bounded, v.maxValue(max, message));
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** A task id: a UUID v4 string. Returns it lower-cased; throws a ProtocolError naming `field`. */
export function parseTaskId(value: unknown, field = "taskId"): string {
  return parser(TaskIdSchema, field)(value);
}

const TaskIdParamsSchema = v.strictObject({ taskId: TaskIdSchema }, 'must be an object like { taskId: "<task id>" }');
const parseTaskIdParams = parser(TaskIdParamsSchema);
const parseEmpty = parser(v.optional(v.strictObject({}, "must be an empty object, or left out"), {}));

const STATUS_MESSAGE = `must be one of ${ALL_STATUSES.join(", ")}`;
const StatusesSchema = v.pipe(
  v.array(v.picklist(ALL_STATUSES as TaskStatus[], STATUS_MESSAGE), "must be an array of statuses (empty for every status)"),
  v.maxLength(ALL_STATUSES.length, `must list at most ${ALL_STATUSES.length} statuses`),
  v.transform(unique),
);

const SortSchema = v.strictObject({
  by: v.picklist(SORT_FIELDS, `must be one of ${SORT_FIELDS.join(", ")}`),
  order: v.picklist(["asc", "desc"], "must be asc or desc"),
}, 'must be an object like { by: "createdAt", order: "desc" }');

/** The dashboard's filters and sort, without the page. */
const FILTER_ENTRIES = {
  /** Empty means every status. */
  statuses: StatusesSchema,
  funcName: OptionalTextSchema,
  /** `key` or `key=value`. */
  tag: OptionalTextSchema,
  /** Case-insensitive text matched against name, id, error and tag values. */
  search: OptionalTextSchema,
  /** Ties are broken by task id, so pages never overlap. */
  sort: SortSchema,
};
const FILTERS_EXAMPLE = 'statuses: [], funcName: null, tag: null, search: null, sort: { by: "createdAt", order: "desc" }';
const QUERY_MESSAGE = `must be an object like { ${FILTERS_EXAMPLE}, limit: 25, offset: 0 }`;

const TaskFiltersSchema = v.strictObject(FILTER_ENTRIES, `must be an object like { ${FILTERS_EXAMPLE} }`);
const TaskQuerySchema = v.strictObject({
  ...FILTER_ENTRIES,
  /** Rows per page, 1..MAX_PAGE_SIZE. */
  limit: wholeNumber(1, MAX_PAGE_SIZE),
  offset: wholeNumber(0),
}, QUERY_MESSAGE);

/** The dashboard's filters, sort and page. */
export type TaskQuery = v.InferOutput<typeof TaskQuerySchema>;
/** The dashboard's filters and sort: a TaskQuery without limit and offset (exports take every row). */
export type TaskFilters = v.InferOutput<typeof TaskFiltersSchema>;

/** The sort the dashboard starts with: newest first. */
export const DEFAULT_SORT: TaskQuery["sort"] = { by: "createdAt", order: "desc" };

/** Validates a dashboard query from a webview. */
export const parseTaskQuery = parser(TaskQuerySchema);

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

/** A task the panel links to (a child it enqueued), with the times its timeline draws. */
export type TaskLink = Pick<TaskDict, "taskId" | "funcName" | "status" | "createdAt" | "startTime" | "endTime">;

/** Children shown in a task panel at most; `childCount` tells how many there are in all. */
export const MAX_PANEL_CHILDREN = 50;

/** Why a pending run has not started (the engine's FlowHold), in words the host wrote, times in local time. */
export interface HoldView {
  rule: FlowRule;
  /** `held: 1 running for key ada`, shown under the status. */
  summary: string;
  /** The same in full, for its tooltip. */
  detail: string;
}

/** A task as the task panel shows it: the model's JSON shape plus the resolved stack and its children. */
export interface TaskView extends TaskDict {
  stack: StackLine[];
  /** The tasks it enqueued, newest first, at most MAX_PANEL_CHILDREN. */
  children: TaskLink[];
  /** How many tasks it enqueued in all. */
  childCount: number;
  /** Why it has not started, while it is pending and held by a rule of its key; else null. */
  hold: HoldView | null;
  /** Why Debug Again is refused in this window (the shared queue, a database another process holds); absent when offered. */
  debugRefusal?: string;
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

/** The fields of a task the dashboard's table shows: no logs, no arguments, no result. */
export const TASK_ROW_FIELDS = ["taskId", "funcName", "status", "createdAt", "duration", "retriesUsed", "error", "tags"] as const satisfies ReadonlyArray<keyof TaskDict>;

/** A row of the dashboard's task table. */
export type TaskRow = Pick<TaskDict, (typeof TASK_ROW_FIELDS)[number]>;

/** The table row of a task. */
export function toTaskRow(task: TaskDict): TaskRow {
  return Object.fromEntries(TASK_ROW_FIELDS.map((key) => [key, task[key]])) as TaskRow;
}

export interface DashboardSummary {
  metrics: Metrics;
  functions: FunctionStats[];
}

export type ExportFormat = "csv" | "json";

/** webview -> host: the webview is loaded and wants a snapshot. */
export const Ready = command("ready", parseEmpty);

/** webview -> host (dashboard, task panel's parent and children links): open the task panel of a task. */
export const ShowTask = command("showTask", parseTaskIdParams);

/** webview -> host (task panel): retry a failed, interrupted or rejected task; result is the new task's id. */
export const RetryTask = request<"retryTask", { taskId: string }, { taskId: string }>("retryTask", parseTaskIdParams);

const STEP_KEY_MESSAGE = 'must be a step\'s name and occurrence such as "fetch#2"';
const ResumeTaskSchema = v.strictObject({
  taskId: TaskIdSchema,
  /** Null resumes after every completed step. */
  fromStep: v.optional(v.nullable(v.pipe(TextSchema, v.regex(/^.+#[1-9][0-9]*$/s, STEP_KEY_MESSAGE))), null),
}, 'must be an object like { taskId, fromStep: "fetch#2" } (fromStep null to resume after every completed step)');

/**
 * webview -> host (task panel): retry a failed, interrupted or cancelled run with its completed
 * steps (Resume), or only those before `fromStep` (Retry from here); result is the new task's id.
 */
export const ResumeTask = request<"resumeTask", { taskId: string; fromStep: string | null }, { taskId: string }>("resumeTask", parser(ResumeTaskSchema));

const ProvideInputSchema = v.strictObject({
  taskId: TaskIdSchema,
  name: v.pipe(TextSchema, v.minLength(1, TEXT_MESSAGE)),
  value: v.unknown(),
}, "must be an object like { taskId, name, value }");

/** webview -> host (task panel): the input a waiting run asked for; the engine checks it against the wait's schema. */
export const ProvideInput = request<"provideInput", { taskId: string; name: string; value: unknown }, Record<string, never>>("provideInput", parser(ProvideInputSchema));

/**
 * host -> webview: the task engine cannot answer yet (still starting after a reload, restarting,
 * no folder open); the host sends the data by itself once it can.
 */
export const EngineUnavailable = notification<"engineUnavailable", { message: string }>("engineUnavailable");

const NON_EMPTY_PATH = "must be a non-empty path";
const OpenFrameSchema = v.strictObject({
  path: v.pipe(TextSchema, v.check((path) => path.trim() !== "", NON_EMPTY_PATH)),
  line: wholeNumber(1, MAX_POSITION),
  /** @default 1 */
  column: v.optional(wholeNumber(1, MAX_POSITION), 1),
}, "must be an object like { path, line, column }");

/** webview -> host: open a workspace file at a line (the host checks it is inside a workspace folder). */
export const OpenFrame = command("openFrame", parser(OpenFrameSchema));

/**
 * webview -> host: cancel a pending or running task. `cancelled` is false when the task had
 * already finished, so there was nothing to cancel.
 */
export const CancelTask = request<"cancelTask", { taskId: string }, { cancelled: boolean }>("cancelTask", parseTaskIdParams);

/** webview -> host: run the task's function again with the same arguments and tags; result is the new id. */
export const RunAgain = request<"runAgain", { taskId: string }, { taskId: string }>("runAgain", parseTaskIdParams);

const RunWithArgumentsSchema = v.strictObject({
  taskId: TaskIdSchema,
  args: v.array(v.unknown(), "must be a JSON array of positional arguments"),
  kwargs: v.custom<Record<string, unknown>>(isPlainObject, "must be a JSON object of keyword arguments"),
}, 'must be an object like { taskId, args: [...], kwargs: {...} }');

/**
 * webview -> host (task panel): run the task's function again with edited arguments, in the same
 * queue, with the same priority and tags; result is the new task's id.
 */
export const RunWithArguments = request<"runWithArguments", { taskId: string; args: unknown[]; kwargs: Record<string, unknown> }, { taskId: string }>(
  "runWithArguments",
  parser(RunWithArgumentsSchema),
);

/** webview -> host: run one attempt of the task's function under the debugger with the same arguments; result is the new id. */
export const DebugAgain = request<"debugAgain", { taskId: string }, { taskId: string }>("debugAgain", parseTaskIdParams);

/** webview -> host (task panel): copy the run as a command that adds the same task (`taskflow run ...`, or curl to the HTTP API); result is the copied text. */
export const CopyRunAs = request<"copyRunAs", { taskId: string; form: "cli" | "curl" }, { text: string }>("copyRunAs", parser(v.strictObject({
  taskId: TaskIdSchema, form: v.picklist(["cli", "curl"], "must be cli or curl") }, 'must be an object like { taskId, form: "cli" }')));

/** host -> webview: the whole task (after `ready`, and when the panel is pointed at another task). Null when it no longer exists. */
export const TaskSnapshot = notification<"taskSnapshot", { taskId: string; task: TaskView | null }>("taskSnapshot");

/**
 * host -> webview: new log lines of the shown task, in order; `from` is the index of the first one
 * in the task's logs, so the webview can tell a gap (and ask again with `ready`).
 */
export const TaskLogAppended = notification<"taskLogAppended", { taskId: string; from: number; lines: string[] }>("taskLogAppended");

/** host -> webview: status, timings, attempts, progress, result, error, stack or children changed; logs are unchanged and not sent. */
export const TaskChanged = notification<"taskChanged", { taskId: string; task: Omit<TaskView, "logs"> }>("taskChanged");

/** host -> webview: metrics and per-function figures (after `ready`, and at most four times a second while tasks change). */
export const DashboardUpdated = notification<"dashboardUpdated", DashboardSummary>("dashboardUpdated");

/**
 * webview -> host: one page of the task table; result has the rows, the total matching and every
 * function name in the history (for the function filter).
 */
export const QueryTasks = request<"queryTasks", TaskQuery, { rows: TaskRow[]; total: number; funcNames: string[] }>(
  "queryTasks",
  parseTaskQuery,
);

const BULK_MESSAGE = `must be an array of 1 to ${MAX_BULK_RETRY} task ids`;
const RetryTasksSchema = v.strictObject({
  taskIds: v.pipe(v.array(TaskIdSchema, BULK_MESSAGE), v.minLength(1, BULK_MESSAGE), v.maxLength(MAX_BULK_RETRY, BULK_MESSAGE), v.transform(unique)),
}, "must be an object like { taskIds: [...] }");

/** webview -> host: retry these failed, interrupted or rejected tasks. */
export const RetryTasks = request<
  "retryTasks",
  { taskIds: string[] },
  { retried: Array<{ taskId: string; newTaskId: string }>; errors: Array<{ taskId: string; error: string }> }
>("retryTasks", parser(RetryTasksSchema));

const ClearHistorySchema = v.strictObject({ olderThanSeconds: wholeNumber(0, MAX_CLEAR_AGE_SECONDS) }, "must be an object like { olderThanSeconds: 3600 }");

/** webview -> host: delete finished tasks created more than `olderThanSeconds` ago (the host asks the user to confirm). */
export const ClearHistory = request<"clearHistory", { olderThanSeconds: number }, { deleted: number | null }>(
  "clearHistory",
  parser(ClearHistorySchema),
);

const ExportTasksSchema = v.strictObject({
  query: TaskFiltersSchema,
  format: v.picklist(["csv", "json"], "must be csv or json"),
}, 'must be an object like { query, format: "csv" }');

/** webview -> host: save every row matching the filters (not only the page) as CSV or JSON; result has the path, or null when the user cancelled. */
export const ExportTasks = request<"exportTasks", { query: TaskFilters; format: ExportFormat }, { path: string | null; count: number }>(
  "exportTasks",
  parser(ExportTasksSchema),
);

/** Most audit entries the dashboard may ask for at once. */
export const MAX_AUDIT_ENTRIES = 200;

const BucketSchema = v.strictObject({ bucket: v.picklist(["minute", "hour"], "must be minute or hour") }, 'must be an object like { bucket: "minute" }');

/** webview -> host (dashboard): finished tasks per minute or hour by outcome, the last 60 buckets, oldest first. */
export const QueryThroughput = request<"queryThroughput", { bucket: ThroughputBucketSize }, ThroughputBucket[]>("queryThroughput", parser(BucketSchema));

/** webview -> host (dashboard): every queue with its limits and what it holds. */
export const QueryQueues = request<"queryQueues", Record<string, never>, QueueInfo[]>("queryQueues", parseEmpty);

const QueuePausedSchema = v.strictObject({ name: TextSchema, paused: v.boolean("must be true or false") }, 'must be an object like { name: "emails", paused: true }');

/** webview -> host (dashboard): pause or resume a queue; result is every queue afterwards. */
export const SetQueuePaused = request<"setQueuePaused", { name: string; paused: boolean }, QueueInfo[]>("setQueuePaused", parser(QueuePausedSchema));

const ISO_MESSAGE = 'must be an ISO 8601 time like "2026-12-02T09:00:00Z"';
const RetryFailedSchema = v.strictObject({
  since: v.pipe(TextSchema, v.check((text) => /^\d{4}-\d\d-\d\d/.test(text.trim()) && Number.isFinite(Date.parse(text)), ISO_MESSAGE)),
}, 'must be an object like { since: "2026-12-02T09:00:00Z" }');

/**
 * webview -> host (dashboard): retry every failed, interrupted or rejected task created since then
 * (the host asks the user to confirm); `retried` is null when the user cancelled.
 */
export const RetryFailedSince = request<"retryFailedSince", { since: string }, { retried: number | null }>("retryFailedSince", parser(RetryFailedSchema));

const AuditSchema = v.strictObject({ limit: wholeNumber(1, MAX_AUDIT_ENTRIES) }, "must be an object like { limit: 50 }");

/** webview -> host (dashboard): the newest entries of the audit trail. */
export const QueryAudit = request<"queryAudit", { limit: number }, AuditEntry[]>("queryAudit", parser(AuditSchema));

/** Every command and request a task panel accepts. */
export const TASK_PANEL_INBOUND = [Ready, OpenFrame, RetryTask, ResumeTask, ProvideInput, CancelTask, RunAgain, RunWithArguments, DebugAgain, ShowTask, CopyRunAs] as const;
/** Every command and request the dashboard accepts. */
export const DASHBOARD_INBOUND = [
  Ready, ShowTask, QueryTasks, RetryTasks, ClearHistory, ExportTasks, QueryThroughput, QueryQueues, SetQueuePaused, RetryFailedSince, QueryAudit,
] as const;
