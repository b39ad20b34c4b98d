/**
 * Taskflow benchmark, every figure beside a peer run in the same process and the same minute:
 * the durable engine against p-queue; the product path (a workspace module through WorkspaceRuntime,
 * warm pool and `isolation: "fresh"`) against the engine alone; both against BullMQ on a redis-server
 * of its own with AOF (in-process handler, and the sandboxed processor in worker threads) when
 * redis-server is on PATH; module reload time; store export/reload, start-up and event-loop stalls
 * with 100k stored records. The last line of output is one JSON object with the figures.
 *
 * Run with `npm run bench`: it builds, bundles this file to dist/bench.js (so worker threads do not
 * inherit tsx's loader) and runs that. Env:
 * - BENCH_SHORT=1: only the single-add section with 2,000 tasks per run (CI's form; BENCH_TASKS still sets the count);
 * - BENCH_TASKS: no-op tasks per throughput run (default 10000);
 * - BENCH_FRESH_TASKS: tasks of the `isolation: "fresh"` run (default 100, each starts a thread);
 * - BENCH_ONLY: a comma-separated subset of `single,product,engine,runtime,bullmq,store,flow,durable` (default all but product), e.g. for a `--cpu-prof` run;
 * - BENCH_WAITING: runs waiting at once in the durable section (default 10000).
 */
