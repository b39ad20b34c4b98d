/**
 * Parsing and validation of what people type in the Run Task input boxes. Pure: no vscode import,
 * so it runs in plain Node unit tests. Each function returns an error message instead of throwing,
 * because input boxes show it while the person types. What a value must be comes from the model's
 * schemas, and how a wrong value is named from its `describeValue`, so a message reads the same here
 * as from the engine. Messages are in the display language (`@vscode/l10n`); the schemas' own
 * phrases (`must be an array`) are the model's, in English.
 */
import * as l10n from "@vscode/l10n";
import * as v from "valibot";
import { AddTaskOptionsSchema, describeValue, isPlainObject } from "../../model";
import type { ParseResult } from "../../model/argumentsJson";

export { parseArgumentsJson, parseKwargsJson, type ParseResult } from "../../model/argumentsJson";

/** Parses a queue name, trimmed; empty input means the task's own queue (its config's, else "default"). */
export function parseQueueText(text: string): ParseResult<string | undefined> {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, value: undefined };
  return { ok: true, value: trimmed };
}

/** Parses a priority: any finite number, higher runs first. Empty input means the task's own priority. */
export function parsePriorityText(text: string): ParseResult<number | undefined> {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, value: undefined };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { ok: false, error: l10n.t("Priority must be a number (higher runs first, may be negative), got \"{0}\": for example 5", trimmed) };
  return { ok: true, value };
}

/** Parses a delay in seconds (0 or more, fractions allowed). Empty input means none. */
export function parseDelaySeconds(text: string): ParseResult<number | undefined> {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, value: undefined };
  const value = Number(trimmed);
  if (!Number.isFinite(value) || value < 0) return { ok: false, error: l10n.t("Delay must be a number of seconds, 0 or more, got \"{0}\": for example 30 or 0.5", trimmed) };
  return { ok: true, value };
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
      return {
        ok: false,
        error: eq === 0
          ? l10n.t("Tags must be key=value pairs separated by commas, got \"{0}\" with no key: for example env=dev, team=data", pair)
          : l10n.t("Tags must be key=value pairs separated by commas, got \"{0}\": for example env=dev, team=data", pair),
      };
    }
    const key = pair.slice(0, eq);
    if (Object.prototype.hasOwnProperty.call(tags, key)) {
      return { ok: false, error: l10n.t("Tag \"{0}\" is given twice: keep one value per key", key) };
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

/** Read when a check fails, so it is in the display language then. */
const OPTIONS_SHAPE = (): string => l10n.t("must be an object {0}", "{ args, kwargs, tags, idempotencyKey }");

const runTaskOptionsObject = v.strictObject(
  {
    /** Positional arguments. @default [] */
    args: v.optional(v.array(v.unknown(), () => l10n.t("must be an array"))),
    ...AddTaskOptionsSchema.entries,
  },
  OPTIONS_SHAPE,
);

/**
 * Options of the programmatic `taskflow.runTask` form: the arguments, then addTask's options. A
 * plain object is checked first because valibot's object schemas take an array for an object.
 */
export const RunTaskOptionsSchema = v.pipe(v.custom<Record<string, unknown>>(isPlainObject, OPTIONS_SHAPE), runTaskOptionsObject);

/** Options of the programmatic `taskflow.runTask` form. */
export type RunTaskOptions = v.InferOutput<typeof RunTaskOptionsSchema>;

const RUN_TASK_OPTION_KEYS: readonly string[] = Object.keys(runTaskOptionsObject.entries);

/** `options.args must be an array, got a string: wrap it in [ ]`: a wrong option, and what to do about it when that is known. */
function optionError(path: string, message: string, got: string): string {
  if (path === "args") return l10n.t("options.args {0}, got {1}: wrap it in [ ]", message, got);
  if (path === "kwargs") return l10n.t("options.kwargs {0}, got {1}: pass an object such as { dryRun: true }", message, got);
  return l10n.t("options.{0} {1}, got {2}", path, message, got);
}

function isUnknownKey(issue: v.BaseIssue<unknown>): boolean {
  return issue.type === "strict_object" && issue.expected === "never" && (issue.path?.length ?? 0) === 1;
}

/**
 * Validates the options object of `executeCommand('taskflow.runTask', name, options)`, which comes
 * from another extension and so is untrusted input. An unknown option is an error that names it.
 */
export function validateRunTaskOptions(options: unknown): ParseResult<RunTaskOptions> {
  if (options === undefined || options === null) return { ok: true, value: {} };
  const result = v.safeParse(RunTaskOptionsSchema, options);
  if (result.success) return { ok: true, value: result.output };
  if (result.issues.some(isUnknownKey)) {
    // valibot reports the first unknown key only; name them all so one fix is enough.
    const unknownKeys = Object.keys(options).filter((key) => !RUN_TASK_OPTION_KEYS.includes(key));
    const accepted = RUN_TASK_OPTION_KEYS.join(", ");
    return {
      ok: false,
      error: unknownKeys.length === 1
        ? l10n.t("Run Task options accept {0}, got unknown {1}: remove it", accepted, unknownKeys[0])
        : l10n.t("Run Task options accept {0}, got unknown {1}: remove them", accepted, unknownKeys.join(", ")),
    };
  }
  const issue = result.issues[0];
  const path = v.getDotPath(issue) ?? "";
  const got = describeValue(issue.input);
  if (path === "") return { ok: false, error: l10n.t("Run Task options {0}, got {1}", issue.message, got) };
  return { ok: false, error: optionError(path, issue.message, got) };
}

/**
 * Checks a Fernet key as typed: URL-safe base64 (padding optional) of exactly 32 bytes. Returns an
 * error message, or undefined when valid. The message never repeats the key.
 */
export function fernetKeyError(text: string): string | undefined {
  const key = text.trim();
  if (key === "") return l10n.t("The key is empty: paste a Fernet key (44 characters of URL-safe base64), or use Generate Encryption Key");
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(key)) {
    return l10n.t("A Fernet key is URL-safe base64 (A-Z, a-z, 0-9, - and _), got other characters: check it was copied whole");
  }
  const bytes = Buffer.from(key, "base64url").length;
  if (bytes !== 32) return l10n.t("A Fernet key decodes to 32 bytes, got {0}: check it was copied whole", bytes);
  return undefined;
}

/** A new Fernet key: 32 random bytes as URL-safe base64 with padding, as Python's `Fernet.generate_key()` writes it. */
export function generateFernetKey(randomBytes: (size: number) => Uint8Array): string {
  return Buffer.from(randomBytes(32)).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}
