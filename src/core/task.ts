import { describeValue, parseTaskConfig, type TaskConfig, type TaskFunction, type TaskHandle } from "./types";

// Symbol.for so handles made by another bundled copy of the engine are still recognised.
const HANDLE_BRAND = Symbol.for("taskflow.engine.taskHandle.v1");

/** Whether `value` is a handle made by `task()` (by any copy of the engine). */
export function isTaskHandle(value: unknown): value is TaskHandle {
  return typeof value === "function" && (value as unknown as Record<symbol, unknown>)[HANDLE_BRAND] === true;
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
      `task() needs a function: task(fn), task(fn, config) or task(config, fn); got (${describeValue(a)}, ${describeValue(b)})`,
    );
  }
  const checked = config === undefined ? undefined : parseTaskConfig(config);
  if (isTaskHandle(fn)) return { fn: fn.taskFunction, config: { ...fn.taskConfig, ...checked } };
  return { fn: fn as TaskFunction, config: { ...checked } };
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
