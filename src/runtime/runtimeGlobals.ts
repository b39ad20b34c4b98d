/**
 * What the worker (dist/worker.js) and the "taskflow" module that task modules import
 * (dist/taskflow.js) share. They are separate bundles, so they meet on globalThis under
 * registry symbols rather than through a shared module instance.
 */
import type { StepJournal } from "../core/stepJournal";
import type { LogLevel } from "../model/events";
import type { TaskProgress } from "../model/fields";
import type { AddTaskOptions, TaskConfig } from "../model/schemas";
import type { TaskContext } from "../model/taskFunction";

/** Installed on globalThis by the worker before it loads user code. */
export interface WorkerRuntime {
  context(): TaskContext | undefined;
  log(message: string, level: LogLevel, extra: Record<string, unknown>): void;
  /** reportProgress() in the running task, checked: forwarded to the host. */
  progress(progress: TaskProgress): void;
  /** enqueue() in the running task: the host enqueues `task` (a registered name) and answers with the new id. */
  enqueue(task: string, args: unknown[], options: AddTaskOptions): Promise<string>;
  /** The registered name of a task handle the loaded module exports, or undefined for any other value. */
  exportedTaskName(handle: unknown): string | undefined;
  /** The running attempt's steps and waits (step(), sleep(), waitForInput(), waitForRuns()), opened with the host on first use. */
  journal(): Promise<StepJournal>;
}

/** What `task()` attaches to the handle it returns. */
export interface TaskHandleInfo {
  fn: (...args: unknown[]) => unknown;
  /** Checked by `task()` against the model's TaskConfigSchema; fields given as undefined are left out. */
  config: TaskConfig;
  /** `new Error().stack` taken inside `task()`, to find the declaring line. */
  callSite: string;
}

/** Property key of the TaskHandleInfo on a handle. */
export const HANDLE_KEY: unique symbol = Symbol.for("taskflow.taskHandle.v1") as never;
/** Property key of the WorkerRuntime on globalThis. */
export const RUNTIME_KEY: unique symbol = Symbol.for("taskflow.workerRuntime.v1") as never;

export function currentRuntime(): WorkerRuntime | undefined {
  return (globalThis as { [RUNTIME_KEY]?: WorkerRuntime })[RUNTIME_KEY];
}

export function installRuntime(runtime: WorkerRuntime): void {
  (globalThis as { [RUNTIME_KEY]?: WorkerRuntime })[RUNTIME_KEY] = runtime;
}

export function handleInfo(value: unknown): TaskHandleInfo | undefined {
  if (typeof value !== "function") return undefined;
  return (value as { [HANDLE_KEY]?: TaskHandleInfo })[HANDLE_KEY];
}
