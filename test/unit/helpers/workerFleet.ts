/**
 * `taskflow worker` processes (dist/cli.js) on one Redis and prefix, running a workspace whose task
 * `work` appends its task id to a file before it does anything else: the side effects the fault
 * tests count to show each task ran at least once.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

const CLI = path.join(__dirname, "../../../dist/cli.js");

/** The task module: `work(n)` appends its task id, waits n % 20 ms and returns n. */
const MODULE = `import { appendFileSync } from "node:fs";
import { getTaskContext, task } from "taskflow";
const out = process.env.TASKFLOW_TEST_OUT as string;
export const work = task({ requeueOnInterrupt: true }, async (n: number) => {
  appendFileSync(out, getTaskContext()!.taskId + "\\n");
  await new Promise((resolve) => setTimeout(resolve, n % 20));
  return n;
});
`;

/** The config `work` has in the module, for a producer that registers the name itself. */
export const WORK_CONFIG = { name: "work", requeueOnInterrupt: true } as const;

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  exited: Promise<number | null>;
  stderr(): string;
}

export interface WorkerFleet {
  /** Starts one more worker and resolves once it printed its ready line. */
  start(): Promise<WorkerProcess>;
  /** Task ids in the order the workers appended them (one line per run of `work`). */
  sideEffects(): string[];
}

/**
 * Starts `taskflow worker --json` (dist/cli.js) with `args` and `env` on top of this process's, and
 * resolves once it printed its ready line; rejects with its stderr when it exits first.
 */
export async function startTaskflowWorker(args: string[], env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [CLI, "worker", "--json", ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes('"ready":true')) resolve();
    });
    void exited.then((code) => reject(new Error(`taskflow worker exited (code ${code}) before it was ready: ${stderr}`)));
  });
  return { child, pid: child.pid as number, exited, stderr: () => stderr };
}

/**
 * Writes the workspace into `dir` and returns a fleet whose workers use `redisUrl` and `prefix`,
 * each `--concurrency concurrency --lock-seconds 1` so a killed worker's jobs come back within seconds.
 */
export function workerFleet(dir: string, redisUrl: string, prefix: string, concurrency = 4): WorkerFleet {
  const workspace = path.join(dir, "workspace");
  mkdirSync(workspace, { recursive: true });
  writeFileSync(path.join(workspace, "work.tasks.ts"), MODULE);
  const out = path.join(dir, "side-effects.txt");
  writeFileSync(out, "");
  return {
    start: () => startTaskflowWorker(
      ["--redis", redisUrl, "--prefix", prefix, "--workspace", workspace, "--concurrency", String(concurrency), "--lock-seconds", "1"],
      { TASKFLOW_TEST_OUT: out, TASKFLOW_HOME: path.join(dir, "home") },
    ),
    sideEffects: () => readFileSync(out, "utf8").split("\n").filter((l) => l !== ""),
  };
}

/** Kills the worker with SIGKILL and resolves once it is gone. */
export async function killWorker(worker: WorkerProcess): Promise<void> {
  worker.child.kill("SIGKILL");
  await worker.exited;
}

/** Stops the worker with SIGTERM (it hands its jobs back) and resolves with its exit code. */
export async function stopWorker(worker: WorkerProcess): Promise<number | null> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return worker.child.exitCode;
  worker.child.kill("SIGTERM");
  return worker.exited;
}
