/**
 * Every endpoint of the HTTP API, declared once: its method, its path (a `{name}` segment is a
 * path parameter), the status of a successful answer, its body schema, its query parameters and
 * the type of its reply. The server dispatches through this table and checks bodies with its
 * schemas (src/http/router.ts); HttpTaskflowClient builds its requests from it and reads its replies
 * as the types declared here. An endpoint is one entry here and one handler on the server.
 *
 * Errors are not declared per route: every route answers an error with its status and the JSON
 * body `{ error, name, ... }` of httpErrors.ts.
 */
import type {
  AuditEntry, FlowHold, KeyInfo, LifecycleEvent, LogEvent, Metrics, ProgressEvent, QueueInfo, RegisteredTask, RegistryChangeEvent, ScheduleInfo, TaskDict, ThroughputBucket,
} from "../model";
import type * as v from "valibot";
import {
  ADD_TASKS_BODY, ADD_TASK_BODY, INPUT_BODY, PATCH_QUEUE_BODY, RETRY_BODY, RETRY_FAILED_BODY, SCHEDULE_BODY, TASK_IDS_BODY, type BodySpec,
} from "./requestBodies";
import { AUDIT_QUERY, CLEAR_HISTORY_QUERY, KEYS_QUERY, LIST_TASKS_QUERY, THROUGHPUT_QUERY, type QueryCodec } from "./routeQueries";

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

/** One endpoint. Build it with {@link route}. */
export interface RouteSpec<P extends string = string, B extends BodySpec | undefined = BodySpec | undefined, Q extends AnyQuery | undefined = AnyQuery | undefined, R = unknown> {
  readonly method: HttpMethod;
  /** Like `/tasks/{id}/logs`: a `{name}` segment matches any text up to the next slash, URL-decoded. */
  readonly path: P;
  /** Status of a successful answer: 200, or 201 for what creates a run or a schedule. */
  readonly status: 200 | 201;
  /** The JSON body it reads, or undefined when it reads none (a body sent anyway is not read). */
  readonly body: B;
  /** Its query parameters, or undefined when it takes none. */
  readonly query: Q;
  /** The reply's JSON as R. */
  readonly reply: (json: unknown) => R;
}

/** Any query codec (its methods take their own query: method syntax keeps them assignable here). */
export type AnyQuery = QueryCodec<unknown, unknown>;
export type AnyRoute = RouteSpec<string, BodySpec | undefined, AnyQuery | undefined, unknown>;

type ParamNames<P extends string> = P extends `${string}{${infer N}}${infer Rest}` ? N | ParamNames<Rest> : never;
/** The path parameters of a path: `{ id: string }` for `/tasks/{id}`. */
export type PathParams<P extends string> = Record<ParamNames<P>, string>;

type ParamsPart<P extends string> = [ParamNames<P>] extends [never] ? unknown : { params: PathParams<P> };
type BodyPart<B> = B extends BodySpec<infer S> ? (undefined extends v.InferInput<S> ? { body?: v.InferInput<S> } : { body: v.InferInput<S> }) : unknown;
type QueryPart<Q> = Q extends { toParams(query: infer In): URLSearchParams } ? { query?: In } : unknown;
/** What a client gives to call a route: its path parameters, body and query, each only when the route has one. */
export type RouteRequest<S extends AnyRoute> = ParamsPart<S["path"]> & BodyPart<S["body"]> & QueryPart<S["query"]>;
/** What a route answers with. */
export type RouteReply<S extends AnyRoute> = ReturnType<S["reply"]>;

/**
 * The reply read as T. Not checked at run time: the server's handler for the route is typed to
 * return T by this same table, so both ends agree at compile time.
 */
function reply<T>(): (json: unknown) => T {
  return (json) => json as T;
}

/** An endpoint; `status` defaults to 200, `body` and `query` to none. */
function route<const P extends string, R, B extends BodySpec | undefined = undefined, Q extends AnyQuery | undefined = undefined>(spec: {
  method: HttpMethod;
  path: P;
  status?: 200 | 201;
  body?: B;
  query?: Q;
  reply: (json: unknown) => R;
}): RouteSpec<P, B, Q, R> {
  return { method: spec.method, path: spec.path, status: spec.status ?? 200, body: spec.body as B, query: spec.query as Q, reply: spec.reply };
}

type TaskIdsReply = { taskIds: string[]; errors: Array<{ taskId: string; error: string }> };

