import type { TaskStore } from "../store/types";
import { ActorClient } from "./actorClient";
import { ArgumentCipher } from "../core/argumentCipher";
import { AuditTrail } from "./auditTrail";
import { systemClock, systemRandom } from "../core/clock";
import { Dispatcher } from "./dispatcher";
import { Emitter } from "../core/emitter";
import { recordToLogFile, type LogSink, type LogSinkFactory } from "./logFileRecorder";
import { containedSink, positiveInteger } from "../core/managerHelpers";
import { Recovery } from "./recovery";
import { localRunHost } from "./runHost";
import { makeHandle } from "../core/task";
import { addOutsideSink, consoleSink } from "../core/taskContext";
import { TaskLedger } from "./taskLedger";
import { TaskOperations } from "./taskOperations";
import { TaskRecord } from "./taskRecord";
import { TaskRegistry, type RegisterOptions } from "../core/taskRegistry";
import { WaitingRuns } from "./waitingRuns";
import {
  isFinished, resolveThroughputQuery, UnknownTaskError,
  type AddTaskOptions, type AddTasksItem, type AuditActor, type AuditEntry, type AuditQuery, type ClearHistoryOptions, type Clock, type Event, type FlowHold, type KeyInfo,
  type LifecycleEvent, type ListTasksQuery, type LogEvent, type LogLevel, type Metrics, type ProgressEvent, type QueueInfo, type QueueOptions,
  type RegisteredTask, type RegistryChangeEvent, type RetryFailedOptions, type RetryOptions, type ScheduleInfo, type ScheduleOptions, type ScheduleSpec,
  type TaskConfig, type TaskflowClient, type TaskFunction, type TaskHandle, type TaskManagerOptions, type ThroughputBucket, type ThroughputQuery,
} from "../core/types";

/** Opens the store a manager uses when `options.store` is not given (the package entry passes one). */
export type StoreFactory = (options: TaskManagerOptions) => TaskStore;

const DEFAULT_MAX_CONCURRENT = 4;
const DEFAULT_MAX_LOG_LINES = 10000;
const DEFAULT_KEYS_LIMIT = 20;

/**
 * The task engine: registers task functions, enqueues, runs, retries, cancels and records tasks.
 * Every status change is saved to the store and emitted as a LifecycleEvent.
 */
export class TaskManager implements TaskflowClient {
  private readonly store: TaskStore;
  private readonly clock: Clock;
  private readonly cipher: ArgumentCipher;
  private readonly requeuePending: boolean;
  private readonly outsideLog: (message: string, level: LogLevel) => void;

  private readonly registry = new TaskRegistry();
  private readonly ledger: TaskLedger;
  private readonly dispatcher: Dispatcher;
  private readonly recovery: Recovery;
  private readonly waits: WaitingRuns;
  private readonly ops: TaskOperations;
  private readonly trail: AuditTrail;
  /** This manager as the "api" actor: its changing calls go through here to be recorded. */
  private readonly asApi: ActorClient;
  private state: "new" | "starting" | "started" | "closing" | "closed" = "new";
  private startPromise: Promise<void> | undefined;
  private shutdownPromise: Promise<void> | undefined;
  private outsideSink: { dispose(): void } | undefined;
  private storeOpened = false;
  private readonly logFile: LogSink | undefined;

  private readonly registryEmitter: Emitter<RegistryChangeEvent>;
  /** Fired on every status change of every task. */
  readonly onLifecycle: Event<LifecycleEvent>;
  /** Fired for every log line a task writes. */
  readonly onLog: Event<LogEvent>;
  /** Fired each time a running task calls reportProgress(). */
  readonly onProgress: Event<ProgressEvent>;
  /** Fired when a task function is registered or unregistered. */
  readonly onDidChangeRegistry: Event<RegistryChangeEvent>;

