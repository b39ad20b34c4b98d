/**
 * Key paths of flow control per key (a task's `concurrency`, `rateLimit` and `debounce`): where in a
 * run's input its key is read. `"args[0]"`, `"args[1].userId"`, `"kwargs.tenant"`, `"tags.tenant"`,
 * and deeper: `"args[0].account.id"`, `"kwargs.items[2]"`.
 */

/** A parsed key path: the part of the input it starts from, then property names and array indexes. */
export interface KeyPath {
  readonly root: "args" | "kwargs" | "tags";
  readonly steps: ReadonlyArray<string | number>;
  /** The path as written. */
  readonly text: string;
}

/** What a key is read from: a run's input as addTask got it (before any encryption). */
export interface KeyInput {
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly tags: Readonly<Record<string, string>>;
}

/** What a key path must look like, for error messages. */
export const KEY_PATH_EXPECTED = "a key path like \"args[0]\", \"args[1].userId\", \"kwargs.tenant\" or \"tags.tenant\"";

const STEP = /^(?:\.([A-Za-z_$][\w$-]*)|\[(\d+)\])/;

/** Parses `text`; returns the path, or a message saying what is wrong with it. */
export function parseKeyPath(text: unknown): KeyPath | string {
  if (typeof text !== "string") return `must be ${KEY_PATH_EXPECTED}, got ${text === null ? "null" : typeof text}`;
  const root = /^(args|kwargs|tags)/.exec(text)?.[1] as KeyPath["root"] | undefined;
  if (!root) return `must be ${KEY_PATH_EXPECTED}: it starts with args, kwargs or tags, got "${text}"`;
  const steps: Array<string | number> = [];
  let rest = text.slice(root.length);
  while (rest.length > 0) {
    const match = STEP.exec(rest);
    if (!match) return `must be ${KEY_PATH_EXPECTED}: "${text}" cannot be read at "${rest}" (expected .name or [index])`;
    steps.push(match[1] !== undefined ? match[1] : Number(match[2]));
    rest = rest.slice(match[0].length);
  }
  if (root === "args" && typeof steps[0] !== "number") return `must be ${KEY_PATH_EXPECTED}: args is an array, so "${text}" must go on with an index such as args[0]`;
  if (root !== "args" && typeof steps[0] !== "string") return `must be ${KEY_PATH_EXPECTED}: ${root} is an object, so "${text}" must go on with a name such as ${root}.tenant`;
  if (root === "tags" && steps.length > 1) return `must be ${KEY_PATH_EXPECTED}: a tag is a string, so "${text}" cannot go deeper than tags.<name>`;
  return { root, steps, text };
}

/**
 * The key of a run: the value at `path` in its input. A string is its own key; any other JSON value
 * is its JSON text; a value that is not there (or null) is the empty key "", which all such runs share.
 */
export function keyOf(path: KeyPath, input: KeyInput): string {
  let value: unknown = input[path.root];
  for (const step of path.steps) {
    if (value === null || typeof value !== "object") return "";
    value = (value as Record<string | number, unknown>)[step];
  }
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}
