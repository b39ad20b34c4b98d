/**
 * A TaskflowClient that speaks the HTTP API, over TCP or the holder's local socket: the CLI (and a
 * second VS Code window) use the same interface whether the database is theirs or forwarded.
 *
 * Reads return promises. `registeredTasks()` stays synchronous: it answers from a list fetched by
 * `connect()` and kept current by the registry events while anyone listens to events.
 */
import { Agent, request as httpRequest, type IncomingMessage } from "node:http";
import {
  TaskRecord, isFinished,
  type AddTaskOptions, type AddTasksItem, type AuditActor, type AuditEntry, type AuditQuery, type ClearHistoryOptions, type Disposable, type Event, type FlowHold, type KeyInfo, type LifecycleEvent, type ListTasksQuery,
  type LogEvent, type Metrics, type ProgressEvent, type QueueInfo, type QueueOptions, type RegisteredTask, type RegistryChangeEvent, type RetryFailedOptions, type RetryOptions, type ScheduleInfo,
  type ScheduleOptions, type ScheduleSpec, type TaskflowClient, type TaskHandle, type ThroughputBucket, type ThroughputQuery,
} from "../model";
import { Emitter } from "../core/emitter";
import { errorFromResponse } from "./httpErrors";
import { API_ROUTES, EVENTS_ROUTE, fillPath, type AnyRoute, type RouteReply, type RouteRequest } from "./routeTable";
import { SseParser } from "./sseParser";

/** Where the API is and how to get in. Give `url` or `socketPath`. */
export interface HttpClientOptions {
  /** Base URL of a TCP server, like `http://127.0.0.1:7077`. */
  url?: string;
  /** A local socket path or Windows named pipe (the holder's forwarding endpoint). */
  socketPath?: string;
  /** The bearer token. */
  token: string;
  /**
   * Who the server records in its audit trail for what this client does, sent as the header
   * `X-Taskflow-Actor` (the CLI forwarding to a window sends "cli"). @default none: the server records "http"
   */
  actor?: AuditActor;
}

/** The request header naming the audit actor (see HttpClientOptions.actor). */
export const ACTOR_HEADER = "X-Taskflow-Actor";

/** The open event stream: its response once it answers, `ready` once the first event came. */
interface OpenStream {
  response?: IncomingMessage;
  ready: Promise<void>;
  close(): void;
}

/** The API over HTTP. Create it with `HttpTaskflowClient.connect(...)`; `dispose()` closes its connections. */
export class HttpTaskflowClient implements TaskflowClient {
  private readonly agent = new Agent({ keepAlive: true });
  private readonly base: URL;
  private functions: RegisteredTask[] = [];
  private readonly lifecycle = new Emitter<LifecycleEvent>();
  private readonly logs = new Emitter<LogEvent>();
  private readonly progress = new Emitter<ProgressEvent>();
  private readonly registry = new Emitter<RegistryChangeEvent>();
  private listeners = 0;
  private stream: OpenStream | undefined;
  private readonly waiters = new Map<string, Array<{ resolve(): void; reject(error: Error): void }>>();
  private disposed = false;
  private readonly views = new Map<AuditActor, HttpTaskflowClient>();

  readonly onLifecycle: Event<LifecycleEvent> = this.subscriber(this.lifecycle);
  readonly onLog: Event<LogEvent> = this.subscriber(this.logs);
  readonly onProgress: Event<ProgressEvent> = this.subscriber(this.progress);
  readonly onDidChangeRegistry: Event<RegistryChangeEvent> = this.subscriber(this.registry);

  private constructor(private readonly options: HttpClientOptions, private readonly parent?: HttpTaskflowClient) {
    if (options.url === undefined && options.socketPath === undefined) throw new TypeError("HttpTaskflowClient needs options.url or options.socketPath");
    this.base = new URL(options.url ?? "http://localhost");
  }

  /** Connects (fetching the registered task functions); rejects when the API cannot be reached or refuses the token. */
  static async connect(options: HttpClientOptions): Promise<HttpTaskflowClient> {
    const client = new HttpTaskflowClient(options);
    try {
      await client.refreshFunctions();
    } catch (error) {
      client.dispose();
      throw error;
    }
    return client;
  }

