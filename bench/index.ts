/**
 * Taskflow benchmark: durable engine throughput against p-queue in the same process, store
 * export/reload times, the longest event-loop stall while persisting next to 100k stored records,
 * and start-up time with 100k records. The last line of output is one JSON object with the figures.
 *
 * Run with `npm run bench` (builds, then `tsx bench/index.ts`). Env BENCH_TASKS overrides the number
 * of no-op tasks in the throughput runs (default 10000).
 */
import { copyFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { TaskManager } from "../src/engine";
import { newTaskData, type TaskData } from "../src/model";
import { SqlJsStore } from "../src/store";

const CONCURRENCY = 8;
const THROUGHPUT_TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const STALL_RUN_TASKS = 5_000;
const BIG = 100_000;

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), "taskflow-bench-"));
}

/** N no-op tasks through the engine with a real sql.js store; the clock stops when all are durable. */
interface Throughput {
  tasksPerSec: number;
  ms: number;
  /** Tasks per second of this process's CPU time: less sensitive to other load on the machine. */
  tasksPerCpuSec: number;
}

function throughput(count: number, started: number, cpu: NodeJS.CpuUsage): Throughput {
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { tasksPerSec: count / (ms / 1000), ms, tasksPerCpuSec: count / ((used.user + used.system) / 1e6) };
}

async function engineThroughput(count: number): Promise<Throughput> {
  const dir = tempDir();
  const manager = new TaskManager({ dbPath: path.join(dir, "tasks.db"), maxConcurrentTasks: CONCURRENCY, maxRecords: count * 2, onOutsideLog: () => undefined });
  await manager.start();
  const noop = manager.task({ name: "noop" }, async () => undefined);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await manager.addTask(noop, [i]));
  for (const id of ids) await manager.waitFor(id);
  await manager.flush();
  const result = throughput(count, started, cpu);
  const done = manager.metrics().success;
  await manager.shutdown();
  rmSync(dir, { recursive: true, force: true });
  if (done !== count) throw new Error(`expected ${count} successful tasks, got ${done}`);
  return result;
}

/** The same workload through p-queue at the same concurrency: the in-memory ceiling. */
async function pQueueThroughput(count: number): Promise<Throughput> {
  const { default: PQueue } = await import("p-queue");
  const queue = new PQueue({ concurrency: CONCURRENCY });
  const started = performance.now();
  const cpu = process.cpuUsage();
  const done: Array<Promise<unknown>> = [];
  for (let i = 0; i < count; i++) done.push(queue.add(async () => i));
  await Promise.all(done);
  await queue.onIdle();
  return throughput(count, started, cpu);
}

function record(i: number): TaskData {
  const createdAt = 1_700_000_000_000 + i;
  return newTaskData({
    taskId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    funcName: `func${i % 20}`,
    status: i % 10 === 0 ? "failed" : "success",
    args: [i, "someone@example.com"],
    kwargs: { retry: true },
    createdAt,
    startTime: createdAt + 1,
    endTime: createdAt + 25,
    retriesUsed: i % 3,
    error: i % 10 === 0 ? "Connection refused" : null,
    idempotencyKey: i % 4 === 0 ? `key-${i}` : null,
    tags: { env: i % 2 ? "prod" : "dev" },
  });
}

/** A closed database file holding n finished records, each with two log lines. */
async function fillStore(dbPath: string, n: number): Promise<void> {
  const store = new SqlJsStore({ dbPath, maxRecords: n * 2, onWarning: (m) => log(`  warning: ${m}`) });
  await store.open();
  for (let i = 0; i < n; i++) {
    store.saveTask(record(i));
    store.appendLogs(record(i).taskId, ["2026-11-29T17:00:00 started", "2026-11-29T17:00:00 done"]);
    if (i % 5000 === 4999) await store.flush();
  }
  await store.close();
}

/** Export (fold at close) and reload times of a store holding n records. */
async function exportReload(source: string, n: number): Promise<{ exportMs: number; reloadMs: number; bytes: number }> {
  const dir = tempDir();
  const dbPath = path.join(dir, "tasks.db");
  copyFileSync(source, dbPath);
  const store = new SqlJsStore({ dbPath, maxRecords: n * 2 });
  let started = performance.now();
  await store.open();
  const reloadMs = performance.now() - started;
  if (store.countTasks() !== n) throw new Error(`expected ${n} records after reload, got ${store.countTasks()}`);
  store.saveTask(record(n));
  started = performance.now();
  await store.close();
  const exportMs = performance.now() - started;
  const bytes = statSync(dbPath).size;
  rmSync(dir, { recursive: true, force: true });
  return { exportMs, reloadMs, bytes };
}

/**
 * Start-up with 100k records, then tasks running and logging while the longest event-loop stall is
 * recorded. A small journalFoldBytes makes the journal fold (export of the 100k database, in the
 * worker) happen during the measurement.
 */
