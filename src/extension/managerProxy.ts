/**
 * The engine API the extension exports (design section 3), bound to the workspace's manager. The
 * manager behind it can be replaced (a setting or the encryption key changed) without callers
 * noticing: event subscriptions move to the new manager, and functions registered through `task()`
 * are registered on it again. No vscode import, so it is unit-tested in plain Node.
 */
import type {
  AddTaskOptions,
  ClearHistoryOptions,
  Disposable,
  LifecycleEvent,
  ListTasksQuery,
  LogEvent,
  Metrics,
  RegistryChangeEvent,
  TaskConfig,
  TaskFunction,
} from "../engine/types";
import type { TaskRecord } from "../engine/taskRecord";

/** The part of the engine's TaskManager the proxy forwards to. */
export interface ProxiedManager {
  task(a: unknown, b?: unknown): unknown;
  unregisterTask(name: string): unknown;
  registeredTasks(): Array<{ name: string; config: TaskConfig; source?: string }>;
  addTask(handleOrName: never, args?: unknown[], options?: AddTaskOptions): Promise<string>;
  getTask(taskId: string): TaskRecord | undefined;
  listTasks(query?: ListTasksQuery): TaskRecord[];
  countTasks(query?: ListTasksQuery): number;
  metrics(): Metrics;
  waitFor(taskId: string): Promise<TaskRecord>;
  retryTask(taskId: string): Promise<string>;
  cancelTask(taskId: string): Promise<void>;
  deleteTasks(taskIds: string[]): number;
  clearHistory(options?: ClearHistoryOptions): number;
  onLog(listener: (event: LogEvent) => void): Disposable;
  onLifecycle(listener: (event: LifecycleEvent) => void): Disposable;
  onDidChangeRegistry(listener: (event: RegistryChangeEvent) => void): Disposable;
}

type Listener<T> = (event: T) => void;

class ListenerSet<T> {
  private readonly listeners = new Set<Listener<T>>();
  constructor(private readonly onListenerError: (error: unknown) => void) {}

  add(listener: Listener<T>): Disposable {
    const wrapped: Listener<T> = (event) => listener(event);
    this.listeners.add(wrapped);
    return { dispose: () => this.listeners.delete(wrapped) };
  }

  fire(event: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}

/**
 * The exported API. Every method throws `unavailableMessage` while there is no manager (no folder
 * open), so a caller learns why instead of getting undefined.
 */
export class ManagerProxy {
  private current: ProxiedManager | undefined;
  private subscriptions: Disposable[] = [];
  private readonly lifecycle: ListenerSet<LifecycleEvent>;
  private readonly logs: ListenerSet<LogEvent>;
  private readonly registry: ListenerSet<RegistryChangeEvent>;
  /** Functions registered through this API, registered again on each new manager. */
  private readonly ownRegistrations = new Map<string, { a: unknown; b?: unknown }>();

  constructor(
    private unavailableMessage: string,
    onListenerError: (error: unknown) => void = () => undefined,
  ) {
    this.lifecycle = new ListenerSet(onListenerError);
    this.logs = new ListenerSet(onListenerError);
    this.registry = new ListenerSet(onListenerError);
  }

  /** Points the API at `manager` (or at none, with the reason callers are told). */
  attach(manager: ProxiedManager | undefined, unavailableMessage?: string): void {
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions = [];
    this.current = manager;
    if (unavailableMessage !== undefined) this.unavailableMessage = unavailableMessage;
    if (!manager) return;
    this.subscriptions.push(
      manager.onLifecycle((e) => this.lifecycle.fire(e)),
      manager.onLog((e) => this.logs.fire(e)),
      manager.onDidChangeRegistry((e) => this.registry.fire(e)),
    );
    for (const { a, b } of this.ownRegistrations.values()) manager.task(a, b);
  }

  get attached(): boolean {
    return this.current !== undefined;
  }

  private manager(): ProxiedManager {
    if (!this.current) throw new Error(this.unavailableMessage);
    return this.current;
  }

  /**
   * Registers a task function from another extension: `(fn)`, `(config, fn)` or `(fn, config)`.
   * Returns a Disposable that unregisters it.
   */
  task(a: TaskFunction | TaskConfig, b?: TaskFunction | TaskConfig): Disposable {
    const manager = this.manager();
    const before = new Set(manager.registeredTasks().map((t) => t.name));
    manager.task(a, b);
    const name = manager.registeredTasks().find((t) => !before.has(t.name))?.name;
    if (name === undefined) throw new Error("task() registered nothing: pass a named function or a config with a name");
    this.ownRegistrations.set(name, { a, b });
    return {
      dispose: () => {
        this.ownRegistrations.delete(name);
        this.current?.unregisterTask(name);
      },
    };
  }

  registeredTasks(): Array<{ name: string; config: TaskConfig; source?: string }> {
    return this.manager().registeredTasks();
  }
  addTask(name: string, args?: unknown[], options?: AddTaskOptions): Promise<string> {
    return this.manager().addTask(name as never, args, options);
  }
  getTask(taskId: string): TaskRecord | undefined {
    return this.manager().getTask(taskId);
  }
  listTasks(query?: ListTasksQuery): TaskRecord[] {
    return this.manager().listTasks(query);
  }
  countTasks(query?: ListTasksQuery): number {
    return this.manager().countTasks(query);
  }
  metrics(): Metrics {
    return this.manager().metrics();
  }
  waitFor(taskId: string): Promise<TaskRecord> {
    return this.manager().waitFor(taskId);
  }
  retryTask(taskId: string): Promise<string> {
    return this.manager().retryTask(taskId);
  }
  cancelTask(taskId: string): Promise<void> {
    return this.manager().cancelTask(taskId);
  }
  deleteTasks(taskIds: string[]): number {
    return this.manager().deleteTasks(taskIds);
  }
  clearHistory(options?: ClearHistoryOptions): number {
    return this.manager().clearHistory(options);
  }
  // Events are properties bound to this proxy, like vscode.Event, so `api.onLog` can be passed around.
  readonly onLifecycle = (listener: (event: LifecycleEvent) => void): Disposable => this.lifecycle.add(listener);
  readonly onLog = (listener: (event: LogEvent) => void): Disposable => this.logs.add(listener);
  readonly onDidChangeRegistry = (listener: (event: RegistryChangeEvent) => void): Disposable => this.registry.add(listener);
}
