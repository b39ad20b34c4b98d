import type { AuditTrail } from "./auditTrail";
import type { AddAudit, TaskOperations } from "./taskOperations";
import { AUDIT_ACTORS, isAuditActor } from "../core/types";
import type {
  AddTaskOptions, AddTasksItem, AuditActor, AuditEntry, AuditQuery, Awaitable, ClearHistoryOptions, FlowHold, KeyInfo, ListTasksQuery, Metrics, QueueInfo,
  QueueOptions, RegisteredTask, RetryFailedOptions, RetryOptions, ScheduleInfo, ScheduleOptions, ScheduleSpec, TaskflowClient, TaskHandle, TaskRecord,
  ThroughputBucket, ThroughputQuery,
} from "../core/types";

/**
 * A manager as one actor sees it: what is done through it is recorded in the audit trail under
 * `actor` once it succeeded (a call that throws records nothing); reads and events are the
 * manager's own. TaskManager is itself the "api" view; `actingAs` gives the others.
 */
export class ActorClient implements TaskflowClient {
  readonly onLifecycle: TaskflowClient["onLifecycle"];
  readonly onLog: TaskflowClient["onLog"];
  readonly onProgress: TaskflowClient["onProgress"];
  readonly onDidChangeRegistry: TaskflowClient["onDidChangeRegistry"];
  /** Records this actor's adds: a new run as "run", an add a debounced run took as "debounce" of that run. */
  private readonly addAudit: AddAudit;

  constructor(
    private readonly manager: TaskflowClient,
    private readonly ops: TaskOperations,
    private readonly trail: AuditTrail,
    readonly actor: AuditActor,
  ) {
    this.onLifecycle = manager.onLifecycle;
    this.onLog = manager.onLog;
    this.onProgress = manager.onProgress;
    this.onDidChangeRegistry = manager.onDidChangeRegistry;
    this.addAudit = {
      ran: (taskId, funcName) => trail.record(actor, "run", taskId, funcName),
      debounced: (taskId, funcName, adds) => trail.record(actor, "debounce", taskId, `${funcName}: ${adds} adds, the last input kept`),
    };
  }

  addTask(task: TaskHandle | string, args: unknown[] = [], options: AddTaskOptions = {}): Promise<string> {
    return this.ops.addRun("addTask", task, args, options, null, null, this.addAudit);
  }

  addTasks(task: TaskHandle | string, items: AddTasksItem[]): Promise<string[]> {
    return this.ops.addTasks(task, items, this.addAudit);
  }

  async retryTask(taskId: string, options?: RetryOptions): Promise<string> {
    const newId = await this.ops.retryTask(taskId, options);
    const from = options?.fromStep !== undefined ? ` from step ${options.fromStep}` : options?.resume ? ", resumed" : "";
    this.trail.record(this.actor, "retry", newId, `retry of ${taskId}${from}`);
    return newId;
  }

  async provideInput(taskId: string, name: string, value: unknown): Promise<void> {
    await this.ops.provideInput(taskId, name, value);
    this.trail.record(this.actor, "input", taskId, `input ${JSON.stringify(name)}`);
  }

  async retryFailed(options?: RetryFailedOptions): Promise<string[]> {
    const ids = await this.ops.retryFailed(options);
    for (const taskId of ids) this.trail.record(this.actor, "retry", taskId, "retryFailed");
    return ids;
  }

  async cancelTask(taskId: string): Promise<void> {
    await this.ops.cancelTask(taskId);
    this.trail.record(this.actor, "cancel", taskId, null);
  }

  /** One entry per deleted task; ids that were skipped (unknown, not finished) record nothing. */
  deleteTasks(taskIds: string[]): number {
    const existing = [...new Set(taskIds)].filter((id) => this.ops.isStored(id));
    const deleted = this.ops.deleteTasks(taskIds);
    for (const taskId of existing) if (!this.ops.isStored(taskId)) this.trail.record(this.actor, "delete", taskId, null);
    return deleted;
  }