/** The endpoints of the HTTP API, by the name of what they do. */
export const API_ROUTES = {
  listTasks: route({ method: "GET", path: "/tasks", query: LIST_TASKS_QUERY, reply: reply<TaskDict[]>() }),
  addTask: route({ method: "POST", path: "/tasks", status: 201, body: ADD_TASK_BODY, reply: reply<{ taskId: string }>() }),
  addTasks: route({ method: "POST", path: "/tasks/bulk", status: 201, body: ADD_TASKS_BODY, reply: reply<{ taskIds: string[] }>() }),
  countTasks: route({ method: "GET", path: "/tasks/count", query: LIST_TASKS_QUERY, reply: reply<{ count: number }>() }),
  metrics: route({ method: "GET", path: "/tasks/metrics", reply: reply<Metrics>() }),
  registeredTasks: route({ method: "GET", path: "/tasks/functions", reply: reply<RegisteredTask[]>() }),
  funcNames: route({ method: "GET", path: "/tasks/func-names", reply: reply<string[]>() }),
  listQueues: route({ method: "GET", path: "/tasks/queues", reply: reply<QueueInfo[]>() }),
  patchQueue: route({ method: "PATCH", path: "/tasks/queues/{name}", body: PATCH_QUEUE_BODY, reply: reply<QueueInfo>() }),
  /** The keys of a function with flow control per key, busiest first (400 without funcName). */
  listKeys: route({ method: "GET", path: "/tasks/keys", query: KEYS_QUERY, reply: reply<KeyInfo[]>() }),
  /** The pending runs held by a rule of their key, by task id. */
  flowHolds: route({ method: "GET", path: "/tasks/holds", reply: reply<Record<string, FlowHold>>() }),
  listSchedules: route({ method: "GET", path: "/tasks/schedules", reply: reply<ScheduleInfo[]>() }),
  schedule: route({ method: "POST", path: "/tasks/schedules", status: 201, body: SCHEDULE_BODY, reply: reply<{ scheduleId: string }>() }),
  /** Answers with the schedule's info (just its id should it be gone by then). */
  pauseSchedule: route({ method: "POST", path: "/tasks/schedules/{id}/pause", reply: reply<ScheduleInfo | { scheduleId: string }>() }),
  resumeSchedule: route({ method: "POST", path: "/tasks/schedules/{id}/resume", reply: reply<ScheduleInfo | { scheduleId: string }>() }),
  runScheduleNow: route({ method: "POST", path: "/tasks/schedules/{id}/run", status: 201, reply: reply<{ taskId: string }>() }),
  removeSchedule: route({ method: "DELETE", path: "/tasks/schedules/{id}", reply: reply<{ scheduleId: string; removed: true }>() }),
  audit: route({ method: "GET", path: "/tasks/audit", query: AUDIT_QUERY, reply: reply<AuditEntry[]>() }),
  throughput: route({ method: "GET", path: "/tasks/throughput", query: THROUGHPUT_QUERY, reply: reply<ThroughputBucket[]>() }),
  /** Retries each task; one that cannot be retried is listed in `errors` instead of failing the request. */
  bulkRetry: route({ method: "POST", path: "/tasks/bulk-retry", body: TASK_IDS_BODY, reply: reply<TaskIdsReply>() }),
  /** `errors` is always empty: the engine skips the tasks it cannot retry. */
  retryFailed: route({ method: "POST", path: "/tasks/retry-failed", body: RETRY_FAILED_BODY, reply: reply<TaskIdsReply>() }),
  deleteTasks: route({ method: "POST", path: "/tasks/delete", body: TASK_IDS_BODY, reply: reply<{ deleted: number }>() }),
  clearHistory: route({ method: "DELETE", path: "/tasks/history", query: CLEAR_HISTORY_QUERY, reply: reply<{ deleted: number }>() }),
  getTask: route({ method: "GET", path: "/tasks/{id}", reply: reply<TaskDict>() }),
  taskLogs: route({ method: "GET", path: "/tasks/{id}/logs", reply: reply<Pick<TaskDict, "taskId" | "status" | "logs">>() }),
  /** A new run of the task; the optional body `{ resume, fromStep }` starts it from the original's recorded steps. */
  retryTask: route({ method: "POST", path: "/tasks/{id}/retry", status: 201, body: RETRY_BODY, reply: reply<{ taskId: string }>() }),
  /** Gives a waiting run the input it waits for: 400 for a value its schema refuses, 409 when it does not wait for that input. */
  provideInput: route({ method: "POST", path: "/tasks/{id}/input", body: INPUT_BODY, reply: reply<{ taskId: string }>() }),
  cancelTask: route({ method: "POST", path: "/tasks/{id}/cancel", reply: reply<{ taskId: string; status: "cancelled" }>() }),
} as const;

export type RouteName = keyof typeof API_ROUTES;

/**
 * `GET /tasks/events`: server-sent events (eventStream.ts) rather than one JSON reply; `events`
 * gives each kind's data. A first `ready` says the subscriptions are in place.
 */
export const EVENTS_ROUTE = {
  method: "GET",
  path: "/tasks/events",
  events: {
    ready: reply<Record<string, never>>(),
    lifecycle: reply<LifecycleEvent>(),
    log: reply<LogEvent>(),
    progress: reply<ProgressEvent>(),
    registry: reply<RegistryChangeEvent>(),
  },
} as const;

/** The kinds of event of `GET /tasks/events`. */
export type EventKind = keyof typeof EVENTS_ROUTE.events;
/** The data of an event of that kind. */
export type EventData<K extends EventKind> = ReturnType<(typeof EVENTS_ROUTE.events)[K]>;

/** The path with its parameters filled in, each URL-encoded. */
export function fillPath(path: string, params: Readonly<Record<string, string>> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`The path ${path} needs the parameter "${name}", got none`);
    return encodeURIComponent(value);
  });
}
