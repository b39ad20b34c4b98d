/**
 * Which event-loop stalls of the store bench's persisting phase are the store's: `npx tsx
 * bench/stallProbe.ts [DB_FILE]` (Linux: it reads /proc/thread-self/schedstat). It runs the store
 * bench's shape (5,000 logging tasks on a copy of a 100k-run database, one journal fold; DB_FILE is
 * filled with fillStore when missing, default `.bench-tmp/100k.db`) and, for every turn of the event
 * loop longer than 20 ms, prints how much of it the main thread spent on CPU and waiting for a CPU
 * (run queue), the rest being blocked (e.g. waiting for GC helper threads), with the store calls and
 * GC pauses that overlapped it. The kernel updates the thread's times at ticks and switches, so
 * each figure is good to about one tick (1-4 ms).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { performance, PerformanceObserver } from "node:perf_hooks";
import { TaskManager, taskLog } from "../src";
import { SqlJsStore } from "../src/store";
import { ApplyBatches } from "../src/store/applyBatches";
import { tempDir } from "./figures";
import { addAndWait, fillStore } from "./storeBench";

interface Span {
  name: string;
  start: number;
  ms: number;
}

/** The main thread's time on CPU and waiting for one, in ms since it started. */
function threadTimes(): { onCpu: number; waiting: number } {
  const [onCpuNs, waitingNs] = readFileSync("/proc/thread-self/schedstat", "utf8").split(" ").map(Number);
  return { onCpu: onCpuNs / 1e6, waiting: waitingNs / 1e6 };
}

/** Records calls of `prototype[method]` that took 3 ms or more into `spans`. */
function timeCalls(prototype: object, method: string, spans: Span[]): void {
  const target = prototype as Record<string, (...args: unknown[]) => unknown>;
  const original = target[method];
  target[method] = function (this: unknown, ...args: unknown[]) {
    const start = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      const ms = performance.now() - start;
      if (ms >= 3) spans.push({ name: method, start, ms });
    }
  };
}

async function main(): Promise<void> {
  const source = path.resolve(process.argv[2] ?? ".bench-tmp/100k.db");
  if (!existsSync(source)) {
    mkdirSync(path.dirname(source), { recursive: true });
    await fillStore(source, 100_000);
  }
  const dir = tempDir();
  const dbPath = path.join(dir, "tasks.db");
  copyFileSync(source, dbPath);
  const spans: Span[] = [];
  const store = new SqlJsStore({ dbPath, maxRecords: 200_000, journalFoldBytes: 2 * 1024 * 1024 });
  timeCalls(SqlJsStore.prototype, "applyPending", spans);
  timeCalls(ApplyBatches.prototype, "commit", spans);
  const journal = (store as unknown as { journal: { folding?: Promise<void> } }).journal;
  timeCalls(Object.getPrototypeOf(journal) as object, "writeNow", spans);
  timeCalls(Object.getPrototypeOf(journal) as object, "startFold", spans);
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) spans.push({ name: `gc (kind ${(entry as unknown as { detail?: { kind?: number } }).detail?.kind})`, start: entry.startTime, ms: entry.duration });
  }).observe({ entryTypes: ["gc"] });

  const manager = new TaskManager({ store, maxConcurrentTasks: 4, onOutsideLog: () => undefined });
  const logging = manager.task({ name: "logging" }, async (i: number) => {
    taskLog(`step one of ${i}`);
    await Promise.resolve();
    taskLog(`step two of ${i}`);
  });
  await manager.start();
  const gaps: Array<Span & { onCpu: number; waiting: number }> = [];
  let measuring = true;
  let lastAt = performance.now();
  let lastTimes = threadTimes();
  const tick = (): void => {
    const at = performance.now();
    const times = threadTimes();
    if (at - lastAt > 20) gaps.push({ name: "turn", start: lastAt, ms: at - lastAt, onCpu: times.onCpu - lastTimes.onCpu, waiting: times.waiting - lastTimes.waiting });
    lastAt = at;
    lastTimes = times;
    if (measuring) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  await addAndWait(manager, logging, 5000);
  await manager.flush();
  await journal.folding;
  measuring = false;
  await manager.shutdown();
  rmSync(dir, { recursive: true, force: true });

  for (const gap of gaps) {
    const overlapping = spans.filter((s) => s.start < gap.start + gap.ms && s.start + s.ms > gap.start).map((s) => `${s.name} ${s.ms.toFixed(1)} ms`);
    console.log(`${gap.ms.toFixed(1)} ms: on CPU ${gap.onCpu.toFixed(1)}, waiting for CPU ${gap.waiting.toFixed(1)}; ${overlapping.join(", ") || "no store call or GC"}`);
  }
  const onCpu = gaps.filter((g) => g.onCpu > 20).length;
  const waiting = gaps.filter((g) => g.waiting >= g.ms / 2).length;
  const blocked = gaps.filter((g) => g.ms - g.onCpu - g.waiting >= g.ms / 2).length;
  console.log(`${gaps.length} turns over 20 ms: ${onCpu} with over 20 ms on CPU, ${waiting} mostly waiting for a CPU, ${blocked} mostly blocked`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
