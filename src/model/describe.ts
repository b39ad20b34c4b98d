/**
 * How error messages name a value the caller gave: one helper for every layer, so "expected X,
 * got Y" reads the same from the engine, the module API, the webview protocol and the prompts.
 */

/** A short phrase for a value: `null`, `an array`, `an object`, `the string "abc"`, `the number 1.5`. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return value.length > 40 ? `a string of ${value.length} characters` : `the string ${JSON.stringify(value)}`;
    case "number":
    case "bigint":
      return `the number ${String(value)}`;
    case "boolean":
      return String(value);
    case "function":
      return "a function";
    case "symbol":
      return "a symbol";
    default: {
      const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
      const ctor = proto?.constructor?.name;
      return proto === null || proto === Object.prototype || !ctor ? "an object" : `a ${ctor} instance`;
    }
  }
}

/** The value as compact JSON, cut at `max` characters; `String(value)` when JSON cannot hold it. */
export function previewValue(value: unknown, max = 200): string {
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > max ? `${json.slice(0, max)}...` : json;
  } catch {
    // a cycle or a BigInt inside: fall through
  }
  return String(value);
}

/** True for `{}`-style objects (prototype Object.prototype or null), not arrays, dates or class instances. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === null || proto === Object.prototype;
}
