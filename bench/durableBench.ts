/**
 * Durable runs at scale, each figure beside a peer in the same process: 10,000 runs sleeping at
 * once (the heap they hold, against the same runs delayed with runAt; a manager's start-up on the
 * database holding them, against the same number of finished runs; the time from the wake to each
 * resumed run starting, against a delayed run's due time to its start), and a step's cost against a
 * plain `await` of the same function, one task at a time, on the sql.js store and on the product path
 * (a workspace module on warm workers).
 */
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { sleep, step, TaskManager, type Clock } from "../src";
import { WorkspaceRuntime } from "../src/runtime";
import { median, round, tempDir } from "./figures";

/** Heap after a full GC when the process runs with --expose-gc (npm run bench does), else as it is. */
function heapUsed(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

export interface WaitingFigures {
  /** Heap bytes per sleeping run, and per run delayed with runAt (the peer). */
  heapPerWaiting: number;
  heapPerDelayed: number;
  /** ms for a manager to open the database and start, holding `count` waiting runs, and `count` finished ones. */
  startWithWaitingMs: number;
  startWithFinishedMs: number;
  /** Median and 99th percentile ms from the wake time to a resumed run starting; the same from a delayed run's runAt. */
  p50WakeToStartMs: number;
  p99WakeToStartMs: number;
  p50DueToStartMs: number;
  p99DueToStartMs: number;
}

/**
 * Real time that can jump ahead: sleeps are real timers, and a jump wakes every sleep it passes at
 * once. So runs can sleep an hour, and the bench ends the hour when they all are stored.
 */
class JumpClock implements Clock {
  private offset = 0;
  private readonly sleepers = new Set<{ due: number; wake: () => void }>();

  now(): number {
    return Date.now() + this.offset;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const sleeper = { due: this.now() + ms, wake: () => done() };
      const timer = setTimeout(() => done(), ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(sleeper);
        reject(signal?.reason);
      };
      const done = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(sleeper);
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.sleepers.add(sleeper);
    });
  }

  /** Moves time `ms` ahead, waking the sleeps that are then due. */
  jump(ms: number): void {
    this.offset += ms;
    for (const sleeper of [...this.sleepers]) if (sleeper.due <= this.now()) sleeper.wake();
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const HOUR_MS = 3_600_000;

/**
 * `count` runs of `kind`: "sleep" runs sleep an hour; "delayed" runs are added with runAt an hour
 * ahead. Once all are stored the clock jumps the hour. Resolves with the heap they hold, and the ms
 * from the jump to each start.
 */
async function holdUntil(kind: "sleep" | "delayed", count: number, dbPath: string): Promise<{ heapPerRun: number; lateMs: number[] }> {
  const clock = new JumpClock();
  const manager = new TaskManager({ dbPath, clock, maxConcurrentTasks: 8, maxRecords: count * 4, onOutsideLog: () => undefined });
  const startedAt: number[] = [];
  let jumpedAt = 0;
  manager.task({ name: "hold" }, async () => {
    if (kind === "sleep") await sleep(HOUR_MS / 1000);
    startedAt.push(now() - jumpedAt);
  });
  await manager.start();
  const before = heapUsed();
  const runAt = new Date(clock.now() + HOUR_MS);
  const ids = await manager.addTasks("hold", Array.from({ length: count }, () => (kind === "delayed" ? { runAt } : {})));
  if (kind === "sleep") while (manager.countTasks({ status: "waiting" }) < count) await new Promise((r) => setTimeout(r, 20));
  await manager.flush();
  const heapPerRun = (heapUsed() - before) / count;
  jumpedAt = now();
  clock.jump(HOUR_MS);
  await Promise.all(ids.map((id) => manager.waitFor(id)));
  await manager.shutdown();
  return { heapPerRun, lateMs: startedAt };
}

/** ms to construct and start a manager on `dbPath`. */
async function startMs(dbPath: string): Promise<number> {
  const started = performance.now();
  const manager = new TaskManager({ dbPath, onOutsideLog: () => undefined });
  await manager.start();
  const ms = performance.now() - started;
  await manager.shutdown();
  return ms;
}

/** A database holding `count` runs sleeping for a day (status waiting), or `count` finished runs. */
async function storedRuns(kind: "waiting" | "finished", count: number, dbPath: string): Promise<void> {
  const manager = new TaskManager({ dbPath, maxConcurrentTasks: 8, maxRecords: count * 4, onOutsideLog: () => undefined });
  manager.task({ name: "held" }, async () => {
    if (kind === "waiting") await sleep(86_400);
  });
  await manager.start();
  const ids = await manager.addTasks("held", Array.from({ length: count }, () => ({})));
  if (kind === "finished") await Promise.all(ids.map((id) => manager.waitFor(id)));
  else while (manager.countTasks({ status: "waiting" }) < count) await new Promise((r) => setTimeout(r, 20));
  await manager.shutdown();
}

export async function waitingAtScale(count: number): Promise<WaitingFigures> {
  const root = tempDir();
  // The engine's timers are unref'd (a manager never holds a process open): while every run sleeps, this one does.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    const sleeping = await holdUntil("sleep", count, path.join(root, "sleep.db"));
    const delayed = await holdUntil("delayed", count, path.join(root, "delayed.db"));
    await storedRuns("waiting", count, path.join(root, "waiting.db"));
    await storedRuns("finished", count, path.join(root, "finished.db"));
    // Alternating, median of three each: start-up is short and the machine is shared.
    const withWaiting: number[] = [];
    const withFinished: number[] = [];
    for (let i = 0; i < 3; i++) {
      withWaiting.push(await startMs(path.join(root, "waiting.db")));
      withFinished.push(await startMs(path.join(root, "finished.db")));
    }
    return {
      heapPerWaiting: round(sleeping.heapPerRun, 0), heapPerDelayed: round(delayed.heapPerRun, 0),
      startWithWaitingMs: round(median(withWaiting)), startWithFinishedMs: round(median(withFinished)),
      p50WakeToStartMs: round(median(sleeping.lateMs)), p99WakeToStartMs: round(percentile(sleeping.lateMs, 99)),
      p50DueToStartMs: round(median(delayed.lateMs)), p99DueToStartMs: round(percentile(delayed.lateMs, 99)),
    };
  } finally {
    clearInterval(keepAlive);
    rmSync(root, { recursive: true, force: true });
  }
}

