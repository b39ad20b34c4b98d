/**
 * The Redis-backed peer: no-op jobs through BullMQ, with the handler in this thread or as a
 * sandboxed processor file in worker threads (user code off the main thread, as Taskflow's warm pool).
 */
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Queue, Worker, type Processor } from "bullmq";
import { startClock, tempDir, throughput, type Throughput } from "./figures";

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
 * `count` no-op jobs added with `addBulk` in chunks, timed until the worker has completed them all.
 * Completed jobs are kept (BullMQ's default), as Taskflow keeps its history.
 */
export async function bullmqThroughput(run: BullmqRun): Promise<Throughput> {
  const connection = { host: "127.0.0.1", port: run.port };
  const name = `bench-${process.pid}-${++queueNumber}`;
  const dir = tempDir();
  let processor: string | Processor;
  if (run.processor === "sandboxed") {
    processor = path.join(dir, "noop.js");
    writeFileSync(processor, "module.exports = async () => undefined;\n");
  } else {
    processor = async () => undefined;
  }
  const queue = new Queue(name, { connection });
  const worker = new Worker(name, processor, { connection, concurrency: run.concurrency, useWorkerThreads: run.processor === "sandboxed" });
  try {
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
    await addAndWait(queue, worker, WARM_UP_JOBS);
    const clock = startClock(run.redisPid);
    await addAndWait(queue, worker, run.count);
    return throughput(run.count, clock);
  } finally {
    await worker.close();
    await queue.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function addAndWait(queue: Queue, worker: Worker, count: number): Promise<void> {
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
  for (let start = 0; start < count; start += CHUNK) {
    const jobs = Array.from({ length: Math.min(CHUNK, count - start) }, (_, k) => ({ name: "noop", data: { i: start + k } }));
    await queue.addBulk(jobs);
  }
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
    await addAll(WARM_UP_JOBS);
    const clock = startClock(run.redisPid);
    await addAll(run.count);
    return throughput(run.count, clock);
  } finally {
    await Promise.all([...workers, producer].map((m) => m.shutdown()));
  }
}
