/**
 * The Redis-backed peer: no-op jobs through BullMQ, with the handler in this thread or as a
 * sandboxed processor file in worker threads (user code off the main thread, as Taskflow's warm pool).
 */
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Queue, Worker, type Processor } from "bullmq";
import { log, median, round, startClock, tempDir, throughput, type Throughput } from "./figures";

export interface BullmqRun {
  port: number;
  /** redis-server's pid, so its CPU time counts in the per-CPU-second figure. */
  redisPid: number;
  count: number;
  concurrency: number;
  /** `"inProcess"`: an async no-op handler in this thread; `"sandboxed"`: a processor file in worker threads. */
  processor: "inProcess" | "sandboxed";
}

/** Jobs per `addBulk` call. */
const CHUNK = 1000;
/** Jobs run before the clock starts, so the sandbox's threads exist and the code is optimised. */
const WARM_UP_JOBS = 200;

let queueNumber = 0;

/**
 * The round of every shape: `addAll(WARM_UP_JOBS)` untimed, then `addAll(count)` timed, with the
 * CPU time of this process and of redis-server (`redisPid`). `addAll(n)` adds n no-op jobs and
 * resolves once all of them have run.
 */
async function warmThenTimed(redisPid: number, count: number, addAll: (count: number) => Promise<void>): Promise<Throughput> {
  await addAll(WARM_UP_JOBS);
  const clock = startClock(redisPid);
  await addAll(count);
  return throughput(count, clock);
}

/** A BullMQ queue and its worker running a no-op; close() closes both and removes the processor file. */
export interface NoopQueue {
  queue: Queue;
  worker: Worker;
  close(): Promise<void>;
}

/**
 * A new queue named `<prefix>-<pid>-<n>` on the redis-server at `port` and a worker of `concurrency`
 * running a no-op: an async function in this thread, or with `"sandboxed"` a processor file in a temp
 * dir run in worker threads.
 */
