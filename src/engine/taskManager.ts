import type { TaskStore } from "../store/types";
import { checkAddTaskInput, checkAddTasksItems, type AddTaskInput } from "./addTaskInput";
import { newRunRecord, planBulkAdd, retryRecord } from "./runRecords";
import { ArgumentCipher } from "./argumentCipher";
import { systemClock, systemRandom } from "./clock";
import { Dispatcher } from "./dispatcher";
import { Emitter } from "./emitter";
import { queueFullError, queueFullReason } from "./queueFull";
import { CancelledError } from "./errors";
import { containedSink, deleteFinished, oneOf, positiveInteger } from "./managerHelpers";
import { Recovery } from "./recovery";
import { Scheduler } from "./scheduler";
import { retryFailed } from "./retryFailed";
import type { RunHost } from "./executor";
import { makeHandle } from "./task";
import { addOutsideSink, consoleSink } from "./taskContext";
import { TaskLedger } from "./taskLedger";
import { TaskRecord } from "./taskRecord";
import { TaskRegistry, type RegisterOptions, type Registration } from "./taskRegistry";
import {
  CANCELLABLE_STATUSES, RETRYABLE_STATUSES, TaskStateError, UnknownTaskError,
  holdsIdempotencyKey, isCancellable, isFinished, isRetryable, parseQueueName, parseQueueOptions,
  type AddTaskOptions, type AddTasksItem, type ClearHistoryOptions, type Clock, type Event, type LifecycleEvent, type ListTasksQuery,
  type LogEvent, type LogLevel, type Metrics, type ProgressEvent, type QueueFullError, type QueueInfo, type QueueOptions, type RegisteredTask,
  type RegistryChangeEvent, type RetryFailedOptions, type ScheduleData, type ScheduleInfo, type ScheduleOptions, type ScheduleSpec, type TaskConfig, type TaskflowClient, type TaskFunction, type TaskHandle,
  type TaskManagerOptions,
} from "./types";

/** Opens the store a manager uses when `options.store` is not given (the package entry passes one). */
export type StoreFactory = (options: TaskManagerOptions) => TaskStore;

