// Paired comparison of two builds of the product path: `node bench/compareRuntime.mjs BASE_DIST
// NEW_DIST [pairs]`, each a dist/ folder built by `npm run bench` (holding bench.js beside worker.js,
// taskflow.js and the .wasm files; copy the dist/ of the commit before a change aside, e.g. to
// .bench-tmp/rt-base). Each pair runs `node bench.js` with BENCH_ONLY=product (a task module through
// WorkspaceRuntime, warm pool of 10, ten producers each awaiting its own addTask, sql.js store) once
// per build, base and new in turn, each in a process of its own so neither warms the other. The
// medians and their ratios are printed; read the per-CPU-second one on a shared machine. Each run is
// preloaded with bench/hostPostTimes.mjs, so its line also gives the main thread's posts to workers:
// how many, and the milliseconds spent in them (all, and those over 1 ms).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath, URL } from "node:url";

const [baseDir, newDir, pairsArg] = process.argv.slice(2);
if (!baseDir || !newDir) {
  console.error("usage: node bench/compareRuntime.mjs BASE_DIST NEW_DIST [pairs]   (each a folder holding bench.js)");
  process.exit(2);
}
const pairs = Number(pairsArg ?? 3);
const tasks = process.env.BENCH_TASKS ?? "5000";

const postTimes = fileURLToPath(new URL("hostPostTimes.mjs", import.meta.url));

function runOnce(dir) {
  const child = spawnSync(process.execPath, ["--import", postTimes, path.resolve(dir, "bench.js")], {
    env: { ...process.env, BENCH_ONLY: "product", BENCH_TASKS: tasks, BENCH_SHORT: "" },
    encoding: "utf8",
  });
  if (child.status !== 0) throw new Error(`${dir}/bench.js exited with ${child.status ?? child.signal}, expected 0: ${child.stderr}`);
  const figures = JSON.parse(child.stdout.trim().split("\n").pop());
  const posts = JSON.parse(child.stderr.split("\n").find((line) => line.startsWith("hostPostTimes "))?.slice(14) ?? "null");
  return { perSec: figures.productC10TasksPerSec, perCpuSec: figures.productC10TasksPerCpuSec, posts };
}

const runs = { base: [], new: [] };
for (let p = 0; p < pairs; p++) {
  for (const [name, dir] of [["base", baseDir], ["new", newDir]]) {
    const result = runOnce(dir);
    runs[name].push(result);
    const { posts } = result;
    const postLine = posts ? `; ${posts.posts} posts to workers, ${posts.ms} ms in them (${posts.slowMs} ms in ${posts.slowPosts} over 1 ms), p50 ${posts.p50Us} µs` : "";
    console.log(`pair ${p + 1} ${name}: ${result.perSec} tasks/s, ${result.perCpuSec} per CPU-second${postLine}`);
  }
}
const median = (list, key) => list.map((run) => run[key]).sort((a, b) => a - b)[Math.floor(list.length / 2)];
const figures = { tasks: Number(tasks), pairs };
for (const key of ["perSec", "perCpuSec"]) {
  figures[`base_${key}`] = median(runs.base, key);
  figures[`new_${key}`] = median(runs.new, key);
  figures[`newOverBase_${key}`] = Number((median(runs.new, key) / median(runs.base, key)).toFixed(3));
}
console.log(JSON.stringify(figures));
