import type { TaskConfig, TaskFunction, TaskHandle } from "./types";

// Symbol.for so handles made by another bundled copy of the engine are still recognised.
const HANDLE_BRAND = Symbol.for("taskflow.engine.taskHandle.v1");

const CONFIG_KEYS = [
  "name", "retries", "delay", "backoff", "maxDelay", "jitter", "timeout", "persist", "requeueOnInterrupt", "description",
] as const;

/** Whether `value` is a handle made by `task()` (by any copy of the engine). */
export function isTaskHandle(value: unknown): value is TaskHandle {
  return typeof value === "function" && (value as unknown as Record<symbol, unknown>)[HANDLE_BRAND] === true;
}

function checkNumber(config: TaskConfig, key: keyof TaskConfig, min: number, opts: { integer?: boolean; max?: number; exclusiveMin?: boolean } = {}): void {
  const value = config[key];
  if (value === undefined) return;
  const ok =
    typeof value === "number" &&
    Number.isFinite(value) &&
    (opts.exclusiveMin ? value > min : value >= min) &&
    (opts.max === undefined || value <= opts.max) &&
    (!opts.integer || Number.isInteger(value));
  if (!ok) {
    const range = `${opts.integer ? "an integer" : "a number"} ${opts.exclusiveMin ? ">" : ">="} ${min}${opts.max !== undefined ? ` and <= ${opts.max}` : ""}`;
    throw new TypeError(`Task config "${key}" must be ${range}, got ${JSON.stringify(value) ?? String(value)}`);
  }
}

/** Throws a TypeError naming the field when a config value is out of range or of the wrong type. */
export function validateConfig(config: TaskConfig): void {
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new TypeError(`Task config must be an object like { retries: 3, delay: 1 }, got ${config === null ? "null" : Array.isArray(config) ? "an array" : typeof config}`);
  }
  const unknownKeys = Object.keys(config).filter((k) => !(CONFIG_KEYS as readonly string[]).includes(k));
  if (unknownKeys.length > 0) {
    throw new TypeError(`Unknown task config key(s): ${unknownKeys.join(", ")}. Known keys: ${CONFIG_KEYS.join(", ")}`);
  }
  if (config.name !== undefined && typeof config.name !== "string") {
    throw new TypeError(`Task config "name" must be a string, got ${typeof config.name}`);
  }
  checkNumber(config, "retries", 0, { integer: true });
  checkNumber(config, "delay", 0);
  checkNumber(config, "backoff", 0, { exclusiveMin: true });
  checkNumber(config, "maxDelay", 0);
  checkNumber(config, "jitter", 0, { max: 1 });
  checkNumber(config, "timeout", 0, { exclusiveMin: true });
  for (const key of ["persist", "requeueOnInterrupt"] as const) {
    if (config[key] !== undefined && typeof config[key] !== "boolean") {
      throw new TypeError(`Task config "${key}" must be true or false, got ${JSON.stringify(config[key])}`);
    }
  }
}

/** Sorts out `(fn)`, `(fn, config)` and `(config, fn)`; a handle passed as fn contributes its config. */
export function normaliseTaskArgs(a: unknown, b: unknown): { fn: TaskFunction; config: TaskConfig } {
  let fn: unknown;
  let config: unknown;
  if (typeof a === "function") {
    fn = a;
    config = b;
  } else if (typeof b === "function") {
    fn = b;
    config = a;
  } else {
    throw new TypeError(
      `task() needs a function: task(fn), task(fn, config) or task(config, fn); got (${typeof a}, ${typeof b})`,
    );
  }
  if (config !== undefined) validateConfig(config as TaskConfig);
  if (isTaskHandle(fn)) {
    return { fn: fn.taskFunction, config: { ...fn.taskConfig, ...(config as TaskConfig | undefined) } };
  }
  return { fn: fn as TaskFunction, config: { ...(config as TaskConfig | undefined) } };
}

/** Builds a handle: a function that calls `fn` directly, carrying `fn`, its config and its name. */
export function makeHandle<F extends TaskFunction>(fn: F, config: TaskConfig): TaskHandle<F> {
  const frozen = Object.freeze({ ...config });
  const handle = function (this: unknown, ...args: unknown[]) {
    return fn.apply(this, args);
  } as unknown as TaskHandle<F>;
  const name = config.name ?? fn.name ?? "";
  Object.defineProperties(handle, {
    taskFunction: { value: fn, enumerable: true },
    taskConfig: { value: frozen, enumerable: true },
    taskName: { value: name, enumerable: true },
    [HANDLE_BRAND]: { value: true },
  });
  // Keeps stack traces and the debugger showing the task's name instead of "handle".
  Object.defineProperty(handle, "name", { value: name, configurable: true });
  return handle;
}

/**
 * Declares a task function without registering it: `task(fn)`, `task(config, fn)` or `task(fn, config)`.
 * The module loader (or `manager.task(handle)`) registers the handle; calling it calls `fn` directly.
 */
export function task<F extends TaskFunction>(fn: F, config?: TaskConfig): TaskHandle<F>;
export function task<F extends TaskFunction>(config: TaskConfig, fn: F): TaskHandle<F>;
export function task(a: unknown, b?: unknown): TaskHandle {
  const { fn, config } = normaliseTaskArgs(a, b);
  return makeHandle(fn, config);
}