  registeredTasks(): RegisteredTask[] {
    return (this.parent ?? this).functions.map((f) => ({ ...f, config: { ...f.config } }));
  }

  /** Fetches the registered task functions again. */
  async refreshFunctions(): Promise<void> {
    (this.parent ?? this).functions = await this.call(API_ROUTES.registeredTasks);
  }

  async addTask(task: TaskHandle | string, args?: unknown[], options: AddTaskOptions = {}): Promise<string> {
    const name = typeof task === "string" ? task : task.taskName;
    const { taskId } = await this.call(API_ROUTES.addTask, { body: { task: name, ...(args === undefined ? {} : { args }), ...options } });
    return taskId;
  }

  async addTasks(task: TaskHandle | string, items: AddTasksItem[]): Promise<string[]> {
    const name = typeof task === "string" ? task : task.taskName;
    const { taskIds } = await this.call(API_ROUTES.addTasks, { body: { task: name, items } });
    return taskIds;
  }

  async getTask(taskId: string): Promise<TaskRecord | undefined> {
    try {
      return TaskRecord.fromDict(await this.call(API_ROUTES.getTask, { params: { id: taskId } }));
    } catch (error) {
      if (error instanceof Error && (error.name === "UnknownTaskError" || ("status" in error && error.status === 404))) return undefined;
      throw error;
    }
  }

  async listTasks(query?: ListTasksQuery): Promise<TaskRecord[]> {
    return (await this.call(API_ROUTES.listTasks, { query })).map((d) => TaskRecord.fromDict(d));
  }

  async countTasks(query?: ListTasksQuery): Promise<number> {
    return (await this.call(API_ROUTES.countTasks, { query })).count;
  }

  async funcNames(): Promise<string[]> {
    return this.call(API_ROUTES.funcNames);
  }

  async metrics(): Promise<Metrics> {
    return this.call(API_ROUTES.metrics);
  }

  /** Subscribes to events, then reads the task, so a change in between is not missed. */
  async waitFor(taskId: string): Promise<TaskRecord> {
    const finished = new Promise<void>((resolve, reject) => {
      const list = this.waiters.get(taskId) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(taskId, list);
    });
    finished.catch(() => undefined);
    const hold = this.onLifecycle(() => undefined);
    try {
      await this.stream!.ready;
      const record = await this.getTask(taskId);
      if (!record) throw errorFromResponse(404, { name: "UnknownTaskError", taskId, error: `Unknown task id "${taskId}": it may have been deleted or cleared from history` });
      if (!isFinished(record.status)) await finished;
      const done = await this.getTask(taskId);
      if (!done) throw errorFromResponse(404, { name: "UnknownTaskError", taskId, error: `Task ${taskId} was deleted while waiting for it` });
      return done;
    } finally {
      this.removeWaiters(taskId);
      hold.dispose();
    }
  }

  /** Resolves once the event stream is in place (it opens with the first event listener). */
  async eventsReady(): Promise<void> {
    if (!this.stream) throw new Error("No event stream is open: subscribe to onLifecycle or onLog first");
    await this.stream.ready;
  }

  /** The schedules (`GET /tasks/schedules`). */
  async listSchedules(): Promise<ScheduleInfo[]> {
    return this.call(API_ROUTES.listSchedules);
  }

  /** `POST /tasks/{id}/retry`, with `{ resume, fromStep }` when given. */
  async retryTask(taskId: string, options: RetryOptions = {}): Promise<string> {
    return (await this.call(API_ROUTES.retryTask, { params: { id: taskId }, body: options })).taskId;
  }

  /** `POST /tasks/{id}/input`: rejects as provideInput does locally (ValidationError, UnknownTaskError, TaskStateError). */
  async provideInput(taskId: string, name: string, value: unknown): Promise<void> {
    await this.call(API_ROUTES.provideInput, { params: { id: taskId }, body: { name, value } });
  }

  /** `POST /tasks/retry-failed`; resolves with the new ids (tasks the server could not retry are left out). */
  async retryFailed(options: RetryFailedOptions = {}): Promise<string[]> {
    const since = options.since instanceof Date ? options.since.toISOString() : options.since;
    const body = { ...(since === undefined ? {} : { since }), ...(options.funcName === undefined ? {} : { funcName: options.funcName }) };
    return (await this.call(API_ROUTES.retryFailed, { body })).taskIds;
  }