  constructor(options: TaskManagerOptions = {}, storeFactory?: StoreFactory, logSinkFactory?: LogSinkFactory) {
    this.clock = options.clock ?? systemClock;
    const maxConcurrentTasks = positiveInteger("maxConcurrentTasks", options.maxConcurrentTasks, DEFAULT_MAX_CONCURRENT);
    const maxLogLinesPerTask = positiveInteger("maxLogLinesPerTask", options.maxLogLinesPerTask, DEFAULT_MAX_LOG_LINES);
    this.requeuePending = options.requeuePending ?? true;
    this.outsideLog = containedSink(options.onOutsideLog ?? consoleSink);
    this.cipher = new ArgumentCipher(options.encryptArgsKey, this.clock);
    if (options.logFile !== undefined && !logSinkFactory) throw new Error("TaskManager option logFile needs the engine entry (dist/engine.js), which writes the file");
    this.logFile = options.logFile === undefined ? undefined : logSinkFactory!(options.logFile, (message) => this.outsideLog(message, "warning"));
    const store = options.store ?? storeFactory?.(options);
    if (!store) {
      throw new Error(
        "TaskManager needs a store: pass options.store, or use TaskManager from the engine entry (dist/engine.js), which opens one from dbPath (or in memory)",
      );
    }
    this.store = store;
    const ledger = new TaskLedger({
      store, clock: this.clock, report: this.outsideLog,
      settled: (record, status) => this.waits.settled(record, status),
    });
    this.ledger = ledger;
    this.registryEmitter = new Emitter(ledger.listenerErrorReporter("registry"));
    this.onLifecycle = ledger.lifecycle.event;
    this.onLog = ledger.logs.event;
    this.onProgress = ledger.progress.events.event;
    this.onDidChangeRegistry = this.registryEmitter.event;
    if (this.logFile) recordToLogFile(this.logFile, this.onLog, this.onLifecycle);
    const host = localRunHost({
      clock: this.clock, random: options.random ?? systemRandom, maxLogLinesPerTask, ledger, store, cipher: this.cipher,
      enqueueChild: (run, task, args, options) => this.ops.addRun("enqueue", task, args, options, run.record),
    });
    this.dispatcher = new Dispatcher({
      maxConcurrentTasks, registry: this.registry, live: ledger.live, host, delegateAttempt: options.delegateAttempt,
      canStart: () => this.state === "started",
      report: this.outsideLog,
    });
    this.waits = new WaitingRuns({
      clock: this.clock, live: ledger.live,
      isFinished: (id) => {
        const record = ledger.live.get(id);
        return record === undefined ? this.store.getTask(id) !== undefined : isFinished(record.status);
      },
      resume: (records) => this.ops.resumeWaiting(records),
    });
    this.recovery = new Recovery({ store, clock: this.clock, registry: this.registry, ledger, dispatcher: this.dispatcher });
    this.ops = new TaskOperations({
      store, clock: this.clock, cipher: this.cipher, registry: this.registry, ledger, dispatcher: this.dispatcher, report: this.outsideLog,
      ready: (operation) => (this.state === "started" ? undefined : this.ready(operation)), openStore: () => this.openStore(),
    });
    const openStore = (): TaskStore | undefined => (this.storeOpened && this.state !== "closed" ? this.store : undefined);
    this.trail = new AuditTrail(openStore, this.clock, () => this.state !== "new" && this.state !== "starting");
    this.asApi = new ActorClient(this, this.ops, this.trail, "api");
  }

  /** Registers a task function: `(fn)`, `(fn, config)`, `(config, fn)` or a handle from `task()`. */
  task<F extends TaskFunction>(fn: F | TaskHandle<F>, config?: TaskConfig, options?: RegisterOptions): TaskHandle<F>;
  task<F extends TaskFunction>(config: TaskConfig, fn: F | TaskHandle<F>, options?: RegisterOptions): TaskHandle<F>;
  task(a: unknown, b?: unknown, options: RegisterOptions = {}): TaskHandle {
    const { name, fn, config } = this.registry.register(a, b, options);
    this.registryEmitter.fire({ kind: "registered", name });
    if (this.state === "started" || this.state === "starting") this.recovery.functionRegistered(name, config);
    this.dispatcher.release(name);
    this.ops.scheduler.taskRegistered(name, config.schedule ?? null);
    return makeHandle(fn, config);
  }

  /**
   * Removes a registration; a running task keeps the function it started with. Returns whether it
   * existed. With `dropModuleSchedule` the task's schedule from its module's `schedule` config goes
   * too (the runtime passes it when the module or the task left the workspace, not on a reload).
   */
  unregisterTask(name: string, options: { dropModuleSchedule?: boolean } = {}): boolean {
    if (options.dropModuleSchedule === true && this.state !== "closing" && this.state !== "closed") this.ops.scheduler.moduleTaskRemoved(name);
    const existed = this.registry.unregister(name);
    if (existed) this.registryEmitter.fire({ kind: "unregistered", name });
    return existed;
  }