import { readFileSync, rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { bullmqThroughput, taskflowBullmqThroughput } from "./bullmqBench";
import { bullmqAddThroughput, engineAddThroughput } from "./singleAddBench";
import { engineThroughput, pQueueThroughput } from "./engineBench";
import { dispatchThroughput } from "./flowBench";
import { stepOverhead, waitingAtScale, type StepFigures, type WaitingFigures } from "./durableBench";
import { log, round, tempDir, type Throughput } from "./figures";
import { findRedisServer, startRedisServer } from "../test/unit/helpers/redisServer";
import { productPathThroughput, reloadMsP50, type ProductFigures } from "./runtimeBench";
import { exportReload, fillStore, persistingWithBigStore, startMemory } from "./storeBench";

/** Concurrency of the engine and p-queue runs (and the store's stall run). */
const CONCURRENCY = 8;
/** Workers and concurrency of the product path and of BullMQ: the extension's default maxConcurrentTasks. */
const PEER_CONCURRENCY = 4;
const SHORT = process.env.BENCH_SHORT === "1";
const THROUGHPUT_TASKS = Number(process.env.BENCH_TASKS ?? (SHORT ? 2_000 : 10_000));
/** Producers (each awaiting its own add) and concurrency of the single-add section's c 10 runs. */
const PRODUCERS = 10;
const FRESH_TASKS = Number(process.env.BENCH_FRESH_TASKS ?? 100);
const ONE_AT_A_TIME_TASKS = 200;
const RELOADS = 20;
const STALL_RUN_TASKS = 5_000;
const BIG = 100_000;
/** Pending runs and keys of the flow-control run (concurrency per key, limit 1). */
const FLOW_RUNS = 10_000;
const FLOW_KEYS = 1_000;
/** Runs sleeping at once in the durable section, and tasks of each kind in its step-overhead runs. */
const WAITING_RUNS = Number(process.env.BENCH_WAITING ?? 10_000);
const STEP_TASKS = 300;
const SECTIONS = new Set((process.env.BENCH_ONLY ?? (SHORT ? "single" : "single,engine,runtime,bullmq,store,flow,durable")).split(",").map((s) => s.trim()));
/** worker.js, taskflow.js, esbuild.wasm: beside this bundle in dist/. */
const DIST_DIR = process.env.BENCH_DIST_DIR ?? __dirname;

function line(label: string, t: Throughput): void {
  log(`${`${label}:`.padEnd(52)} ${Math.round(t.tasksPerSec).toLocaleString("en")} tasks/s (${round(t.ms)} ms; ${Math.round(t.tasksPerCpuSec).toLocaleString("en")} per CPU-second)`);
}

function ratio(a: number | undefined, b: number | undefined, digits = 2): number | null {
  return a === undefined || b === undefined ? null : round(a / b, digits);
}

const perSec = (t: Throughput | undefined): number | null => (t ? Math.round(t.tasksPerSec) : null);
const perCpuSec = (t: Throughput | undefined): number | null => (t ? Math.round(t.tasksPerCpuSec) : null);

async function engineSection(): Promise<{ engine: Throughput; pQueue: Throughput }> {
  // A short warm-up so both sides run on optimised code.
  await engineThroughput(1000, CONCURRENCY);
  await pQueueThroughput(1000, CONCURRENCY);
  const engine = await engineThroughput(THROUGHPUT_TASKS, CONCURRENCY);
  const pQueue = await pQueueThroughput(THROUGHPUT_TASKS, CONCURRENCY);
  line(`durable engine (sql.js store), c ${CONCURRENCY}`, engine);
  line(`p-queue (memory only), c ${CONCURRENCY}`, pQueue);
  log(`ratio engine/p-queue: ${round(engine.tasksPerSec / pQueue.tasksPerSec, 3)}`);
  return { engine, pQueue };
}

interface SingleFigures {
  engineC1: Throughput;
  engineC10: Throughput;
  engineBulkC10: Throughput;
  memoryC1: Throughput;
  memoryC10: Throughput;
  pQueueC1: Throughput;
  pQueueC10: Throughput;
  productC10: Throughput;
  bullmqC1?: Throughput;
  bullmqC10?: Throughput;
  bullmqBulkC10?: Throughput;
  bullmqSandboxedC10?: Throughput;
}

/** `a` beside its peer `b`: wall and per-CPU-second ratios (null when `b` did not run). */
function versus(a: Throughput, b: Throughput | undefined): { wall: number | null; perCpuSec: number | null } {
  return { wall: ratio(a.tasksPerSec, b?.tasksPerSec), perCpuSec: ratio(a.tasksPerCpuSec, b?.tasksPerCpuSec) };
}

/** The pairs of the single-add section: [label, figure, peer label, peer, goal from issue 19 or null]. */
function singlePairs(f: SingleFigures): Array<[string, Throughput, string, Throughput | undefined, number | null]> {
  return [
    ["engineC1OverBullmqC1", f.engineC1, "BullMQ AOF c 1", f.bullmqC1, 4],
    ["engineC1OverPQueueC1", f.engineC1, "p-queue c 1", f.pQueueC1, null],
    ["engineC10OverBullmqC10", f.engineC10, "BullMQ AOF c 10", f.bullmqC10, null],
    ["engineC10OverPQueueC10", f.engineC10, "p-queue c 10", f.pQueueC10, null],
    ["memoryC1OverPQueueC1", f.memoryC1, "p-queue c 1", f.pQueueC1, 0.15],
    ["memoryC10OverPQueueC10", f.memoryC10, "p-queue c 10", f.pQueueC10, 0.15],
    ["engineBulkC10OverBullmqBulkC10", f.engineBulkC10, "BullMQ AOF addBulk c 10", f.bullmqBulkC10, 3],
    ["productC10OverBullmqSandboxedC10", f.productC10, "BullMQ sandboxed c 10", f.bullmqSandboxedC10, 2],
  ];
}

/**
 * What an application drives: one awaited add per no-op task at c 1 and c 10 (ten producers), a bulk
 * shape at c 10, and the product path at c 10; each beside BullMQ (AOF everysec) and p-queue from the same run.
 */
async function singleSection(): Promise<SingleFigures> {
  const count = THROUGHPUT_TASKS;
  await pQueueThroughput(1000, PRODUCERS);
  const engineC1 = await engineAddThroughput({ count, concurrency: 1, enqueue: "single" });
  const pQueueC1 = await pQueueThroughput(count, 1);
  const memoryC1 = await engineAddThroughput({ count, concurrency: 1, enqueue: "single", store: "memory" });
  const engineC10 = await engineAddThroughput({ count, concurrency: PRODUCERS, enqueue: "single" });
  const pQueueC10 = await pQueueThroughput(count, PRODUCERS);
  const memoryC10 = await engineAddThroughput({ count, concurrency: PRODUCERS, enqueue: "single", store: "memory" });
  const engineBulkC10 = await engineAddThroughput({ count, concurrency: PRODUCERS, enqueue: "bulk" });
  const productC10 = await productPathThroughput({ mode: "warm", count, concurrency: PRODUCERS, producers: PRODUCERS, distDir: DIST_DIR, oneAtATime: false, durable: true });
  const figures: SingleFigures = { engineC1, engineC10, engineBulkC10, memoryC1, memoryC10, pQueueC1, pQueueC10, productC10 };
  const executable = findRedisServer();
  if (executable) {
    const redis = await startRedisServer(executable);
    try {
      const base = { port: redis.port, redisPid: redis.pid, count };
      figures.bullmqC1 = await bullmqAddThroughput({ ...base, concurrency: 1, processor: "inProcess" });
      figures.bullmqC10 = await bullmqAddThroughput({ ...base, concurrency: PRODUCERS, processor: "inProcess" });
      figures.bullmqBulkC10 = await bullmqThroughput({ ...base, concurrency: PRODUCERS, processor: "inProcess" });
      figures.bullmqSandboxedC10 = await bullmqAddThroughput({ ...base, concurrency: PRODUCERS, processor: "sandboxed" });
    } finally {
      await redis.stop();
    }
  }
  log(`one awaited add per task (c 10: ${PRODUCERS} producers, concurrency ${PRODUCERS}), ${count} no-op tasks:`);
  line("  durable engine, addTask, c 1", engineC1);
  line("  durable engine, addTask, c 10", engineC10);
  line("  durable engine, addTasks of 1,000, c 10", engineBulkC10);
  line("  engine in memory (no dbPath), addTask, c 1", memoryC1);
  line("  engine in memory (no dbPath), addTask, c 10", memoryC10);
  line(`  product path (warm pool of ${PRODUCERS}), addTask, c 10`, productC10);
  line("  p-queue (memory only), c 1", pQueueC1);
  line("  p-queue (memory only), c 10", pQueueC10);
  if (!executable) log("  BullMQ: skipped, redis-server is not on PATH (its figures and ratios are null)");
  for (const [label, t] of [["BullMQ AOF, queue.add, c 1", figures.bullmqC1], ["BullMQ AOF, queue.add, c 10", figures.bullmqC10], ["BullMQ AOF, addBulk of 1,000, c 10", figures.bullmqBulkC10], ["BullMQ sandboxed (worker threads), queue.add, c 10", figures.bullmqSandboxedC10]] as const) {
    if (t) line(`  ${label}`, t);
  }
  for (const [name, a, peerLabel, b, goal] of singlePairs(figures)) {
    const r = versus(a, b);
    log(`  ${name}: ${r.wall ?? "n/a"} (per CPU-second ${r.perCpuSec ?? "n/a"}) against ${peerLabel}${goal === null ? "" : `; goal ${goal}`}`);
  }
  return figures;
}

/** The product path alone at c 10 with single adds (BENCH_ONLY=product): the shape bench/compareRuntime.mjs pairs across builds. */
async function productSection(): Promise<Throughput> {
  const product = await productPathThroughput({ mode: "warm", count: THROUGHPUT_TASKS, concurrency: PRODUCERS, producers: PRODUCERS, distDir: DIST_DIR, oneAtATime: false, durable: true });
  line(`product path (warm pool of ${PRODUCERS}), addTask, c 10`, product);
  return product;
}

interface RuntimeFigures {
  warm: ProductFigures;
  oneAtATime: ProductFigures;
  fresh: ProductFigures;
  warmMemory: ProductFigures;
  engineMemory: ProductFigures;
  reloadMs: number;
}

async function runtimeSection(): Promise<RuntimeFigures> {
  const base = { concurrency: PEER_CONCURRENCY, distDir: DIST_DIR, oneAtATime: false, durable: true };
  const warm = await productPathThroughput({ ...base, mode: "warm", count: THROUGHPUT_TASKS });
  const oneAtATime = await productPathThroughput({ ...base, mode: "warm", count: ONE_AT_A_TIME_TASKS, oneAtATime: true });
  const fresh = await productPathThroughput({ ...base, mode: "fresh", count: FRESH_TASKS });
  const warmMemory = await productPathThroughput({ ...base, mode: "warm", count: THROUGHPUT_TASKS, durable: false });
  const engineMemory = await productPathThroughput({ ...base, mode: "engine", count: THROUGHPUT_TASKS, durable: false });
  const reloadMs = await reloadMsP50(DIST_DIR, RELOADS);
  line(`runtime, warm pool, sql.js store, c ${PEER_CONCURRENCY}`, warm);
  line(`runtime, isolation "fresh", sql.js store, c ${PEER_CONCURRENCY}`, fresh);
  line(`runtime, warm pool, in-memory store, c ${PEER_CONCURRENCY}`, warmMemory);
  line(`engine alone, in-memory store, c ${PEER_CONCURRENCY}`, engineMemory);
  log(`runtime, warm, one at a time: p50 add-to-start ${round(oneAtATime.p50AddToStartMs, 3)} ms (to the engine's running event ${round(oneAtATime.p50AddToRunningMs, 3)} ms, to done ${round(oneAtATime.p50AddToDoneMs, 3)} ms)`);
  log(`runtime.reload(file) after a change: p50 ${round(reloadMs)} ms over ${RELOADS}`);
  return { warm, oneAtATime, fresh, warmMemory, engineMemory, reloadMs };
}

interface BullmqFigures {
  version: string;
  redisVersion: string;
  c1: Throughput;
  c4: Throughput;
  sandboxed: Throughput;
  taskflow1: Throughput;
  taskflow2: Throughput;
  /** BullMQ c 4 with 2 workers' worth of concurrency (c 8), the peer of taskflow2. */
  c8: Throughput;
}

async function bullmqSection(): Promise<BullmqFigures | undefined> {
  const executable = findRedisServer();
  if (!executable) {
    log("BullMQ: skipped, redis-server is not on PATH (its figures are null)");
    return undefined;
  }
  const redis = await startRedisServer(executable);
  try {
    const base = { port: redis.port, redisPid: redis.pid, count: THROUGHPUT_TASKS };
    const c1 = await bullmqThroughput({ ...base, concurrency: 1, processor: "inProcess" });
    const c4 = await bullmqThroughput({ ...base, concurrency: PEER_CONCURRENCY, processor: "inProcess" });
    const sandboxed = await bullmqThroughput({ ...base, concurrency: PEER_CONCURRENCY, processor: "sandboxed" });
    const c8 = await bullmqThroughput({ ...base, concurrency: 2 * PEER_CONCURRENCY, processor: "inProcess" });
    const tf = { url: redis.url, redisPid: redis.pid, count: THROUGHPUT_TASKS, concurrency: PEER_CONCURRENCY };
    const taskflow1 = await taskflowBullmqThroughput({ ...tf, workers: 1 });
    const taskflow2 = await taskflowBullmqThroughput({ ...tf, workers: 2 });
    const { version } = JSON.parse(readFileSync(require.resolve("bullmq/package.json"), "utf8")) as { version: string };
    log(`BullMQ ${version}, redis-server ${redis.version} with appendonly yes, appendfsync everysec (CPU-seconds include redis-server's):`);
    line("  BullMQ, in-process handler, c 1", c1);
    line(`  BullMQ, in-process handler, c ${PEER_CONCURRENCY}`, c4);
    line(`  BullMQ, sandboxed in worker threads, c ${PEER_CONCURRENCY}`, sandboxed);
    line(`  BullMQ, in-process handler, c ${2 * PEER_CONCURRENCY}`, c8);
    line(`  Taskflow on BullMQ, 1 worker, c ${PEER_CONCURRENCY}`, taskflow1);
    line(`  Taskflow on BullMQ, 2 workers, c ${PEER_CONCURRENCY} each`, taskflow2);
    log(`  Taskflow/BullMQ: 1 worker ${round(taskflow1.tasksPerSec / c4.tasksPerSec, 3)}, 2 workers ${round(taskflow2.tasksPerSec / c8.tasksPerSec, 3)} (goal: above 0.8)`);
    return { version, redisVersion: redis.version, c1, c4, sandboxed, taskflow1, taskflow2, c8 };
  } finally {
    await redis.stop();
  }
}

/** The best of two alternating runs each, so a burst of load on the shared machine hits both sides alike. */
async function flowSection(): Promise<{ keys: Throughput; noKeys: Throughput }> {
  await dispatchThroughput(1000, null, CONCURRENCY);
  await dispatchThroughput(1000, 100, CONCURRENCY);
  const best = (a: Throughput, b: Throughput): Throughput => (a.ms <= b.ms ? a : b);
  let noKeys = await dispatchThroughput(FLOW_RUNS, null, CONCURRENCY);
  let keys = await dispatchThroughput(FLOW_RUNS, FLOW_KEYS, CONCURRENCY);
  noKeys = best(noKeys, await dispatchThroughput(FLOW_RUNS, null, CONCURRENCY));
  keys = best(keys, await dispatchThroughput(FLOW_RUNS, FLOW_KEYS, CONCURRENCY));
  line(`${FLOW_RUNS} pending runs, no keys, c ${CONCURRENCY}`, noKeys);
  line(`${FLOW_RUNS} pending runs over ${FLOW_KEYS} keys, limit 1 per key`, keys);
  log(`flow control per key: time with keys / without ${round(keys.ms / noKeys.ms, 3)}`);
  return { keys, noKeys };
}

async function durableSection(): Promise<{ waiting: WaitingFigures; engineSteps: StepFigures; productSteps: StepFigures }> {
  const waiting = await waitingAtScale(WAITING_RUNS);
  log(`${WAITING_RUNS} runs sleeping at once: ${waiting.heapPerWaiting} heap bytes each (delayed with runAt: ${waiting.heapPerDelayed})`);
  log(`  start-up holding them: ${waiting.startWithWaitingMs} ms (holding ${WAITING_RUNS} finished runs: ${waiting.startWithFinishedMs} ms)`);
  log(`  wake to resumed start: p50 ${waiting.p50WakeToStartMs} ms, p99 ${waiting.p99WakeToStartMs} ms (a delayed run's due time to its start: p50 ${waiting.p50DueToStartMs} ms, p99 ${waiting.p99DueToStartMs} ms)`);
  const engineSteps = await stepOverhead(STEP_TASKS, "engine", DIST_DIR);
  const productSteps = await stepOverhead(STEP_TASKS, "product", DIST_DIR);
  for (const [label, f] of [["engine", engineSteps], ["product path", productSteps]] as const) {
    log(`a step vs a plain await, one task at a time, sql.js, ${label}: ${f.stepTasksPerSec} vs ${f.plainTasksPerSec} tasks/s, +${f.stepOverheadMs} ms per step`);
  }
  return { waiting, engineSteps, productSteps };
}

async function storeSection(): Promise<Record<string, number | null>> {
  const files = tempDir();
  try {
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
    const persisting = await persistingWithBigStore(file100k, BIG, STALL_RUN_TASKS, CONCURRENCY);
    log(`100k records: manager.start() ${round(persisting.startupMs)} ms`);
    log(`100k records: ${persisting.tasks} logging tasks in ${round(persisting.ms)} ms, ${persisting.folds} journal fold(s); longest event-loop stall ${round(persisting.maxStallMs)} ms (p99 ${round(persisting.p99StallMs)} ms)`);
    const memory = await startMemory(file100k, BIG * 2);
    if (memory) log(`100k records, a new process: manager.start() ${round(memory.startMs)} ms; RSS ${memory.rssBeforeMb} -> ${memory.rssAfterMb} MB, V8 heap ${memory.heapBeforeMb} -> ${memory.heapAfterMb} MB`);
    return {
      exportMs10k: round(small.exportMs),
      reloadMs10k: round(small.reloadMs),
      exportMs100k: round(big.exportMs),
      reloadMs100k: round(big.reloadMs),
      dbBytes100k: big.bytes,
      maxEventLoopStallMs100k: round(persisting.maxStallMs),
      p99EventLoopStallMs100k: round(persisting.p99StallMs),
      foldsDuringStallRun: persisting.folds,
      startupMs100k: round(persisting.startupMs),
      freshStartupMs100k: memory ? round(memory.startMs) : null,
      rssBeforeStartMb100k: memory?.rssBeforeMb ?? null,
      rssAfterStartMb100k: memory?.rssAfterMb ?? null,
      heapBeforeStartMb100k: memory?.heapBeforeMb ?? null,
      heapAfterStartMb100k: memory?.heapAfterMb ?? null,
    };
  } finally {
    rmSync(files, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const load = loadavg()[0];
  const startedAt = performance.now();
  log(`Taskflow bench: node ${process.version}, ${cpus().length} CPUs, ${THROUGHPUT_TASKS} no-op tasks per throughput run, load average ${round(load, 2)}`);
  const single = SECTIONS.has("single") ? await singleSection() : undefined;
  const product = SECTIONS.has("product") ? await productSection() : undefined;
  const engine = SECTIONS.has("engine") ? await engineSection() : undefined;
  const runtime = SECTIONS.has("runtime") ? await runtimeSection() : undefined;
  const bullmq = SECTIONS.has("bullmq") ? await bullmqSection() : undefined;
  const store = SECTIONS.has("store") ? await storeSection() : {};
  const flow = SECTIONS.has("flow") ? await flowSection() : undefined;
  const durable = SECTIONS.has("durable") ? await durableSection() : undefined;
  const loadEnd = loadavg()[0];
  log(`ratios: runtime/BullMQ sandboxed ${ratio(runtime?.warm.tasksPerSec, bullmq?.sandboxed.tasksPerSec) ?? "n/a"}, engine/BullMQ c ${PEER_CONCURRENCY} ${ratio(engine?.engine.tasksPerSec, bullmq?.c4.tasksPerSec) ?? "n/a"} (c 1 ${ratio(engine?.engine.tasksPerSec, bullmq?.c1.tasksPerSec) ?? "n/a"}); ${round((performance.now() - startedAt) / 1000)} s, load average at the end ${round(loadEnd, 2)}`);

  log(JSON.stringify({
    durableTasksPerSec: perSec(engine?.engine),
    pQueueTasksPerSec: perSec(engine?.pQueue),
    ratio: ratio(engine?.engine.tasksPerSec, engine?.pQueue.tasksPerSec, 4),
    durableTasksPerCpuSec: perCpuSec(engine?.engine),
    pQueueTasksPerCpuSec: perCpuSec(engine?.pQueue),
    runtimeTasksPerSec: perSec(runtime?.warm),
    runtimeTasksPerCpuSec: perCpuSec(runtime?.warm),
    runtimeFreshTasksPerSec: perSec(runtime?.fresh),
    runtimeFreshTasksPerCpuSec: perCpuSec(runtime?.fresh),
    runtimeP50AddToStartMs: runtime ? round(runtime.oneAtATime.p50AddToStartMs, 3) : null,
    runtimeP50AddToRunningMs: runtime ? round(runtime.oneAtATime.p50AddToRunningMs, 3) : null,
    runtimeP50AddToDoneMs: runtime ? round(runtime.oneAtATime.p50AddToDoneMs, 3) : null,
    runtimeMemoryStoreTasksPerSec: perSec(runtime?.warmMemory),
    engineMemoryStoreTasksPerSec: perSec(runtime?.engineMemory),
    reloadMsP50: runtime ? round(runtime.reloadMs) : null,
    bullmqC1TasksPerSec: perSec(bullmq?.c1),
    bullmqTasksPerSec: perSec(bullmq?.c4),
    bullmqTasksPerCpuSec: perCpuSec(bullmq?.c4),
    bullmqSandboxedTasksPerSec: perSec(bullmq?.sandboxed),
    bullmqSandboxedTasksPerCpuSec: perCpuSec(bullmq?.sandboxed),
    runtimeOverBullmqSandboxed: ratio(runtime?.warm.tasksPerSec, bullmq?.sandboxed.tasksPerSec),
    runtimeOverBullmqSandboxedPerCpuSec: ratio(runtime?.warm.tasksPerCpuSec, bullmq?.sandboxed.tasksPerCpuSec),
    engineOverBullmq: ratio(engine?.engine.tasksPerSec, bullmq?.c4.tasksPerSec),
    engineOverBullmqC1: ratio(engine?.engine.tasksPerSec, bullmq?.c1.tasksPerSec),
    engineOverBullmqPerCpuSec: ratio(engine?.engine.tasksPerCpuSec, bullmq?.c4.tasksPerCpuSec),
    taskflowBullmq1TasksPerSec: perSec(bullmq?.taskflow1),
    taskflowBullmq2TasksPerSec: perSec(bullmq?.taskflow2),
    bullmqC8TasksPerSec: perSec(bullmq?.c8),
    taskflowOverBullmq1: ratio(bullmq?.taskflow1.tasksPerSec, bullmq?.c4.tasksPerSec, 3),
    taskflowOverBullmq2: ratio(bullmq?.taskflow2.tasksPerSec, bullmq?.c8.tasksPerSec, 3),
    bullmqVersion: bullmq?.version ?? null,
    redisVersion: bullmq?.redisVersion ?? null,
    loadAverage: round(load, 2),
    loadAverageEnd: round(loadEnd, 2),
    concurrency: CONCURRENCY,
    peerConcurrency: PEER_CONCURRENCY,
    tasks: THROUGHPUT_TASKS,
    freshTasks: FRESH_TASKS,
    flowKeysMs: flow ? round(flow.keys.ms) : null,
    flowNoKeysMs: flow ? round(flow.noKeys.ms) : null,
    flowKeysOverNoKeys: flow ? round(flow.keys.ms / flow.noKeys.ms, 3) : null,
    waiting: durable?.waiting ?? null,
    stepEngine: durable?.engineSteps ?? null,
    stepProduct: durable?.productSteps ?? null,
    ...store,
    productC10TasksPerSec: perSec(product),
    productC10TasksPerCpuSec: perCpuSec(product),
    single: single ? Object.fromEntries(Object.entries(single).map(([name, t]: [string, Throughput]) => [name, { tasksPerSec: perSec(t), tasksPerCpuSec: perCpuSec(t) }])) : null,
    singleRatios: single ? Object.fromEntries(singlePairs(single).map(([name, a, , b]) => [name, versus(a, b)])) : null,
  }));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
