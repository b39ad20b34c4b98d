/**
 * The "taskflow" module as task modules see it (built to dist/taskflow.js; its types are the
 * hand-written taskflow.d.ts). It runs inside task workers, where the worker has installed the
 * runtime that carries the task's context and forwards logs to the engine.
 */
import { HANDLE_KEY, currentRuntime, type RuntimeLogLevel, type TaskHandleInfo, type WorkerTaskContext } from "./runtimeGlobals";

type AnyFn = (...args: never[]) => unknown;

/** Options of `taskLog`. */
export interface TaskLogOptions {
  /** @default "info" */
  level?: RuntimeLogLevel;
  /** Structured data forwarded with the log event. Must be JSON-serialisable. */
  extra?: Record<string, unknown>;
}

const CONFIG_KEYS = new Set([
  "name", "retries", "delay", "backoff", "maxDelay", "jitter", "timeout", "persist", "requeueOnInterrupt", "description",
]);

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "function") return "a function";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}

function isPlainData(value: unknown): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainData);
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value as object).every(isPlainData);
  }
  return false;
}

function checkConfig(config: unknown): Record<string, unknown> {
  if (config === undefined) return {};
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new TypeError(`task() config must be an object like { retries: 3 }, got ${describe(config)}`);
  }
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (!CONFIG_KEYS.has(key)) {
      // Fields newer than this runtime pass through to the engine, as long as they are plain data.
      if (!isPlainData(value)) {
        throw new TypeError(`task() config field "${key}" must be plain data (strings, numbers, booleans, arrays, objects), got ${describe(value)}`);
      }
      plain[key] = value;
      continue;
    }
    const ok = key === "name" || key === "description" ? typeof value === "string"
      : key === "persist" || key === "requeueOnInterrupt" ? typeof value === "boolean"
        : typeof value === "number" && Number.isFinite(value) && value >= 0;
    if (!ok && value !== undefined) {
      const expected = key === "name" || key === "description" ? "a string"
        : key === "persist" || key === "requeueOnInterrupt" ? "true or false" : "a finite number >= 0";
      throw new TypeError(`task() config field "${key}" must be ${expected}, got ${describe(value)}`);
    }
    if (value !== undefined) plain[key] = value;
  }
  if (plain.name === "") throw new TypeError(`task() config field "name" must not be empty: omit it to use the export name`);
  return plain;
}

/**
 * Declares a task function. Export the result from a `*.tasks.*` module; the export name is the
 * task name unless `config.name` is set. Calling the handle directly just calls the function.
 */
export function task<F extends AnyFn>(fn: F): F;
export function task<F extends AnyFn>(config: Record<string, unknown>, fn: F): F;
export function task<F extends AnyFn>(fn: F, config: Record<string, unknown>): F;
export function task(a: unknown, b?: unknown): AnyFn {
  const [fn, config] = typeof a === "function" ? [a, b] : [b, a];
  if (typeof fn !== "function") {
    throw new TypeError(`task() expects a function: task(fn), task(config, fn) or task(fn, config); got ${describe(a)} and ${describe(b)}`);
  }
  const info: TaskHandleInfo = {
    fn: fn as TaskHandleInfo["fn"],
    config: checkConfig(config),
    callSite: "",
  };
  // Without the task() frame the top frame is the declaring line, which the task list links to.
  const site: { stack?: string } = {};
  Error.captureStackTrace(site, task);
  info.callSite = site.stack ?? "";
  const handle = (...args: unknown[]): unknown => info.fn(...args);
  Object.defineProperty(handle, HANDLE_KEY, { value: info });
  Object.defineProperty(handle, "name", { value: (fn as AnyFn).name || "task" });
  return handle;
}

/** Appends a line to the running task's logs; outside a task it goes to the Taskflow output. */
export function taskLog(message: string, options: TaskLogOptions = {}): void {
  const level = options.level ?? "info";
  const runtime = currentRuntime();
  if (runtime) runtime.log(String(message), level, options.extra ?? {});
  else (level === "error" ? console.error : console.log)(`[taskflow] ${String(message)}`);
}

/** The running task's context, or undefined outside a task (for example at a module's top level). */
export function getTaskContext(): WorkerTaskContext | undefined {
  return currentRuntime()?.context();
}
