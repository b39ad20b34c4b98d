import { jsonProblem } from "./jsonCheck";
import { ValidationError, describeValue, parseAddTaskOptions } from "./types";

/** addTask's inputs, checked and deep-copied (so later changes by the caller do not leak in). */
export interface AddTaskInput {
  args: unknown[];
  kwargs: Record<string, unknown>;
  tags: Record<string, string>;
  idempotencyKey: string | null;
}

/**
 * Checks addTask's arguments and options; throws a ValidationError saying what was expected and
 * what was got, or a TypeError naming the path of a value JSON cannot carry.
 */
export function checkAddTaskInput(funcName: string, args: unknown, options: unknown): AddTaskInput {
  if (!Array.isArray(args)) {
    throw new ValidationError(`Arguments must be a JSON array, got ${describeValue(args)}: wrap them in [ ]`, "");
  }
  // The schema's object check lets an array through, which would then read as "no options".
  if (Array.isArray(options)) {
    throw new ValidationError("addTask options must be an object like { kwargs, idempotencyKey, tags }, got an array", "");
  }
  const checked = parseAddTaskOptions(options);
  const kwargs = checked.kwargs ?? {};
  const problem = jsonProblem(args, "args") ?? jsonProblem(kwargs, "kwargs");
  if (problem) throw new TypeError(`Task "${funcName}" arguments must be JSON-serialisable: ${problem}`);
  const copy = JSON.parse(JSON.stringify({ args, kwargs })) as { args: unknown[]; kwargs: Record<string, unknown> };
  return { ...copy, tags: { ...(checked.tags) }, idempotencyKey: checked.idempotencyKey ?? null };
}
