/** The store: export and reload times, start-up, and event-loop stalls while persisting next to many records. */
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { promisify } from "node:util";
import { TaskManager, taskLog } from "../src";
import { newTaskData, type TaskData, type TaskHandle } from "../src/model";
import { SqlJsStore } from "../src/store";
import { log, tempDir } from "./figures";

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
export async function fillStore(dbPath: string, n: number): Promise<void> {
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
export async function exportReload(source: string, n: number): Promise<{ exportMs: number; reloadMs: number; bytes: number }> {
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
 * Adds `tasks` runs of `task` (its argument the run's number, tagged batch=bench) one awaited add at a
 * time, then waits for each, letting the event loop turn between two adds and two waits.
 */
export async function addAndWait(manager: TaskManager, task: TaskHandle, tasks: number): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < tasks; i++) {
    ids.push(await manager.addTask(task, [i], { tags: { batch: "bench" } }));
    // Adds come from events (a command, a request): the event loop turns between them, so the flush
    // timer and the tasks run as they would, and a stall shows in the histogram.
    await new Promise((resolve) => setImmediate(resolve));
  }
  for (const id of ids) {
    await manager.waitFor(id);
    // Waiting turns the event loop too: 5,000 awaits of finished tasks in one chain of microtasks held
    // it for 140-2,000 ms (208 ms of it on CPU at load 11), the longest stall measured, and none of it persisting.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Start-up with the `storedRecords` of `source`, then tasks running and logging while the longest
 * event-loop stall is recorded. A small journalFoldBytes makes the journal fold (export of the whole
 * database, in the worker) happen during the measurement.
 */
export async function persistingWithBigStore(source: string, storedRecords: number, tasks: number, concurrency: number): Promise<{ startupMs: number; maxStallMs: number; p99StallMs: number; tasks: number; folds: number; ms: number }> {
  const dir = tempDir();
  const dbPath = path.join(dir, "tasks.db");
  copyFileSync(source, dbPath);
  const store = new SqlJsStore({ dbPath, maxRecords: storedRecords * 2, journalFoldBytes: 2 * 1024 * 1024, onWarning: (m) => log(`  warning: ${m}`) });
  let folds = 0;
  const internals = (store as unknown as { journal: { startFold(): void; folding?: Promise<void> } }).journal;
  const startFold = internals.startFold.bind(internals);
  internals.startFold = () => {
    folds++;
    startFold();
  };
  const manager = new TaskManager({ store, maxConcurrentTasks: concurrency, onOutsideLog: () => undefined });
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
  // The histogram does not record the interval before its first sample: let it take one.
  await new Promise((resolve) => setTimeout(resolve, 20));
  started = performance.now();
  await addAndWait(manager, logging, tasks);
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

/** Memory of a fresh node process before and after `manager.start()` on a database file, in MB. */
export interface StartMemory {
  /** Resident set size before the manager is built, and after start() (both after a full GC). */
  rssBeforeMb: number;
  rssAfterMb: number;
  /** V8 heap in use, before and after. */
  heapBeforeMb: number;
  heapAfterMb: number;
  /** `manager.start()` in that process, sql.js loading included, in ms. */
  startMs: number;
}

const START_PROBE = `
const { TaskManager } = require(process.argv[1]);
const mb = (bytes) => Math.round(bytes / 1e5) / 10;
(async () => {
  gc();
  const before = process.memoryUsage();
  const manager = new TaskManager({ dbPath: process.argv[2], maxRecords: Number(process.argv[3]), onOutsideLog: () => undefined });
  const started = performance.now();
  await manager.start();
  const startMs = performance.now() - started;
  gc();
  const after = process.memoryUsage();
  process.stdout.write(JSON.stringify({ rssBeforeMb: mb(before.rss), rssAfterMb: mb(after.rss), heapBeforeMb: mb(before.heapUsed), heapAfterMb: mb(after.heapUsed), startMs }));
  await manager.shutdown();
})();
`;

/**
 * What the extension host pays to open `source`: a new node process (as a window is) loads the engine
 * bundle beside this one, then starts a manager keeping `maxRecords` on a copy of the file. Undefined when the bench runs
 * from sources, without dist/engine.js.
 */
export async function startMemory(source: string, maxRecords: number): Promise<StartMemory | undefined> {
  const engine = path.join(__dirname, "engine.js");
  if (!existsSync(engine)) return undefined;
  const dir = tempDir();
  const dbPath = path.join(dir, "tasks.db");
  copyFileSync(source, dbPath);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", "-e", START_PROBE, engine, dbPath, String(maxRecords)], { maxBuffer: 1 << 20 });
    return JSON.parse(stdout) as StartMemory;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
