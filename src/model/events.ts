/** The engine's events and the vscode-shaped event plumbing, declared once for every layer. */
import type { TaskStatus } from "./status";
import type { WaitingFor } from "./durable";

/** Shaped like `vscode.Disposable`, so the extension can push it into `context.subscriptions`. */
export interface Disposable {
  dispose(): void;
}

export type Listener<T> = (event: T) => void;

/** Shaped like `vscode.Event`: subscribe with a listener, unsubscribe with the result's `dispose()`. */
export type Event<T> = (listener: Listener<T>) => Disposable;

export type LogLevel = "debug" | "info" | "warning" | "error";

/** Fired for every log line a task writes. */
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

/** Fired on every status change of every task. */
export interface LifecycleEvent {
  taskId: string;
  funcName: string;
  status: TaskStatus;
  /** ISO 8601 UTC. */
  timestamp: string;
  attempt: number;
  retriesUsed: number;
  /** Seconds; null until the task has started and ended. */
  duration: number | null;
  error: string | null;
  stacktrace: string | null;
  tags: Record<string, string>;
  /** What the run waits for when `status` is waiting; null (or absent) otherwise. */
  waitingFor?: WaitingFor | null;
}

/** Fired by `manager.onProgress` each time a running task calls `reportProgress()`. */
export interface ProgressEvent {
  taskId: string;
  funcName: string;
  /** 0..1. */
  fraction: number;
  message: string | null;
  tags: Record<string, string>;
}

/** Fired by `manager.onDidChangeRegistry` when a task function is registered or unregistered. */
export interface RegistryChangeEvent {
  kind: "registered" | "unregistered";
  name: string;
}
