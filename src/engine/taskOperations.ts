import { randomUUID } from "node:crypto";
import { rerunRecord } from "../core/rerun";
import { jsonProblem } from "../core/jsonCheck";
import { inputGiven, putStep } from "../core/stepJournal";
import { retryFailed, retryableTasks } from "../core/retryFailed";
import { newRunRecord, planBulkAdd } from "../core/runRecords";
import type { TaskStore } from "../store/types";
import { checkAddTaskInput, checkAddTasksItems, type AddTaskInput } from "../core/addTaskInput";
import type { ArgumentCipher } from "../core/argumentCipher";
import type { Dispatcher } from "./dispatcher";
import { CancelledError } from "../core/errors";
import { debouncedLine } from "./flowControl";
import { runKeysOf, type FlowRules } from "../core/flowRules";
import { deleteFinished } from "../core/managerHelpers";
import { queueFullError, queueFullReason } from "../core/queueFull";
import { Scheduler } from "./scheduler";
import type { TaskLedger } from "./taskLedger";
import { TaskRecord } from "./taskRecord";
import type { Registration, TaskRegistry } from "../core/taskRegistry";
import {
  CANCELLABLE_STATUSES, QueueFullError, RESUMABLE_STATUSES, RETRYABLE_STATUSES, TaskStateError, UnknownTaskError, ValidationError,
  checkInput, describeValue, describeWait, holdsIdempotencyKey, isCancellable, isResumable, isRetryable, orList, parseQueueName, parseQueueOptions, stepsToResume,
  type AddTaskOptions, type AddTasksItem, type ClearHistoryOptions, type Clock, type LogLevel, type QueueInfo,
  type QueueOptions, type RetryFailedOptions, type RetryOptions, type ScheduleData, type ScheduleOptions, type ScheduleSpec, type TaskHandle,
} from "../core/types";

const RETRYABLE_LIST = orList(RETRYABLE_STATUSES);
const RESUMABLE_LIST = orList(RESUMABLE_STATUSES);
const CANCELLABLE_LIST = orList(CANCELLABLE_STATUSES);

/** When a debounced run may start: `seconds` after this add, or the add's own runAt or delay when later. */
function debounceDueMs(input: AddTaskInput, nowMs: number, seconds: number): number {
  const asked = input.runAtMs ?? nowMs + input.delaySeconds * 1000;
  return Math.max(asked, nowMs + seconds * 1000);
}

/** What the operations need of their manager. */
export interface OperationsHost {
  store: TaskStore;
  clock: Clock;
  cipher: ArgumentCipher;
  registry: TaskRegistry;
  ledger: TaskLedger;
  dispatcher: Dispatcher;
  report: (message: string, level: LogLevel) => void;
  /**
   * Resolves once the manager is started, rejects naming `operation` when it is not (or no longer);
   * undefined when it is started now, so an add takes no extra turn to learn it.
   */
  ready(operation: string): Promise<void> | undefined;
  /** The store, once the manager is started; throws otherwise. */
  openStore(): TaskStore;
}

/** Where an add is recorded in the audit trail: exactly one of these, once the add succeeded. */
export interface AddAudit {
  /** A new run was enqueued. */
  ran(taskId: string, funcName: string): void;
  /** The add went into the pending run `taskId` of its key, which has now taken `adds` adds. */
  debounced(taskId: string, funcName: string, adds: number): void;
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

  /**
   * addTask, or enqueue() inside the running task `parent` (then parentId is its id), or a schedule's
   * run (scheduleId set). `audit` hears how the add went.
   */
  async addRun(
    operation: string, task: TaskHandle | string, args: unknown[], options: AddTaskOptions, parent: TaskRecord | null,
    scheduleId: string | null = null, audit?: AddAudit,
  ): Promise<string> {
    const starting = this.host.ready(operation);
    if (starting) await starting;
    this.host.store.assertWritable?.();
    const registration = parent ? this.host.registry.lookupForChild(parent, task) : this.host.registry.lookup(task);
    return this.addChecked(registration, checkAddTaskInput(registration.name, args, options), parent, scheduleId, audit);
  }

