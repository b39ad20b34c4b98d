/**
 * Taskflow on BullMQ: the TaskflowClient surface of TaskManager, with the queue and the history in
 * Redis. Every process on the same Redis and prefix shares them; a manager with `worker` on also
 * runs jobs of the functions it has registered. Reads go to Redis, so they return promises.
 */
import type { Queue } from "bullmq";
import { newRunRecord } from "../../core/runRecords";
import { checkAddTaskInput, checkAddTasksItems, type AddTaskInput } from "../../core/addTaskInput";
import { makeHandle, normaliseTaskArgs } from "../../core/task";
import type { RegisterOptions } from "../../core/taskRegistry";
import type { TaskManagerOptions } from "../../core/types";
import {
  DEFAULT_QUEUE, TaskRecord,
  type AddTaskOptions, type AddTasksItem, type AuditActor, type AuditEntry, type AuditQuery, type Event,
  type FlowHold, type KeyInfo, type ListTasksQuery, type Metrics, type QueueInfo, type QueueOptions, type RegisteredTask, type RegistryChangeEvent, type RetryFailedOptions,
  type ScheduleInfo, type ScheduleOptions, type ScheduleSpec, type TaskConfig, type TaskFunction, type TaskHandle, type TaskflowClient,
  type ThroughputBucket, type ThroughputQuery, type ClearHistoryOptions, type LifecycleEvent, type LogEvent, type ProgressEvent,
} from "../../model";
import {
  checkOpen, connectedOf, newCore, readyFor, shutdownBackend, startBackend, startWorker, type BackendCore, type Connected, type StartHooks,
} from "./backendCore";
import type { BullmqBackendOptions, RetryOptions } from "../../model";
import type { ConnectionState } from "./connectionWatch";
import { moduleScheduleId } from "./bullmqSchedules";
import { HistoryOperations } from "./historyOperations";
import { auditEntryJson } from "./auditTrail";
import { debounceHolds, debounceKeys, enqueueDebounced } from "./debouncedJobs";
import { addInBulk, addRecord, claimKey, jobOf, storeRejected, type EnqueueHost } from "./jobEnqueue";
import { keyLimitRefusal } from "./keyLimitRefusal";
import type { JobHistory } from "./jobHistory";
import { redactedUrl } from "./redisQueues";
import { knownTask, registeredTasksOf, resolveTask, resolveTaskSoon, type TaskEntry } from "./resolveTask";

/**
 * The BullMQ backend's manager. `new TaskManager({ backend: { type: "bullmq", connection } })` from
 * the engine entry returns one of these (see src/index.ts).
 */
export class BullmqTaskManager implements TaskflowClient {
  /** Which backend this manager is; the local TaskManager has none. */
  readonly backend = "bullmq" as const;
  readonly onLifecycle: Event<LifecycleEvent>;
  readonly onLog: Event<LogEvent>;
  readonly onProgress: Event<ProgressEvent>;
  readonly onDidChangeRegistry: Event<RegistryChangeEvent>;
  /** Fired when the Redis connection is lost or back (ioredis retries on its own; commands wait meanwhile). */
  readonly onDidChangeConnection: Event<ConnectionState>;

  constructor(options: Omit<TaskManagerOptions, "backend"> & { backend: BullmqBackendOptions }, private readonly core: BackendCore = newCore(options), private readonly actor: AuditActor = "api") {
    this.onLifecycle = core.hub.onLifecycle;
    this.onLog = core.hub.onLog;
    this.onProgress = core.hub.onProgress;
    this.onDidChangeRegistry = core.registryEmitter.event;
    this.onDidChangeConnection = core.connection.onDidChange;
  }

  /** Whether Redis answers now, since when, and the last error while it does not. */
  connection(): ConnectionState {
    return this.core.connection.state;
  }

  /** The Redis URL with its password masked, for messages and the status bar. */
  get location(): string {
    return redactedUrl(this.core.options.url);
  }

  /** Attempts running in this process now (only a worker runs any). */
  runningHere(): number {
    return this.core.runs.byId.size;
  }