  registeredTasks(): RegisteredTask[] {
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
    this.trail.storeOpened();
    this.recovery.recoverAtStart(this.requeuePending, (record) => this.waits.track(record));
    for (const { name, flow } of this.registry.list()) if (flow !== undefined) this.dispatcher.flow.rulesChanged(name, flow);
    this.outsideSink = addOutsideSink(this.outsideLog);
    this.state = "started";
    this.ops.scheduler.start();
    this.dispatcher.pump();
  }

  /**
   * Stops: running tasks become interrupted (or pending with requeueOnInterrupt), pending tasks of
   * persist functions and one-off runs (runAt or delay) stay pending, other pending tasks become
   * interrupted. Flushes and closes the store. Calling it again returns the same promise.
   */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.doShutdown();
    return this.shutdownPromise;
  }

  private async doShutdown(): Promise<void> {
    const wasStarted = this.state !== "new";
    this.state = "closing";
    this.ops.scheduler.stop();
    if (wasStarted) {
      try {
        await this.startPromise;
      } catch {
        // A failed start left nothing to stop; still close what can be closed.
      }
      this.waits.stop();
      this.recovery.settleForShutdown();
      this.outsideSink?.dispose();
    }
    this.ledger.rejectAllWaiters((id) => new Error(`TaskManager shut down before task ${id} finished; it stays in the store as it was (pending, or waiting) for the next start`));
    this.state = "closed";
    if (this.storeOpened) {
      await this.store.flush();
      await this.store.close();
    }
    await this.logFile?.close();
  }

  /** Resolves once every change made so far is durable in the store, and written to the log file. */
  async flush(): Promise<void> {
    await this.openStore().flush();
    await this.logFile?.flush();
  }

  /** Enqueues a run (see TaskflowClient.addTask); recorded in the audit trail as "run" by "api". */
  addTask(task: TaskHandle | string, args: unknown[] = [], options: AddTaskOptions = {}): Promise<string> {
    return this.asApi.addTask(task, args, options);
  }

  /**
   * Enqueues one run per item, saved in one store batch; resolves with the ids in item order. Every
   * item is checked before any is enqueued; a key held by an earlier item of the call gets its id.
   * Items beyond their queue's maxSize are stored as rejected.
   */
  addTasks(task: TaskHandle | string, items: AddTasksItem[]): Promise<string[]> {
    return this.asApi.addTasks(task, items);
  }

  /**
   * A new run with the same arguments (encrypted too), tags, key, queue and priority; its result
   * starts null. With `{ resume: true }` or `{ fromStep }` it starts with the original's done steps.
   */
  retryTask(taskId: string, options?: RetryOptions): Promise<string> {
    return this.asApi.retryTask(taskId, options);
  }

  /** Gives a waiting run the input it asked for with waitForInput (checked against its schema) and resumes it. */
  provideInput(taskId: string, name: string, value: unknown): Promise<void> {
    return this.asApi.provideInput(taskId, name, value);
  }

  /**
   * Retries every failed, interrupted or rejected task created since `since` (of `funcName`), oldest
   * first; resolves with the new ids in that order. Tasks of functions not registered now are skipped
   * and named in one warning on the outside log; an unknown `funcName` rejects with UnknownFunctionError.
   */
  retryFailed(options?: RetryFailedOptions): Promise<string[]> {
    return this.asApi.retryFailed(options);
  }

  /** Cancels a pending or running task: a pending one never runs, a running one has its signal aborted. */
  cancelTask(taskId: string): Promise<void> {
    return this.asApi.cancelTask(taskId);
  }

  /** Changes a queue's settings (see QueueOptions; null removes one) and returns its state. In memory only. */
  configureQueue(name: string, options: QueueOptions): QueueInfo {
    return this.asApi.configureQueue(name, options);
  }

  /** Holds the queue's starts: its pending tasks wait, running ones go on. */
  pauseQueue(name: string): void {
    this.asApi.pauseQueue(name);
  }

  resumeQueue(name: string): void {
    this.asApi.resumeQueue(name);
  }

  listQueues(): QueueInfo[] {
    return this.dispatcher.listQueues();
  }

  /**
   * The keys of `funcName` with runs pending or running or recent starts, busiest first (running,
   * then held, then pending); at most `limit` (default 20). Empty for a function without flow control
   * or one not registered. A key is the value at the concurrency key path, else the rate limit's,
   * else the debounce's; recentStarts counts when the rate limit reads that same path.
   */
  listKeys(funcName: string, options: { limit?: number } = {}): KeyInfo[] {
    const limit = options.limit ?? DEFAULT_KEYS_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`listKeys limit must be a whole number >= 1, got ${String(limit)}`);
    const rules = this.registry.get(funcName)?.flow;
    return rules === undefined ? [] : this.dispatcher.flow.listKeys(funcName, rules, limit);
  }

  /** The pending runs held by a rule of their key now (a debounced run waiting for its window too), by task id. */
  flowHolds(): Record<string, FlowHold> {
    return this.dispatcher.flow.holds();
  }

  /**
   * Runs `task` by itself, `{ every: seconds }` or `{ cron, timezone? }` (5 fields, or 6 with seconds
   * first; IANA zone, default local), each run a normal task with this schedule's id; persisted.
   * With `runOnStart` it also fires now and at each start. Resolves with the schedule's id.
   */
  schedule(task: TaskHandle | string, spec: ScheduleSpec, options: ScheduleOptions = {}): Promise<string> {
    return this.asApi.schedule(task, spec, options);
  }

  listSchedules(): ScheduleInfo[] {
    this.openStore();
    return this.ops.scheduler.list();
  }

  /** Holds a schedule: no slot fires until resumeSchedule, which takes the first slot after now. Rejects with UnknownScheduleError. */
  pauseSchedule(scheduleId: string): Promise<void> {
    return this.asApi.pauseSchedule(scheduleId);
  }

  resumeSchedule(scheduleId: string): Promise<void> {
    return this.asApi.resumeSchedule(scheduleId);
  }

  /** Deletes a schedule; the tasks it enqueued stay. */
  removeSchedule(scheduleId: string): Promise<void> {
    return this.asApi.removeSchedule(scheduleId);
  }

  /** Fires a schedule once now, as a slot does (scheduleId set, lastRunAt and lastTaskId updated, the next slot kept). */
  runScheduleNow(scheduleId: string): Promise<string> {
    return this.asApi.runScheduleNow(scheduleId);
  }

  /** The audit trail, newest first (the store keeps the newest 10,000 entries). `limit` defaults to 100, at most 1000. */
  audit(query?: AuditQuery): AuditEntry[] {
    this.openStore();
    return this.trail.list(query);
  }

  /** Finished tasks per minute or hour by final status, from the store: oldest bucket first, empty ones included. */
  throughput(query: ThroughputQuery): ThroughputBucket[] {
    return this.openStore().throughput(resolveThroughputQuery(query, this.clock.now()));
  }

  /** This manager, recording `actor` in the audit trail for what is done through the returned client. */
  actingAs(actor: AuditActor): TaskflowClient {
    return this.asApi.actingAs(actor);
  }

  /** The live record when the task is in flight, else the stored one; undefined for an unknown id. */
  getTask(taskId: string): TaskRecord | undefined {
    const live = this.ledger.live.get(taskId);
    if (live) return live;
    const data = this.openStore().getTask(taskId);
    return data && TaskRecord.fromData(data);
  }

  /** Filtered, sorted and paged by the store (which validates the query); in-flight tasks are their live records. */
  listTasks(query?: ListTasksQuery): TaskRecord[] {
    const { live } = this.ledger;
    return this.openStore().listTasks(query).map((d) => live.get(d.taskId) ?? TaskRecord.fromData(d));
  }

  countTasks(query?: ListTasksQuery): number {
    return this.openStore().countTasks(query);
  }

  funcNames(): string[] {
    return this.openStore().funcNames();
  }

  metrics(): Metrics {
    return this.openStore().metrics();
  }

  waitFor(taskId: string): Promise<TaskRecord> {
    if (this.state === "closing" || this.state === "closed") {
      return Promise.reject(new Error(`TaskManager has shut down: cannot wait for task ${taskId}`));
    }
    const record = this.getTask(taskId);
    if (!record) return Promise.reject(new UnknownTaskError(taskId));
    if (isFinished(record.status)) return Promise.resolve(record);
    return this.ledger.whenFinished(taskId);
  }

  /** Deletes finished tasks; pending and running ones, and unknown ids, are skipped. Returns how many were deleted. */
  deleteTasks(taskIds: string[]): number {
    return this.asApi.deleteTasks(taskIds);
  }

  clearHistory(options: ClearHistoryOptions = {}): number {
    return this.asApi.clearHistory(options);
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
}
