import { jsonProblem } from "./jsonCheck";
import type { AddTaskOptions } from "./types";

/** addTask's inputs, checked and deep-copied (so later changes by the caller do not leak in). */
export interface AddTaskInput {
  args: unknown[];
  kwargs: Record<string, unknown>;
  tags: Record<string, string>;
  idempotencyKey: string | null;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

export function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** Throws a TypeError saying what was expected and got, naming the path of any non-JSON value. */
export function checkAddTaskInput(funcName: string, args: unknown, options: AddTaskOptions): AddTaskInput {
  if (!Array.isArray(args)) {
    throw new TypeError(`Arguments must be a JSON array, got ${kindOf(args)}: wrap them in [ ]`);
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError(`addTask options must be an object like { kwargs, idempotencyKey, tags }, got ${kindOf(options)}`);
  }
  const kwargs: unknown = options.kwargs ?? {};
  if (!isPlainObject(kwargs)) throw new TypeError(`kwargs must be a plain object, got ${kindOf(kwargs)}`);
  const tags: unknown = options.tags ?? {};
  if (!isPlainObject(tags)) throw new TypeError(`tags must be an object of strings like { env: "dev" }, got ${kindOf(tags)}`);
  for (const [key, value] of Object.entries(tags)) {
    if (key === "" || key.includes("=")) {
      throw new TypeError(`Tag key ${JSON.stringify(key)} is not allowed: keys must be non-empty and without "="`);
    }
    if (typeof value !== "string") {
      throw new TypeError(`tags.${key} must be a string, got ${kindOf(value)}: tags map strings to strings`);
    }
  }
  const key: unknown = options.idempotencyKey;
  if (key !== undefined && (typeof key !== "string" || key === "")) {
    throw new TypeError(`idempotencyKey must be a non-empty string, got ${kindOf(key)}`);
  }
  const problem = jsonProblem(args, "args") ?? jsonProblem(kwargs, "kwargs");
  if (problem) throw new TypeError(`Task "${funcName}" arguments must be JSON-serialisable: ${problem}`);
  const copy = JSON.parse(JSON.stringify({ args, kwargs })) as { args: unknown[]; kwargs: Record<string, unknown> };
  return { ...copy, tags: { ...(tags as Record<string, string>) }, idempotencyKey: (key as string | undefined) ?? null };
}
