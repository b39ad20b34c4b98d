/**
 * The endpoints of the HTTP API (design section 9), each a function of the client and the request.
 * Inputs are validated with the model's schemas, so the API refuses what `addTask` and `listTasks`
 * refuse, with the same message.
 */
import { describeValue, isPlainObject, parseListTasksQuery, type AddTasksItem, type ListTasksQuery, type TaskflowClient } from "../model";
import { HttpError } from "./httpErrors";
import { paramsToQuery } from "./queryParams";
import { SCHEDULE_ROUTES } from "./scheduleRoutes";

/** What a route gets. */
export interface RouteRequest {
  client: TaskflowClient;
  url: URL;
  /** Path segments captured by the route (a task id, a queue name). */
  params: string[];
  /** The JSON body, read on demand (size-limited). */
  body(): Promise<unknown>;
}

/** What a route answers: a status and a JSON body. */
export interface RouteResponse {
  status: number;
  body: unknown;
}

export interface Route {
  method: string;
  /** Matched against the whole path; groups become `params`. */
  pattern: RegExp;
  handle(request: RouteRequest): Promise<RouteResponse>;
}

const ok = (body: unknown, status = 200): RouteResponse => ({ status, body });

function objectBody(value: unknown, example: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw new HttpError(400, `Request body must be a JSON object like ${example}, got ${describeValue(value)}`);
  return value;
}

function idList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new HttpError(400, `"${field}" must be an array of task id strings, got ${describeValue(value)}`);
  }
  return value;
}

async function getTaskOr404(client: TaskflowClient, taskId: string) {
  const record = await client.getTask(taskId);
  if (!record) throw new HttpError(404, `Unknown task id "${taskId}": it may have been deleted or cleared from history`);
  return record;
}

function listQuery(url: URL): ListTasksQuery {
  return parseListTasksQuery(paramsToQuery(url.searchParams));
}