export function noopQueue(port: number, prefix: string, concurrency: number, processorKind: "inProcess" | "sandboxed"): NoopQueue {
  const connection = { host: "127.0.0.1", port };
  const name = `${prefix}-${process.pid}-${++queueNumber}`;
  const dir = tempDir();
  let processor: string | Processor;
  if (processorKind === "sandboxed") {
    processor = path.join(dir, "noop.js");
    writeFileSync(processor, "module.exports = async () => undefined;\n");
  } else {
    processor = async () => undefined;
  }
  const queue = new Queue(name, { connection });
  const worker = new Worker(name, processor, { connection, concurrency, useWorkerThreads: processorKind === "sandboxed" });
  return {
    queue,
    worker,
    async close() {
      await worker.close();
      await queue.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `count` no-op jobs added with `addBulk` in chunks, timed until the worker has completed them all.
 * Completed jobs are kept (BullMQ's default), as Taskflow keeps its history.
 */
export async function bullmqThroughput(run: BullmqRun): Promise<Throughput> {
  const { queue, worker, close } = noopQueue(run.port, "bench", run.concurrency, run.processor);
  try {
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
    return await warmThenTimed(run.redisPid, run.count, (count) => addAndWait(worker, count, async () => {
      for (let start = 0; start < count; start += CHUNK) {
        await queue.addBulk(Array.from({ length: Math.min(CHUNK, count - start) }, (_, k) => ({ name: "noop", data: { i: start + k } })));
      }
    }));
  } finally {
    await close();
  }
}

/** Runs `add` (which adds `count` jobs), then waits until `worker` has completed `count` jobs; rejects on the first failed one. */
async function addAndWait(worker: Worker, count: number, add: () => Promise<void>): Promise<void> {
  let completed = 0;
  const done = new Promise<void>((resolve, reject) => {
    const onCompleted = (): void => {
      if (++completed < count) return;
      worker.off("completed", onCompleted);
      worker.off("failed", onFailed);
      resolve();
    };
    const onFailed = (_job: unknown, error: Error): void => {
      worker.off("completed", onCompleted);
      worker.off("failed", onFailed);
      reject(new Error(`expected every no-op job to complete, one failed: ${error.message}`));
    };
    worker.on("completed", onCompleted);
    worker.on("failed", onFailed);
  });
  await add();
  await done;
}

/** One Taskflow run on BullMQ: `workers` managers in this process, each running `concurrency` jobs at once. */
export interface TaskflowBullmqRun {
  url: string;
  redisPid: number;
  count: number;
  workers: number;
  concurrency: number;
}

/**
 * The same no-op workload through Taskflow on BullMQ: a producer's `addTasks` in chunks, worker
 * managers running an in-process no-op function, timed until every task has run.
 */
export async function taskflowBullmqThroughput(run: TaskflowBullmqRun): Promise<Throughput> {
  const { TaskManager } = await import("../src");
  const prefix = `bench${process.pid}n${++queueNumber}`;
  let done = 0;
  let finish: () => void = () => undefined;
  const noop = async (): Promise<void> => {
    if (++done === target) finish();
  };
  let target = WARM_UP_JOBS;
  const backend = { type: "bullmq" as const, connection: run.url, prefix };
  const workers = Array.from({ length: run.workers }, () => new TaskManager({ backend, maxConcurrentTasks: run.concurrency }));
  for (const w of workers) w.task({ name: "noop" }, noop);
  const producer = new TaskManager({ backend: { ...backend, worker: false } });
  producer.task({ name: "noop" }, noop);
  await Promise.all([...workers, producer].map((m) => m.start()));
  const addAll = async (count: number): Promise<void> => {
    done = 0;
    target = count;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    for (let start = 0; start < count; start += CHUNK) {
      await producer.addTasks("noop", Array.from({ length: Math.min(CHUNK, count - start) }, () => ({})));
    }
    await finished;
  };
  try {
    return await warmThenTimed(run.redisPid, run.count, addAll);
  } finally {
    await Promise.all([...workers, producer].map((m) => m.shutdown()));
  }
}

/** One single-add run: one producer awaiting each add before the next, `concurrency` jobs run at once by one worker. */
export interface SingleAddRun {
  /** redis://host:port */
  url: string;
  redisPid: number;
  count: number;
  concurrency: number;
}

/**
 * BullMQ used directly, one awaited `queue.add` per no-op job, a Worker with an in-process handler
 * in the same process; timed until the worker's last `completed` event.
 */
export async function bullmqSingleAddThroughput(run: SingleAddRun): Promise<Throughput> {
  const { hostname, port } = new URL(run.url);
  const connection = { host: hostname, port: Number(port) };
  const name = `bench-single-${process.pid}-${++queueNumber}`;
  const queue = new Queue(name, { connection });
  const worker = new Worker(name, async () => undefined, { connection, concurrency: run.concurrency });
  try {
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
    return await warmThenTimed(run.redisPid, run.count, (count) => addAndWait(worker, count, async () => {
      for (let i = 0; i < count; i++) await queue.add("noop", { i });
    }));
  } finally {
    await worker.close();
    await queue.close();
  }
}

/**
 * Taskflow on BullMQ as an outside user drives it: one manager that is its own worker, an
 * `onLifecycle` listener subscribed after `start()`, one awaited `addTask` per no-op task; timed
 * until the last task's `success` event.
 */
export async function taskflowBullmqSingleAddThroughput(run: SingleAddRun): Promise<Throughput> {
  const { TaskManager } = await import("../src");
  const manager = new TaskManager({ backend: { type: "bullmq", connection: run.url, prefix: `benchsingle${process.pid}n${++queueNumber}` }, maxConcurrentTasks: run.concurrency });
  manager.task({ name: "noop" }, async () => undefined);
  await manager.start();
  let succeeded = 0;
  let target = 0;
  let finish: () => void = () => undefined;
  const subscription = manager.onLifecycle((event) => {
    if (event.status === "success" && ++succeeded === target) finish();
  });
  const addAll = async (count: number): Promise<void> => {
    succeeded = 0;
    target = count;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    for (let i = 0; i < count; i++) await manager.addTask("noop", []);
    await finished;
  };
  try {
    return await warmThenTimed(run.redisPid, run.count, addAll);
  } finally {
    subscription.dispose();
    await manager.shutdown();
  }
}

/** The bulk and single-add pairs of one round: each Taskflow figure beside BullMQ's from the same round. */
export interface PairedRound {
  single: { taskflow: Throughput; bullmq: Throughput };
  bulk: { taskflow: Throughput; bullmq: Throughput };
}

/**
 * `rounds` rounds on one AOF redis-server, each running BullMQ and Taskflow on BullMQ alternately
 * (which goes first alternates too) in both shapes: single awaited adds, and addBulk / addTasks in chunks.
 */
export async function pairedRounds(redis: { url: string; port: number; pid: number }, options: { rounds: number; count: number; concurrency: number }): Promise<PairedRound[]> {
  const out: PairedRound[] = [];
  const single = { url: redis.url, redisPid: redis.pid, count: options.count, concurrency: options.concurrency };
  for (let r = 0; r < options.rounds; r++) {
    const pair = async <T>(peer: () => Promise<T>, ours: () => Promise<T>): Promise<{ bullmq: T; taskflow: T }> => {
      if (r % 2 === 0) {
        const bullmq = await peer();
        return { bullmq, taskflow: await ours() };
      }
      const taskflow = await ours();
      return { taskflow, bullmq: await peer() };
    };
    const singlePair = await pair(() => bullmqSingleAddThroughput(single), () => taskflowBullmqSingleAddThroughput(single));
    const bulkPair = await pair(
      () => bullmqThroughput({ port: redis.port, redisPid: redis.pid, count: options.count, concurrency: options.concurrency, processor: "inProcess" }),
      () => taskflowBullmqThroughput({ url: redis.url, redisPid: redis.pid, count: options.count, concurrency: options.concurrency, workers: 1 }),
    );
    out.push({ single: singlePair, bulk: bulkPair });
  }
  return out;
}

function describe(label: string, pairs: { taskflow: Throughput; bullmq: Throughput }[]): void {
  for (const [i, { taskflow, bullmq }] of pairs.entries()) {
    log(`  ${label} round ${i + 1}: Taskflow ${Math.round(taskflow.tasksPerSec)}/s (${Math.round(taskflow.tasksPerCpuSec)} per CPU-s), BullMQ ${Math.round(bullmq.tasksPerSec)}/s (${Math.round(bullmq.tasksPerCpuSec)} per CPU-s): ` +
      `wall ${round(taskflow.tasksPerSec / bullmq.tasksPerSec, 2)}x, CPU ${round(taskflow.tasksPerCpuSec / bullmq.tasksPerCpuSec, 2)}x`);
  }
  const wall = median(pairs.map((p) => p.taskflow.tasksPerSec / p.bullmq.tasksPerSec));
  const cpu = median(pairs.map((p) => p.taskflow.tasksPerCpuSec / p.bullmq.tasksPerCpuSec));
  log(`  ${label} median Taskflow/BullMQ: wall ${round(wall, 2)}x, per CPU-second ${round(cpu, 2)}x (goal: at least 0.8)`);
}

/**
 * Run on its own (`npx tsx bench/bullmqBench.ts`, or as the product's code runs, without the tsx
 * loader: `npx esbuild bench/bullmqBench.ts --bundle --platform=node --packages=external
 * --outfile=.bench-tmp/bullmqBench.js && node .bench-tmp/bullmqBench.js`): paired rounds of Taskflow
 * on BullMQ against BullMQ used directly on a redis-server of its own with AOF everysec. Env:
 * BENCH_TASKS (default 5000), BENCH_ROUNDS (default 3), BENCH_CONCURRENCY (default 4).
 */
async function main(): Promise<void> {
  const { findRedisServer, startRedisServer } = await import("../test/unit/helpers/redisServer");
  const executable = findRedisServer();
  if (!executable) throw new Error("the BullMQ bench needs redis-server on PATH, found none: install it (apt-get install redis-server)");
  const count = Number(process.env.BENCH_TASKS ?? 5000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
  const redis = await startRedisServer(executable);
  try {
    const results = await pairedRounds(redis, { rounds, count, concurrency });
    log(`redis-server ${redis.version}, appendonly yes, appendfsync everysec; ${count} no-op tasks per run, worker concurrency ${concurrency} (CPU-seconds include redis-server's):`);
    describe("single awaited adds", results.map((r) => r.single));
    describe("bulk adds (chunks of 1000)", results.map((r) => r.bulk));
  } finally {
    await redis.stop();
  }
}

if (/bullmqBench\.[jt]s$/.test(process.argv[1] ?? "")) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
