/**
 * The engine's public contract: the model of design section 2 and the shapes used by the manager,
 * the store, the runtime and the extension. Implementation files stay lean; what outside code may
 * rely on is declared and documented here.
 */

/** The status of a task. The string values are part of the stored format and the API. */
export const TaskStatus = {
  /** Enqueued, waiting to run, or waiting for its next retry. */
  Pending: "pending",
  /** An attempt is executing. */
  Running: "running",
  /** An attempt returned. */
  Success: "success",
  /** The last allowed attempt threw; retries exhausted. */
  Failed: "failed",
  /** Running when the engine shut down or the process died, and requeue was not allowed. */
  Interrupted: "interrupted",
  /** Cancelled by a person or a caller while pending or running. */
  Cancelled: "cancelled",
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

/** Every status, in the order the views group them. */
export const ALL_STATUSES: readonly TaskStatus[] = [
  TaskStatus.Running,
  TaskStatus.Pending,
  TaskStatus.Failed,
  TaskStatus.Interrupted,
  TaskStatus.Cancelled,
  TaskStatus.Success,
];

/** Statuses from which a task never moves again by itself. */
export const FINISHED_STATUSES: readonly TaskStatus[] = [
  TaskStatus.Success,
  TaskStatus.Failed,
  TaskStatus.Interrupted,
  TaskStatus.Cancelled,
];

/** Per task function configuration. Every field is optional. */
export interface TaskConfig {
  /** Display and lookup name; unique in a manager. @default the function's name (export name in modules) */
  name?: string;
  /** Attempts allowed after the first failure. @default 0 */
  retries?: number;
  /** Seconds before the first retry. @default 0 */
  delay?: number;
  /** Multiplier on the delay per retry: the wait before retry n (1-based) is `delay * backoff^(n-1)`. @default 1 */
  backoff?: number;
  /** Upper bound, in seconds, on any single backoff wait. @default no bound */
  maxDelay?: number;
  /** Random spread on each wait, 0..1: the wait is multiplied by a factor in `[1 - jitter, 1]`. @default 0 */
  jitter?: number;
  /** Seconds an attempt may run before it fails with a timeout error (counts as a failure for retries). @default no timeout */
  timeout?: number;
  /** A pending task of this function survives shutdown and is dispatched on the next start. @default false */
  persist?: boolean;
  /** A task running at shutdown goes back to pending instead of interrupted. Only for tasks safe to restart. @default false */
  requeueOnInterrupt?: boolean;
  /** Free-form description shown in pickers. */
  description?: string;
}

/** A task function as the engine calls it: `fn(...args)` or `fn(...args, kwargs)` when kwargs is not empty. */
export type TaskFunction = (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

/** JSON shape of a task, as given to the API consumers and the webviews. Never holds the encrypted payload. */
export interface TaskDict {
  taskId: string;
  funcName: string;
  status: TaskStatus;
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** ISO 8601 UTC. */
  createdAt: string;
  startTime: string | null;
  endTime: string | null;
  /** Seconds from startTime to endTime, null until both are set. */
  duration: number | null;
  retriesUsed: number;
  error: string | null;
  logs: string[];
  stacktrace: string | null;
  idempotencyKey: string | null;
  tags: Record<string, string>;
  /** True when the arguments are stored encrypted (args/kwargs are then empty). */
  encrypted: boolean;
}

/**
 * Plain data of a task as the store persists it. Times are epoch milliseconds.
 * The engine's TaskRecord class is built from and turned back into this shape.
 */
export interface TaskData {
  taskId: string;
  funcName: string;
  status: TaskStatus;
  args: unknown[];
  kwargs: Record<string, unknown>;
  createdAt: number;
  startTime: number | null;
  endTime: number | null;
  retriesUsed: number;
  error: string | null;
  logs: string[];
  stacktrace: string | null;
  idempotencyKey: string | null;
  tags: Record<string, string>;
  encryptedPayload: Uint8Array | null;
}

/** What `getTaskContext()` returns inside a running task. */
export interface TaskContext {
  taskId: string;
  funcName: string;
  /** 0-based attempt number. */
  attempt: number;
  tags: Readonly<Record<string, string>>;
  /** Aborted when the task is cancelled or its attempt times out. */
  signal: AbortSignal;
}

export type LogLevel = "debug" | "info" | "warning" | "error";

export interface LogEvent {
  taskId: string;
  funcName: string;
  message: string;
  level: LogLevel;
  /** ISO 8601 UTC. */
  timestamp: string;
  attempt: number;
  tags: Record<string, string>;
  extra: Record<string, unknown>;
  /** The full log line as stored (`YYYY-MM-DDTHH:MM:SS message`). */
  line: string;
}

export interface LifecycleEvent {
  taskId: string;
  funcName: string;
  status: TaskStatus;
  /** ISO 8601 UTC. */
  timestamp: string;
  attempt: number;
  retriesUsed: number;
  duration: number | null;
  error: string | null;
  stacktrace: string | null;
  tags: Record<string, string>;
}

/** Shaped like `vscode.Disposable`, so the extension can push it into `context.subscriptions`. */
export interface Disposable {
  dispose(): void;
}

/** Shaped like `vscode.Event`. */
export type Listener<T> = (event: T) => void;

/** Time as a port: the engine never calls Date.now or setTimeout directly, so tests advance a fake clock. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface AddTaskOptions {
  kwargs?: Record<string, unknown>;
  idempotencyKey?: string;
  tags?: Record<string, string>;
}

export interface ListTasksQuery {
  status?: TaskStatus | TaskStatus[];
  funcName?: string;
  /** `key` (has the tag) or `key=value`. */
  tag?: string;
  /** Case-insensitive text matched against the function name, id, error and tag values. */
  text?: string;
  /** Only tasks created before this epoch-ms time. */
  createdBefore?: number;
  /** @default 100 */
  limit?: number;
  /** @default 0 */
  offset?: number;
}

export interface Metrics {
  total: number;
  pending: number;
  running: number;
  success: number;
  failed: number;
  interrupted: number;
  cancelled: number;
  /** success / (success + failed), 0..1; 0 when nothing finished. */
  successRate: number;
  /** Mean duration in seconds of finished tasks that have one; 0 when none. */
  avgDuration: number;
}

export interface TaskManagerOptions {
  /** sql.js database file. Without it, history lives in memory only. */
  dbPath?: string;
  /** A store to use instead of the one `dbPath` would open (tests, the extension). */
  store?: import("../store/types").TaskStore;
  /** Fernet key (URL-safe base64 of 32 bytes). When set, arguments are stored encrypted. */
  encryptArgsKey?: string;
  /** @default 4 */
  maxConcurrentTasks?: number;
  /** Dispatch pending tasks found in the store at start. @default true */
  requeuePending?: boolean;
  /** Log lines kept per task; later lines are dropped and counted in a marker line. @default 10000 */
  maxLogLinesPerTask?: number;
  /** Finished records kept; the oldest beyond this are deleted. @default 10000 */
  maxRecords?: number;
  /** @default the system clock */
  clock?: Clock;
  /** Random numbers for backoff jitter. @default Math.random */
  random?: RandomSource;
  /** Where taskLog outside a task, and contained listener errors, are reported. @default console */
  onOutsideLog?: (message: string, level: LogLevel) => void;
}

/** Source of uniform random numbers in [0, 1), a port like Clock so backoff jitter is testable. */
export type RandomSource = () => number;

/**
 * What `task()` returns: the function itself (calling it calls the task function directly, outside
 * the engine) carrying its configuration. `manager.task(handle)` or `manager.addTask(handle)` use it.
 * Recognised across separately bundled copies of the engine through a `Symbol.for` brand.
 */
export interface TaskHandle<F extends TaskFunction = TaskFunction> {
  (...args: Parameters<F>): ReturnType<F>;
  /** The wrapped task function. */
  readonly taskFunction: F;
  /** The configuration given to `task()`, frozen. */
  readonly taskConfig: Readonly<TaskConfig>;
  /** `config.name ?? fn.name`; empty when neither is known yet (a module loader then names it after its export). */
  readonly taskName: string;
}

/** Fired by `manager.onDidChangeRegistry` when a task function is registered or unregistered. */
export interface RegistryChangeEvent {
  kind: "registered" | "unregistered";
  name: string;
}

/** Options of `manager.clearHistory`. */
export interface ClearHistoryOptions {
  /** Only finished tasks created before this time. @default every finished task */
  olderThan?: Date;
}
