/**
 * The engine API the extension exports: the model's TaskflowClient, bound to the
 * workspace's manager. The manager behind it can be replaced (a setting or the encryption key
 * changed) without callers noticing: event subscriptions move to the new manager, and functions
 * registered through `task()` are registered on it again. What is done through it is recorded in the
 * audit trail as done by "vscode". No vscode import, so it is unit-tested in plain Node.
 */
import * as l10n from "@vscode/l10n";
import { Emitter } from "../../core/emitter";
import type { TaskManager } from "../../engine/taskManager";
import type {
  RetryOptions,
  AddTaskOptions,
  AddTasksItem,
  AuditActor,
  AuditEntry,
  AuditQuery,
  Awaitable,
  ClearHistoryOptions,
  Disposable,
  LifecycleEvent,
  FlowHold,
  KeyInfo,
  ListTasksQuery,
  LogEvent,
  Metrics,
  ProgressEvent,
  QueueInfo,
  QueueOptions,
  RegisteredTask,
  RegistryChangeEvent,
  RetryFailedOptions,
  ScheduleInfo,
  ScheduleOptions,
  ScheduleSpec,
  TaskConfig,
  TaskflowClient,
  TaskFunction,
  TaskHandle,
  TaskRecord,
  ThroughputBucket,
  ThroughputQuery,
} from "../../model";

/**
 * What the proxy forwards to: the engine's TaskManager, which also registers task functions, or a
 * client without registration (HttpTaskflowClient, when another process holds the database).
 */
export type ProxyTarget = TaskflowClient & Partial<Pick<TaskManager, "task" | "unregisterTask">>;

/** A target that registers task functions. */
type RegisteringTarget = TaskflowClient & Pick<TaskManager, "task" | "unregisterTask">;

function registers(target: ProxyTarget): target is RegisteringTarget {
  return typeof target.task === "function" && typeof target.unregisterTask === "function";
}

/** A `task()` call as given: `(fn)`, `(config, fn)` or `(fn, config)`. */
interface TaskCall {
  a: TaskFunction | TaskConfig;
  b?: TaskFunction | TaskConfig;
}

function register(manager: RegisteringTarget, { a, b }: TaskCall): TaskHandle {
  return typeof a === "function" ? manager.task(a, b as TaskConfig | undefined) : manager.task(a, b as TaskFunction);
}

/**
 * The exported API. Every method throws (or, when it returns a promise, rejects with)
 * `unavailableMessage` while there is no manager (no folder open, the engine restarting), so a
 * caller learns why instead of getting undefined.
 */
export class ManagerProxy implements TaskflowClient {
  private current: ProxyTarget | undefined;
  /** `current` acting as "vscode": every call but registration goes through it. */
  private acting: TaskflowClient | undefined;
  private subscriptions: Disposable[] = [];
  private readonly lifecycle: Emitter<LifecycleEvent>;
  private readonly logs: Emitter<LogEvent>;
  private readonly progress: Emitter<ProgressEvent>;
  private readonly registry: Emitter<RegistryChangeEvent>;
  /** Functions registered through this API by name, registered again on each new manager. */
  private readonly ownRegistrations = new Map<string, TaskCall>();
  /** Why `task()` is refused while the target does not register functions. */
  private registrationRefusal = "";

  /**
   * @param unavailableMessage what callers are told while no manager is attached
   * @param onListenerError gets what a listener of this API threw; the other listeners still run
   */
  constructor(
    private unavailableMessage: string,
    onListenerError: (error: unknown) => void = () => undefined,
  ) {
    this.lifecycle = new Emitter(onListenerError);
    this.logs = new Emitter(onListenerError);
    this.progress = new Emitter(onListenerError);
    this.registry = new Emitter(onListenerError);
    this.onLifecycle = this.lifecycle.event;
    this.onLog = this.logs.event;
    this.onProgress = this.progress.event;
    this.onDidChangeRegistry = this.registry.event;
  }

  /**
   * Points the API at `manager` (or at none, with the reason callers are told). For a target that
   * does not register functions, `message` is why `task()` is refused; functions registered earlier
   * are kept and registered again on the next manager that does.
   */
  attach(manager: ProxyTarget | undefined, message?: string): void {
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions = [];
    this.current = manager;
    this.acting = manager?.actingAs("vscode");
    if (!manager) {
      if (message !== undefined) this.unavailableMessage = message;
      return;
    }
    this.registrationRefusal = message ?? l10n.t("This Taskflow engine does not accept task functions from other extensions");
    this.subscriptions.push(
      manager.onLifecycle((e) => this.lifecycle.fire(e)),
      manager.onLog((e) => this.logs.fire(e)),
      manager.onProgress((e) => this.progress.fire(e)),
      manager.onDidChangeRegistry((e) => this.registry.fire(e)),
    );
    if (registers(manager)) for (const registration of this.ownRegistrations.values()) register(manager, registration);
  }

  get attached(): boolean {
    return this.current !== undefined;
  }

  private manager(): TaskflowClient {
    if (!this.acting) throw new Error(this.unavailableMessage);
    return this.acting;
  }

