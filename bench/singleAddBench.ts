/**
 * The shapes an application drives: producers that each await one add per no-op task (c 1: one
 * producer and concurrency 1; c 10: ten producers and concurrency 10), through the durable engine,
 * the engine with its in-memory store, and BullMQ's `queue.add`, and a bulk `addTasks` shape at
 * c 10. Every run ends when the last task has succeeded (and, for the engine, `flush()` has
 * returned, so with the sql.js store all of it is on disk).
 */
import { rmSync } from "node:fs";
import path from "node:path";
import { TaskManager } from "../src";
import { noopQueue } from "./bullmqBench";
import { startClock, tempDir, throughput, type Throughput } from "./figures";

/** Tasks per `addTasks` call in the bulk shape. */
const BULK_CHUNK = 1000;
/** Tasks run before the clock starts, so threads exist and the code is optimised. */
const WARM_UP = 200;
/**
 * Tasks a throwaway engine runs before each engine shape. The first engine of a process ran its
 * 2,000 measured tasks at about half the per-CPU rate a second engine in the same process reached,
 * even after 5,000 warm-up tasks of its own: what it measured was the process warming up, which the
 * BullMQ shapes, run later in the same process, never paid.
 */
const PROCESS_WARM_UP = 2000;

/** Calls `add(i)` for i in 0..count-1 from `producers` loops, each awaiting its own call before the next. */
async function produce(count: number, producers: number, add: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: producers }, async () => {
    while (next < count) await add(next++);
  }));
}

/** A promise resolved at the `count`-th call of `tick`, or rejected at the first `fail`. */
function countdown(count: number): { done: Promise<void>; tick(): void; fail(error: Error): void } {
  let left = count;
  let resolve: () => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Awaited after the adds: a failure during them must not count as an unhandled rejection first.
  done.catch(() => undefined);
  if (count <= 0) resolve();
  return { done, tick: () => void (--left === 0 && resolve()), fail: reject };
}

export interface EngineAddRun {
  count: number;
  /** Producers, and `maxConcurrentTasks`. */
  concurrency: number;
  /** `"single"`: one awaited `addTask` per task; `"bulk"`: one producer's `addTasks` in chunks of 1,000. */
  enqueue: "single" | "bulk";
  /** `"sqlJs"`: the durable store in a temp dir; `"memory"`: no `dbPath`, history kept in memory. Default `"sqlJs"`. */
  store?: "sqlJs" | "memory";
}

/** The manager options of a run's store: a `dbPath` in `dir` for the sql.js store, none in memory. */
function storeOptions(run: EngineAddRun, dir: string): { dbPath?: string } {
  return run.store === "memory" ? {} : { dbPath: path.join(dir, "tasks.db") };
}

/** The engine (sql.js store in a temp dir, or in memory): timed until the last `success` event and `flush()`. */
export async function engineAddThroughput(run: EngineAddRun): Promise<Throughput> {
  await warmUpProcess(run);
  const dir = tempDir();
  const manager = new TaskManager({ ...storeOptions(run, dir), maxConcurrentTasks: run.concurrency, maxRecords: (run.count + WARM_UP) * 2, onOutsideLog: () => undefined });
  await manager.start();
  try {
    const noop = manager.task({ name: "noop" }, async () => undefined);
    let succeeded = countdown(WARM_UP);
    const subscription = manager.onLifecycle((event) => {
      if (event.status === "success") succeeded.tick();
      else if (event.status !== "pending" && event.status !== "running") succeeded.fail(new Error(`expected every no-op task to succeed, ${event.taskId} ended ${event.status}`));
    });
    await produce(WARM_UP, run.concurrency, (i) => manager.addTask(noop, [i]));
    await succeeded.done;
    succeeded = countdown(run.count);
    const clock = startClock();
    if (run.enqueue === "single") {
      await produce(run.count, run.concurrency, (i) => manager.addTask(noop, [i]));
    } else {
      for (let start = 0; start < run.count; start += BULK_CHUNK) {
        await manager.addTasks(noop, Array.from({ length: Math.min(BULK_CHUNK, run.count - start) }, (_, k) => ({ args: [start + k] })));
      }
    }
    await succeeded.done;
    await manager.flush();
    const result = throughput(run.count, clock);
    subscription.dispose();
    return result;
  } finally {
    await manager.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs PROCESS_WARM_UP tasks of the shape through an engine of its own, untimed. */
async function warmUpProcess(run: EngineAddRun): Promise<void> {
  const dir = tempDir();
  const manager = new TaskManager({ ...storeOptions(run, dir), maxConcurrentTasks: run.concurrency, onOutsideLog: () => undefined });
  await manager.start();
  try {
    const noop = manager.task({ name: "noop" }, async () => undefined);
    let last: string | undefined;
    await produce(PROCESS_WARM_UP, run.concurrency, async (i) => (last = await manager.addTask(noop, [i])));
    if (last !== undefined) await manager.waitFor(last);
    await manager.flush();
  } finally {
    await manager.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface BullmqAddRun {
  port: number;
  /** redis-server's pid, so its CPU time counts in the per-CPU-second figure. */
  redisPid: number;
  count: number;
  /** Producers, each awaiting its own `queue.add`, and the worker's concurrency. */
  concurrency: number;
  /** `"inProcess"`: an async no-op handler in this thread; `"sandboxed"`: a processor file in worker threads. */
  processor: "inProcess" | "sandboxed";
}

/** BullMQ with one awaited `queue.add` per job from each producer, timed until the worker's last `completed` event. */
export async function bullmqAddThroughput(run: BullmqAddRun): Promise<Throughput> {
  const { queue, worker, close } = noopQueue(run.port, "bench-single", run.concurrency, run.processor);
  let completed = countdown(WARM_UP);
  worker.on("completed", () => completed.tick());
  worker.on("failed", (_job, error) => completed.fail(new Error(`expected every no-op job to complete, one failed: ${error.message}`)));
  try {
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
    await produce(WARM_UP, run.concurrency, (i) => queue.add("noop", { i }));
    await completed.done;
    completed = countdown(run.count);
    const clock = startClock(run.redisPid);
    await produce(run.count, run.concurrency, (i) => queue.add("noop", { i }));
    await completed.done;
    return throughput(run.count, clock);
  } finally {
    await close();
  }
}
