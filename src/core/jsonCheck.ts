const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Deepest nesting of arrays and objects accepted. V8's JSON.stringify and structured clone recurse,
 * so a value a few thousand levels deep overflows the stack wherever it is later stored or sent.
 */
export const MAX_JSON_DEPTH = 1000;

function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

// Not the model's isPlainObject: a value built in another realm (a vm context) has that realm's
// Object.prototype, which is not ours but is still the root of its chain, and is plain data too.
function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}

/**
 * Why `value` would not survive a JSON round trip unchanged, as a sentence naming the path
 * (`args[1].user.callback is a function`), or null when it is plain JSON data.
 * `undefined` is refused everywhere except where `allowUndefinedRoot` says the root may be absent.
 */
export function jsonProblem(value: unknown, path: string, allowUndefinedRoot = false): string | null {
  const ancestors: { value: object; path: string }[] = [];
  const visit = (v: unknown, p: string): string | null => {
    switch (typeof v) {
      case "string":
      case "boolean":
        return null;
      case "number":
        return Number.isFinite(v) ? null : `${p} is ${v}, which JSON cannot represent: use null or a string`;
      case "undefined":
        return `${p} is undefined, which JSON cannot represent: use null or leave the key out`;
      case "function":
        return `${p} is a function: pass data, not code`;
      case "bigint":
        return `${p} is a BigInt, which JSON cannot represent: pass it as a string`;
      case "symbol":
        return `${p} is a symbol, which JSON cannot represent`;
      case "object":
        break;
    }
    if (v === null) return null;
    const obj = v;
    const cycle = ancestors.find((a) => a.value === obj);
    if (cycle) return `${p} is a circular reference to ${cycle.path}: JSON cannot represent cycles`;
    if (ancestors.length >= MAX_JSON_DEPTH) {
      return `${p.slice(0, 60)}... is nested more than ${MAX_JSON_DEPTH} levels deep, which JSON cannot carry safely: flatten it`;
    }
    if (!Array.isArray(obj) && !isPlainObject(obj)) {
      const ctor = (obj as { constructor?: { name?: string } }).constructor?.name ?? "unknown";
      const hint = obj instanceof Date ? ": pass date.toISOString()" : ": pass a plain object or array";
      return `${p} is a ${ctor} instance, which would not survive JSON unchanged${hint}`;
    }
    ancestors.push({ value: obj, path: p });
    try {
      if (Array.isArray(obj)) {
        for (let i = 0; i < obj.length; i++) {
          const problem = visit(obj[i], childPath(p, i));
          if (problem) return problem;
        }
      } else {
        for (const key of Object.keys(obj)) {
          const problem = visit((obj as Record<string, unknown>)[key], childPath(p, key));
          if (problem) return problem;
        }
      }
    } finally {
      ancestors.pop();
    }
    return null;
  };
  if (value === undefined && allowUndefinedRoot) return null;
  return visit(value, path);
}
