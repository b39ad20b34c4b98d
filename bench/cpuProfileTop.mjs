// Where a CPU profile's time goes: the functions with the most self time, and the same summed by
// category (GC, the sql.js wasm, node internals, this bundle). For a `node --cpu-prof` run of the bench:
//   BENCH_ONLY=engine node --cpu-prof --cpu-prof-dir=.bench-tmp/prof dist/bench.js
//   node bench/cpuProfileTop.mjs .bench-tmp/prof/<file>.cpuprofile [how many, default 25]
import { readFileSync } from "node:fs";

const [file, top = "25"] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: node bench/cpuProfileTop.mjs <file.cpuprofile> [how many]\n");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8"));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const byFunction = new Map();
const byCategory = new Map();
let totalUs = 0;
for (const [id, us] of selfUs) {
  const { callFrame } = nodes.get(id);
  const where = callFrame.url ? `${callFrame.url.replace(/^.*\//, "")}:${callFrame.lineNumber + 1}` : "";
  const key = `${callFrame.functionName || "(anonymous)"} ${where}`.trim();
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const category = callFrame.url.startsWith("wasm://") ? "wasm (sql.js)"
    : callFrame.url.startsWith("node:") ? "node internals"
    : callFrame.url === "" ? callFrame.functionName || "(native)"
    : callFrame.url.replace(/^.*\//, "");
  byCategory.set(category, (byCategory.get(category) ?? 0) + us);
  totalUs += us;
}
const print = (title, map, n) => {
  process.stdout.write(`${title}\n`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    process.stdout.write(`${(us / 1000).toFixed(1).padStart(9)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${key}\n`);
  }
};
process.stdout.write(`${(totalUs / 1000).toFixed(0)} ms sampled\n`);
print("by category:", byCategory, 12);
print("by function (self time):", byFunction, Number(top));
