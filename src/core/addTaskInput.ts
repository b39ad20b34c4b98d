import { jsonProblem } from "./jsonCheck";
import { ADD_TASKS_ITEM_KEYS, ValidationError, describeValue, isPlainObject, parseAddTaskOptions } from "./types";

/** addTask's inputs, checked and deep-copied (so later changes by the caller do not leak in). */
export interface AddTaskInput {
  args: unknown[];
  kwargs: Record<string, unknown>;
  tags: Record<string, string>;
  idempotencyKey: string | null;
  /** The queue asked for; undefined: the task's config, else "default". */
  queue: string | undefined;
  /** The priority asked for; undefined: the task's config, else 0. */
  priority: number | undefined;
  /** Seconds to wait before the run may start (0: none). */
  delaySeconds: number;
  /** When the run may start, epoch ms; null: no time given. */
  runAtMs: number | null;
}

/**
 * Checks addTask's arguments and options; throws a ValidationError saying what was expected and
 * what was got, or a TypeError naming the path of a value JSON cannot carry.
 */
export function checkAddTaskInput(funcName: string, args: unknown, options: unknown): AddTaskInput {
  if (!Array.isArray(args)) {
    throw new ValidationError(`Arguments must be a JSON array, got ${describeValue(args)}: wrap them in [ ]`, "");
  }
  // No options is the common case; it needs no schema run.
  const checked = options === undefined || (isPlainObject(options) && Object.keys(options).length === 0) ? {} : parseAddTaskOptions(options);
  const copy = checked.kwargs === undefined ? flatCopy(args) : undefined;
  const { args: argsCopy, kwargs } = copy === undefined ? jsonCopy(funcName, args, checked.kwargs ?? {}) : { args: copy, kwargs: {} };
  if (checked.delay !== undefined && checked.runAt !== undefined) {
    throw new ValidationError(
      `addTask options take delay or runAt, not both: got delay ${checked.delay} and runAt ${describeValue(checked.runAt)}. Keep runAt for a fixed time, delay for seconds from now`,
      "runAt",
    );
  }
  const { runAt } = checked;
  return {
    // Named fields, not a spread: spreading the object JSON.parse made took several µs per task.
    args: argsCopy, kwargs, tags: { ...(checked.tags) }, idempotencyKey: checked.idempotencyKey ?? null,
    queue: checked.queue, priority: checked.priority, delaySeconds: checked.delay ?? 0,
    runAtMs: runAt === undefined ? null : typeof runAt === "string" ? Date.parse(runAt) : runAt.getTime(),
  };
}

/**
 * A copy of `args` when it holds only text, booleans, null and finite numbers (not -0, which JSON
 * turns into 0): such an array is its own JSON round trip, so it needs neither the check nor the
 * stringify and parse. Undefined for anything else (holes included), which takes the full way.
 */
function flatCopy(args: readonly unknown[]): unknown[] | undefined {
  const copy = new Array<unknown>(args.length);
  for (let i = 0; i < args.length; i++) {
    const value = args[i];
    const kind = typeof value;
    if (kind === "number" ? !Number.isFinite(value) || Object.is(value, -0) : kind !== "string" && kind !== "boolean" && value !== null) return undefined;
    copy[i] = value;
  }
  return copy;
}

/** Checks `args` and `kwargs` are plain JSON (a TypeError naming the path when not) and deep-copies them. */
function jsonCopy(funcName: string, args: unknown[], kwargs: Record<string, unknown>): { args: unknown[]; kwargs: Record<string, unknown> } {
  const problem = jsonProblem(args, "args") ?? jsonProblem(kwargs, "kwargs");
  if (problem) throw new TypeError(`Task "${funcName}" arguments must be JSON-serialisable: ${problem}`);
  return JSON.parse(JSON.stringify({ args, kwargs })) as { args: unknown[]; kwargs: Record<string, unknown> };
}

const ITEM_SHAPE = "an object like { args, kwargs, tags, idempotencyKey }";

/**
 * Checks every item of addTasks before anything is enqueued. An error names the item's index
 * (`addTasks item 3: ...`) and says what was expected and what was got.
 */
export function checkAddTasksItems(funcName: string, items: unknown): AddTaskInput[] {
  if (!Array.isArray(items)) {
    throw new ValidationError(`addTasks items must be an array of ${ITEM_SHAPE}, got ${describeValue(items)}`, "");
  }
  // Array.from, not map: map skips the holes of a sparse array, which would reach the queue as undefined items.
  return Array.from(items as unknown[], (item: unknown, index) => {
    if (!isPlainObject(item)) {
      throw new ValidationError(`addTasks item ${index} must be ${ITEM_SHAPE}, got ${describeValue(item)}`, String(index));
    }
    const unknownKey = Object.keys(item).find((key) => !ADD_TASKS_ITEM_KEYS.includes(key));
    if (unknownKey !== undefined) {
      throw new ValidationError(`addTasks item ${index} has an unknown key "${unknownKey}". Known keys: ${ADD_TASKS_ITEM_KEYS.join(", ")}`, `${index}.${unknownKey}`);
    }
    const { args = [], ...options } = item;
    try {
      return checkAddTaskInput(funcName, args, options);
    } catch (error) {
      if (error instanceof ValidationError) {
        throw new ValidationError(`addTasks item ${index}: ${error.message}`, error.path === "" ? String(index) : `${index}.${error.path}`);
      }
      if (error instanceof TypeError) throw new TypeError(`addTasks item ${index}: ${error.message}`);
      throw error;
    }
  });
}