  async cancelTask(taskId: string): Promise<void> {
    await this.call(API_ROUTES.cancelTask, { params: { id: taskId } });
  }

  async deleteTasks(taskIds: string[]): Promise<number> {
    return (await this.call(API_ROUTES.deleteTasks, { body: { taskIds } })).deleted;
  }

  async clearHistory(options: ClearHistoryOptions = {}): Promise<number> {
    const query = options.olderThan ? { olderThanSeconds: Math.max(0, (Date.now() - options.olderThan.getTime()) / 1000) } : {};
    return (await this.call(API_ROUTES.clearHistory, { query })).deleted;
  }

  async configureQueue(name: string, options: QueueOptions): Promise<QueueInfo> {
    return this.call(API_ROUTES.patchQueue, { params: { name }, body: options });
  }

  async pauseQueue(name: string): Promise<void> {
    await this.call(API_ROUTES.patchQueue, { params: { name }, body: { paused: true } });
  }

  async resumeQueue(name: string): Promise<void> {
    await this.call(API_ROUTES.patchQueue, { params: { name }, body: { paused: false } });
  }

  async listQueues(): Promise<QueueInfo[]> {
    return this.call(API_ROUTES.listQueues);
  }

  listKeys(funcName: string, options: { limit?: number } = {}): Promise<KeyInfo[]> {
    return this.call(API_ROUTES.listKeys, { query: { funcName, ...options } });
  }

  flowHolds(): Promise<Record<string, FlowHold>> {
    return this.call(API_ROUTES.flowHolds);
  }

  async schedule(task: TaskHandle | string, spec: ScheduleSpec, options: ScheduleOptions = {}): Promise<string> {
    const body = { task: typeof task === "string" ? task : task.taskName, ...spec, ...options };
    return (await this.call(API_ROUTES.schedule, { body })).scheduleId;
  }

  async pauseSchedule(scheduleId: string): Promise<void> {
    await this.call(API_ROUTES.pauseSchedule, { params: { id: scheduleId } });
  }

  async resumeSchedule(scheduleId: string): Promise<void> {
    await this.call(API_ROUTES.resumeSchedule, { params: { id: scheduleId } });
  }

  async removeSchedule(scheduleId: string): Promise<void> {
    await this.call(API_ROUTES.removeSchedule, { params: { id: scheduleId } });
  }

  async runScheduleNow(scheduleId: string): Promise<string> {
    return (await this.call(API_ROUTES.runScheduleNow, { params: { id: scheduleId } })).taskId;
  }

  async audit(query: AuditQuery = {}): Promise<AuditEntry[]> {
    return this.call(API_ROUTES.audit, { query });
  }

  async throughput(query: ThroughputQuery): Promise<ThroughputBucket[]> {
    return this.call(API_ROUTES.throughput, { query });
  }

  /**
   * A client of the same API whose calls the server records as done by `actor`: one per actor, kept
   * until this client is disposed. It shares this client's list of task functions.
   */
  actingAs(actor: AuditActor): HttpTaskflowClient {
    const root = this.parent ?? this;
    if (actor === root.options.actor) return root;
    let view = root.views.get(actor);
    if (!view) root.views.set(actor, (view = new HttpTaskflowClient({ ...root.options, actor }, root)));
    return view;
  }

  /** Closes the event stream and the connections; waiting calls reject. */
  dispose(): void {
    this.disposed = true;
    this.views.forEach((view) => view.dispose());
    this.closeStream(new Error("The Taskflow client was disposed while waiting"));
    this.agent.destroy();
  }

