/**
 * Product-path benchmark: no-op tasks from a workspace `*.tasks.ts` module, through a TaskManager
 * (in-memory store) and a WorkspaceRuntime, on warm workers and with `isolation: "fresh"`.
 * Prints one JSON line: tasks/s and p50 add-to-start latency (the task's `running` lifecycle event
 * minus the time addTask was called) for a burst of N tasks, and for tasks added one at a time; and,
 * as the same-process peer, the engine running the no-op in its own thread.
 *
 * Run `node esbuild.mjs` first (the runtime loads dist/worker.js and dist/taskflow.js), then
 * `npx tsx bench/runtimeBench.ts`. Worker threads inherit the process's execArgv, so under tsx every
 * worker also starts tsx's loader: that inflates the "fresh" figures several times over. The product
 * runs bundled; to measure it that way:
 *   npx esbuild bench/runtimeBench.ts --bundle --platform=node --outfile=dist/bench/runtimeBench.js --external:esbuild
 *   BENCH_DIST_DIR=dist node dist/bench/runtimeBench.js
 * Env BENCH_RUNTIME_TASKS (default 2000) and BENCH_FRESH_TASKS (default 100) set the counts,
 * BENCH_DIST_DIR where worker.js and taskflow.js are (default ../dist from this file).
 */
import * as esbuild from "esbuild";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { TaskManager } from "../src/engine";
import { WorkspaceRuntime } from "../src/runtime";

const CONCURRENCY = 4;
const WARM_TASKS = Number(process.env.BENCH_RUNTIME_TASKS ?? 2000);
const FRESH_TASKS = Number(process.env.BENCH_FRESH_TASKS ?? 100);
const SEQUENTIAL_TASKS = 200;
const DIST_DIR = process.env.BENCH_DIST_DIR ?? path.resolve(__dirname, "../dist");

interface Figures {
  tasksPerSec: number;
  tasksPerCpuSec: number;
  p50AddToStartMs: number;
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** `"engine"`: the same no-op registered in this thread, the peer the runtime figures compare with. */
async function measure(mode: "warm" | "fresh" | "engine", count: number, oneAtATime: boolean): Promise<Figures> {
  const root = mkdtempSync(path.join(tmpdir(), "taskflow-runtime-bench-"));
  writeFileSync(path.join(root, "noop.tasks.ts"), `import { task } from "taskflow";\nexport const noop = task(async (_i: number) => undefined);\n`);
  const manager = new TaskManager({ maxConcurrentTasks: CONCURRENCY, maxRecords: count * 2, onOutsideLog: () => undefined });
  await manager.start();
  let runtime: WorkspaceRuntime | undefined;
  if (mode === "engine") {
    manager.task({ name: "noop" }, async () => undefined);
  } else {
    runtime = new WorkspaceRuntime({
      manager, root, distDir: DIST_DIR, esbuild, isolation: mode, maxWorkers: CONCURRENCY, cacheDir: path.join(root, ".cache"),
    });
    await runtime.ready();
    if (runtime.tasks().length !== 1) throw new Error(`expected the noop task, got ${JSON.stringify(runtime.diagnostics())}`);
  }
  // Warm the pool (and the JIT) so the figures are the steady state, not thread start-up.
  await Promise.all(Array.from({ length: CONCURRENCY }, async (_, i) => manager.waitFor(await manager.addTask("noop", [i]))));

  const startedAt = new Map<string, number>();
  const subscription = manager.onLifecycle((event) => {
    if (event.status === "running") startedAt.set(event.taskId, performance.now());
  });
  const addedAt = new Map<string, number>();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const calledAt = performance.now();
    const id = await manager.addTask("noop", [i]);
    addedAt.set(id, calledAt);
    ids.push(id);
    if (oneAtATime) await manager.waitFor(id);
  }
  for (const id of ids) await manager.waitFor(id);
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  subscription.dispose();
  const done = manager.metrics().success;
  await manager.shutdown();
  await runtime?.dispose();
  rmSync(root, { recursive: true, force: true });
  if (done !== count + CONCURRENCY) throw new Error(`expected ${count + CONCURRENCY} successful tasks, got ${done}`);
  return {
    tasksPerSec: round(count / (ms / 1000)),
    tasksPerCpuSec: round(count / ((used.user + used.system) / 1e6)),
    p50AddToStartMs: round(median(ids.map((id) => (startedAt.get(id) ?? NaN) - (addedAt.get(id) as number))), 3),
  };
}

async function main(): Promise<void> {
  const load = loadavg()[0];
  const warm = await measure("warm", WARM_TASKS, false);
  const warmSequential = await measure("warm", SEQUENTIAL_TASKS, true);
  const fresh = await measure("fresh", FRESH_TASKS, false);
  const engine = await measure("engine", WARM_TASKS, false);
  process.stdout.write(`${JSON.stringify({
    warmTasksPerSec: warm.tasksPerSec,
    warmTasksPerCpuSec: warm.tasksPerCpuSec,
    warmP50AddToStartMs: warm.p50AddToStartMs,
    warmOneAtATimeTasksPerSec: warmSequential.tasksPerSec,
    warmOneAtATimeP50AddToStartMs: warmSequential.p50AddToStartMs,
    freshTasksPerSec: fresh.tasksPerSec,
    freshTasksPerCpuSec: fresh.tasksPerCpuSec,
    freshP50AddToStartMs: fresh.p50AddToStartMs,
    warmOverFresh: round(warm.tasksPerSec / fresh.tasksPerSec, 1),
    engineOnlyTasksPerSec: engine.tasksPerSec,
    engineOnlyTasksPerCpuSec: engine.tasksPerCpuSec,
    warmOverEngineOnly: round(warm.tasksPerSec / engine.tasksPerSec, 3),
    concurrency: CONCURRENCY,
    warmTasks: WARM_TASKS,
    freshTasks: FRESH_TASKS,
    loadAverage: round(load, 2),
  })}\n`);
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
