/**
 * Parsing and validation of what people type in the Run Task input boxes. Pure: no vscode import,
 * so it runs in plain Node unit tests. Each function returns an error message instead of throwing,
 * because input boxes show it while the person types.
 */

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Describes a parsed JSON value for error messages: "an object", "a string", "null"... */
export function describeJsonValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "object":
      return "an object";
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    default:
      return typeof value;
  }
}

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
    return { ok: false, error: `Arguments must be a JSON array, got ${describeJsonValue(value)}: wrap it in [ ]` };
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
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, error: `Keyword arguments must be a JSON object, got ${describeJsonValue(value)}: wrap it in { }` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * Parses tags typed as `key=value` pairs separated by commas or spaces: `env=dev, team=data`.
 * A value may contain `=`; keys must be non-empty and unique.
 */
export function parseTags(text: string): ParseResult<Record<string, string>> {
  const tags: Record<string, string> = {};
  const pairs = text.split(/[,\s]+/).filter((p) => p !== "");
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      const got = eq === 0 ? `"${pair}" with no key` : `"${pair}"`;
      return { ok: false, error: `Tags must be key=value pairs separated by commas, got ${got}: for example env=dev, team=data` };
    }
    const key = pair.slice(0, eq);
    if (Object.prototype.hasOwnProperty.call(tags, key)) {
      return { ok: false, error: `Tag "${key}" is given twice: keep one value per key` };
    }
    tags[key] = pair.slice(eq + 1);
  }
  return { ok: true, value: tags };
}

/** Formats tags the way parseTags reads them back, for prefilling an input box. */
export function formatTags(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

/** Options of the programmatic `taskflow.runTask` form. */
export interface RunTaskOptions {
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  tags?: Record<string, string>;
  idempotencyKey?: string;
}

/**
 * Validates the options object of `executeCommand('taskflow.runTask', name, options)`, which comes
 * from another extension and so is untrusted input.
 */
export function validateRunTaskOptions(options: unknown): ParseResult<RunTaskOptions> {
  if (options === undefined || options === null) return { ok: true, value: {} };
  if (typeof options !== "object" || Array.isArray(options)) {
    return { ok: false, error: `Run Task options must be an object { args, kwargs, tags, idempotencyKey }, got ${describeJsonValue(options)}` };
  }
  const o = options as Record<string, unknown>;
  const known = new Set(["args", "kwargs", "tags", "idempotencyKey"]);
  const unknownKeys = Object.keys(o).filter((k) => !known.has(k));
  if (unknownKeys.length > 0) {
    return { ok: false, error: `Run Task options accept args, kwargs, tags and idempotencyKey, got unknown ${unknownKeys.join(", ")}: remove them` };
  }
  const result: RunTaskOptions = {};
  if (o.args !== undefined) {
    if (!Array.isArray(o.args)) return { ok: false, error: `options.args must be an array, got ${describeJsonValue(o.args)}: wrap it in [ ]` };
    result.args = o.args;
  }
  if (o.kwargs !== undefined) {
    if (o.kwargs === null || typeof o.kwargs !== "object" || Array.isArray(o.kwargs)) {
      return { ok: false, error: `options.kwargs must be an object, got ${describeJsonValue(o.kwargs)}` };
    }
    result.kwargs = o.kwargs as Record<string, unknown>;
  }
  if (o.tags !== undefined) {
    if (o.tags === null || typeof o.tags !== "object" || Array.isArray(o.tags)) {
      return { ok: false, error: `options.tags must be an object of strings, got ${describeJsonValue(o.tags)}` };
    }
    for (const [k, v] of Object.entries(o.tags)) {
      if (typeof v !== "string") return { ok: false, error: `options.tags.${k} must be a string, got ${describeJsonValue(v)}` };
    }
    result.tags = o.tags as Record<string, string>;
  }
  if (o.idempotencyKey !== undefined) {
    if (typeof o.idempotencyKey !== "string" || o.idempotencyKey === "") {
      return { ok: false, error: `options.idempotencyKey must be a non-empty string, got ${describeJsonValue(o.idempotencyKey)}` };
    }
    result.idempotencyKey = o.idempotencyKey;
  }
  return { ok: true, value: result };
}

/**
 * Checks a Fernet key as typed: URL-safe base64 (padding optional) of exactly 32 bytes. Returns an
 * error message, or undefined when valid. The message never repeats the key.
 */
export function fernetKeyError(text: string): string | undefined {
  const key = text.trim();
  if (key === "") return "The key is empty: paste a Fernet key (44 characters of URL-safe base64), or use Generate Encryption Key";
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(key)) {
    return "A Fernet key is URL-safe base64 (A-Z, a-z, 0-9, - and _), got other characters: check it was copied whole";
  }
  const bytes = Buffer.from(key, "base64url").length;
  if (bytes !== 32) return `A Fernet key decodes to 32 bytes, got ${bytes}: check it was copied whole`;
  return undefined;
}

/** A new Fernet key: 32 random bytes as URL-safe base64 with padding, as Python's `Fernet.generate_key()` writes it. */
export function generateFernetKey(randomBytes: (size: number) => Uint8Array): string {
  return Buffer.from(randomBytes(32)).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}