  /** Registers a task function: `(fn)`, `(fn, config)`, `(config, fn)` or a handle; refuses `concurrency` and `rateLimit` per key. */
  task<F extends TaskFunction>(fn: F | TaskHandle<F>, config?: TaskConfig, options?: RegisterOptions): TaskHandle<F>;
  task<F extends TaskFunction>(config: TaskConfig, fn: F | TaskHandle<F>, options?: RegisterOptions): TaskHandle<F>;
  task(a: unknown, b?: unknown, options: RegisterOptions = {}): TaskHandle {
    const wanted = normaliseTaskArgs(a, b);
    const refusal = keyLimitRefusal(wanted.config.name ?? wanted.fn.name, wanted.config);
    if (refusal) throw refusal;
    const { name, fn, config } = this.core.registry.register(a, b, options);
    this.core.registryEmitter.fire({ kind: "registered", name });
    this.declareSchedule(name, config.schedule ?? null);
    if (this.core.state === "started") void startWorker(this.core, this.hooks(), config.queue ?? DEFAULT_QUEUE).catch(() => undefined);
    return makeHandle(fn, config);
  }

  /** Removes a registration; jobs of it wait for a worker that has it. Returns whether it existed. */
  unregisterTask(name: string): boolean {
    const existed = this.core.registry.unregister(name);
    if (existed) this.core.registryEmitter.fire({ kind: "unregistered", name });
    return existed;
  }

  registeredTasks(): RegisteredTask[] {
    return registeredTasksOf(this.core);
  }

  /** Connects to Redis (rejecting with what to do when it cannot), then starts the workers. */
  start(): Promise<void> {
    const { core } = this;
    if (core.state === "closing" || core.state === "closed") return Promise.reject(new Error("TaskManager has shut down and cannot start again: create a new TaskManager"));
    core.startPromise ??= startBackend(core, this.hooks());
    return core.startPromise;
  }

  private hooks(): StartHooks {
    return {
      runner: { enqueueChild: (parent, task, args, options) => this.addRun("enqueue", task, args, options, parent, null) },
      scheduleTemplate: (s) => this.scheduleTemplate(s.funcName, s.scheduleId, s.args, s.kwargs, s.tags),
      queueOfFunction: (f) => this.queueOfFunction(f),
    };
  }

  /**
   * Stops: running attempts are interrupted (handed back as pending with requeueOnInterrupt, else
   * interrupted), workers and connections close. Pending jobs stay in Redis. Calling it again returns the same promise.
   */
  shutdown(): Promise<void> {
    this.core.shutdownPromise ??= shutdownBackend(this.core);
    return this.core.shutdownPromise;
  }

  /** Resolves once Redis has acknowledged every write made so far (durability is Redis's: AOF or snapshots). */
  async flush(): Promise<void> {
    await this.ready("flush");
    await this.connected().redis.ping();
  }

  addTask(task: TaskHandle | string, args: unknown[] = [], options: AddTaskOptions = {}): Promise<string> {
    return this.addRun("addTask", task, args, options, null, null);
  }

  private async addRun(operation: string, task: TaskHandle | string, args: unknown[], options: AddTaskOptions, parent: { taskId: string; funcName: string } | null, scheduleId: string | null): Promise<string> {
    if (this.core.state !== "started") await this.ready(operation);
    const found = resolveTaskSoon(this.core, task, parent);
    const registration = found instanceof Promise ? await found : found;
    const input = checkAddTaskInput(registration.name, args, options);
    const record = this.newRecord(registration, input);
    if (parent) record.parentId = parent.taskId;
    record.scheduleId = scheduleId;
    const host = this.enqueueHost();
    if (record.idempotencyKey !== null) {
      const held = await claimKey(host, record.idempotencyKey, record.taskId);
      if (held !== undefined) return held;
    }
    if (!registration.config.debounce) {
      const audit = parent || scheduleId ? "" : auditEntryJson(this.actor, "run", record.taskId, record.funcName, this.core.clock.now());
      await addRecord(host, record, registration.config, audit);
      this.connected().events.announceAdded(record);
      return record.taskId;
    }
    const added = await enqueueDebounced(host, record, registration.config, input);
    if (added === "full") throw await storeRejected(host, record);
    const { taskId, adds } = added;
    if (adds === 1) this.connected().events.announceAdded(record);
    if (adds > 1) await this.audited("debounce", taskId, `${record.funcName}: ${adds} adds, the last input kept`);
    else if (!parent && !scheduleId) await this.audited("run", taskId, record.funcName);
    return taskId;
  }

  /** Enqueues one run per item, one addBulk per queue; items beyond a queue's maxSize are stored rejected. */
  async addTasks(task: TaskHandle | string, items: AddTasksItem[]): Promise<string[]> {
    await this.ready("addTasks");
    const { core } = this;
    const registration = await resolveTask(core, task);
    const inputs = checkAddTasksItems(registration.name, items);
    // Debounced runs fold into each other one add at a time.
    if (registration.config.debounce) return this.addEach(task, items);
    return addInBulk(this.enqueueHost(), registration.config, inputs.map((input) => this.newRecord(registration, input)));
  }

