import { keyOf, parseKeyPath, type KeyInput, type KeyPath, type TaskConfig } from "./types";

/**
 * A task function's flow control per key (its config's `concurrency`, `rateLimit` and `debounce`),
 * with the key paths parsed once at registration. Both backends read a run's keys through it.
 */
export interface FlowRules {
  readonly concurrency: { readonly path: KeyPath; readonly limit: number } | null;
  readonly rateLimit: { readonly path: KeyPath; readonly max: number; readonly perSeconds: number } | null;
  readonly debounce: { readonly path: KeyPath; readonly seconds: number } | null;
  /** The path `listKeys` groups runs by: the concurrency key, else the rate limit's, else the debounce's. */
  readonly listingPath: KeyPath;
}

/** A run's keys under each rule of its function; null where the function has no such rule. */
export interface RunKeys {
  readonly rules: FlowRules;
  readonly concurrency: string | null;
  readonly rateLimit: string | null;
  readonly debounce: string | null;
  /** The key `listKeys` counts the run under (see FlowRules.listingPath). */
  readonly listing: string;
}

function path(text: string, field: string): KeyPath {
  const parsed = parseKeyPath(text);
  // The config schema refuses a bad path first; this guards a config that skipped it.
  if (typeof parsed === "string") throw new TypeError(`Task config ${field}.key ${parsed}`);
  return parsed;
}

/** The rules of a checked task config; undefined when it has none (the common case costs three reads). */
export function flowRulesOf(config: Readonly<TaskConfig>): FlowRules | undefined {
  const { concurrency, rateLimit, debounce } = config;
  if (concurrency === undefined && rateLimit === undefined && debounce === undefined) return undefined;
  const rules: Omit<FlowRules, "listingPath"> = {
    concurrency: concurrency ? { path: path(concurrency.key, "concurrency"), limit: concurrency.limit } : null,
    rateLimit: rateLimit ? { path: path(rateLimit.key, "rateLimit"), max: rateLimit.max, perSeconds: rateLimit.perSeconds } : null,
    debounce: debounce ? { path: path(debounce.key, "debounce"), seconds: debounce.seconds } : null,
  };
  const listingPath = (rules.concurrency ?? rules.rateLimit ?? rules.debounce)!.path;
  return { ...rules, listingPath };
}

/** A run's keys, read from its input as addTask got it (before any encryption). */
export function runKeysOf(rules: FlowRules, input: KeyInput): RunKeys {
  const read = (rule: { path: KeyPath } | null): string | null => (rule === null ? null : keyOf(rule.path, input));
  return {
    rules,
    concurrency: read(rules.concurrency),
    rateLimit: read(rules.rateLimit),
    debounce: read(rules.debounce),
    listing: keyOf(rules.listingPath, input),
  };
}