const DEFAULT_MAX_CONCURRENT = 4;
const DEFAULT_MAX_LOG_LINES = 10000;
const RETRYABLE_LIST = oneOf(RETRYABLE_STATUSES);
const CANCELLABLE_LIST = oneOf(CANCELLABLE_STATUSES);

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
  private readonly scheduler: Scheduler;
  private state: "new" | "starting" | "started" | "closing" | "closed" = "new";
  private startPromise: Promise<void> | undefined;
  private shutdownPromise: Promise<void> | undefined;
  private outsideSink: { dispose(): void } | undefined;
  private storeOpened = false;

  private readonly registryEmitter: Emitter<RegistryChangeEvent>;
  /** Fired on every status change of every task. */
  readonly onLifecycle: Event<LifecycleEvent>;
  /** Fired for every log line a task writes. */
  readonly onLog: Event<LogEvent>;
  /** Fired each time a running task calls reportProgress(). */
  readonly onProgress: Event<ProgressEvent>;
  /** Fired when a task function is registered or unregistered. */
  readonly onDidChangeRegistry: Event<RegistryChangeEvent>;

  constructor(options: TaskManagerOptions = {}, storeFactory?: StoreFactory) {
    this.clock = options.clock ?? systemClock;
    const maxConcurrentTasks = positiveInteger("maxConcurrentTasks", options.maxConcurrentTasks, DEFAULT_MAX_CONCURRENT);
    const maxLogLinesPerTask = positiveInteger("maxLogLinesPerTask", options.maxLogLinesPerTask, DEFAULT_MAX_LOG_LINES);
    this.requeuePending = options.requeuePending ?? true;
    this.outsideLog = containedSink(options.onOutsideLog ?? consoleSink);
    this.cipher = new ArgumentCipher(options.encryptArgsKey, this.clock);
    const store = options.store ?? storeFactory?.(options);
    if (!store) {
      throw new Error(
        "TaskManager needs a store: pass options.store, or use TaskManager from the engine entry (dist/engine.js), which opens one from dbPath (or in memory)",
      );
    }
    this.store = store;
    const ledger = new TaskLedger({ store, clock: this.clock, maxLogLinesPerTask, report: this.outsideLog });
    this.ledger = ledger;
    this.registryEmitter = new Emitter(ledger.listenerErrorReporter("registry"));
    this.onLifecycle = ledger.lifecycle.event;
    this.onLog = ledger.logs.event;
    this.onProgress = ledger.progress.events.event;
    this.onDidChangeRegistry = this.registryEmitter.event;
    const host: RunHost = {
      clock: this.clock,
      random: options.random ?? systemRandom,
      transition: (run, status, changes) => {
        if (!run.detached) ledger.transition(run.record, status, changes, run);
      },
      log: (run, message, level, extra, marker) => {
        if (!run.detached) ledger.appendLog(run.record, run, message, level, extra, marker ?? false);
      },
      enqueueChild: (run, task, args, options) => this.addRun("enqueue", task, args, options, run.record),
      reportProgress: (run, progress) => {
        if (!run.detached) ledger.progress.report(run.record, progress);
      },
      resolveArguments: (record) => this.cipher.open(record),
    };
    this.dispatcher = new Dispatcher({
      maxConcurrentTasks, registry: this.registry, live: ledger.live, host, delegateAttempt: options.delegateAttempt,
      canStart: () => this.state === "started",
      report: this.outsideLog,
    });
    this.recovery = new Recovery({ store, clock: this.clock, registry: this.registry, ledger, dispatcher: this.dispatcher });
    const fire = (s: ScheduleData): Promise<string> => this.addRun("schedule", s.funcName, s.args, { kwargs: s.kwargs, tags: s.tags }, null, s.scheduleId);
    this.scheduler = new Scheduler({ store, clock: this.clock, report: this.outsideLog, isRegistered: (name) => this.registry.get(name) !== undefined, fire });
  }

  /** Registers a task function: `(fn)`, `(fn, config)`, `(config, fn)` or a handle from `task()`. */
  task<F extends TaskFunction>(fn: F | TaskHandle<F>, config?: TaskConfig, options?: RegisterOptions): TaskHandle<F>;
  task<F extends TaskFunction>(config: TaskConfig, fn: F | TaskHandle<F>, options?: RegisterOptions): TaskHandle<F>;
  task(a: unknown, b?: unknown, options: RegisterOptions = {}): TaskHandle {
    const { name, fn, config } = this.registry.register(a, b, options);
    this.registryEmitter.fire({ kind: "registered", name });
    if (this.state === "started" || this.state === "starting") this.recovery.functionRegistered(name, config);
    this.dispatcher.release(name);
    this.scheduler.taskRegistered(name, config.schedule ?? null);
    return makeHandle(fn, config);
  }

  /** Removes a registration; a running task keeps the function it started with. Returns whether it existed. */
  unregisterTask(name: string): boolean {
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
    this.recovery.recoverAtStart(this.requeuePending);
    this.outsideSink = addOutsideSink(this.outsideLog);
    this.state = "started";
    this.scheduler.start();
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
    this.scheduler.stop();
    if (wasStarted) {
      try {
        await this.startPromise;
      } catch {
        // A failed start left nothing to stop; still close what can be closed.
      }
      this.recovery.settleForShutdown();
      this.outsideSink?.dispose();
    }
    this.ledger.rejectAllWaiters((id) => new Error(`TaskManager shut down before task ${id} finished; it stays pending in the store`));
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

  addTask(task: TaskHandle | string, args: unknown[] = [], options: AddTaskOptions = {}): Promise<string> {
    return this.addRun("addTask", task, args, options, null);
  }

  /** addTask, or enqueue() inside the running task `parent` (then parentId is its id), or a schedule's run (scheduleId set). */
  private async addRun(operation: string, task: TaskHandle | string, args: unknown[], options: AddTaskOptions, parent: TaskRecord | null, scheduleId: string | null = null): Promise<string> {
    await this.ready(operation);
    const registration = parent ? this.registry.lookupForChild(parent, task) : this.registry.lookup(task);
    const input = checkAddTaskInput(registration.name, args, options);
    const key = input.idempotencyKey;
    if (key !== null) {
      const existing = this.store.findByIdempotencyKey(key);
      if (existing && holdsIdempotencyKey(existing.status)) return existing.taskId;
    }
    const record = this.newRecord(registration, input);
    if (parent) record.parentId = parent.taskId;
    record.scheduleId = scheduleId;
    return this.enqueue(record);
  }

  /**
   * Enqueues one run per item, saved in one store batch; resolves with the ids in item order. Every
   * item is checked before any is enqueued; a key held by an earlier item of the call gets its id.
   * Items beyond their queue's maxSize are stored as rejected.
   */
  async addTasks(task: TaskHandle | string, items: AddTasksItem[]): Promise<string[]> {
    await this.ready("addTasks");
    const registration = this.registry.lookup(task);
    const inputs = checkAddTasksItems(registration.name, items);
    const { ids, records, rejected } = planBulkAdd(inputs, {
      heldKey: (key) => {
        const existing = this.store.findByIdempotencyKey(key);
        return existing && holdsIdempotencyKey(existing.status) ? existing.taskId : undefined;
      },
      room: (queue) => this.dispatcher.room(queue),
      newRecord: (input) => this.newRecord(registration, input),
    });
    this.ledger.addPending(records);
    for (const record of rejected) this.reject(record, this.dispatcher.maxSize(record.queue) ?? 0);
    this.dispatcher.enqueueAll(records.map((r) => r.taskId));
    return ids;
  }

  /** A new run with the same arguments (encrypted too), tags, key, queue and priority; its result starts null. */
  async retryTask(taskId: string): Promise<string> {
    await this.ready("retryTask");
    const original = this.getTask(taskId);
    if (!original) throw new UnknownTaskError(taskId);
    if (!isRetryable(original.status)) {
      throw new TaskStateError(taskId, original.status, `Only ${RETRYABLE_LIST} tasks can be retried; task ${taskId} is ${original.status}`);
    }
    return this.enqueue(retryRecord(original, this.registry.lookup(original.funcName), this.clock.now()));
  }

  /**
   * Retries every failed, interrupted or rejected task created since `since` (of `funcName`), oldest
   * first; resolves with the new ids in that order. Tasks of functions not registered now are skipped
   * and named in one warning on the outside log; an unknown `funcName` rejects with UnknownFunctionError.
   */
  async retryFailed(options?: RetryFailedOptions): Promise<string[]> {
    await this.ready("retryFailed");
    return retryFailed({ store: this.store, registry: this.registry, retryTask: (id) => this.retryTask(id), report: this.outsideLog }, options);
  }

  /** Cancels a pending or running task: a pending one never runs, a running one has its signal aborted. */
  async cancelTask(taskId: string): Promise<void> {
    await this.ready("cancelTask");
    const record = this.getTask(taskId);
    if (!record) throw new UnknownTaskError(taskId);
    if (!isCancellable(record.status)) {
      throw new TaskStateError(taskId, record.status, `Task ${taskId} is already ${record.status}; only ${CANCELLABLE_LIST} tasks can be cancelled`);
    }
    const run = this.dispatcher.runs.get(taskId);
    if (run) run.detached = true;
    this.dispatcher.remove(taskId);
    this.ledger.transition(record, "cancelled", { endTime: new Date(this.clock.now()) }, run);
    run?.controller.abort(new CancelledError(`task ${taskId} was cancelled`));
  }

  /** Changes a queue's settings (see QueueOptions; null removes one) and returns its state. In memory only. */
  configureQueue(name: string, options: QueueOptions): QueueInfo {
    return this.dispatcher.configure(parseQueueName(name), parseQueueOptions(options));
  }

  /** Holds the queue's starts: its pending tasks wait, running ones go on. */
  pauseQueue(name: string): void {
    this.dispatcher.setPaused(parseQueueName(name), true);
  }

  resumeQueue(name: string): void {
    this.dispatcher.setPaused(parseQueueName(name), false);
  }

  listQueues(): QueueInfo[] {
    return this.dispatcher.listQueues();
  }

  /**
   * Runs `task` by itself, `{ every: seconds }` or `{ cron, timezone? }` (5 fields, or 6 with seconds
   * first; IANA zone, default local), each run a normal task with this schedule's id; persisted.
   * With `runOnStart` it also fires now and at each start. Resolves with the schedule's id.
   */
  async schedule(task: TaskHandle | string, spec: ScheduleSpec, options: ScheduleOptions = {}): Promise<string> {
    await this.ready("schedule");
    return this.scheduler.create(this.registry.lookup(task).name, spec, options);
  }

  listSchedules(): ScheduleInfo[] {
    this.openStore();
    return this.scheduler.list();
  }

  /** Holds a schedule: no slot fires until resumeSchedule, which takes the first slot after now. */
  async pauseSchedule(scheduleId: string): Promise<void> {
    await this.ready("pauseSchedule");
    this.scheduler.setPaused(scheduleId, true);
  }

  async resumeSchedule(scheduleId: string): Promise<void> {
    await this.ready("resumeSchedule");
    this.scheduler.setPaused(scheduleId, false);
  }

  /** Deletes a schedule; the tasks it enqueued stay. */
  async removeSchedule(scheduleId: string): Promise<void> {
    await this.ready("removeSchedule");
    this.scheduler.remove(scheduleId);
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
    return deleteFinished(this.openStore(), (id) => this.ledger.live.has(id) || this.dispatcher.runs.has(id), taskIds);
  }

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

  private newRecord(registration: Registration, input: AddTaskInput): TaskRecord {
    return newRunRecord(registration, input, this.clock.now(), this.cipher);
  }

  /** Makes the record pending and queues it; when its queue is full, stores it rejected and throws QueueFullError. */
  private enqueue(record: TaskRecord): string {
    const maxSize = this.dispatcher.fullQueue(record.queue);
    if (maxSize !== undefined) throw this.reject(record, maxSize);
    this.ledger.transition(record, "pending", {});
    this.dispatcher.enqueue(record.taskId);
    return record.taskId;
  }

  /** Stores the record rejected, its queue holding `maxSize` pending tasks; returns the error for the caller. */
  private reject(record: TaskRecord, maxSize: number): QueueFullError {
    this.ledger.transition(record, "rejected", { endTime: new Date(this.clock.now()), error: queueFullReason(record.queue, maxSize) });
    return queueFullError(record.taskId, record.queue, maxSize);
  }
}
