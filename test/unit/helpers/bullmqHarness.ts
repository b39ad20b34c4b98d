/**
 * Shared set-up of the BullMQ tests: one redis-server per test file (a missing redis-server fails
 * the suite unless TASKFLOW_SKIP_REDIS=1: see requireRedisServer), a fresh key prefix per test, and
 * managers shut down after each.
 */
import { randomUUID } from "node:crypto";
import { BullmqTaskManager, TaskManager, type BullmqManagerOptions, type TaskflowClient, type TaskStatus } from "../../../src";
import { requireRedisServer, startRedisServer, type RedisServer } from "./redisServer";

export interface RedisContext {
  server: RedisServer | undefined;
  /** The prefix of the current test. */
  prefix: string;
  /** A manager on the test's Redis and prefix; shut down after the test. */
  manager(options?: Partial<BullmqManagerOptions> & { worker?: boolean; lockDurationMs?: number }): BullmqTaskManager;
}

/** Starts redis-server for the suite (`this` of describe) and hands out managers per test. */
export function useRedis(suite: Mocha.Suite): RedisContext {
  const managers: BullmqTaskManager[] = [];
  const context: RedisContext = {
    server: undefined,
    prefix: "",
    manager(options = {}) {
      if (!context.server) throw new Error("redis-server is not running");
      const { worker, lockDurationMs, backend, ...rest } = options;
      const manager = new TaskManager({
        ...rest,
        backend: { type: "bullmq", connection: context.server.url, prefix: context.prefix, worker: worker ?? true, lockDurationMs, ...backend },
      });
      managers.push(manager);
      return manager;
    },
  };
  suite.beforeAll(async function () {
    const executable = requireRedisServer(this, "the BullMQ tests");
    context.server = await startRedisServer(executable, { durable: false });
  });
  suite.beforeEach(() => {
    context.prefix = `t${randomUUID().slice(0, 8)}`;
  });
  suite.afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.shutdown()));
  });
  suite.afterAll(async () => {
    await context.server?.stop();
  });
  return context;
}

/** A promise and the functions that settle it, for a task to tell the test where it is. */
export function signal<T = void>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Resolves once `client.getTask(taskId)` reads `status`, polling every `everyMs` (a delayed job
 * announces itself once; a read does not miss it); rejects after `withinMs`, saying what it read.
 */
export async function readsStatus(client: TaskflowClient, taskId: string, status: TaskStatus, withinMs = 30_000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + withinMs;
  let seen: TaskStatus | undefined;
  while ((seen = (await client.getTask(taskId))?.status) !== status) {
    if (Date.now() > deadline) throw new Error(`task ${taskId} did not reach ${status} within ${withinMs / 1000} s (it is ${seen ?? "unknown"})`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
