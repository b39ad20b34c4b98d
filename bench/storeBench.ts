/** The store: export and reload times, start-up, and event-loop stalls while persisting next to many records. */
import { copyFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { TaskManager, taskLog } from "../src";
import { newTaskData, type TaskData } from "../src/model";
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