  private addChecked(registration: Registration, input: AddTaskInput, parent: TaskRecord | null, scheduleId: string | null, audit?: AddAudit): string {
    const key = input.idempotencyKey;
    if (key !== null) {
      const existing = this.host.store.findByIdempotencyKey(key);
      if (existing && holdsIdempotencyKey(existing.status)) {
        audit?.ran(existing.taskId, registration.name);
        return existing.taskId;
      }
    }
    if (registration.flow !== undefined) return this.addFlowRun(registration, registration.flow, input, parent, scheduleId, audit);
    const record = this.newRecord(registration, input, parent, scheduleId);
    const taskId = this.enqueue(record);
    audit?.ran(taskId, registration.name);
    return taskId;
  }

  /**
   * An add of a function with flow control per key: its keys are read from the input before it is
   * sealed; with `debounce`, a pending, not yet started run of the same key takes the input instead
   * and waits the full window again.
   */
  private addFlowRun(registration: Registration, rules: FlowRules, input: AddTaskInput, parent: TaskRecord | null, scheduleId: string | null, audit?: AddAudit): string {
    const { dispatcher, clock } = this.host;
    const keys = runKeysOf(rules, input);
    const now = clock.now();
    const debounce = rules.debounce;
    if (debounce !== null) {
      const into = dispatcher.flow.debouncedRun(registration.name, keys.debounce as string);
      const record = into && this.host.ledger.live.get(into.taskId);
      if (into && record) {
        into.adds++;
        dispatcher.remove(record.taskId);
        this.host.ledger.transition(record, "pending", {
          ...this.host.cipher.seal(input.args, input.kwargs), tags: input.tags, runAt: new Date(debounceDueMs(input, now, debounce.seconds)),
        });
        this.host.ledger.appendLog(record, undefined, debouncedLine(into.adds), "info", {}, false);
        dispatcher.flow.noteKeys(record.taskId, keys);
        dispatcher.enqueue(record.taskId);
        audit?.debounced(record.taskId, registration.name, into.adds);
        return record.taskId;
      }
    }
    const record = this.newRecord(registration, input, parent, scheduleId);
    if (debounce !== null) record.runAt = new Date(debounceDueMs(input, now, debounce.seconds));
    dispatcher.flow.noteKeys(record.taskId, keys);
    try {
      this.enqueue(record);
    } catch (error) {
      dispatcher.flow.forget(record.taskId);
      throw error;
    }
    if (debounce !== null) dispatcher.flow.setDebounced(registration.name, keys.debounce as string, record.taskId);
    audit?.ran(record.taskId, registration.name);
    return record.taskId;
  }

  async addTasks(task: TaskHandle | string, items: AddTasksItem[], audit?: AddAudit): Promise<string[]> {
    const starting = this.host.ready("addTasks");
    if (starting) await starting;
    this.host.store.assertWritable?.();
    const { registry, store, dispatcher, ledger } = this.host;
    const registration = registry.lookup(task);
    const inputs = checkAddTasksItems(registration.name, items);
    // Each add of a debounced function may go into the run an earlier one made: one at a time.
    if (registration.flow?.debounce) return inputs.map((input) => this.addBulkItem(registration, input, audit));
    const { ids, records, rejected } = planBulkAdd(inputs, {
      heldKey: (key) => {
        const existing = store.findByIdempotencyKey(key);
        return existing && holdsIdempotencyKey(existing.status) ? existing.taskId : undefined;
      },
      room: (queue) => dispatcher.room(queue),
      newRecord: (input) => this.newRecord(registration, input, null, null),
    });
    ledger.addPending(records);
    for (const record of rejected) this.reject(record, dispatcher.maxSize(record.queue) ?? 0);
    dispatcher.enqueueAll(records.map((r) => r.taskId));
    // One entry per distinct task: an item whose key was held returns an id already recorded.
    if (audit) for (const taskId of new Set(ids)) audit.ran(taskId, registration.name);
    return ids;
  }