export interface StepFigures {
  /** Tasks per second, one at a time, each awaiting `work()` inside a step, and the same awaiting it plainly. */
  stepTasksPerSec: number;
  plainTasksPerSec: number;
  /** Milliseconds a step adds to a task (the difference of the per-task medians). */
  stepOverheadMs: number;
}

const STEP_MODULE = `import { step, task } from "taskflow";
const work = async (i: number) => ({ i });
export const withStep = task(async (i: number) => step("work", () => work(i)));
export const plain = task(async (i: number) => work(i));
`;

/**
 * `count` tasks one at a time on an sql.js file, alternating a task that awaits `work(i)` in a step
 * with one that awaits it plainly; in this thread ("engine") or from a workspace module on warm workers
 * ("product"). Figures are per-task medians.
 */
export async function stepOverhead(count: number, where: "engine" | "product", distDir: string): Promise<StepFigures> {
  const root = tempDir();
  const manager = new TaskManager({ dbPath: path.join(root, "tasks.db"), maxConcurrentTasks: 1, maxRecords: count * 4, onOutsideLog: () => undefined });
  await manager.start();
  let runtime: WorkspaceRuntime | undefined;
  try {
    if (where === "engine") {
      const work = async (i: number) => ({ i });
      manager.task({ name: "withStep" }, async (i: number) => step("work", () => work(i)));
      manager.task({ name: "plain" }, async (i: number) => work(i));
    } else {
      writeFileSync(path.join(root, "steps.tasks.ts"), STEP_MODULE);
      runtime = new WorkspaceRuntime({ manager, root, distDir, maxWorkers: 1, cacheDir: path.join(root, ".cache") });
      await runtime.ready();
      if (runtime.tasks().length !== 2) throw new Error(`expected the module's two tasks, got ${JSON.stringify(runtime.tasks())}; diagnostics ${JSON.stringify(runtime.diagnostics())}`);
    }
    const times: Record<"withStep" | "plain", number[]> = { withStep: [], plain: [] };
    for (let i = 0; i < count + 20; i++) {
      for (const name of ["withStep", "plain"] as const) {
        const started = performance.now();
        const record = await manager.waitFor(await manager.addTask(name, [i]));
        if (record.status !== "success") throw new Error(`${name} ended ${record.status}: ${record.error}`);
        if (i >= 20) times[name].push(performance.now() - started); // the first 20 warm up
      }
    }
    const withStep = median(times.withStep);
    const plain = median(times.plain);
    return { stepTasksPerSec: round(1000 / withStep, 0), plainTasksPerSec: round(1000 / plain, 0), stepOverheadMs: round(withStep - plain, 2) };
  } finally {
    await manager.shutdown();
    if (runtime) {
      const keepAlive = setInterval(() => undefined, 1000);
      await runtime.dispose().finally(() => clearInterval(keepAlive));
    }
    rmSync(root, { recursive: true, force: true });
  }
}
