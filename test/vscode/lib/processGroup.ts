import { spawn } from "node:child_process";
import * as fs from "node:fs";

/** A process started in its own process group (its own session), stopped with everything it spawned. */
export interface ProcessGroup {
  /** Process id of the group leader, which is also the group id. */
  readonly pid: number;
  /** What was started, for messages. */
  readonly name: string;
  /** Resolves with the leader's exit code (or signal name) once it exits. */
  readonly exited: Promise<number | string>;
  /** Whether the leader has exited. */
  hasExited(): boolean;
  /** SIGTERM to the whole group, then SIGKILL to what is left after `graceMs` (default 5000 ms). */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ProcessGroup>();
let handlersInstalled = false;

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function installHandlers(): void {
  if (handlersInstalled) {
    return;
  }
  handlersInstalled = true;
  // Last resort when the runner ends without stopping its groups (an uncaught error, process.exit):
  // only synchronous work is possible here.
  process.on("exit", () => {
    for (const group of live) {
      signalGroup(group.pid, "SIGKILL");
    }
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      console.error(`\nreceived ${signal}: stopping ${live.size} process group(s)`);
      void stopAll().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    });
  }
}

/** Stops every group started by {@link startGroup} that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((group) => group.stop()));
}

/** Options for {@link startGroup}. */
export interface StartGroupOptions {
  /** Environment of the new process. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** File that receives the process's stdout and stderr (appended). */
  logFile: string;
  /** Working directory. @default process.cwd() */
  cwd?: string;
}

/**
 * Starts `command` as the leader of a new process group (setsid), so that stopping it also stops
 * the children it leaves behind (code-server's extension host, file watcher and pty host outlive it).
 */
export function startGroup(name: string, command: string, args: string[], options: StartGroupOptions): ProcessGroup {
  installHandlers();
  const log = fs.openSync(options.logFile, "a");
  const child = spawn(command, args, { detached: true, env: options.env ?? process.env, cwd: options.cwd, stdio: ["ignore", log, log] });
  fs.closeSync(log);
  if (child.pid === undefined) {
    throw new Error(`could not start ${name} (${command}): no process id; is the file there and executable?`);
  }
  const pid = child.pid;
  let exitedFlag = false;
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => {
      exitedFlag = true;
      resolve(code ?? signal ?? "unknown");
    });
    child.on("error", (err) => {
      exitedFlag = true;
      resolve(`error: ${err.message}`);
    });
  });
  const group: ProcessGroup = {
    pid,
    name,
    exited,
    hasExited: () => exitedFlag,
    async stop(graceMs = 5000) {
      if (!live.has(group)) {
        return;
      }
      signalGroup(pid, "SIGTERM");
      const deadline = Date.now() + graceMs;
      while (groupAlive(pid) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (groupAlive(pid)) {
        signalGroup(pid, "SIGKILL");
        const killDeadline = Date.now() + 5000;
        while (groupAlive(pid) && Date.now() < killDeadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      live.delete(group);
    },
  };
  live.add(group);
  return group;
}
