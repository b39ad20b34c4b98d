/**
 * A run as a command line that adds the same task with the same input: `taskflow run` (the CLI) or
 * curl against the HTTP API's `POST /tasks`. Pure text for POSIX shells (sh, bash, zsh); the
 * extension's Copy as CLI Command and Copy as curl put it on the clipboard.
 */
import { DEFAULT_QUEUE } from "./fields";

/** What a copied command carries over from a run. The idempotency key is left out on purpose: with it, the pasted command would return the old run instead of adding one. */
export interface RunInput {
  funcName: string;
  /** Positional arguments; empty when they are stored encrypted. */
  args: unknown[];
  kwargs: Record<string, unknown>;
  tags: Record<string, string>;
  /** Written only when not `"default"`. */
  queue: string;
  /** Written only when not 0. */
  priority: number;
  /** True when the arguments are stored encrypted: no command can be written then. */
  encrypted?: boolean;
}

/** Which command: the CLI, or curl against the HTTP API. */
export type CommandForm = "cli" | "curl";

/** The placeholder for the API token in a copied curl command. */
export const TOKEN_PLACEHOLDER = "<token>";

/** The API address written when no API is served: the port the README's examples use. */
export const DEFAULT_API_URL = "http://127.0.0.1:8400";

const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** `value` as one word for a POSIX shell: as is when it is plain, else in single quotes (a quote inside as `'\''`). */
export function shellQuote(value: string): string {
  if (SHELL_SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function checkRun(run: RunInput): void {
  if (run.encrypted) {
    throw new Error(`The arguments of this ${run.funcName} run are stored encrypted, so they cannot be copied: run it from "Taskflow: Run Task..." with the arguments you know`);
  }
}

/**
 * `taskflow run NAME --args JSON --kwargs JSON --tag k=v ... --queue Q --priority N`: only the flags
 * the run needs. Throws when a tag's key cannot be written as `--tag key=value` (empty, or with `=`).
 */
export function cliCommandLine(run: RunInput): string {
  checkRun(run);
  const flags: string[] = [];
  if (run.args.length > 0) flags.push(`--args ${shellQuote(JSON.stringify(run.args))}`);
  if (Object.keys(run.kwargs).length > 0) flags.push(`--kwargs ${shellQuote(JSON.stringify(run.kwargs))}`);
  for (const [key, value] of Object.entries(run.tags)) {
    if (key === "" || key.includes("=")) {
      throw new Error(`The tag ${JSON.stringify(key)} cannot be written as --tag key=value (a key must be non-empty, without "="): use Copy as curl, which sends tags as JSON`);
    }
    flags.push(flagWord("tag", `${key}=${value}`));
  }
  if (run.queue !== DEFAULT_QUEUE) flags.push(flagWord("queue", run.queue));
  if (run.priority !== 0) flags.push(`--priority ${run.priority}`);
  // After "--" a name starting with "-" is the task, not a flag.
  if (run.funcName.startsWith("-")) return ["taskflow run", ...flags, "--", shellQuote(run.funcName)].join(" ");
  return ["taskflow run", shellQuote(run.funcName), ...flags].join(" ");
}

/** `--name value`; a value starting with "-" would be read as a flag, so it is joined: `--name=-value`. */
function flagWord(name: string, value: string): string {
  return value.startsWith("-") ? `--${name}=${shellQuote(value)}` : `--${name} ${shellQuote(value)}`;
}

/** The body of `POST /tasks` that adds the same run: `{ task, args, kwargs, tags, queue, priority }`, each only when the run has one. */
export function addTaskBody(run: RunInput): Record<string, unknown> {
  checkRun(run);
  const body: Record<string, unknown> = { task: run.funcName };
  if (run.args.length > 0) body.args = run.args;
  if (Object.keys(run.kwargs).length > 0) body.kwargs = run.kwargs;
  if (Object.keys(run.tags).length > 0) body.tags = run.tags;
  if (run.queue !== DEFAULT_QUEUE) body.queue = run.queue;
  if (run.priority !== 0) body.priority = run.priority;
  return body;
}

/**
 * `curl -sS -X POST URL/tasks -H 'Authorization: Bearer <token>' -H 'Content-Type: application/json' --data-binary JSON`.
 * @param apiUrl The API's address without a trailing slash, like `http://127.0.0.1:8400`.
 * @param token What to write as the token. @default TOKEN_PLACEHOLDER
 */
export function curlCommandLine(run: RunInput, apiUrl: string, token = TOKEN_PLACEHOLDER): string {
  const body = JSON.stringify(addTaskBody(run));
  return [
    "curl -sS -X POST",
    shellQuote(`${apiUrl.replace(/\/+$/, "")}/tasks`),
    "-H", shellQuote(`Authorization: Bearer ${token}`),
    "-H", shellQuote("Content-Type: application/json"),
    "--data-binary", shellQuote(body),
  ].join(" ");
}
