/**
 * Profiles the engine path on its own: N no-op tasks through `new TaskManager({ dbPath })` (or with
 * no dbPath, in memory, when the seventh argument is `memory`) at concurrency 8 (or the sixth
 * argument), all waited for, then flushed; then the same N through p-queue as the peer.
 * Bundle it and run it under node (not tsx), so the profile shows the code as shipped:
 *
 *   npx esbuild bench/engineProfile.ts --bundle --platform=node --outfile=dist/engineProfile.js
 *   node --cpu-prof --cpu-prof-dir=dist/prof dist/engineProfile.js [tasks] [single|bulk] [rounds] [peer|nopeer] [concurrency] [sqljs|memory]
 *
 * `single` enqueues with one addTask per task (as bench/index.ts does), `bulk` with addTasks in
 * chunks of 1,000; a fifth argument `nopeer` skips p-queue, so a profile holds the engine only. Each round prints tasks/s (wall) and tasks per CPU-second (process.cpuUsage);
 * the last line is one JSON object with the medians.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { TaskManager } from "../src";

const DEFAULT_CONCURRENCY = 8;
const BULK_CHUNK = 1000;

interface Figures {
  tasksPerSec: number;
  tasksPerCpuSec: number;
}

function measure(count: number, started: number, cpu: NodeJS.CpuUsage): Figures {
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { tasksPerSec: count / (ms / 1000), tasksPerCpuSec: count / ((used.user + used.system) / 1e6) };
}

async function engine(count: number, mode: "single" | "bulk", concurrency: number, memory: boolean): Promise<Figures> {
  const dir = mkdtempSync(path.join(tmpdir(), "taskflow-profile-"));
  const manager = new TaskManager({ ...(memory ? {} : { dbPath: path.join(dir, "tasks.db") }), maxConcurrentTasks: concurrency, maxRecords: count * 2, onOutsideLog: () => undefined });
  await manager.start();
  const noop = manager.task({ name: "noop" }, async () => undefined);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const ids: string[] = [];
  if (mode === "bulk") {
    for (let i = 0; i < count; i += BULK_CHUNK) {
      const items = Array.from({ length: Math.min(BULK_CHUNK, count - i) }, (_, j) => ({ args: [i + j] }));
      ids.push(...(await manager.addTasks(noop, items)));
    }
  } else {
    for (let i = 0; i < count; i++) ids.push(await manager.addTask(noop, [i]));
  }
  for (const id of ids) await manager.waitFor(id);
  await manager.flush();
  const figures = measure(count, started, cpu);
  const done = manager.metrics().success;
  await manager.shutdown();
  rmSync(dir, { recursive: true, force: true });
  if (done !== count) throw new Error(`expected ${count} successful tasks, got ${done}`);
  return figures;
}

async function pQueue(count: number, concurrency: number): Promise<Figures> {
  const { default: PQueue } = await import("p-queue");
  const queue = new PQueue({ concurrency });
  const started = performance.now();
  const cpu = process.cpuUsage();
  const done: Array<Promise<unknown>> = [];
  for (let i = 0; i < count; i++) done.push(queue.add(async () => i));
  await Promise.all(done);
  return measure(count, started, cpu);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 20000);
  const mode = process.argv[3] === "bulk" ? "bulk" : "single";
  const rounds = Number(process.argv[4] ?? 3);
  const peer = process.argv[5] !== "nopeer";
  const concurrency = Number(process.argv[6] ?? DEFAULT_CONCURRENCY);
  const memory = process.argv[7] === "memory";
  const engineRuns: Figures[] = [];
  const peerRuns: Figures[] = [];
  for (let r = 0; r < rounds; r++) {
    const e = await engine(count, mode, concurrency, memory);
    const p = peer ? await pQueue(count, concurrency) : { tasksPerSec: NaN, tasksPerCpuSec: NaN };
    engineRuns.push(e);
    peerRuns.push(p);
    console.log(`round ${r + 1}: engine ${Math.round(e.tasksPerSec)}/s (${Math.round(e.tasksPerCpuSec)} per CPU-s), p-queue ${Math.round(p.tasksPerSec)}/s (${Math.round(p.tasksPerCpuSec)} per CPU-s)`);
  }
  const perCpu = median(engineRuns.map((e) => e.tasksPerCpuSec));
  const peerPerCpu = median(peerRuns.map((p) => p.tasksPerCpuSec));
  console.log(JSON.stringify({
    mode, store: memory ? "memory" : "sqljs", tasks: count, rounds, concurrency,
    engineTasksPerSec: Math.round(median(engineRuns.map((e) => e.tasksPerSec))),
    engineTasksPerCpuSec: Math.round(perCpu),
    pQueueTasksPerCpuSec: Math.round(peerPerCpu),
    ratioPerCpu: Number((perCpu / peerPerCpu).toFixed(4)),
  }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
