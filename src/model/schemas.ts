/**
 * The schemas of what callers give Taskflow: task config, addTask options and task queries. The
 * types are inferred from them and every layer (engine, module API, webview protocol, CLI, HTTP)
 * validates with them, so a value is accepted or refused, with the same message, wherever it enters.
 *
 * valibot, not zod: its functions are imported one by one and tree-shaken, so the webviews and the
 * runtime that task modules import carry a few kilobytes of it instead of zod's whole object model.
 */
import * as v from "valibot";
import { describeValue, isPlainObject } from "./describe";
import { parseKeyPath } from "./keyPath";
import { ScheduleSpecSchema, type ScheduleSpec } from "./schedules";
import { ALL_STATUSES, type TaskStatus } from "./status";

/** Thrown when a value does not match its schema; the message says what was expected and what was got. */
export class ValidationError extends TypeError {
  override readonly name = "ValidationError";
  constructor(
    message: string,
    /** Dot path of the first bad field, empty for the value itself. */
    readonly path: string,
  ) {
    super(message);
  }
}

/**
 * A strict object schema that also refuses arrays and class instances (valibot's object schemas
 * accept any non-null object), keeping `entries` for callers that list or extend the keys.
 */
function strictPlain<const E extends v.ObjectEntries>(entries: E, message: string) {
  const schema = v.pipe(v.custom<Record<string, unknown>>(isPlainObject, message), v.strictObject(entries, message));
  return Object.assign(schema, { entries });
}

const finite = (message: string) => v.pipe(v.number(message), v.finite(message));
const wholeAtLeast = (min: number, message: string) => v.pipe(v.number(message), v.safeInteger(message), v.minValue(min, message));
const bool = (message = "must be true or false") => v.boolean(message);
const queueName = v.pipe(v.string("must be a queue name (a non-empty string)"), v.nonEmpty("must be a queue name (a non-empty string)"));
const isValidDate = (value: unknown): boolean => value instanceof Date && !Number.isNaN(value.getTime());
// Date.parse accepts more than ISO 8601 ("Tue, 1 Dec"); a run time must be unambiguous.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;
const isIsoTime = (value: unknown): boolean => typeof value === "string" && ISO_TIME.test(value) && !Number.isNaN(Date.parse(value));

const keyPath = v.pipe(
  v.string("must be a key path like \"args[0]\", \"args[1].userId\", \"kwargs.tenant\" or \"tags.tenant\""),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const parsed = parseKeyPath(dataset.value);
    if (typeof parsed === "string") addIssue({ message: parsed });
  }),
);

