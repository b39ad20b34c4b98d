/**
 * Task arguments typed as JSON text (the Run Task input boxes, the task panel's argument editor):
 * parsed and checked to the shape the engine takes, with messages that say what was expected, what
 * was got and what to do. Pure, and free of Node and vscode, so the webviews use it too.
 */
import { describeValue, isPlainObject } from "./describe";

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Parses task arguments typed as a JSON array. Empty input means no arguments.
 * `{"a":1}` -> `Arguments must be a JSON array, got an object: wrap it in [ ]`.
 */
export function parseArgumentsJson(text: string): ParseResult<unknown[]> {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, value: [] };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (err) {
    return { ok: false, error: `Arguments must be a JSON array, got invalid JSON (${(err as Error).message}): for example ["a", 1]` };
  }
  if (!Array.isArray(value)) {
    return { ok: false, error: `Arguments must be a JSON array, got ${describeValue(value)}: wrap it in [ ]` };
  }
  return { ok: true, value };
}

/** Parses keyword arguments typed as a JSON object. Empty input means none. */
export function parseKwargsJson(text: string): ParseResult<Record<string, unknown>> {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (err) {
    return { ok: false, error: `Keyword arguments must be a JSON object, got invalid JSON (${(err as Error).message}): for example {"dryRun": true}` };
  }
  if (!isPlainObject(value)) {
    return { ok: false, error: `Keyword arguments must be a JSON object, got ${describeValue(value)}: wrap it in { }` };
  }
  return { ok: true, value };
}