  /**
   * Registers a task function from another extension: `(fn)`, `(config, fn)` or `(fn, config)`.
   * Returns a Disposable that unregisters it.
   */
  task(a: TaskFunction | TaskConfig, b?: TaskFunction | TaskConfig): Disposable {
    const registration = { a, b };
    this.manager();
    const manager = this.current!;
    if (!registers(manager)) throw new Error(this.registrationRefusal);
    const name = register(manager, registration).taskName;
    if (name === "") throw new Error(l10n.t("task() needs a name: pass a named function, or a config with a name such as {0}", '{ name: "sendEmail" }'));
    this.ownRegistrations.set(name, registration);
    return {
      dispose: () => {
        this.ownRegistrations.delete(name);
        this.current?.unregisterTask?.(name);
      },
    };
  }

  registeredTasks(): RegisteredTask[] {
    return this.manager().registeredTasks();
  }
  async addTask(task: TaskHandle | string, args?: unknown[], options?: AddTaskOptions): Promise<string> {
    return this.manager().addTask(task, args, options);
  }
  async addTasks(task: TaskHandle | string, items: AddTasksItem[]): Promise<string[]> {
    return this.manager().addTasks(task, items);
  }
  getTask(taskId: string): Awaitable<TaskRecord | undefined> {
    return this.manager().getTask(taskId);
  }
  listTasks(query?: ListTasksQuery): Awaitable<TaskRecord[]> {
    return this.manager().listTasks(query);
  }
  countTasks(query?: ListTasksQuery): Awaitable<number> {
    return this.manager().countTasks(query);
  }
  funcNames(): Awaitable<string[]> {
    return this.manager().funcNames();
  }
  metrics(): Awaitable<Metrics> {
    return this.manager().metrics();
  }
  async waitFor(taskId: string): Promise<TaskRecord> {
    return this.manager().waitFor(taskId);
  }
  async retryTask(taskId: string, options?: RetryOptions): Promise<string> {
    return this.manager().retryTask(taskId, options);
  }
  async provideInput(taskId: string, name: string, value: unknown): Promise<void> {
    return this.manager().provideInput(taskId, name, value);
  }
  async retryFailed(options?: RetryFailedOptions): Promise<string[]> {
    return this.manager().retryFailed(options);
  }
  async cancelTask(taskId: string): Promise<void> {
    return this.manager().cancelTask(taskId);
  }
  deleteTasks(taskIds: string[]): Awaitable<number> {
    return this.manager().deleteTasks(taskIds);
  }
  clearHistory(options?: ClearHistoryOptions): Awaitable<number> {
    return this.manager().clearHistory(options);
  }
  configureQueue(name: string, options: QueueOptions): Awaitable<QueueInfo> {
    return this.manager().configureQueue(name, options);
  }
  pauseQueue(name: string): Awaitable<void> {
    return this.manager().pauseQueue(name);
  }
  resumeQueue(name: string): Awaitable<void> {
    return this.manager().resumeQueue(name);
  }
  listQueues(): Awaitable<QueueInfo[]> {
    return this.manager().listQueues();
  }
  listKeys(funcName: string, options?: { limit?: number }): Awaitable<KeyInfo[]> {
    return this.manager().listKeys(funcName, options);
  }
  flowHolds(): Awaitable<Record<string, FlowHold>> {
    return this.manager().flowHolds();
  }
  listSchedules(): Awaitable<ScheduleInfo[]> {
    return this.manager().listSchedules();
  }
  async schedule(task: TaskHandle | string, spec: ScheduleSpec, options?: ScheduleOptions): Promise<string> {
    return this.manager().schedule(task, spec, options);
  }
  async pauseSchedule(scheduleId: string): Promise<void> {
    return this.manager().pauseSchedule(scheduleId);
  }
  async resumeSchedule(scheduleId: string): Promise<void> {
    return this.manager().resumeSchedule(scheduleId);
  }
  async removeSchedule(scheduleId: string): Promise<void> {
    return this.manager().removeSchedule(scheduleId);
  }
  async runScheduleNow(scheduleId: string): Promise<string> {
    return this.manager().runScheduleNow(scheduleId);
  }
  audit(query?: AuditQuery): Awaitable<AuditEntry[]> {
    return this.manager().audit(query);
  }
  throughput(query: ThroughputQuery): Awaitable<ThroughputBucket[]> {
    return this.manager().throughput(query);
  }
  /** The current manager acting as `actor` (not following a later attach). */
  actingAs(actor: AuditActor): TaskflowClient {
    if (!this.current) throw new Error(this.unavailableMessage);
    return this.current.actingAs(actor);
  }
  // Events are properties bound to this proxy, like vscode.Event, so `api.onLog` can be passed around.
  readonly onLifecycle: TaskflowClient["onLifecycle"];
  readonly onLog: TaskflowClient["onLog"];
  readonly onProgress: TaskflowClient["onProgress"];
  readonly onDidChangeRegistry: TaskflowClient["onDidChangeRegistry"];
}
