/**
 * The `taskflow` command (dist/cli.js, the package's bin). Human output by default, exactly one
 * JSON value on stdout with --json; errors are one line on stderr. Exit codes: 0 done, 1 the task
 * failed or was not found, 2 bad usage.
 */
import { COMMANDS, isCommand, parseCommand } from "./cliArgs";
import { exitFor, usage } from "./cliErrors";
import { COMMAND_HANDLERS } from "./commands";
import type { Io } from "./io";
import { COMMAND_HELP, GENERAL_HELP } from "./help";

/** Runs one command line (without `node cli.js`); resolves with the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  const wantsJson = argv.includes("--json");
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === "help" || name === "--help" || name === "-h") {
      const topic = name === "help" ? rest[0] : undefined;
      io.out(topic !== undefined && isCommand(topic) ? COMMAND_HELP[topic] : GENERAL_HELP);
      return 0;
    }
    if (name === "--version") {
      io.out(process.env.TASKFLOW_VERSION ?? "taskflow");
      return 0;
    }
    if (!isCommand(name)) {
      throw usage(`Unknown command ${JSON.stringify(name)}: expected one of ${Object.keys(COMMANDS).join(", ")} (see taskflow --help)`);
    }
    const parsed = parseCommand(name, rest);
    if (parsed.flags.help) {
      io.out(COMMAND_HELP[name]);
      return 0;
    }
    return await COMMAND_HANDLERS[name](parsed, io);
  } catch (error) {
    const { code, message } = exitFor(error);
    if (wantsJson) io.out(JSON.stringify({ error: message }));
    io.err(`taskflow: ${message}`);
    return code;
  }
}

if (require.main === module) {
  const interrupted = new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  const io: Io = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    isTty: process.stdout.isTTY === true,
    env: process.env,
    interrupted,
  };
  // Worker threads are unref'ed, so awaiting their exit alone would let Node end early with code 0.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  void main(process.argv.slice(2), io).then((code) => {
    clearInterval(keepAlive);
    process.exitCode = code;
    // Worker threads and sockets of a finished command must not keep the process alive; stdout is
    // drained first (pipes are asynchronous on some systems).
    process.stdout.write("", () => process.exit(code));
  });
}
