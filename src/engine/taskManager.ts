import { randomUUID } from "node:crypto";
import type { TaskStore } from "../store/types";
import { systemClock, systemRandom } from "./clock";
import { Emitter } from "./emitter";
import { CancelledError, ShutdownError } from "./errors";
import { executeRun, TaskRun, type RunHost } from "./executor";
import { Fernet, FernetError } from "./fernet";
import { checkAddTaskInput } from "./addTaskInput";
import { makeHandle } from "./task";
import { TaskRegistry, type RegisterOptions } from "./taskRegistry";
import { addOutsideSink, consoleSink } from "./taskContext";
import { TaskRecord } from "./taskRecord";
import {
  FINISHED_STATUSES,
  type AddTaskOptions, type ClearHistoryOptions, type Clock, type LifecycleEvent, type ListTasksQuery, type LogEvent,
  type LogLevel, type Metrics, type RandomSource, type RegistryChangeEvent, type TaskConfig, type TaskFunction,
  type TaskHandle, type TaskManagerOptions, type TaskStatus,
} from "./types";

/** Opens the store a manager uses when `options.store` is not given (the package entry passes one). */
export type StoreFactory = (options: TaskManagerOptions) => TaskStore;

const DEFAULT_MAX_CONCURRENT = 4;
const DEFAULT_MAX_LOG_LINES = 10000;
const NOT_RAN = "Taskflow shut down before this task ran";
const SHUT_DOWN_RUNNING = "Taskflow shut down while this task was running";
const SHUT_DOWN_WAITING = "Taskflow shut down while this task waited for its next retry";
const PROCESS_EXITED = "The process running this task exited before it finished (found still running at the next start)";

function isFinished(status: TaskStatus): boolean {
  return FINISHED_STATUSES.includes(status);
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`TaskManager option ${name} must be a whole number >= 1, got ${String(value)}`);
  }
  return value;
}

/**
 * The task engine: registers task functions, enqueues, runs, retries, cancels and records tasks.
 * Every status change is saved to the store and emitted as a LifecycleEvent.
 */
export class TaskManager {
  private readonly store: TaskStore;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly fernet: Fernet | undefined;
  private readonly maxConcurrentTasks: number;
  private readonly maxLogLinesPerTask: number;
  private readonly requeuePending: boolean;
  private readonly outsideLog: (message: string, level: LogLevel) => void;

  private readonly registry = new TaskRegistry();
  /** Unfinished records this process knows: queued, parked, running or waiting to retry. */
  private readonly live = new Map<string, TaskRecord>();
  private readonly runs = new Map<string, TaskRun>();
  /** Task ids ready to run, FIFO. */
  private queue: string[] = [];
  /** Pending tasks whose function is not registered (yet); they run once it is. */
  private parked: string[] = [];
  /**
   * Runs a dead process left `running` whose function was not registered at start: they were marked
   * interrupted, and go back to pending if their function registers with requeueOnInterrupt
   * (workspace modules load after the store opens).
   */
  private recoveredWithoutFunction = new Map<string, string>();
  private readonly waiters = new Map<string, Array<{ resolve: (r: TaskRecord) => void; reject: (e: Error) => void }>>();
  private state: "new" | "starting" | "started" | "closing" | "closed" = "new";
  private startPromise: Promise<void> | undefined;
  private shutdownPromise: Promise<void> | undefined;
  private outsideSink: { dispose(): void } | undefined;
  private storeOpened = false;

  private readonly lifecycleEmitter: Emitter<LifecycleEvent>;
  private readonly logEmitter: Emitter<LogEvent>;
  private readonly registryEmitter: Emitter<RegistryChangeEvent>;
  /** Fired on every status change of every task. */
  readonly onLifecycle;
  /** Fired for every log line a task writes. */
  readonly onLog;
  /** Fired when a task function is registered or unregistered. */
  readonly onDidChangeRegistry;

  private readonly host: RunHost;

