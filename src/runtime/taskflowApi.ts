/**
 * The "taskflow" module as task modules see it (built to dist/taskflow.js; scripts/generateTaskflowTypes.mjs
 * writes its types, dist/taskflow.d.ts, from this file and the model). It runs inside task workers,
 * where the worker has installed the runtime that carries the task's context and forwards logs to the engine.
 */
import { describeValue } from "../model/describe";
import type { LogLevel } from "../model/events";
import { parseTaskConfig, type TaskConfig } from "../model/schemas";
import type { TaskContext } from "../model/taskFunction";
import { HANDLE_KEY, currentRuntime, type TaskHandleInfo } from "./runtimeGlobals";

/** Options of taskLog. */
export interface TaskLogOptions {
  /** @default "info" */
  level?: LogLevel;
  /** Structured data forwarded with the log event (not written to the stored line). JSON-serialisable. */
  extra?: Record<string, unknown>;
}

/** The model's check, with fields given as undefined left out so the config stays plain data. */
function plainTaskConfig(config: unknown): TaskConfig {
  const parsed = parseTaskConfig(config === undefined ? {} : config);
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) if (value !== undefined) plain[key] = value;
  return plain;
}

/**
 * Declares a task. Export the result from a `*.tasks.ts` (or .js, .mjs, .cjs, .mts, .cts) module.
 * The task runs in a worker thread with `fn(...args)`, or `fn(...args, kwargs)` when kwargs is not
 * empty; arguments and the return value must be JSON-serialisable.
 * @example export const cleanCache = task(async () => { taskLog("cleaning"); });
 */
export function task<F extends (...args: never[]) => unknown>(fn: F): F;
/** @example export const sendEmail = task({ retries: 3, delay: 1, backoff: 2 }, async (address: string) => { ... }); */
export function task<F extends (...args: never[]) => unknown>(config: TaskConfig, fn: F): F;
export function task<F extends (...args: never[]) => unknown>(fn: F, config: TaskConfig): F;
export function task(a: unknown, b?: unknown): (...args: unknown[]) => unknown {
  const [fn, config] = typeof a === "function" ? [a, b] : [b, a];
  let info: TaskHandleInfo;
  try {
    if (typeof fn !== "function") {
      throw new TypeError(`task() expects a function: task(fn), task(config, fn) or task(fn, config); got ${describeValue(a)} and ${describeValue(b)}`);
    }
    info = { fn: fn as TaskHandleInfo["fn"], config: plainTaskConfig(config), callSite: "" };
  } catch (error) {
    // Restart the stack at the caller, so its top frame (and the Problem the host reports) is the task(...) line.
    if (error instanceof Error) Error.captureStackTrace(error, task);
    throw error;
  }
  // Without the task() frame the top frame is the declaring line, which the task list links to.
  const site: { stack?: string } = {};
  Error.captureStackTrace(site, task);
  info.callSite = site.stack ?? "";
  const handle = (...args: unknown[]): unknown => info.fn(...args);
  Object.defineProperty(handle, HANDLE_KEY, { value: info });
  Object.defineProperty(handle, "name", { value: (fn as (...args: unknown[]) => unknown).name || "task" });
  return handle;
}

/** Appends a line to the running task's logs (shown live in the task panel). Outside a task it goes to the Taskflow output. */
export function taskLog(message: string, options: TaskLogOptions = {}): void {
  const level = options.level ?? "info";
  const runtime = currentRuntime();
  if (runtime) runtime.log(String(message), level, options.extra ?? {});
  else (level === "error" ? console.error : console.log)(`[taskflow] ${String(message)}`);
}

/** The running task's context, or undefined outside a task (for example at the module's top level). */
export function getTaskContext(): TaskContext | undefined {
  return currentRuntime()?.context();
}
