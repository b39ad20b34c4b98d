/**
 * The product path: no-op tasks from a workspace `*.tasks.ts` module, through a TaskManager and a
 * WorkspaceRuntime (compiled by the product's default compiler, esbuild-wasm in a child process), on
 * warm workers and with `isolation: "fresh"`; the same no-op registered in this thread as the
 * engine-alone peer; and the time `runtime.reload(file)` takes after the module changed.
 *
 * Measure it bundled (`npm run bench` does): worker threads inherit the process's execArgv, so under
 * tsx every worker also starts tsx's loader, which inflates the "fresh" figures several times over.
 */
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { TaskManager } from "../src";
import { WorkspaceRuntime } from "../src/runtime";
import { median, startClock, tempDir, throughput, type Throughput } from "./figures";

export interface ProductRun {
  /** `"engine"`: the no-op registered in this thread, no runtime. */
  mode: "warm" | "fresh" | "engine";
  count: number;
  /** Workers and `maxConcurrentTasks`. */
  concurrency: number;
  /** Wait for each task before adding the next: the latency of an idle engine and pool. */
  oneAtATime: boolean;
  /** Producers adding at once, each awaiting its own `addTask` before the next. @default 1 */
  producers?: number;
  /** With the sql.js store (as the extension runs), or the in-memory store. */
  durable: boolean;
  /** Directory holding worker.js, taskflow.js and esbuild.wasm (the build's dist/). */
  distDir: string;
}

export interface ProductFigures extends Throughput {
  /**
   * Median milliseconds from the `addTask` call to the no-op's first line running (in its worker,
   * for the runtime): the time the task returns, `performance.timeOrigin + now()`, against the same in this thread.
   */
  p50AddToStartMs: number;
  /** Median milliseconds from the `addTask` call to the engine's `running` lifecycle event. */
  p50AddToRunningMs: number;
  /** Median milliseconds from the `addTask` call to its `success` lifecycle event: one clock, an upper bound of add-to-start. */
  p50AddToDoneMs: number;
}

/** The no-op returns when it started, on the clock every thread shares. */
const NOOP_MODULE = `import { task } from "taskflow";\nexport const noop = task(async (_i: number) => performance.timeOrigin + performance.now());\n`;

/**
 * `runtime.dispose()` awaits the compiler child's exit, but an idle compiler is unref'd, so with
 * nothing else pending the process would run out of work (and exit) before that event: hold it open.
 */
async function disposeRuntime(runtime: WorkspaceRuntime | undefined): Promise<void> {
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    await runtime?.dispose();
  } finally {
    clearInterval(keepAlive);
  }
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

/** `count` no-op tasks added in a burst (or one at a time), timed until every one is done and, when durable, flushed. */
export async function productPathThroughput(run: ProductRun): Promise<ProductFigures> {
  const root = tempDir();
  writeFileSync(path.join(root, "noop.tasks.ts"), NOOP_MODULE);
  const manager = new TaskManager({
    dbPath: run.durable ? path.join(root, "tasks.db") : undefined,
    maxConcurrentTasks: run.concurrency,
    maxRecords: (run.count + run.concurrency) * 2,
    onOutsideLog: () => undefined,
  });
  await manager.start();
  let runtime: WorkspaceRuntime | undefined;
  try {
    if (run.mode === "engine") {
      manager.task({ name: "noop" }, async () => now());
    } else {
      runtime = new WorkspaceRuntime({ manager, root, distDir: run.distDir, isolation: run.mode, maxWorkers: run.concurrency, cacheDir: path.join(root, ".cache") });
      await runtime.ready();
      if (runtime.tasks().length !== 1) throw new Error(`expected the module's one task, noop, got ${JSON.stringify(runtime.tasks())}; diagnostics ${JSON.stringify(runtime.diagnostics())}`);
    }
    // Fill the pool (and warm the JIT) so the figures are the steady state, not thread start-up.
    await Promise.all(Array.from({ length: run.concurrency }, async (_, i) => manager.waitFor(await manager.addTask("noop", [i]))));

    const runningAt = new Map<string, number>();
    const doneAt = new Map<string, number>();
    const subscription = manager.onLifecycle((event) => {
      if (event.status === "running") runningAt.set(event.taskId, now());
      else if (event.status === "success") doneAt.set(event.taskId, now());
    });
    const addedAt = new Map<string, number>();
    const clock = startClock();
    const ids: string[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: run.producers ?? 1 }, async () => {
      while (next < run.count) {
        const i = next++;
        const calledAt = now();
        const id = await manager.addTask("noop", [i]);
        addedAt.set(id, calledAt);
        ids.push(id);
        if (run.oneAtATime) await manager.waitFor(id);
      }
    }));
    const startedAt = new Map<string, number>();
    for (const id of ids) {
      const record = await manager.waitFor(id);
      if (record.status !== "success") throw new Error(`expected every no-op task to succeed, ${id} ended ${record.status}: ${record.error}`);
      startedAt.set(id, record.result as number);
    }
    if (run.durable) await manager.flush();
    const figures = throughput(run.count, clock);
    subscription.dispose();
    const sinceAdded = (at: Map<string, number>): number => median(ids.map((id) => (at.get(id) ?? NaN) - (addedAt.get(id) as number)));
    return { ...figures, p50AddToStartMs: sinceAdded(startedAt), p50AddToRunningMs: sinceAdded(runningAt), p50AddToDoneMs: sinceAdded(doneAt) };
  } finally {
    await manager.shutdown();
    await disposeRuntime(runtime);
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Median milliseconds of `runtime.reload(file)` after the module was rewritten with new code (a
 * different constant each time): compile, load in a worker to list its tasks, register.
 */
export async function reloadMsP50(distDir: string, reloads: number): Promise<number> {
  const root = tempDir();
  const file = path.join(root, "noop.tasks.ts");
  writeFileSync(file, NOOP_MODULE);
  const manager = new TaskManager({ maxConcurrentTasks: 4, onOutsideLog: () => undefined });
  await manager.start();
  const runtime = new WorkspaceRuntime({ manager, root, distDir, cacheDir: path.join(root, ".cache") });
  try {
    await runtime.ready();
    const times: number[] = [];
    for (let i = 0; i < reloads; i++) {
      writeFileSync(file, `import { task } from "taskflow";\nexport const noop = task(async (_i: number) => ${i});\n`);
      const started = performance.now();
      await runtime.reload(file);
      times.push(performance.now() - started);
      if (runtime.tasks().length !== 1 || runtime.diagnostics().length !== 0) {
        throw new Error(`expected the reloaded module's one task and no diagnostics, got ${JSON.stringify(runtime.tasks())} and ${JSON.stringify(runtime.diagnostics())}`);
      }
    }
    return median(times);
  } finally {
    await manager.shutdown();
    await disposeRuntime(runtime);
    rmSync(root, { recursive: true, force: true });
  }
}
