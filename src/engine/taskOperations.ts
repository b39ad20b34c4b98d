import { randomUUID } from "node:crypto";
import { rerunRecord } from "../core/rerun";
import { retryFailed, retryableTasks } from "../core/retryFailed";
import { newRunRecord, planBulkAdd } from "../core/runRecords";
import type { TaskStore } from "../store/types";
import { checkAddTaskInput, checkAddTasksItems, type AddTaskInput } from "../core/addTaskInput";
import type { ArgumentCipher } from "../core/argumentCipher";
import type { Dispatcher } from "./dispatcher";
import { CancelledError } from "../core/errors";
import { deleteFinished } from "../core/managerHelpers";
import { queueFullError, queueFullReason } from "../core/queueFull";
import { Scheduler } from "./scheduler";
import type { TaskLedger } from "./taskLedger";
import { TaskRecord } from "./taskRecord";
import type { Registration, TaskRegistry } from "../core/taskRegistry";
import {
  CANCELLABLE_STATUSES, RETRYABLE_STATUSES, TaskStateError, UnknownTaskError,
  holdsIdempotencyKey, isCancellable, isRetryable, orList, parseQueueName, parseQueueOptions,
  type AddTaskOptions, type AddTasksItem, type ClearHistoryOptions, type Clock, type LogLevel, type QueueFullError, type QueueInfo,
  type QueueOptions, type RetryFailedOptions, type ScheduleData, type ScheduleOptions, type ScheduleSpec, type TaskHandle,
} from "../core/types";

const RETRYABLE_LIST = orList(RETRYABLE_STATUSES);
const CANCELLABLE_LIST = orList(CANCELLABLE_STATUSES);

/** What the operations need of their manager. */
export interface OperationsHost {
  store: TaskStore;
  clock: Clock;
  cipher: ArgumentCipher;
  registry: TaskRegistry;
  ledger: TaskLedger;
  dispatcher: Dispatcher;
  report: (message: string, level: LogLevel) => void;
  /** Resolves once the manager is started; rejects naming `operation` when it is not (or no longer). */
  ready(operation: string): Promise<void>;
  /** The store, once the manager is started; throws otherwise. */
  openStore(): TaskStore;
}

/**
 * The manager's changing operations, without the audit trail: TaskManager and its actingAs views
 * call them and record who asked (see ActorClient). The scheduler lives here, since its slots
 * enqueue through `addRun`.
 */
export class TaskOperations {
  readonly scheduler: Scheduler;

  constructor(private readonly host: OperationsHost) {
    const fire = (s: ScheduleData): Promise<string> => this.addRun("schedule", s.funcName, s.args, { kwargs: s.kwargs, tags: s.tags }, null, s.scheduleId);
    this.scheduler = new Scheduler({
      store: host.store, clock: host.clock, report: host.report, isRegistered: (name) => host.registry.get(name) !== undefined, fire,
    });
  }

  /** addTask, or enqueue() inside the running task `parent` (then parentId is its id), or a schedule's run (scheduleId set). */
  async addRun(operation: string, task: TaskHandle | string, args: unknown[], options: AddTaskOptions, parent: TaskRecord | null, scheduleId: string | null = null): Promise<string> {
    await this.host.ready(operation);
    const { registry, store } = this.host;
    const registration = parent ? registry.lookupForChild(parent, task) : registry.lookup(task);
    const input = checkAddTaskInput(registration.name, args, options);
    const key = input.idempotencyKey;
    if (key !== null) {
      const existing = store.findByIdempotencyKey(key);
      if (existing && holdsIdempotencyKey(existing.status)) return existing.taskId;
    }
    const record = this.newRecord(registration, input);
    if (parent) record.parentId = parent.taskId;
    record.scheduleId = scheduleId;
    return this.enqueue(record);
  }

  async addTasks(task: TaskHandle | string, items: AddTasksItem[]): Promise<string[]> {
    await this.host.ready("addTasks");
    const { registry, store, dispatcher, ledger } = this.host;
    const registration = registry.lookup(task);
    const inputs = checkAddTasksItems(registration.name, items);
    const { ids, records, rejected } = planBulkAdd(inputs, {
      heldKey: (key) => {
        const existing = store.findByIdempotencyKey(key);
        return existing && holdsIdempotencyKey(existing.status) ? existing.taskId : undefined;
      },
      room: (queue) => dispatcher.room(queue),
      newRecord: (input) => this.newRecord(registration, input),
    });
    ledger.addPending(records);
    for (const record of rejected) this.reject(record, dispatcher.maxSize(record.queue) ?? 0);
    dispatcher.enqueueAll(records.map((r) => r.taskId));
    return ids;
  }