  clearHistory(options: ClearHistoryOptions = {}): number {
    const deleted = this.ops.clearHistory(options);
    const scope = options.olderThan ? ` created before ${options.olderThan.toISOString()}` : "";
    this.trail.record(this.actor, "clear", null, `${deleted} finished task${deleted === 1 ? "" : "s"} deleted${scope}`);
    return deleted;
  }

  configureQueue(name: string, options: QueueOptions): QueueInfo {
    const info = this.ops.configureQueue(name, options);
    this.trail.record(this.actor, "configure", null, `queue ${info.name}: ${JSON.stringify(options)}`);
    return info;
  }

  pauseQueue(name: string): void {
    this.trail.record(this.actor, "pause", null, `queue ${this.ops.setQueuePaused(name, true)}`);
  }

  resumeQueue(name: string): void {
    this.trail.record(this.actor, "resume", null, `queue ${this.ops.setQueuePaused(name, false)}`);
  }

  async schedule(task: TaskHandle | string, spec: ScheduleSpec, options?: ScheduleOptions): Promise<string> {
    const { scheduleId, funcName } = await this.ops.schedule(task, spec, options);
    this.trail.record(this.actor, "schedule", null, `schedule ${scheduleId} of ${funcName}: ${JSON.stringify(spec)}`);
    return scheduleId;
  }

  async pauseSchedule(scheduleId: string): Promise<void> {
    await this.ops.setSchedulePaused(scheduleId, true);
    this.trail.record(this.actor, "pause", null, `schedule ${scheduleId}`);
  }

  async resumeSchedule(scheduleId: string): Promise<void> {
    await this.ops.setSchedulePaused(scheduleId, false);
    this.trail.record(this.actor, "resume", null, `schedule ${scheduleId}`);
  }

  async removeSchedule(scheduleId: string): Promise<void> {
    await this.ops.removeSchedule(scheduleId);
    this.trail.record(this.actor, "unschedule", null, `schedule ${scheduleId}`);
  }

  /** Recorded as a run, since a person or caller asked for it (a slot firing by itself is not). */
  async runScheduleNow(scheduleId: string): Promise<string> {
    const taskId = await this.ops.runScheduleNow(scheduleId);
    this.trail.record(this.actor, "run", taskId, `schedule ${scheduleId}`);
    return taskId;
  }

  /** Throws a TypeError for an actor that is not one of AUDIT_ACTORS. */
  actingAs(actor: AuditActor): TaskflowClient {
    if (!isAuditActor(actor)) throw new TypeError(`actingAs needs one of ${AUDIT_ACTORS.join(", ")}, got ${JSON.stringify(actor)}`);
    return new ActorClient(this.manager, this.ops, this.trail, actor);
  }

  registeredTasks(): RegisteredTask[] {
    return this.manager.registeredTasks();
  }
  getTask(taskId: string): Awaitable<TaskRecord | undefined> {
    return this.manager.getTask(taskId);
  }
  listTasks(query?: ListTasksQuery): Awaitable<TaskRecord[]> {
    return this.manager.listTasks(query);
  }
  countTasks(query?: ListTasksQuery): Awaitable<number> {
    return this.manager.countTasks(query);
  }
  funcNames(): Awaitable<string[]> {
    return this.manager.funcNames();
  }
  metrics(): Awaitable<Metrics> {
    return this.manager.metrics();
  }
  waitFor(taskId: string): Promise<TaskRecord> {
    return this.manager.waitFor(taskId);
  }
  listQueues(): Awaitable<QueueInfo[]> {
    return this.manager.listQueues();
  }
  listKeys(funcName: string, options?: { limit?: number }): Awaitable<KeyInfo[]> {
    return this.manager.listKeys(funcName, options);
  }
  flowHolds(): Awaitable<Record<string, FlowHold>> {
    return this.manager.flowHolds();
  }
  listSchedules(): Awaitable<ScheduleInfo[]> {
    return this.manager.listSchedules();
  }
  audit(query?: AuditQuery): Awaitable<AuditEntry[]> {
    return this.manager.audit(query);
  }
  throughput(query: ThroughputQuery): Awaitable<ThroughputBucket[]> {
    return this.manager.throughput(query);
  }
}