/** Per task function configuration. Every field is optional. */
export const TaskConfigSchema = strictPlain({
  /** Display and lookup name, unique in a workspace. @default the export name (the function's name on a manager) */
  name: v.optional(v.pipe(
    v.string("must be a string"),
    v.nonEmpty("must not be empty: omit it to use the export name"),
    v.check((name) => name.trim() !== "", "must not be only spaces: give a name with letters, or omit it to use the export name"),
  )),
  /** Attempts allowed after the first failure. @default 0 */
  retries: v.optional(wholeAtLeast(0, "must be a whole number >= 0")),
  /** Seconds before the first retry. @default 0 */
  delay: v.optional(v.pipe(finite("must be a number of seconds >= 0"), v.minValue(0, "must be a number of seconds >= 0"))),
  /** Multiplier on the delay per retry: the wait before retry n (1-based) is `delay * backoff^(n-1)` seconds. @default 1 */
  backoff: v.optional(v.pipe(finite("must be a number > 0"), v.gtValue(0, "must be a number > 0"))),
  /** Upper bound, in seconds, on any single backoff wait. @default no bound */
  maxDelay: v.optional(v.pipe(finite("must be a number of seconds >= 0"), v.minValue(0, "must be a number of seconds >= 0"))),
  /** Random spread on each wait, 0..1: the wait is multiplied by a factor in `[1 - jitter, 1]`. @default 0 */
  jitter: v.optional(v.pipe(finite("must be a number from 0 to 1"), v.minValue(0, "must be a number from 0 to 1"), v.maxValue(1, "must be a number from 0 to 1"))),
  /** Seconds an attempt may run; then its signal aborts and it fails with a timeout error (a failure for retries). @default no timeout */
  timeout: v.optional(v.pipe(finite("must be a number of seconds > 0"), v.gtValue(0, "must be a number of seconds > 0"))),
  /** A pending task of this function survives shutdown (a window reload) and runs on the next start. @default false */
  persist: v.optional(bool()),
  /** A task running at shutdown goes back to pending instead of interrupted. Only for tasks safe to restart. @default false */
  requeueOnInterrupt: v.optional(bool()),
  /** Shown in pickers. */
  description: v.optional(v.string("must be a string")),
  /** The queue its runs join, unless addTask says otherwise. Queues are set up with `manager.configureQueue`. @default "default" */
  queue: v.optional(queueName),
  /** Priority of its runs, unless addTask says otherwise: within a queue, higher runs first, then first in first out. May be negative. @default 0 */
  priority: v.optional(finite("must be a finite number (higher runs first)")),
  /**
   * Runs it by itself: `{ every: 300 }` (seconds) or `{ cron: "0 9 * * 1-5", timezone: "Europe/Berlin" }`
   * (5 fields, or 6 with seconds first; IANA time zone, default the engine's local one). The manager
   * keeps one schedule for the task in step with this: created when the task registers, updated when
   * it changes, removed when it is removed. @default no schedule
   */
  schedule: v.optional(ScheduleSpecSchema),
  /**
   * At most `limit` runs of one key in progress at once; the key is the value at `key` (a path into
   * the run's input: "args[0]", "args[1].userId", "kwargs.tenant", "tags.tenant"). A run held by its
   * key stays pending and starts when its key has room, in priority then FIFO order; runs of other
   * keys start as usual. A run waiting (durable waits) does not count. @default no limit per key
   */
  concurrency: v.optional(strictPlain({
    key: keyPath,
    limit: wholeAtLeast(1, "must be a whole number >= 1 (runs of one key at once)"),
  }, "must be an object like { key: \"args[0]\", limit: 1 }")),
  /**
   * At most `max` starts of one key in any `perSeconds` seconds (a sliding window on the engine's
   * clock); a run over the limit stays pending until the window has room. @default no limit per key
   */
  rateLimit: v.optional(strictPlain({
    key: keyPath,
    max: wholeAtLeast(1, "must be a whole number >= 1 (starts per window)"),
    perSeconds: v.pipe(finite("must be a number of seconds > 0"), v.gtValue(0, "must be a number of seconds > 0")),
  }, "must be an object like { key: \"kwargs.tenant\", max: 10, perSeconds: 60 }")),
  /**
   * Adding a run whose key already has a pending, not yet started run of this function replaces that
   * run's input with the new one and restarts its wait of `seconds`; addTask returns that run's id.
   * A run starts `seconds` after the last add of its key. @default no debounce
   */
  debounce: v.optional(strictPlain({
    key: keyPath,
    seconds: v.pipe(finite("must be a number of seconds > 0"), v.gtValue(0, "must be a number of seconds > 0")),
  }, "must be an object like { key: \"args[0]\", seconds: 5 }")),
}, "must be an object like { retries: 3, delay: 1 }");

/** Per task function configuration. Every field is optional. */
export type TaskConfig = v.InferOutput<typeof TaskConfigSchema>;

/** Names of the TaskConfig fields. */
export const TASK_CONFIG_KEYS = Object.keys(TaskConfigSchema.entries) as Array<keyof TaskConfig>;

const tagKey = v.pipe(
  v.string(),
  v.nonEmpty("tag keys must be non-empty"),
  v.check((k) => !k.includes("="), "tag keys must not contain \"=\""),
);
const tagsSchema = v.pipe(
  v.custom<Record<string, unknown>>(isPlainObject, "must be an object of strings like { env: \"dev\" }"),
  v.record(tagKey, v.string("must be a string: tags map strings to strings")),
);