/** Retries every task of `ids`; failures are reported per task instead of failing the request. */
async function retryEach(client: TaskflowClient, ids: string[]) {
  const taskIds: string[] = [];
  const errors: Array<{ taskId: string; error: string }> = [];
  for (const id of ids) {
    try {
      taskIds.push(await client.retryTask(id));
    } catch (error) {
      errors.push({ taskId: id, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { taskIds, errors };
}

/**
 * `PATCH /tasks/queues/{name}`: `paused` pauses or resumes, the other keys are configureQueue's
 * settings (checked by its schema); answers with the queue's state.
 */
async function patchQueue(client: TaskflowClient, name: string, body: unknown) {
  const { paused, ...settings } = objectBody(body, `{ "paused": true, "concurrency": 2, "maxSize": 1000 }`);
  if (paused !== undefined && typeof paused !== "boolean") throw new HttpError(400, `"paused" must be true or false, got ${describeValue(paused)}`);
  if (Object.keys(settings).length > 0) await client.configureQueue(name, settings);
  if (paused === true) await client.pauseQueue(name);
  if (paused === false) await client.resumeQueue(name);
  return (await client.listQueues()).find((q) => q.name === name) ?? (await client.configureQueue(name, {}));
}

const ID = "([^/]+)";

export const ROUTES: Route[] = [
  { method: "GET", pattern: /^\/tasks$/, handle: async ({ client, url }) => ok((await client.listTasks(listQuery(url))).map((r) => r.toDict())) },
  {
    method: "POST",
    pattern: /^\/tasks$/,
    async handle({ client, body }) {
      const { task, args, ...options } = objectBody(await body(), `{ "task": "sendEmail", "args": ["a@example.com"] }`);
      if (typeof task !== "string" || task === "") throw new HttpError(400, `"task" must be the name of a task function, got ${describeValue(task)}`);
      if (args !== undefined && !Array.isArray(args)) throw new HttpError(400, `"args" must be a JSON array, got ${describeValue(args)}: wrap it in [ ]`);
      // The rest are addTask's options, checked by its schema (which names any key it does not know).
      // A full queue answers 409 (errorResponse), with the stored rejected run's taskId.
      return ok({ taskId: await client.addTask(task, args as unknown[] | undefined, options) }, 201);
    },
  },
  {
    method: "POST",
    pattern: /^\/tasks\/bulk$/,
    async handle({ client, body }) {
      const { task, items, ...rest } = objectBody(await body(), `{ "task": "sendEmail", "items": [{ "args": ["a@example.com"] }] }`);
      const unknown = Object.keys(rest);
      if (unknown.length > 0) throw new HttpError(400, `bulk takes "task" and "items", got the unknown key "${unknown[0]}"`);
      if (typeof task !== "string" || task === "") throw new HttpError(400, `"task" must be the name of a task function, got ${describeValue(task)}`);
      if (!Array.isArray(items)) throw new HttpError(400, `"items" must be an array of { args, kwargs, tags, idempotencyKey }, got ${describeValue(items)}`);
      // Each item is checked by addTasks, whose errors name the item's index.
      return ok({ taskIds: await client.addTasks(task, items as AddTasksItem[]) }, 201);
    },
  },
  { method: "GET", pattern: /^\/tasks\/count$/, handle: async ({ client, url }) => ok({ count: await client.countTasks(listQuery(url)) }) },
  { method: "GET", pattern: /^\/tasks\/metrics$/, handle: async ({ client }) => ok(await client.metrics()) },
  { method: "GET", pattern: /^\/tasks\/functions$/, handle: async ({ client }) => ok(client.registeredTasks()) },
  { method: "GET", pattern: /^\/tasks\/func-names$/, handle: async ({ client }) => ok(await client.funcNames()) },
  { method: "GET", pattern: /^\/tasks\/queues$/, handle: async ({ client }) => ok(await client.listQueues()) },
  { method: "GET", pattern: /^\/tasks\/schedules$/, handle: async ({ client }) => ok(await client.listSchedules()) },
  { method: "PATCH", pattern: new RegExp(`^/tasks/queues/${ID}$`), handle: async ({ client, params, body }) => ok(await patchQueue(client, params[0], await body())) },
  ...SCHEDULE_ROUTES,
  {
    method: "POST",
    pattern: /^\/tasks\/bulk-retry$/,
    handle: async ({ client, body }) => ok(await retryEach(client, idList(objectBody(await body(), `{ "taskIds": ["..."] }`).taskIds, "taskIds"))),
  },
  {
    method: "POST",
    pattern: /^\/tasks\/retry-failed$/,
    async handle({ client, body }) {
      const { since, funcName, ...rest } = objectBody(await body(), `{ "since": "2026-12-01T00:00:00Z", "funcName": "sendEmail" }`);
      const unknown = Object.keys(rest);
      if (unknown.length > 0) throw new HttpError(400, `retry-failed takes "since" and "funcName", got the unknown key "${unknown[0]}"`);
      if (since !== undefined && typeof since !== "string") {
        throw new HttpError(400, `"since" must be an ISO time like "2026-12-01T00:00:00Z", got ${describeValue(since)}`);
      }
      // The engine checks the values (ValidationError, 400) and skips tasks it cannot retry.
      const taskIds = await client.retryFailed({ ...(since === undefined ? {} : { since }), ...(funcName === undefined ? {} : { funcName: funcName as string }) });
      return ok({ taskIds, errors: [] });
    },
  },
  {
    method: "POST",
    pattern: /^\/tasks\/delete$/,
    handle: async ({ client, body }) => ok({ deleted: await client.deleteTasks(idList(objectBody(await body(), `{ "taskIds": ["..."] }`).taskIds, "taskIds")) }),
  },
  {
    method: "DELETE",
    pattern: /^\/tasks\/history$/,
    async handle({ client, url }) {
      const older = url.searchParams.get("olderThanSeconds");
      if (older === null) return ok({ deleted: await client.clearHistory() });
      const seconds = Number(older);
      if (older.trim() === "" || !Number.isFinite(seconds) || seconds < 0) {
        throw new HttpError(400, `olderThanSeconds must be a number of seconds >= 0, got ${JSON.stringify(older)}`);
      }
      return ok({ deleted: await client.clearHistory({ olderThan: new Date(Date.now() - seconds * 1000) }) });
    },
  },
  { method: "GET", pattern: new RegExp(`^/tasks/${ID}$`), handle: async ({ client, params }) => ok((await getTaskOr404(client, params[0])).toDict()) },
  {
    method: "GET",
    pattern: new RegExp(`^/tasks/${ID}/logs$`),
    async handle({ client, params }) {
      const record = await getTaskOr404(client, params[0]);
      return ok({ taskId: record.taskId, status: record.status, logs: record.logs });
    },
  },
  { method: "POST", pattern: new RegExp(`^/tasks/${ID}/retry$`), handle: async ({ client, params }) => ok({ taskId: await client.retryTask(params[0]) }, 201) },
  {
    method: "POST",
    pattern: new RegExp(`^/tasks/${ID}/cancel$`),
    async handle({ client, params }) {
      await client.cancelTask(params[0]);
      return ok({ taskId: params[0], status: "cancelled" });
    },
  },
];