  async retryTask(taskId: string): Promise<string> {
    await this.host.ready("retryTask");
    const original = this.getTask(taskId);
    if (!original) throw new UnknownTaskError(taskId);
    if (!isRetryable(original.status)) {
      throw new TaskStateError(taskId, original.status, `Only ${RETRYABLE_LIST} tasks can be retried; task ${taskId} is ${original.status}`);
    }
    this.host.registry.lookup(original.funcName);
    return this.enqueue(rerunRecord(original, randomUUID(), this.host.clock.now()));
  }

  async retryFailed(options?: RetryFailedOptions): Promise<string[]> {
    await this.host.ready("retryFailed");
    const { store, registry, report } = this.host;
    return retryFailed({
      retryable: (filter) => retryableTasks(store, filter),
      lookup: (name) => registry.lookup(name),
      isRegistered: (name) => registry.get(name) !== undefined,
      retryTask: (id) => this.retryTask(id),
      report,
    }, options);
  }

  async cancelTask(taskId: string): Promise<void> {
    await this.host.ready("cancelTask");
    const { dispatcher, ledger, clock } = this.host;
    const record = this.getTask(taskId);
    if (!record) throw new UnknownTaskError(taskId);
    if (!isCancellable(record.status)) {
      throw new TaskStateError(taskId, record.status, `Task ${taskId} is already ${record.status}; only ${CANCELLABLE_LIST} tasks can be cancelled`);
    }
    const run = dispatcher.runs.get(taskId);
    if (run) run.detached = true;
    dispatcher.remove(taskId);
    ledger.transition(record, "cancelled", { endTime: new Date(clock.now()) }, run);
    run?.stopper.stop(new CancelledError(`task ${taskId} was cancelled`));
  }

  deleteTasks(taskIds: string[]): number {
    const { ledger, dispatcher } = this.host;
    return deleteFinished(this.host.openStore(), (id) => ledger.live.has(id) || dispatcher.runs.has(id), taskIds);
  }

  clearHistory(options: ClearHistoryOptions = {}): number {
    return this.host.openStore().clearFinished(options.olderThan?.getTime());
  }

  configureQueue(name: string, options: QueueOptions): QueueInfo {
    return this.host.dispatcher.configure(parseQueueName(name), parseQueueOptions(options));
  }

  setQueuePaused(name: string, paused: boolean): string {
    const queue = parseQueueName(name);
    this.host.dispatcher.setPaused(queue, paused);
    return queue;
  }

  async schedule(task: TaskHandle | string, spec: ScheduleSpec, options: ScheduleOptions = {}): Promise<{ scheduleId: string; funcName: string }> {
    await this.host.ready("schedule");
    const funcName = this.host.registry.lookup(task).name;
    return { scheduleId: this.scheduler.create(funcName, spec, options), funcName };
  }

  async setSchedulePaused(scheduleId: string, paused: boolean): Promise<void> {
    await this.host.ready(paused ? "pauseSchedule" : "resumeSchedule");
    this.scheduler.setPaused(scheduleId, paused);
  }

  async removeSchedule(scheduleId: string): Promise<void> {
    await this.host.ready("removeSchedule");
    this.scheduler.remove(scheduleId);
  }

  async runScheduleNow(scheduleId: string): Promise<string> {
    await this.host.ready("runScheduleNow");
    return this.scheduler.runNow(scheduleId);
  }

  /** Whether the store holds the task. */
  isStored(taskId: string): boolean {
    return this.host.openStore().getTask(taskId) !== undefined;
  }

  private getTask(taskId: string): TaskRecord | undefined {
    const live = this.host.ledger.live.get(taskId);
    if (live) return live;
    const data = this.host.store.getTask(taskId);
    return data && TaskRecord.fromData(data);
  }

  private newRecord(registration: Registration, input: AddTaskInput): TaskRecord {
    return newRunRecord(registration, input, this.host.clock.now(), this.host.cipher);
  }

  /** Makes the record pending and queues it; when its queue is full, stores it rejected and throws QueueFullError. */
  private enqueue(record: TaskRecord): string {
    const maxSize = this.host.dispatcher.fullQueue(record.queue);
    if (maxSize !== undefined) throw this.reject(record, maxSize);
    this.host.ledger.transition(record, "pending", {});
    this.host.dispatcher.enqueue(record.taskId);
    return record.taskId;
  }

  /** Stores the record rejected, its queue holding `maxSize` pending tasks; returns the error for the caller. */
  private reject(record: TaskRecord, maxSize: number): QueueFullError {
    this.host.ledger.transition(record, "rejected", { endTime: new Date(this.host.clock.now()), error: queueFullReason(record.queue, maxSize) });
    return queueFullError(record.taskId, record.queue, maxSize);
  }
}
