/**
 * The request bodies of the HTTP API as valibot schemas, and the check that answers a body that
 * fails its schema with 400 and a sentence naming the field, what was expected and what was got.
 *
 * A body checks what the HTTP layer adds (the task name, the arguments array, the keys a route
 * takes). Values the engine checks itself (addTask's options, a queue's settings, a schedule's
 * spec) are passed on untouched, typed but unchecked here, so the API refuses them with the
 * engine's own message.
 */
import * as v from "valibot";
import { describeValue, isPlainObject, type AddTasksItem, type ScheduleOptions } from "../model";
import { HttpError } from "./httpErrors";

/** A request body: its schema, and the example and name its error messages quote. */
export interface BodySpec<S extends v.GenericSchema = v.GenericSchema> {
  /** Checks the parsed JSON; the route's handler gets the output. */
  readonly schema: S;
  /** A good body, quoted when the body is not a JSON object. */
  readonly example: string;
  /** What the body is called where it refuses an unknown key (`bulk takes "task" and "items"`). */
  readonly name: string;
}

/** A valibot message: what was expected, what was got, and what to do when `hint` is given. */
function expected(text: string, hint?: string) {
  return (issue: v.BaseIssue<unknown>) => `${text}, got ${describeValue(issue.input)}${hint === undefined ? "" : `: ${hint}`}`;
}

/** A value the engine checks when it is used: typed for the client, passed on as it came. */
function checkedByEngine<T>() {
  return v.custom<T>(() => true);
}

const taskName = v.pipe(v.string(expected("must be the name of a task function")), v.nonEmpty(expected("must be the name of a task function")));
const trueOrFalse = v.boolean(expected("must be true or false"));
const taskIds = v.array(v.string(expected("must be a task id string")), expected("must be an array of task id strings"));

/** `POST /tasks`: the task, its arguments, and addTask's options (checked by addTask's schema, which names any key it does not know). */
export const ADD_TASK_BODY = {
  name: "addTask",
  example: `{ "task": "sendEmail", "args": ["a@example.com"] }`,
  schema: v.looseObject({ task: taskName, args: v.optional(v.array(v.unknown(), expected("must be a JSON array", "wrap it in [ ]"))) }),
} satisfies BodySpec;

/** `POST /tasks/bulk`: one run of `task` per item; each item is checked by addTasks, whose errors name its index. */
export const ADD_TASKS_BODY = {
  name: "bulk",
  example: `{ "task": "sendEmail", "items": [{ "args": ["a@example.com"] }] }`,
  schema: v.strictObject({
    task: taskName,
    items: v.array(checkedByEngine<AddTasksItem>(), expected("must be an array of { args, kwargs, tags, idempotencyKey }")),
  }),
} satisfies BodySpec;

/** `POST /tasks/bulk-retry` and `POST /tasks/delete`: the tasks to act on. */
export const TASK_IDS_BODY = {
  name: "taskIds",
  example: `{ "taskIds": ["..."] }`,
  schema: v.object({ taskIds }),
} satisfies BodySpec;

/** `POST /tasks/retry-failed`: the engine checks the values and skips tasks it cannot retry. */
export const RETRY_FAILED_BODY = {
  name: "retry-failed",
  example: `{ "since": "2026-12-01T00:00:00Z", "funcName": "sendEmail" }`,
  schema: v.strictObject({
    since: v.optional(v.string(expected(`must be an ISO time like "2026-12-01T00:00:00Z"`))),
    funcName: v.optional(checkedByEngine<string>()),
  }),
} satisfies BodySpec;

/** `POST /tasks/{id}/input`: the input's name and its value, any JSON (checked by provideInput against the wait's schema). */
export const INPUT_BODY = {
  name: "input",
  example: `{ "name": "approval", "value": { "approve": true } }`,
  schema: v.strictObject({
    name: v.pipe(v.string(expected("must be the name of the input the run waits for")), v.nonEmpty(expected("must be the name of the input the run waits for"))),
    value: v.custom<unknown>((value) => value !== undefined, expected("must be the input's value, any JSON", `like { "name": "approval", "value": true }`)),
  }),
} satisfies BodySpec;

/** `POST /tasks/{id}/retry`: optional; `resume` and `fromStep` (checked by retryTask, which names a step the run does not have). */
export const RETRY_BODY = {
  name: "retry",
  example: `{ "resume": true } or { "fromStep": "fetch#2" }`,
  schema: v.strictObject({
    resume: v.optional(trueOrFalse),
    fromStep: v.optional(v.string(expected(`must be a step's name and occurrence like "fetch#2"`))),
  }),
} satisfies BodySpec;

/** `PATCH /tasks/queues/{name}`: `paused` pauses or resumes; the other keys are configureQueue's settings, checked by its schema. */
export const PATCH_QUEUE_BODY = {
  name: "queue",
  example: `{ "paused": true, "concurrency": 2, "maxSize": 1000 }`,
  schema: v.looseObject({ paused: v.optional(trueOrFalse) }),
} satisfies BodySpec;

/** `POST /tasks/schedules`: schedule()'s arguments in one object; the spec and run arguments are checked by schedule() itself. */
export const SCHEDULE_BODY = {
  name: "A schedule",
  example: `{ "task": "report", "every": 300 } or { "task": "report", "cron": "0 9 * * 1-5", "timezone": "Europe/Berlin" }`,
  schema: v.strictObject({
    task: taskName,
    every: v.optional(checkedByEngine<number>()),
    cron: v.optional(checkedByEngine<string>()),
    timezone: v.optional(checkedByEngine<string>()),
    args: v.optional(checkedByEngine<ScheduleOptions["args"]>()),
    kwargs: v.optional(checkedByEngine<ScheduleOptions["kwargs"]>()),
    tags: v.optional(checkedByEngine<ScheduleOptions["tags"]>()),
    runOnStart: v.optional(trueOrFalse),
  }),
} satisfies BodySpec;

/** `"a", "b" and "c"`. */
function quotedList(keys: readonly string[]): string {
  const quoted = keys.map((k) => `"${k}"`);
  return quoted.length < 2 ? quoted.join("") : `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
}

function entriesOf(schema: v.GenericSchema): v.ObjectEntries {
  return "entries" in schema && isPlainObject(schema.entries) ? (schema.entries as v.ObjectEntries) : {};
}

/** The sentence for the first issue of a body. */
function issueMessage(body: BodySpec, issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue) ?? "";
  const entries = entriesOf(body.schema);
  if (issue.type === "strict_object" && issue.expected === "never") {
    return `${body.name} takes ${quotedList(Object.keys(entries))}, got the unknown key "${path}"`;
  }
  // A missing key is reported by the object with its own message: ask the key's schema instead.
  const missing = issue.input === undefined && issue.expected === `"${path}"` ? entries[path] : undefined;
  const own = missing ? v.safeParse(missing, undefined) : undefined;
  const message = own && !own.success ? own.issues[0].message : issue.message;
  return path === "" ? `Request body ${message}` : `"${path}" ${message}`;
}

/**
 * The body checked against its schema: an empty body counts as `{}`. Throws HttpError 400 when it
 * is not a JSON object or fails the schema.
 */
export function parseBody<S extends v.GenericSchema>(body: BodySpec<S>, value: unknown): v.InferOutput<S> {
  const input = value === undefined ? {} : value;
  if (!isPlainObject(input)) throw new HttpError(400, `Request body must be a JSON object like ${body.example}, got ${describeValue(input)}`);
  const result = v.safeParse(body.schema, input);
  if (result.success) return result.output;
  throw new HttpError(400, issueMessage(body, result.issues[0]));
}
