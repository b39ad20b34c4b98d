// Start-up of the example workspace through WorkspaceRuntime, as the extension runs it (a persistent
// compile cache). After `npm run build`: `node bench/startupProbe.js`, twice or more: the first run
// fills the cache (TASKFLOW_CACHE_DIR, default under the temp folder), the next ones read it.
const os = require("node:os");
const path = require("node:path");
const { TaskManager, WorkspaceRuntime } = require(path.resolve(__dirname, "../dist/engine.js"));

const elapsedMs = (since) => Number(process.hrtime.bigint() - since) / 1e6;

async function main() {
  const manager = new TaskManager({ maxConcurrentTasks: 4 });
  await manager.start();
  const started = process.hrtime.bigint();
  const runtime = new WorkspaceRuntime({
    manager,
    root: path.resolve(__dirname, "../examples/workspace"),
    cacheDir: process.env.TASKFLOW_CACHE_DIR ?? path.join(os.tmpdir(), "taskflow-startup-probe"),
    persistentCache: true,
  });
  await runtime.ready();
  const readyMs = elapsedMs(started);
  const ran = process.hrtime.bigint();
  await manager.waitFor(await manager.addTask("hello", ["probe"]));
  console.log(JSON.stringify({ readyMs: Math.round(readyMs), tasks: runtime.tasks().length, firstRunMs: Math.round(elapsedMs(ran)) }));
  await runtime.dispose();
  await manager.shutdown();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
