// How long the main thread spends in `worker.postMessage`, preloaded into a bench process with
// `node --import ./bench/hostPostTimes.mjs dist/bench.js` (bench/compareRuntime.mjs does). A post to a
// worker that sleeps wakes it, and on a loaded machine the woken worker can take the main thread's core:
// the post then returns only once the main thread is scheduled again. At exit it writes one line to
// stderr, `hostPostTimes {...}`: posts, their total ms, the ms of the posts over 1 ms and how many
// those were, and the p50 / p99 of one post in µs. It counts every post of the process (the pool's
// warm-up too) and adds two performance.now() calls per post. Worker threads inherit the flag; only the
// main thread measures.
import { performance } from "node:perf_hooks";
import { isMainThread, Worker } from "node:worker_threads";

if (isMainThread) {
  const times = [];
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function postMessage(...args) {
    const start = performance.now();
    try {
      return post.apply(this, args);
    } finally {
      times.push(performance.now() - start);
    }
  };
  process.on("exit", () => {
    const sorted = [...times].sort((a, b) => a - b);
    const quantileUs = (q) => (sorted.length === 0 ? null : Math.round(1000 * sorted[Math.floor(q * (sorted.length - 1))]));
    const slow = sorted.filter((ms) => ms > 1);
    const sum = (list) => Number(list.reduce((a, b) => a + b, 0).toFixed(1));
    const figures = { posts: sorted.length, ms: sum(sorted), slowPosts: slow.length, slowMs: sum(slow), p50Us: quantileUs(0.5), p99Us: quantileUs(0.99) };
    process.stderr.write(`hostPostTimes ${JSON.stringify(figures)}\n`);
  });
}