  private async addEach(task: TaskHandle | string, items: AddTasksItem[]): Promise<string[]> {
    const ids: string[] = [];
    for (const { args, ...options } of items) ids.push(await this.addRun("addTasks", task, args ?? [], options, null, null));
    return ids;
  }

  async getTask(taskId: string): Promise<TaskRecord | undefined> {
    const data = await this.reader("getTask").get(taskId);
    return data && TaskRecord.fromData(data);
  }

  async listTasks(query?: ListTasksQuery): Promise<TaskRecord[]> {
    return (await this.reader("listTasks").list(query)).map((d) => TaskRecord.fromData(d));
  }

  countTasks(query?: ListTasksQuery): Promise<number> {
    return this.reader("countTasks").count(query);
  }

  funcNames(): Promise<string[]> {
    return this.reader("funcNames").funcNames();
  }

  metrics(): Promise<Metrics> {
    return this.reader("metrics").metrics();
  }

  async waitFor(taskId: string): Promise<TaskRecord> {
    const record = await this.getTask(taskId);
    return this.operations("waitFor").waitFor(taskId, record);
  }

  /** Gives a waiting run its input; any manager on the Redis can, also one that runs no workers. */
  async provideInput(taskId: string, name: string, value: unknown): Promise<void> {
    await this.ready("provideInput");
    await this.connected().durable.provideInput(taskId, name, value);
    await this.audited("input", taskId, `input ${JSON.stringify(name)}`);
  }

  async retryTask(taskId: string, options?: RetryOptions): Promise<string> {
    await this.ready("retryTask");
    const id = await this.operations("retryTask").retry(taskId, options);
    const from = options?.fromStep !== undefined ? ` from step ${options.fromStep}` : options?.resume ? ", resumed" : "";
    await this.audited("retry", id, `of ${taskId}${from}`);
    return id;
  }

  async retryFailed(options?: RetryFailedOptions): Promise<string[]> {
    await this.ready("retryFailed");
    return this.operations("retryFailed").retryFailed(options, (id) => this.retryTask(id));
  }

  async cancelTask(taskId: string): Promise<void> {
    await this.ready("cancelTask");
    await this.operations("cancelTask").cancel(taskId);
    await this.audited("cancel", taskId, null);
  }

  async deleteTasks(taskIds: string[]): Promise<number> {
    await this.ready("deleteTasks");
    const count = await this.operations("deleteTasks").delete(taskIds);
    await this.audited("delete", null, `${count} task(s)`);
    return count;
  }

  async clearHistory(options: ClearHistoryOptions = {}): Promise<number> {
    await this.ready("clearHistory");
    const count = await this.operations("clearHistory").clear(options);
    await this.audited("clear", null, `${count} task(s)`);
    return count;
  }

  async configureQueue(name: string, options: QueueOptions): Promise<QueueInfo> {
    await this.ready("configureQueue");
    const info = await this.operations("configureQueue").configureQueue(name, options);
    await this.audited("configure", null, `queue ${info.name}`);
    return info;
  }

  async pauseQueue(name: string): Promise<void> {
    await this.ready("pauseQueue");
    await this.operations("pauseQueue").setQueuePaused(name, true);
    await this.audited("pause", null, `queue ${name}`);
  }

  async resumeQueue(name: string): Promise<void> {
    await this.ready("resumeQueue");
    await this.operations("resumeQueue").setQueuePaused(name, false);
    await this.audited("resume", null, `queue ${name}`);
  }

  listQueues(): Promise<QueueInfo[]> {
    return this.operations("listQueues").listQueues();
  }

  /** The keys of `funcName`'s debounced runs (BullMQ enforces no other rule per key), busiest first. */
  async listKeys(funcName: string, options: { limit?: number } = {}): Promise<KeyInfo[]> {
    checkOpen(this.core, "listKeys");
    return debounceKeys(this.connected().queues, funcName, options.limit);
  }

  /** The pending runs waiting out their debounce window, by task id (the only hold on BullMQ). */
  async flowHolds(): Promise<Record<string, FlowHold>> {
    checkOpen(this.core, "flowHolds");
    return debounceHolds(this.connected().queues);
  }