  constructor(options: TaskManagerOptions = {}, storeFactory?: StoreFactory) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? systemRandom;
    this.maxConcurrentTasks = positiveInteger("maxConcurrentTasks", options.maxConcurrentTasks, DEFAULT_MAX_CONCURRENT);
    this.maxLogLinesPerTask = positiveInteger("maxLogLinesPerTask", options.maxLogLinesPerTask, DEFAULT_MAX_LOG_LINES);
    this.requeuePending = options.requeuePending ?? true;
    const userSink = options.onOutsideLog ?? consoleSink;
    this.outsideLog = (message, level) => {
      try {
        userSink(message, level);
      } catch {
        // Nowhere left to report to; the engine must keep going.
      }
    };
    this.fernet = options.encryptArgsKey !== undefined ? new Fernet(options.encryptArgsKey) : undefined;
    const store = options.store ?? storeFactory?.(options);
    if (!store) {
      throw new Error(
        "TaskManager needs a store: pass options.store, or use TaskManager from the engine entry (dist/engine.js), which opens one from dbPath (or in memory)",
      );
    }
    this.store = store;
    const reportListenerError = (kind: string) => (error: unknown) =>
      this.outsideLog(`Taskflow: a ${kind} listener threw (ignored): ${error instanceof Error ? error.stack : String(error)}`, "error");
    this.lifecycleEmitter = new Emitter(reportListenerError("lifecycle"));
    this.logEmitter = new Emitter(reportListenerError("log"));
    this.registryEmitter = new Emitter(reportListenerError("registry"));
    this.onLifecycle = this.lifecycleEmitter.event;
    this.onLog = this.logEmitter.event;
    this.onDidChangeRegistry = this.registryEmitter.event;
    this.host = {
      clock: this.clock,
      random: this.random,
      transition: (run, status, changes) => {
        if (!run.detached) this.transition(run.record, status, changes, run);
      },
      log: (run, message, level, extra, marker) => {
        if (!run.detached) this.appendLog(run.record, run, message, level, extra, marker ?? false);
      },
      resolveArguments: (record) => this.resolveArguments(record),
    };
  }


  /** Registers a task function: `(fn)`, `(fn, config)`, `(config, fn)` or a handle from `task()`. */
  task<F extends TaskFunction>(fn: F | TaskHandle<F>, config?: TaskConfig, options?: RegisterOptions): TaskHandle<F>;
  task<F extends TaskFunction>(config: TaskConfig, fn: F | TaskHandle<F>, options?: RegisterOptions): TaskHandle<F>;
  task(a: unknown, b?: unknown, options: RegisterOptions = {}): TaskHandle {
    const { name, fn, config } = this.registry.register(a, b, options);
    this.registryEmitter.fire({ kind: "registered", name });
    this.requeueRecovered(name, config);
    const waiting = this.parked.filter((id) => this.live.get(id)?.funcName === name);
    if (waiting.length > 0) {
      this.parked = this.parked.filter((id) => !waiting.includes(id));
      this.queue.push(...waiting);
      this.pump();
    }
    return makeHandle(fn, config);
  }

  /** Removes a registration; a running task keeps the function it started with. Returns whether it existed. */
  unregisterTask(name: string): boolean {
    const existed = this.registry.unregister(name);
    if (existed) this.registryEmitter.fire({ kind: "unregistered", name });
    return existed;
  }

  registeredTasks(): Array<{ name: string; config: TaskConfig; source?: string }> {
    return this.registry.list().map((r) => ({ name: r.name, config: { ...r.config }, source: r.source }));
  }


  /** Opens the store, recovers tasks a dead process left running, and dispatches pending tasks. */
  start(): Promise<void> {
    if (this.state === "closing" || this.state === "closed") {
      return Promise.reject(new Error("TaskManager has shut down and cannot start again: create a new TaskManager"));
    }
    this.startPromise ??= this.doStart();
    return this.startPromise;
  }

  private async doStart(): Promise<void> {
    this.state = "starting";
    await this.store.open();
    this.storeOpened = true;
    for (const data of this.store.tasksWithStatus(["running"])) {
      const record = TaskRecord.fromData(data);
      if (this.registry.get(record.funcName)?.config.requeueOnInterrupt) {
        this.transition(record, "pending", { startTime: null, endTime: null, error: null, stacktrace: null });
      } else {
        if (!this.registry.get(record.funcName)) this.recoveredWithoutFunction.set(record.taskId, record.funcName);
        this.transition(record, "interrupted", { endTime: new Date(this.clock.now()), error: PROCESS_EXITED });
      }
    }
    if (this.requeuePending) {
      for (const data of this.store.tasksWithStatus(["pending"])) {
        if (!this.live.has(data.taskId)) this.live.set(data.taskId, TaskRecord.fromData(data));
        this.queue.push(data.taskId);
      }
    }
    this.outsideSink = addOutsideSink(this.outsideLog);
    this.state = "started";
    this.pump();
  }

  /**
   * Stops: running tasks become interrupted (or pending with requeueOnInterrupt), pending tasks of
   * persist functions stay pending, other pending tasks become interrupted. Flushes and closes the store.
   * Calling it again returns the same promise.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.doShutdown();
    return this.shutdownPromise;
  }

  private async doShutdown(): Promise<void> {
    const wasStarted = this.state !== "new";
    this.state = "closing";
    if (wasStarted) {
      try {
        await this.startPromise;
      } catch {
        // A failed start left nothing to stop; still close what can be closed.
      }
      const now = new Date(this.clock.now());
      for (const run of [...this.runs.values()]) {
        // A detached run (cancelled, still settling) no longer owns its record.
        if (run.detached) continue;
        run.detached = true;
        const { record, config } = run;
        if (record.status === "running") {
          if (config.requeueOnInterrupt) this.transition(record, "pending", { startTime: null, endTime: null });
          else this.transition(record, "interrupted", { endTime: now, error: SHUT_DOWN_RUNNING }, run);
        } else if (record.status === "pending" && !config.persist && !config.requeueOnInterrupt) {
          this.transition(record, "interrupted", { endTime: now, error: SHUT_DOWN_WAITING }, run);
        }
        run.controller.abort(new ShutdownError(SHUT_DOWN_RUNNING));
      }
      for (const id of this.queue) {
        const record = this.live.get(id);
        if (!record || record.status !== "pending") continue;
        if (!this.registry.get(record.funcName)?.config.persist) {
          this.transition(record, "interrupted", { endTime: now, error: NOT_RAN });
        }
      }
      this.queue = [];
      this.outsideSink?.dispose();
    }
    for (const [id, list] of this.waiters) {
      for (const w of list) w.reject(new Error(`TaskManager shut down before task ${id} finished; it stays pending in the store`));
    }
    this.waiters.clear();
    this.state = "closed";
    if (this.storeOpened) {
      await this.store.flush();
      await this.store.close();
    }
  }

  /** Resolves once every change made so far is durable in the store. */
  async flush(): Promise<void> {
    await this.openStore().flush();
  }


  /**
   * Enqueues a run of a registered task; resolves with its id. With an idempotency key already held
   * by a task that is not failed or interrupted, resolves with that task's id and enqueues nothing.
   */
  async addTask(handleOrName: TaskHandle | string, args: unknown[] = [], options: AddTaskOptions = {}): Promise<string> {
    await this.ready("addTask");
    const registration = this.registry.lookup(handleOrName);
    const input = checkAddTaskInput(registration.name, args, options);
    const key = input.idempotencyKey;
    if (key !== null) {
      const existing = this.store.findByIdempotencyKey(key);
      if (existing && existing.status !== "failed" && existing.status !== "interrupted") return existing.taskId;
    }
    const record = new TaskRecord({
      taskId: randomUUID(),
      funcName: registration.name,
      createdAt: new Date(this.clock.now()),
      idempotencyKey: key,
      tags: input.tags,
      ...(this.fernet
        ? { encryptedPayload: this.encryptArguments(input.args, input.kwargs) }
        : { args: input.args, kwargs: input.kwargs }),
    });
    return this.enqueue(record);
  }

  /** A new run of a failed or interrupted task with the same arguments (encrypted too) and tags. */
  async retryTask(taskId: string): Promise<string> {
    await this.ready("retryTask");
    const original = this.getTask(taskId);
    if (!original) throw new Error(`Unknown task id "${taskId}": it may have been deleted or cleared from history`);
    if (original.status !== "failed" && original.status !== "interrupted") {
      throw new Error(`Only failed or interrupted tasks can be retried; task ${taskId} is ${original.status}`);
    }
    const registration = this.registry.lookup(original.funcName);
    const record = new TaskRecord({
      taskId: randomUUID(),
      funcName: registration.name,
      createdAt: new Date(this.clock.now()),
      args: structuredClone(original.args),
      kwargs: structuredClone(original.kwargs),
      encryptedPayload: original.encryptedPayload ? Uint8Array.from(original.encryptedPayload) : null,
      idempotencyKey: original.idempotencyKey,
      tags: { ...original.tags },
    });
    return this.enqueue(record);
  }

  /** Cancels a pending or running task: a pending one never runs, a running one has its signal aborted. */
  async cancelTask(taskId: string): Promise<void> {
    await this.ready("cancelTask");
    const record = this.live.get(taskId) ?? this.getTask(taskId);
    if (!record) throw new Error(`Unknown task id "${taskId}": nothing to cancel`);
    if (isFinished(record.status)) {
      throw new Error(`Task ${taskId} is already ${record.status}; only pending or running tasks can be cancelled`);
    }
    const run = this.runs.get(taskId);
    if (run) run.detached = true;
    this.queue = this.queue.filter((id) => id !== taskId);
    this.parked = this.parked.filter((id) => id !== taskId);
    this.transition(record, "cancelled", { endTime: new Date(this.clock.now()) }, run);
    run?.controller.abort(new CancelledError(`task ${taskId} was cancelled`));
  }


  /** The live record when the task is in flight, else the stored one; undefined for an unknown id. */
  getTask(taskId: string): TaskRecord | undefined {
    const live = this.live.get(taskId);
    if (live) return live;
    const data = this.openStore().getTask(taskId);
    return data && TaskRecord.fromData(data);
  }

  /** Newest first, filtered and paged by the store; in-flight tasks are their live records. */
  listTasks(query: ListTasksQuery = {}): TaskRecord[] {
    return this.openStore().listTasks(query).map((d) => this.live.get(d.taskId) ?? TaskRecord.fromData(d));
  }

  countTasks(query: ListTasksQuery = {}): number {
    return this.openStore().countTasks(query);
  }

  metrics(): Metrics {
    return this.openStore().metrics();
  }

  /** Resolves with the record once the task is finished; rejects for an unknown id. */
  waitFor(taskId: string): Promise<TaskRecord> {
    if (this.state === "closing" || this.state === "closed") {
      return Promise.reject(new Error(`TaskManager has shut down: cannot wait for task ${taskId}`));
    }
    const record = this.live.get(taskId) ?? this.getTask(taskId);
    if (!record) return Promise.reject(new Error(`Unknown task id "${taskId}": nothing to wait for`));
    if (isFinished(record.status)) return Promise.resolve(record);
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(taskId) ?? [];
      list.push({ resolve, reject });
      this.waiters.set(taskId, list);
    });
  }

  /** Deletes tasks that are not running (nor waiting for a retry); returns how many were deleted. */
  deleteTasks(taskIds: string[]): number {
    const store = this.openStore();
    const deletable = taskIds.filter((id) => !this.runs.has(id));
    for (const id of deletable) {
      this.live.delete(id);
      for (const w of this.waiters.get(id) ?? []) w.reject(new Error(`Task ${id} was deleted before it finished`));
      this.waiters.delete(id);
    }
    this.queue = this.queue.filter((id) => !deletable.includes(id));
    this.parked = this.parked.filter((id) => !deletable.includes(id));
    return store.deleteTasks(deletable);
  }

  /** Deletes finished tasks (created before `olderThan` when given); returns how many. */
  clearHistory(options: ClearHistoryOptions = {}): number {
    return this.openStore().clearFinished(options.olderThan?.getTime());
  }


  private async ready(operation: string): Promise<void> {
    if (this.state === "starting") await this.startPromise;
    if (this.state === "new") throw new Error(`TaskManager is not started: await manager.start() before ${operation}()`);
    if (this.state !== "started") throw new Error(`TaskManager has shut down: ${operation}() needs a running manager`);
  }

  private openStore(): TaskStore {
    if (this.state === "new" || this.state === "starting") {
      throw new Error("TaskManager is not started: await manager.start() before reading tasks");
    }
    if (this.state === "closed") throw new Error("TaskManager has shut down: its store is closed");
    return this.store;
  }

  private encryptArguments(args: unknown[], kwargs: Record<string, unknown>): Uint8Array {
    const token = (this.fernet as Fernet).encrypt(JSON.stringify({ args, kwargs }), { now: this.clock.now() });
    return Buffer.from(token, "utf8");
  }

  /** See recoveredWithoutFunction: a late registration with requeueOnInterrupt requeues its runs. */
  private requeueRecovered(name: string, config: TaskConfig): void {
    if (this.state !== "started" && this.state !== "starting") return;
    for (const [id, funcName] of this.recoveredWithoutFunction) {
      if (funcName !== name) continue;
      this.recoveredWithoutFunction.delete(id);
      if (!config.requeueOnInterrupt) continue;
      const data = this.store.getTask(id);
      // Untouched since recovery only: a person may have retried or deleted it meanwhile.
      if (!data || data.status !== "interrupted" || data.error !== PROCESS_EXITED) continue;
      const record = TaskRecord.fromData(data);
      this.live.set(id, record);
      this.transition(record, "pending", { startTime: null, endTime: null, error: null, stacktrace: null });
      this.queue.push(id);
    }
    this.pump();
  }

  private enqueue(record: TaskRecord): string {
    this.live.set(record.taskId, record);
    this.transition(record, "pending", {});
    this.queue.push(record.taskId);
    this.pump();
    return record.taskId;
  }

  private pump(): void {
    if (this.state !== "started") return;
    while (this.runs.size < this.maxConcurrentTasks && this.queue.length > 0) {
      const id = this.queue.shift() as string;
      const record = this.live.get(id);
      if (!record || record.status !== "pending" || this.runs.has(id)) continue;
      const registration = this.registry.get(record.funcName);
      if (!registration) {
        this.parked.push(id);
        continue;
      }
      const run = new TaskRun(record, registration.fn, registration.config);
      this.runs.set(id, run);
      void executeRun(this.host, run)
        .catch((error: unknown) => this.outsideLog(`Taskflow: internal error running task ${id}: ${String(error)}`, "error"))
        .finally(() => {
          this.runs.delete(id);
          this.pump();
        });
    }
  }

  private resolveArguments(record: TaskRecord): { args: unknown[]; kwargs: Record<string, unknown> } {
    if (!record.encryptedPayload) return { args: record.args, kwargs: record.kwargs };
    if (!this.fernet) {
      throw new Error(
        `Task ${record.taskId} has encrypted arguments but this TaskManager has no encryptArgsKey: set the key the task was enqueued with, then retry it`,
      );
    }
    let plaintext: Buffer;
    try {
      plaintext = this.fernet.decrypt(Buffer.from(record.encryptedPayload).toString("utf8"));
    } catch (error) {
      const detail = error instanceof FernetError ? ` (${error.message})` : "";
      throw new Error(
        `The encryption key does not match the one the task was enqueued with, so its arguments cannot be decrypted${detail}. Set the original key and retry the task`,
      );
    }
    return JSON.parse(plaintext.toString("utf8")) as { args: unknown[]; kwargs: Record<string, unknown> };
  }

  private transition(record: TaskRecord, status: TaskStatus, changes: Partial<TaskRecord>, run?: TaskRun): void {
    Object.assign(record, changes);
    record.status = status;
    const finished = isFinished(status);
    if (finished && run && run.droppedLogLines > 0) {
      this.appendLog(record, undefined, `--- ${run.droppedLogLines} log lines dropped (limit ${this.maxLogLinesPerTask} per task) ---`, "warning", {}, true, run.attempt);
      run.droppedLogLines = 0;
    }
    this.guardStore(() => this.store.saveTask(record.toData()));
    if (finished) this.live.delete(record.taskId);
    else this.live.set(record.taskId, record);
    this.lifecycleEmitter.fire({
      taskId: record.taskId,
      funcName: record.funcName,
      status,
      timestamp: new Date(this.clock.now()).toISOString(),
      attempt: run?.attempt ?? record.retriesUsed,
      retriesUsed: record.retriesUsed,
      duration: record.duration,
      error: record.error,
      stacktrace: record.stacktrace,
      tags: { ...record.tags },
    });
    if (finished) {
      const list = this.waiters.get(record.taskId);
      this.waiters.delete(record.taskId);
      for (const w of list ?? []) w.resolve(record);
    }
  }

  private appendLog(
    record: TaskRecord, run: TaskRun | undefined, message: string, level: LogLevel, extra: Record<string, unknown>,
    marker: boolean, attempt = run?.attempt ?? record.retriesUsed,
  ): void {
    if (run && record.logs.length >= this.maxLogLinesPerTask) {
      run.droppedLogLines++;
      return;
    }
    const now = new Date(this.clock.now()).toISOString();
    const line = marker ? message : `${now.slice(0, 19)} ${message}`;
    record.logs.push(line);
    this.guardStore(() => this.store.appendLogs(record.taskId, [line]));
    this.logEmitter.fire({
      taskId: record.taskId, funcName: record.funcName, message, level, timestamp: now, attempt,
      tags: { ...record.tags }, extra, line,
    });
  }

  /** A store write that throws (a full disk) is reported, never allowed to break a task's bookkeeping. */
  private guardStore(write: () => void): void {
    try {
      write();
    } catch (error) {
      this.outsideLog(`Taskflow: could not save to the task store: ${error instanceof Error ? error.message : String(error)}`, "error");
    }
  }
}