  /** One item of addTasks: an item beyond its queue's maxSize is stored rejected and gives its id, as in a bulk add. */
  private addBulkItem(registration: Registration, input: AddTaskInput, audit?: AddAudit): string {
    try {
      return this.addChecked(registration, input, null, null, audit);
    } catch (error) {
      if (error instanceof QueueFullError) return error.taskId;
      throw error;
    }
  }

  /**
   * Gives the waiting run `taskId` the input `name` asked for: checked against the wait's schema,
   * recorded as the wait's value (durably), and the run goes back to pending to resume.
   */
  async provideInput(taskId: string, name: string, value: unknown): Promise<void> {
    await this.host.ready("provideInput");
    if (typeof name !== "string" || name === "") throw new ValidationError(`provideInput needs the input's name, a non-empty string; got ${describeValue(name)}`, "name");
    const record = this.getTask(taskId);
    if (!record) throw new UnknownTaskError(taskId);
    const waitingFor = record.status === "waiting" ? record.waitingFor : null;
    if (waitingFor?.kind !== "input" || waitingFor.name !== name) {
      const now = waitingFor ? `it is waiting, ${describeWait(waitingFor)}` : `it is ${record.status}`;
      throw new TaskStateError(taskId, record.status, `Task ${taskId} is not waiting for input ${JSON.stringify(name)}: ${now}`);
    }
    const problem = jsonProblem(value, "the input", false);
    if (problem) throw new ValidationError(`the input ${JSON.stringify(name)} must be JSON: ${problem}`, "");
    checkInput(waitingFor.schema, value, name);
    putStep(record.steps, inputGiven(record.steps, waitingFor, value, new Date(this.host.clock.now()).toISOString()));
    this.resumeWaiting([record]);
    await this.host.store.flush();
  }

  /** Waiting runs whose wait holds (or timed out, or got their input) go back to pending and are queued. */
  resumeWaiting(records: readonly TaskRecord[]): void {
    const { ledger, dispatcher } = this.host;
    for (const record of records) ledger.transition(record, "pending", { waitingFor: null });
    dispatcher.enqueueAll(records.filter((r) => ledger.live.has(r.taskId)).map((r) => r.taskId));
  }

  async retryTask(taskId: string, options: RetryOptions = {}): Promise<string> {
    await this.host.ready("retryTask");
    const original = this.getTask(taskId);
    if (!original) throw new UnknownTaskError(taskId);
    const resume = options.resume === true || options.fromStep !== undefined;
    if (resume ? !isResumable(original.status) : !isRetryable(original.status)) {
      const allowed = resume ? `Only ${RESUMABLE_LIST} tasks can be resumed` : `Only ${RETRYABLE_LIST} tasks can be retried`;
      throw new TaskStateError(taskId, original.status, `${allowed}; task ${taskId} is ${original.status}`);
    }
    this.host.registry.lookup(original.funcName); // refuses a function nothing registers now, with UnknownFunctionError
    const record = rerunRecord(original, randomUUID(), this.host.clock.now());
    if (resume) {
      if (options.fromStep !== undefined && typeof options.fromStep !== "string") {
        throw new ValidationError(`fromStep must be a step's name and occurrence such as "fetch#2", got ${describeValue(options.fromStep)}`, "fromStep");
      }
      const steps = stepsToResume(original.steps, options.fromStep);
      if (typeof steps === "string") throw new ValidationError(`Cannot retry task ${taskId} from a step: ${steps}`, "fromStep");
      record.steps = steps;
    }
    return this.enqueue(record);
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
    ledger.transition(record, "cancelled", { endTime: new Date(clock.now()), waitingFor: null }, run);
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

  /** A new run's record; `parent` is the running task that enqueued it, `scheduleId` the schedule that fired it. */
  private newRecord(registration: Registration, input: AddTaskInput, parent: TaskRecord | null, scheduleId: string | null): TaskRecord {
    const record = newRunRecord(registration, input, this.host.clock.now(), this.host.cipher);
    if (parent) record.parentId = parent.taskId;
    record.scheduleId = scheduleId;
    return record;
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
