/** The CLI's commands and flags, parsed with node:util's parseArgs; help.ts describes each. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { usage } from "./cliErrors";

type Options = NonNullable<ParseArgsConfig["options"]>;

const COMMON: Options = {
  workspace: { type: "string" },
  db: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  redis: { type: "string" },
  prefix: { type: "string" },
};

/** Each command's own flags and how many positional arguments it takes. */
export const COMMANDS = {
  run: { positionals: ["task"], options: { args: { type: "string" }, kwargs: { type: "string" }, tag: { type: "string", multiple: true }, key: { type: "string" }, queue: { type: "string" }, priority: { type: "string" }, wait: { type: "boolean" } } },
  list: { positionals: [], options: { status: { type: "string" }, task: { type: "string" }, tag: { type: "string" }, limit: { type: "string" } } },
  show: { positionals: ["id"], options: {} },
  logs: { positionals: ["id"], options: { follow: { type: "boolean", short: "f" } } },
  retry: { positionals: ["id"], options: { resume: { type: "boolean" }, "from-step": { type: "string" } } },
  input: { positionals: ["id"], options: { name: { type: "string" }, value: { type: "string" } } },
  cancel: { positionals: ["id"], options: {} },
  schedules: { positionals: [], options: {} },
  serve: { positionals: [], options: { port: { type: "string" } } },
  worker: { positionals: [], options: { concurrency: { type: "string" }, "lock-seconds": { type: "string" } } },
} as const satisfies Record<string, { positionals: readonly string[]; options: Options }>;

export type CommandName = keyof typeof COMMANDS;

/** A parsed command line. */
export interface ParsedCommand {
  command: CommandName;
  /** Positional arguments by name (`task`, `id`). */
  positionals: Record<string, string>;
  /** Flag values: strings, booleans, or string arrays for repeatable flags. */
  flags: Record<string, string | boolean | string[] | undefined>;
}

export function isCommand(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMANDS, name);
}

/** `--priority -2` as `--priority=-2`: parseArgs would take a value starting with a dash for a flag. */
function joinNegativeValues(argv: string[], options: NonNullable<ParseArgsConfig["options"]>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith("--") ? argv[i].slice(2) : undefined;
    const next = argv[i + 1];
    if (name !== undefined && options[name]?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
}

/** Parses `argv` after the command name; throws a usage error (exit 2) naming what was wrong. */
export function parseCommand(command: CommandName, argv: string[]): ParsedCommand {
  const spec = COMMANDS[command];
  let parsed: ReturnType<typeof parseArgs>;
  try {
    const options = { ...COMMON, ...spec.options };
    parsed = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage(`${(error as Error).message.replace(/\. To specify a positional argument.*$/s, "")}: see taskflow ${command} --help`);
  }
  const flags = parsed.values as ParsedCommand["flags"];
  const names: readonly string[] = spec.positionals;
  if (!flags.help) {
    if (parsed.positionals.length < names.length) {
      throw usage(`taskflow ${command} needs <${names[parsed.positionals.length]}>, got nothing: taskflow ${command} <${names.join("> <")}>`);
    }
    if (parsed.positionals.length > names.length) {
      throw usage(`taskflow ${command} takes ${names.length === 0 ? "no arguments" : `only <${names.join("> <")}>`}, got also ${JSON.stringify(parsed.positionals[names.length])}`);
    }
  }
  const positionals = Object.fromEntries(names.map((n, i) => [n, parsed.positionals[i]]));
  return { command, positionals, flags };
}

/** A flag's whole number (`--limit 20`), or undefined when not given. */
export function integerFlag(flags: ParsedCommand["flags"], name: string, min: number): number | undefined {
  const value = flags[name];
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== "string" || !/^-?\d+$/.test(value) || n < min) {
    throw usage(`--${name} must be a whole number >= ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** A flag's JSON value (`--args '[1, "a"]'`), or undefined when not given. */
export function jsonFlag(flags: ParsedCommand["flags"], name: string): unknown {
  const value = flags[name];
  if (typeof value !== "string") return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw usage(`--${name} must be JSON, got ${JSON.stringify(value)} (${(error as Error).message}): quote it for the shell, like --${name} '[1, "a"]'`);
  }
}

/** `k=v` pairs of a repeatable flag as an object. */
export function tagFlags(values: string[] | undefined): Record<string, string> | undefined {
  if (!values || values.length === 0) return undefined;
  const tags: Record<string, string> = {};
  for (const pair of values) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw usage(`--tag must be key=value, got ${JSON.stringify(pair)}: like --tag env=dev`);
    tags[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return tags;
}