async function persistingWithBigStore(source: string): Promise<{ startupMs: number; maxStallMs: number; p99StallMs: number; tasks: number; folds: number; ms: number }> {
  const dir = tempDir();
  const dbPath = path.join(dir, "tasks.db");
  copyFileSync(source, dbPath);
  const store = new SqlJsStore({ dbPath, maxRecords: BIG * 2, journalFoldBytes: 2 * 1024 * 1024, onWarning: (m) => log(`  warning: ${m}`) });
  let folds = 0;
  const internals = (store as unknown as { journal: { startFold(): void; folding?: Promise<void> } }).journal;
  const startFold = internals.startFold.bind(internals);
  internals.startFold = () => {
    folds++;
    startFold();
  };
  const manager = new TaskManager({ store, maxConcurrentTasks: CONCURRENCY, onOutsideLog: () => undefined });
  const { taskLog } = await import("../src/engine");
  const logging = manager.task({ name: "logging" }, async (i: number) => {
    taskLog(`step one of ${i}`);
    await Promise.resolve();
    taskLog(`step two of ${i}`);
  });
  let started = performance.now();
  await manager.start();
  const startupMs = performance.now() - started;

  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const tasks = STALL_RUN_TASKS;
  started = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < tasks; i++) ids.push(await manager.addTask(logging, [i], { tags: { batch: "bench" } }));
  for (const id of ids) await manager.waitFor(id);
  await manager.flush();
  // Let a fold the last writes started finish while still measuring.
  await internals.folding;
  const ms = performance.now() - started;
  histogram.disable();
  await manager.shutdown();
  rmSync(dir, { recursive: true, force: true });
  return {
    startupMs,
    maxStallMs: histogram.max / 1e6,
    p99StallMs: histogram.percentile(99) / 1e6,
    tasks,
    folds,
    ms,
  };
}

async function main(): Promise<void> {
  const load = loadavg()[0];
  log(`Taskflow bench: node ${process.version}, ${THROUGHPUT_TASKS} no-op tasks at concurrency ${CONCURRENCY}, load average ${round(load, 2)}`);
  // A short warm-up so both sides run on optimised code.
  await engineThroughput(1000);
  await pQueueThroughput(1000);
  const engine = await engineThroughput(THROUGHPUT_TASKS);
  const pQueue = await pQueueThroughput(THROUGHPUT_TASKS);
  log(`durable engine (sql.js store): ${Math.round(engine.tasksPerSec)} tasks/s (${round(engine.ms)} ms; ${Math.round(engine.tasksPerCpuSec)} per CPU-second)`);
  log(`p-queue (memory only):         ${Math.round(pQueue.tasksPerSec)} tasks/s (${round(pQueue.ms)} ms; ${Math.round(pQueue.tasksPerCpuSec)} per CPU-second)`);
  log(`ratio engine/p-queue:          ${round(engine.tasksPerSec / pQueue.tasksPerSec, 3)}`);

  const files = tempDir();
  const file10k = path.join(files, "10k.db");
  const file100k = path.join(files, "100k.db");
  const started = performance.now();
  await fillStore(file10k, 10_000);
  await fillStore(file100k, BIG);
  log(`filled stores of 10k and 100k records through saveTask/appendLogs in ${round((performance.now() - started) / 1000)} s`);
  const small = await exportReload(file10k, 10_000);
  log(`10k records:  export+write at close ${round(small.exportMs)} ms, reload ${round(small.reloadMs)} ms, file ${round(small.bytes / 1e6)} MB`);
  const big = await exportReload(file100k, BIG);
  log(`100k records: export+write at close ${round(big.exportMs)} ms, reload ${round(big.reloadMs)} ms, file ${round(big.bytes / 1e6)} MB`);

  const persisting = await persistingWithBigStore(file100k);
  rmSync(files, { recursive: true, force: true });
  log(`100k records: manager.start() ${round(persisting.startupMs)} ms`);
  log(`100k records: ${persisting.tasks} logging tasks in ${round(persisting.ms)} ms, ${persisting.folds} journal fold(s); longest event-loop stall ${round(persisting.maxStallMs)} ms (p99 ${round(persisting.p99StallMs)} ms)`);

  log(JSON.stringify({
    durableTasksPerSec: Math.round(engine.tasksPerSec),
    pQueueTasksPerSec: Math.round(pQueue.tasksPerSec),
    ratio: round(engine.tasksPerSec / pQueue.tasksPerSec, 4),
    durableTasksPerCpuSec: Math.round(engine.tasksPerCpuSec),
    pQueueTasksPerCpuSec: Math.round(pQueue.tasksPerCpuSec),
    loadAverage: round(load, 2),
    concurrency: CONCURRENCY,
    tasks: THROUGHPUT_TASKS,
    exportMs10k: round(small.exportMs),
    reloadMs10k: round(small.reloadMs),
    exportMs100k: round(big.exportMs),
    reloadMs100k: round(big.reloadMs),
    dbBytes100k: big.bytes,
    maxEventLoopStallMs100k: round(persisting.maxStallMs),
    p99EventLoopStallMs100k: round(persisting.p99StallMs),
    foldsDuringStallRun: persisting.folds,
    startupMs100k: round(persisting.startupMs),
  }));
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
