/**
 * The CLI on the BullMQ backend (`--redis URL`): a session whose client is a manager on Redis, and
 * `taskflow worker`, which runs the workspace's task modules for every job of the shared queue.
 */
import path from "node:path";
import { BullmqTaskManager } from "../backends/bullmq/bullmqManager";
import { redactedUrl } from "../backends/bullmq/redisQueues";
import { checkRedisUrl } from "../model";
import { WorkspaceRuntime } from "../runtime";
import { CliError, usage } from "./cliErrors";
import { integerFlag, type ParsedCommand } from "./cliArgs";
import type { Session } from "./cliSession";
import type { Io } from "./io";

/** Milliseconds per second, for the --lock-seconds flag. */
const MS = 1000;

export interface RedisSessionOptions {
  url: string;
  prefix?: string;
  workspace: string;
  /** Load the workspace's task modules, so names resolve and enqueued runs get their config. */
  loadModules: boolean;
  /** Also take jobs and run them here. */
  worker: boolean;
  concurrency?: number;
  lockDurationMs?: number;
  warn(message: string): void;
}

/**
 * The Redis of a command line, checked (bad usage, exit 2, when it is not a redis:// URL): --redis
 * and --prefix, else $TASKFLOW_REDIS and $TASKFLOW_REDIS_PREFIX (what a VS Code window on the shared
 * queue gives its terminals) unless --db names a database. Undefined: no Redis, a database.
 */
export function redisTarget(parsed: ParsedCommand, env: NodeJS.ProcessEnv): { url: string; prefix?: string } | undefined {
  const flag = parsed.flags.redis;
  const fromEnv = flag === undefined && parsed.flags.db === undefined && env.TASKFLOW_REDIS ? env.TASKFLOW_REDIS : undefined;
  const value = flag ?? fromEnv;
  if (value === undefined) return undefined;
  const name = flag === undefined ? "$TASKFLOW_REDIS" : "--redis";
  let url: string;
  try {
    url = checkRedisUrl(value);
  } catch (error) {
    throw usage(`${name} ${(error as Error).message.replace(/^backend\.connection /, "")}`);
  }
  const prefix = (parsed.flags.prefix as string | undefined) ?? (fromEnv !== undefined ? env.TASKFLOW_REDIS_PREFIX || undefined : undefined);
  return { url, prefix };
}

export async function openRedisSession(options: RedisSessionOptions): Promise<Session & { manager?: undefined; runtime?: WorkspaceRuntime; bullmq: BullmqTaskManager }> {
  const manager = new BullmqTaskManager({
    backend: { type: "bullmq", connection: options.url, prefix: options.prefix, worker: options.worker, lockDurationMs: options.lockDurationMs },
    maxConcurrentTasks: options.concurrency,
    encryptArgsKey: process.env.TASKFLOW_ENCRYPTION_KEY || undefined,
    onOutsideLog: (message, level) => {
      if (level === "warning" || level === "error") options.warn(message);
    },
  });
  let runtime: WorkspaceRuntime | undefined;
  const close = async (): Promise<void> => {
    try {
      await manager.shutdown();
    } finally {
      await runtime?.dispose();
    }
  };
  try {
    if (options.loadModules) {
      // Registered before start, so a worker takes no job before its functions are there.
      runtime = new WorkspaceRuntime({ manager, root: options.workspace, watch: false, maxWorkers: options.concurrency });
      await runtime.ready();
      for (const d of runtime.diagnostics()) {
        if (d.severity === "error") options.warn(`${d.file}:${d.line}:${d.column}: ${d.message}`);
      }
    }
    await manager.start();
  } catch (error) {
    await close().catch(() => undefined);
    throw new CliError(1, (error as Error).message);
  }
  return { client: manager.actingAs("cli"), bullmq: manager, runtime, dbPath: redactedUrl(options.url), close };
}

/** `taskflow worker --redis URL [--workspace DIR] [--concurrency N] [--prefix P] [--lock-seconds N]`. */
export async function runWorker(parsed: ParsedCommand, io: Io): Promise<number> {
  const target = redisTarget(parsed, io.env);
  if (target === undefined) {
    throw usage("taskflow worker runs tasks for a shared backend and needs --redis URL (BullMQ on Redis), e.g. taskflow worker --redis redis://127.0.0.1:6379");
  }
  const { url } = target;
  const concurrency = integerFlag(parsed.flags, "concurrency", 1);
  const lockSeconds = integerFlag(parsed.flags, "lock-seconds", 1);
  const workspace = path.resolve((parsed.flags.workspace as string | undefined) ?? process.cwd());
  const session = await openRedisSession({
    url, prefix: target.prefix, workspace, loadModules: true, worker: true,
    concurrency, lockDurationMs: lockSeconds === undefined ? undefined : lockSeconds * MS,
    warn: (message) => io.err(`taskflow: ${message}`),
  });
  try {
    const tasks = session.runtime?.tasks() ?? [];
    const ready = { ready: true, pid: process.pid, redis: session.dbPath, tasks: tasks.map((t) => t.name) };
    if (parsed.flags.json === true) io.out(JSON.stringify(ready));
    else io.out(`Taskflow worker ${process.pid} on ${session.dbPath}: ${tasks.length} task function(s) from ${workspace}. Press Ctrl-C to stop.`);
    if (tasks.length === 0) io.err(`taskflow: no task module in ${workspace} registered a task: this worker takes no job`);
    await io.interrupted;
    return 0;
  } finally {
    await session.close();
  }
}