  /** One request of a route; resolves with its reply, rejects with the model's error for an error status. */
  private call<S extends AnyRoute>(route: S, ...request: object extends RouteRequest<S> ? [RouteRequest<S>?] : [RouteRequest<S>]): Promise<RouteReply<S>>;
  private call(route: AnyRoute, request: { params?: Record<string, string>; body?: unknown; query?: unknown } = {}): Promise<unknown> {
    const params = request.query === undefined ? "" : String(route.query?.toParams(request.query) ?? "");
    const path = fillPath(route.path, request.params) + (params === "" ? "" : `?${params}`);
    const text = request.body === undefined ? undefined : JSON.stringify(request.body);
    return new Promise((resolve, reject) => {
      const req = httpRequest(this.requestOptions(route.method, path, text), (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown;
          try {
            parsed = raw === "" ? undefined : JSON.parse(raw);
          } catch {
            return reject(new Error(`The Taskflow API answered ${route.method} ${path} with ${res.statusCode} and a body that is not JSON: ${raw.slice(0, 80)}`));
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(route.reply(parsed));
          reject(Object.assign(errorFromResponse(status, parsed), { status }));
        });
      });
      req.on("error", (error) => reject(new Error(`Could not reach the Taskflow API at ${this.where()}: ${error.message}`)));
      req.end(text);
    });
  }

  private requestOptions(method: string, path: string, text?: string) {
    return {
      method,
      agent: this.agent,
      ...(this.options.socketPath !== undefined ? { socketPath: this.options.socketPath } : { hostname: this.base.hostname, port: this.base.port }),
      path,
      headers: {
        Host: this.options.socketPath !== undefined ? "localhost" : this.base.host,
        Authorization: `Bearer ${this.options.token}`,
        Accept: "application/json",
        ...(this.options.actor === undefined ? {} : { [ACTOR_HEADER]: this.options.actor }),
        ...(text === undefined ? {} : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) }),
      },
    };
  }

  private where(): string {
    return this.options.socketPath ?? this.base.origin;
  }

  /** An Event whose first listener opens the event stream and whose last one closes it. */
  private subscriber<T>(emitter: Emitter<T>): Event<T> {
    return (listener) => {
      const subscription = emitter.event(listener);
      this.listeners++;
      this.openStream();
      let disposed = false;
      return {
        dispose: () => {
          if (disposed) return;
          disposed = true;
          subscription.dispose();
          if (--this.listeners === 0) this.closeStream();
        },
      } satisfies Disposable;
    };
  }

  private openStream(): void {
    if (this.stream || this.disposed) return;
    let markReady!: () => void;
    let failReady!: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (failReady = reject)));
    ready.catch(() => undefined);
    const parser = new SseParser((kind, data) => this.dispatch(kind, data, markReady));
    const req = httpRequest({ ...this.requestOptions(EVENTS_ROUTE.method, EVENTS_ROUTE.path), agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return this.closeStream(new Error(`The Taskflow API refused its event stream at ${this.where()} (status ${res.statusCode})`));
      }
      stream.response = res;
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => parser.push(chunk));
      res.on("end", () => this.closeStream(new Error(`The Taskflow API at ${this.where()} closed its event stream (did its window or process stop?)`)));
    });
    req.on("error", (error) => this.closeStream(new Error(`Lost the Taskflow API's event stream at ${this.where()}: ${error.message}`)));
    req.end();
    const stream: OpenStream = {
      ready,
      close: () => {
        req.destroy();
        failReady(new Error("event stream closed"));
      },
    };
    this.stream = stream;
  }

  private closeStream(error?: Error): void {
    const stream = this.stream;
    this.stream = undefined;
    stream?.close();
    if (error) {
      for (const list of this.waiters.values()) list.forEach((w) => w.reject(error));
      this.waiters.clear();
    }
  }

  private dispatch(kind: string, data: unknown, markReady: () => void): void {
    const { events } = EVENTS_ROUTE;
    switch (kind) {
      case "ready":
        return markReady();
      case "lifecycle": {
        const event = events.lifecycle(data);
        this.lifecycle.fire(event);
        if (isFinished(event.status)) this.waiters.get(event.taskId)?.forEach((w) => w.resolve());
        return;
      }
      case "log":
        return this.logs.fire(events.log(data));
      case "progress":
        return this.progress.fire(events.progress(data));
      case "registry":
        void this.refreshFunctions().catch(() => undefined).then(() => this.registry.fire(events.registry(data)));
        return;
      default:
        return;
    }
  }

  private removeWaiters(taskId: string): void {
    this.waiters.delete(taskId);
  }
}