/** Options of `addTask`. */
export const AddTaskOptionsSchema = strictPlain({
  /** Keyword arguments: the task is called as `fn(...args, kwargs)` when not empty. JSON-serialisable. */
  kwargs: v.optional(v.custom<Record<string, unknown>>(isPlainObject, "must be a plain object")),
  /** While a task with this key exists and is not failed, interrupted or rejected, adding returns its id. */
  idempotencyKey: v.optional(v.pipe(v.string("must be a non-empty string"), v.nonEmpty("must be a non-empty string"))),
  /** String labels shown with the task and forwarded with every event. */
  tags: v.optional(tagsSchema),
  /** The queue the run joins. @default the task's config `queue`, else "default" */
  queue: v.optional(queueName),
  /** Within its queue, higher runs first, then first in first out. May be negative. @default the task's config `priority`, else 0 */
  priority: v.optional(finite("must be a finite number (higher runs first)")),
  /** Seconds to wait before the run may start; the task is pending until then and kept across restarts. Not with `runAt`. @default 0 */
  delay: v.optional(v.pipe(finite("must be a number of seconds >= 0"), v.minValue(0, "must be a number of seconds >= 0"))),
  /**
   * When the run may start: a Date or an ISO 8601 time like "2026-12-24T09:00:00Z". Pending until
   * then, kept across restarts whatever `persist` says, run once; a time in the past runs now. Not with `delay`.
   */
  runAt: v.optional(v.union([
    v.custom<Date>(isValidDate, "must be a valid Date"),
    v.custom<string>(isIsoTime, "must be an ISO 8601 time"),
  ], "must be a Date or an ISO 8601 time like \"2026-12-24T09:00:00Z\"")),
}, "must be an object like { kwargs, idempotencyKey, tags }");

/** Options of `addTask`. */
export type AddTaskOptions = v.InferOutput<typeof AddTaskOptionsSchema>;

/** One task of `addTasks`: its positional arguments and the options `addTask` takes. */
export interface AddTasksItem extends AddTaskOptions {
  /** Positional arguments, JSON-serialisable. @default [] */
  args?: unknown[];
}

/** The keys an `addTasks` item may have. */
export const ADD_TASKS_ITEM_KEYS: readonly string[] = ["args", ...Object.keys(AddTaskOptionsSchema.entries)];

const nullableWhole = (min: number, message: string) => v.nullable(wholeAtLeast(min, message));

/**
 * Settings of one queue (`configureQueue`). A key left out keeps its current value; `null` removes
 * the setting. Kept in memory: a new manager starts with every queue unlimited and running.
 */
export const QueueOptionsSchema = strictPlain({
  /** Runs of this queue in progress at once, within the manager's `maxConcurrentTasks`. @default null (only the global cap) */
  concurrency: v.optional(nullableWhole(1, "must be a whole number >= 1, or null for no limit of its own")),
  /** Pending tasks the queue may hold (waiting to start: ready, delayed or waiting for their function); addTask beyond it rejects with QueueFullError. @default null (no limit) */
  maxSize: v.optional(nullableWhole(0, "must be a whole number >= 0, or null for no limit")),
  /** At most `max` starts per sliding window of `perSeconds` seconds; a queue at its limit starts again as the window frees. @default null (no limit) */
  rateLimit: v.optional(v.nullable(strictPlain({
    /** Starts allowed per window. */
    max: wholeAtLeast(1, "must be a whole number >= 1"),
    /** Length of the window, in seconds. */
    perSeconds: v.pipe(finite("must be a number of seconds > 0"), v.gtValue(0, "must be a number of seconds > 0")),
  }, "must be an object like { max: 10, perSeconds: 1 }, or null for no limit"))),
}, "must be an object like { concurrency: 2, maxSize: 1000, rateLimit: { max: 10, perSeconds: 1 } }");

/** Settings of one queue (`configureQueue`). */
export type QueueOptions = v.InferOutput<typeof QueueOptionsSchema>;

/** Checks a queue name; throws a ValidationError saying what was got. */
export function parseQueueName(name: unknown): string {
  return parseWith(queueName, "Queue name", name);
}

/** Checks queue settings; throws a ValidationError naming the field, what was expected and what was got. */
export function parseQueueOptions(options: unknown): QueueOptions {
  return parseWith(QueueOptionsSchema, "Queue options", options ?? {});
}

/** What listTasks can sort by. */
export const SORT_FIELDS = ["createdAt", "duration", "funcName", "status"] as const;
export type SortField = (typeof SORT_FIELDS)[number];

const statusSchema = v.picklist(ALL_STATUSES as TaskStatus[], `must be one of ${ALL_STATUSES.join(", ")}`);
const idText = v.string("must be a string");