  async schedule(task: TaskHandle | string, spec: ScheduleSpec, options: ScheduleOptions = {}): Promise<string> {
    await this.ready("schedule");
    const { name } = await resolveTask(this.core, task);
    const id = await this.connected().schedules.create(name, spec, options);
    await this.audited("schedule", null, `${name} (schedule ${id})`);
    return id;
  }

  listSchedules(): Promise<ScheduleInfo[]> {
    this.operations("listSchedules");
    return this.connected().schedules.list((f) => this.queueOfFunction(f));
  }

  async pauseSchedule(scheduleId: string): Promise<void> {
    await this.ready("pauseSchedule");
    await this.connected().schedules.setPaused(scheduleId, true, (f) => this.queueOfFunction(f));
    await this.audited("pause", null, `schedule ${scheduleId}`);
  }

  async resumeSchedule(scheduleId: string): Promise<void> {
    await this.ready("resumeSchedule");
    await this.connected().schedules.setPaused(scheduleId, false, (f) => this.queueOfFunction(f));
    await this.audited("resume", null, `schedule ${scheduleId}`);
  }

  async removeSchedule(scheduleId: string): Promise<void> {
    await this.ready("removeSchedule");
    const schedule = await this.connected().schedules.get(scheduleId);
    await this.connected().schedules.remove(scheduleId, this.queueOfFunction(schedule.funcName));
    await this.audited("unschedule", null, `schedule ${scheduleId}`);
  }

  async runScheduleNow(scheduleId: string): Promise<string> {
    await this.ready("runScheduleNow");
    const s = await this.connected().schedules.get(scheduleId);
    return this.addRun("runScheduleNow", s.funcName, s.args, { kwargs: s.kwargs, tags: s.tags }, null, scheduleId);
  }

  audit(query?: AuditQuery): Promise<AuditEntry[]> {
    this.operations("audit");
    return this.connected().audit.list(query);
  }

  throughput(query: ThroughputQuery): Promise<ThroughputBucket[]> {
    return this.operations("throughput").throughput(query);
  }

  /** The same manager, recording `actor` in the audit trail for what is done through it. */
  actingAs(actor: AuditActor): BullmqTaskManager {
    return new BullmqTaskManager(undefined as never, this.core, actor);
  }

  private async audited(action: AuditEntry["action"], taskId: string | null, detail: string | null): Promise<void> {
    await this.core.connected?.audit.record(this.actor, action, taskId, detail, this.core.clock.now());
  }

  private declareSchedule(name: string, spec: ScheduleSpec | null): void {
    const { core } = this;
    if (core.state !== "started" || !core.connected) {
      core.declared.set(name, spec);
      return;
    }
    void core.connected.schedules.declare(name, spec, (f) => this.queueOfFunction(f)).catch((error: Error) =>
      core.outsideLog(`Taskflow: the schedule ${moduleScheduleId(name)} could not be saved: ${error.message}`, "error"));
  }

  private queueOfFunction(funcName: string): Queue {
    return this.connected().queues.get((this.core.registry.get(funcName) ?? this.core.connected?.catalog.known().get(funcName))?.config.queue ?? DEFAULT_QUEUE);
  }

  private scheduleTemplate(funcName: string, scheduleId: string, args: unknown[], kwargs: Record<string, unknown>, tags: Record<string, string>) {
    const registration = knownTask(this.core, funcName);
    const record = this.newRecord(registration, { ...checkAddTaskInput(funcName, args, { kwargs, tags }) });
    record.scheduleId = scheduleId;
    const { name, data, opts } = jobOf(record, registration.config, this.enqueueHost());
    const { jobId: _id, timestamp: _t, delay: _d, ...rest } = opts;
    return { queue: this.connected().queues.get(record.queue), name, data: data as unknown as Record<string, unknown>, opts: rest };
  }

  private newRecord(registration: TaskEntry, input: AddTaskInput): TaskRecord {
    return newRunRecord(registration, input, this.core.clock.now(), this.core.cipher);
  }

  private enqueueHost(): EnqueueHost {
    const { core } = this;
    return { queues: this.connected().queues, nowMs: () => core.clock.now(), maxRecords: core.maxRecords };
  }

  private ready(operation: string): Promise<void> {
    return readyFor(this.core, operation);
  }

  private connected(): Connected {
    return connectedOf(this.core);
  }

  private reader(operation: string): JobHistory {
    checkOpen(this.core, operation);
    return this.connected().history;
  }

  private operations(operation: string): HistoryOperations {
    checkOpen(this.core, operation);
    return new HistoryOperations(this.core, this.connected(), this.enqueueHost());
  }
}
