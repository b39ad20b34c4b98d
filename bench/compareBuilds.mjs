// Paired comparison of two builds of the engine in one process: `node bench/compareBuilds.mjs
// BASE_DIST NEW_DIST [rounds] [shape]`, each a dist/ folder holding engine.js (copy the dist/ of the
// commit before a change aside, e.g. to .bench-tmp/base, build the change, then compare
// .bench-tmp/base with dist). The shape is the single-add path: one awaited addTask per no-op task,
// concurrency 1, 20,000 tasks, first on the in-memory store, then on an sql.js file (flushed at the
// end). Shape `bulk` is one producer's addTasks of 1,000 items at a time at concurrency 10 instead. Rounds
// alternate base and new, so both see the same load; the ratios of the medians are what to read,
// per CPU-second (this process's CPU time, the steadier figure on a shared machine).
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";

const [baseDir, newDir, roundsArg] = process.argv.slice(2);
if (!baseDir || !newDir) {
  console.error("usage: node bench/compareBuilds.mjs BASE_DIST NEW_DIST [rounds]   (each a folder holding engine.js)");
  process.exit(2);
}
const require = createRequire(import.meta.url);
const builds = { base: require(path.resolve(baseDir, "engine.js")), new: require(path.resolve(newDir, "engine.js")) };
const TASKS = 20_000;
const rounds = Number(roundsArg ?? 4);
const shape = process.argv[5] ?? "single";
if (shape !== "single" && shape !== "bulk") {
  console.error(`the shape must be single or bulk, got ${shape}`);
  process.exit(2);
}
const BULK_CHUNK = 1000;

async function round(engine, dbPath) {
  const manager = new engine.TaskManager({ maxConcurrentTasks: shape === "bulk" ? 10 : 1, ...(dbPath ? { dbPath } : {}) });
  const noop = manager.task({ name: "noop" }, async () => undefined);
  await manager.start();
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let last = [];
  if (shape === "bulk") {
    // Runs start in order, so once the last chunk has finished every task has.
    for (let first = 0; first < TASKS; first += BULK_CHUNK) last = await manager.addTasks(noop, Array.from({ length: BULK_CHUNK }, () => ({ args: [] })));
  } else {
    for (let i = 0; i < TASKS; i++) last = [await manager.addTask(noop, [])];
  }
  for (const id of last) await manager.waitFor(id);
  await manager.flush();
  const cpu = process.cpuUsage(cpuStart);
  const ms = performance.now() - start;
  await manager.shutdown();
  return { perSec: TASKS / (ms / 1000), perCpuSec: TASKS / ((cpu.user + cpu.system) / 1e6) };
}

const results = { memory: { base: [], new: [] }, sqlJs: { base: [], new: [] } };
for (let r = 0; r < rounds; r++) {
  for (const name of ["base", "new"]) {
    results.memory[name].push(await round(builds[name]));
    const dir = mkdtempSync(path.join(tmpdir(), "taskflow-compare-"));
    results.sqlJs[name].push(await round(builds[name], path.join(dir, "tasks.sqlite")));
    rmSync(dir, { recursive: true, force: true });
  }
}
const median = (runs, key) => runs.map((run) => run[key]).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
const figures = {};
for (const [store, byBuild] of Object.entries(results)) {
  for (const key of ["perSec", "perCpuSec"]) {
    figures[`${store}Base_${key}`] = Math.round(median(byBuild.base, key));
    figures[`${store}New_${key}`] = Math.round(median(byBuild.new, key));
    figures[`${store}NewOverBase_${key}`] = Number((median(byBuild.new, key) / median(byBuild.base, key)).toFixed(3));
  }
}
console.log(JSON.stringify({ shape, tasks: TASKS, rounds, ...figures }));
process.exit(0);