/** A query of `listTasks` and `countTasks`. Every filter is optional; filters combine with AND. */
export const ListTasksQuerySchema = strictPlain({
  /** One status or several. */
  status: v.optional(v.union([statusSchema, v.array(statusSchema, "must be a status or an array of statuses")], `must be one of ${ALL_STATUSES.join(", ")}, or an array of them`)),
  funcName: v.optional(idText),
  /** `key` (has the tag) or `key=value`. */
  tag: v.optional(idText),
  /** Case-insensitive text matched against the function name, id, error and tag values. */
  search: v.optional(v.string("must be a string")),
  /** Only tasks enqueued by this task. */
  parentId: v.optional(idText),
  queue: v.optional(idText),
  scheduleId: v.optional(idText),
  /** Only tasks created before this epoch-ms time. */
  createdBefore: v.optional(finite("must be epoch milliseconds")),
  /** @default { by: "createdAt", order: "desc" } (ties broken by taskId in the same order) */
  sort: v.optional(strictPlain({
    by: v.picklist(SORT_FIELDS, `must be one of ${SORT_FIELDS.join(", ")}`),
    order: v.optional(v.picklist(["asc", "desc"], "must be asc or desc")),
  }, "must be an object like { by: \"createdAt\", order: \"desc\" }")),
  /** Whether the records carry their log lines; false skips reading them. @default true */
  withLogs: v.optional(bool()),
  /** @default 100 */
  limit: v.optional(wholeAtLeast(0, "must be a whole number >= 0")),
  /** @default 0 */
  offset: v.optional(wholeAtLeast(0, "must be a whole number >= 0")),
}, "must be an object like { status: \"failed\", limit: 50 }");

/** A query of `listTasks` and `countTasks`. */
export type ListTasksQuery = v.InferOutput<typeof ListTasksQuerySchema>;

/** Default page size of listTasks when the query gives no limit. */
export const DEFAULT_LIST_LIMIT = 100;

function pathOf(issue: v.BaseIssue<unknown>): string {
  return v.getDotPath(issue) ?? "";
}

/**
 * A sentence for the first issue: `Task config "retries" must be a whole number >= 0, got the number 1.5`.
 * `subject` names the whole value (`Task config`, `addTask options`).
 */
export function formatIssue(subject: string, issue: v.BaseIssue<unknown>, allowedKeys?: readonly string[]): { message: string; path: string } {
  const path = pathOf(issue);
  const where = path === "" ? subject : `${subject} "${path}"`;
  if (issue.type === "strict_object" && issue.expected === "never" && path !== "") {
    const segments = path.split(".");
    const key = segments.pop() as string;
    const parent = segments.length > 0 ? ` "${segments.join(".")}"` : "";
    const known = allowedKeys ? `. Known keys: ${allowedKeys.join(", ")}` : ": remove it";
    return { message: `${subject}${parent} has an unknown key "${key}"${known}`, path };
  }
  return { message: `${where} ${issue.message}, got ${describeValue(issue.input)}`, path };
}

/**
 * Validates `value` against `schema`; returns the output or throws a ValidationError that says
 * what was expected and what was got.
 */
export function parseWith<S extends v.GenericSchema>(schema: S, subject: string, value: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  const allowed = "entries" in schema ? Object.keys((schema as unknown as { entries: object }).entries) : undefined;
  const first = result.issues[0];
  const nestedAllowed = first.path && first.path.length > 1 ? undefined : allowed;
  const { message, path } = formatIssue(subject, first, nestedAllowed);
  throw new ValidationError(message, path);
}

/** Checks a task config; throws a ValidationError naming the field. */
export function parseTaskConfig(config: unknown): TaskConfig {
  return parseWith(TaskConfigSchema, "Task config", config);
}

export function parseAddTaskOptions(options: unknown): AddTaskOptions {
  return parseWith(AddTaskOptionsSchema, "addTask options", options ?? {});
}

export function parseListTasksQuery(query: unknown): ListTasksQuery {
  return parseWith(ListTasksQuerySchema, "listTasks query", query ?? {});
}

/** Checks the shape of a schedule (`{ every }` or `{ cron, timezone? }`); throws a ValidationError naming the bad key. */
export function parseScheduleSpec(spec: unknown): ScheduleSpec {
  return parseWith(ScheduleSpecSchema, "Schedule", spec);
}
