import { readFileSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "../../..");

/** package.json as written, with its `%key%` placeholders. */
export function rawManifest(): unknown {
  return JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
}

/** package.nls.json: the English text of each manifest placeholder key. */
export function manifestStrings(): Record<string, string> {
  return JSON.parse(readFileSync(path.join(ROOT, "package.nls.json"), "utf8")) as Record<string, string>;
}

/**
 * A value with every string that is exactly `%key%` replaced by that key's text, as VS Code reads a
 * manifest; a placeholder without text is left as it is (the localisation test reports those).
 */
export function resolvePlaceholders<T>(value: T, strings: Record<string, string>): T {
  if (typeof value === "string") {
    const key = /^%(.+)%$/.exec(value)?.[1];
    return (key !== undefined && key in strings ? strings[key] : value) as T;
  }
  if (Array.isArray(value)) return value.map((v: unknown) => resolvePlaceholders(v, strings)) as T;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolvePlaceholders(v, strings)])) as T;
  }
  return value;
}

/** package.json as VS Code shows it in English: placeholders replaced from package.nls.json. */
export function localisedManifest(): unknown {
  return resolvePlaceholders(rawManifest(), manifestStrings());
}
