import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { lineOf, nextLog, startHost, Workspace, runtimeHooks, type HostEnv } from "../fixtures/modules/harness";

// Tasks run through a real TaskManager, a real esbuild compile and real worker threads.
describe("runtime: running module tasks in workers", function () {
  // A cap, not a wait: each test spawns real workers, slow when the shared machine is busy.
  this.timeout(30000);
  let distDir: string;
  let workspace: Workspace;
  let env: HostEnv;

  runtimeHooks({ dist: (dir) => (distDir = dir), current: () => ({ env, workspace }) });

  async function load(files: Record<string, string>, options: Parameters<typeof startHost>[2] = {}) {
    workspace = new Workspace(files);
    env = await startHost(workspace, distDir, options);
    await env.host.setFiles(Object.keys(files).filter((f) => /\.tasks\./.test(f)).map((f) => workspace.file(f)));
    assert.deepEqual(env.host.diagnostics().filter((d) => d.severity === "error"), []);
  }

  async function run(name: string, args: unknown[] = [], kwargs?: Record<string, unknown>) {
    const id = await env.manager.addTask(name, args, { kwargs, tags: { team: "qa" } });
    return env.manager.waitFor(id);
  }

  it("passes args and kwargs to the function and returns its value as JSON", async () => {
    await load({
      "math.tasks.ts": `import { task, taskLog } from "taskflow";
export const add = task(async (a: number, b: number, opts?: { times: number }) => {
  taskLog(\`sum=\${(a + b) * (opts?.times ?? 1)}\`);
  return { sum: (a + b) * (opts?.times ?? 1), args: a + b };
});
`,
    });
    const plain = await run("add", [2, 3]);
    assert.equal(plain.status, "success");
    assert.match(plain.logs[0], / sum=5$/);
    const withKwargs = await run("add", [2, 3], { times: 10 });
    assert.equal(withKwargs.status, "success");
    assert.match(withKwargs.logs[0], / sum=50$/);
    const proxy = env.proxies.get("add");
    assert.ok(proxy, "the host registered a proxy for add");
    assert.deepEqual(await proxy(1, 1, { times: 3 }), { sum: 6, args: 2 });
  });

  it("forwards taskLog and getTaskContext from the worker, with the attempt counting up across retries", async () => {
    await load({
      "flaky.tasks.ts": `import { task, taskLog, getTaskContext } from "taskflow";
export const flaky = task({ retries: 2 }, async (label: string) => {
  const ctx = getTaskContext()!;
  taskLog(\`\${label} attempt=\${ctx.attempt} func=\${ctx.funcName} team=\${ctx.tags.team} id=\${ctx.taskId} aborted=\${ctx.signal.aborted}\`, { level: "warning" });
  if (ctx.attempt < 2) throw new Error("not yet");
  return "ok";
});
`,
    });
    const record = await run("flaky", ["job"]);
    assert.equal(record.status, "success");
    assert.equal(record.retriesUsed, 2);
    const lines = record.logs.map((l) => l.replace(/^\d{4}-\d\d-\d\dT\S+ /, ""));
    assert.deepEqual(lines, [
      `job attempt=0 func=flaky team=qa id=${record.taskId} aborted=false`,
      "--- Retry 1 ---",
      `job attempt=1 func=flaky team=qa id=${record.taskId} aborted=false`,
      "--- Retry 2 ---",
      `job attempt=2 func=flaky team=qa id=${record.taskId} aborted=false`,
    ]);
  });

  it("fails with the worker's message and a stack frame at the .ts file and line", async () => {
    const source = `import { task } from "taskflow";
interface Order { id: number }
function check(order: Order): void {
  throw new RangeError(\`order \${order.id} is invalid\`); // THROW
}
export const process = task(async (id: number) => { check({ id }); });
export const throwsString = task(() => { throw "plain string"; });
`;
    await load({ "orders.tasks.ts": source });
    const record = await run("process", [42]);
    assert.equal(record.status, "failed");
    assert.match(record.error ?? "", /order 42 is invalid/);
    assert.match(record.stacktrace ?? "", /^RangeError: order 42 is invalid/);
    assert.ok(
      record.stacktrace?.includes(`${workspace.file("orders.tasks.ts")}:${lineOf(source, "// THROW")}:`),
      `expected a frame at orders.tasks.ts:${lineOf(source, "// THROW")}, got:\n${record.stacktrace}`,
    );
    const nonError = await run("throwsString");
    assert.equal(nonError.status, "failed");
    assert.match(nonError.error ?? "", /non-Error value: "plain string"/);
  });

  it("imports a package from the workspace's node_modules", async () => {
    await load({
      "node_modules/greeting-lib/package.json": JSON.stringify({ name: "greeting-lib", version: "1.0.0", main: "index.js" }),
      "node_modules/greeting-lib/index.js": `exports.greet = (name) => "hello " + name + " from " + __filename;`,
      "greet.tasks.ts": `import { task, taskLog } from "taskflow";
import { greet } from "greeting-lib";
export const greetTask = task(async (name: string) => { taskLog(greet(name)); });
`,
    });
    const record = await run("greetTask", ["ada"]);
    assert.equal(record.status, "success", record.error ?? "");
    assert.match(record.logs[0], new RegExp(`hello ada from ${workspace.file("node_modules/greeting-lib/index.js").replace(/[\\/.]/g, "\\$&")}$`));
  });

  it("puts console output in the task's logs and keeps __dirname and import.meta.url at the module", async () => {
    await load({
      "sub/paths.tasks.ts": `import { task } from "taskflow";
import { readFileSync } from "node:fs";
import path from "node:path";
export const paths = task(() => {
  console.log("data:", readFileSync(path.join(__dirname, "data.txt"), "utf8").trim(), { n: 1 });
  console.warn(new URL("data.txt", import.meta.url).pathname === path.join(__dirname, "data.txt"));
});
`,
      "sub/data.txt": "payload\n",
    });
    const record = await run("paths");
    assert.equal(record.status, "success", record.error ?? "");
    assert.deepEqual(record.logs.map((l) => l.slice(20)), ["data: payload { n: 1 }", "true"]);
  });

  it("keeps the logs of concurrent tasks apart", async () => {
    await load({
      "chatty.tasks.ts": `import { task, taskLog } from "taskflow";
export const chatty = task(async (label: string) => {
  for (let i = 0; i < 3; i++) {
    taskLog(\`\${label} \${i}\`);
    await new Promise((r) => setTimeout(r, 1));
  }
});
`,
    });
    const ids = await Promise.all(["a", "b", "c"].map((label) => env.manager.addTask("chatty", [label])));
    const records = await Promise.all(ids.map((id) => env.manager.waitFor(id)));
    assert.deepEqual(records.map((r) => r.logs.map((l) => l.slice(20))), [
      ["a 0", "a 1", "a 2"], ["b 0", "b 1", "b 2"], ["c 0", "c 1", "c 2"],
    ]);
  });

  it("aborts the task's signal on cancel, so the task can clean up before its worker is stopped", async () => {
    await load({
      "careful.tasks.ts": `import { task, taskLog, getTaskContext } from "taskflow";
import { writeFileSync } from "node:fs";
export const careful = task(async (marker: string) => {
  const { signal } = getTaskContext()!;
  taskLog("waiting");
  await new Promise((resolve) => signal.addEventListener("abort", resolve));
  writeFileSync(marker, \`\${signal.reason.name}: \${signal.reason.message}\`);
});
`,
    }, { cancelGraceMs: 5000 });
    const marker = workspace.file("cleaned-up.txt");
    const waiting = nextLog(env.manager, (e) => e.message === "waiting");
    const id = await env.manager.addTask("careful", [marker]);
    await waiting;
    await env.manager.cancelTask(id);
    await env.host.whenIdle();
    assert.match(readFileSync(marker, "utf8"), /^CancelledError: .*cancelled/);
  });

  it("cancels a task spinning synchronously for 10 s while the main event loop keeps ticking", async () => {
    await load({
      "spin.tasks.ts": `import { task, taskLog } from "taskflow";
export const spin = task(async () => {
  taskLog("spinning");
  const end = Date.now() + 10_000;
  while (Date.now() < end) { /* busy */ }
});
`,
    });
    const spinning = nextLog(env.manager, (e) => e.message === "spinning");
    const id = await env.manager.addTask("spin");
    await spinning;
    let ticks = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        ticks++;
        if (ticks === 5) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    assert.equal(env.host.runningWorkers(), 1);
    await env.manager.cancelTask(id);
    assert.equal((await env.manager.waitFor(id)).status, "cancelled");
    await env.host.whenIdle();
    assert.equal(env.host.runningWorkers(), 0);
    assert.equal(ticks, 5);
  });

  it("stops a spinning task at its timeout and fails it", async () => {
    await load({
      "slow.tasks.ts": `import { task } from "taskflow";
export const slow = task({ timeout: 0.2 }, () => { const end = Date.now() + 10_000; while (Date.now() < end) { /* busy */ } });
`,
    });
    const record = await run("slow");
    assert.equal(record.status, "failed");
    assert.match(record.error ?? "", /timed out after 0.2s/);
    await env.host.whenIdle();
    assert.equal(env.host.runningWorkers(), 0);
  });

  it("turns a worker that exits mid-task into a clear error", async () => {
    await load({
      "exit.tasks.cjs": `const { task } = require("taskflow");
exports.quit = task(() => { process.exit(3); });
`,
    });
    const record = await run("quit");
    assert.equal(record.status, "failed");
    assert.match(record.error ?? "", /exit code 3.*process\.exit\(\)/);
  });

  it("turns a task that runs out of memory into a clear error, leaving the host running", async () => {
    await load({
      "hog.tasks.cjs": `const { task } = require("taskflow");
exports.hog = task(() => { const keep = []; for (;;) keep.push(new Array(100000).fill(keep.length)); });
`,
    }, { workerResourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } });
    const record = await run("hog");
    assert.equal(record.status, "failed");
    assert.match(record.error ?? "", /ran out of memory/);
  });

  it("fails a task whose return value is not JSON-serialisable", async () => {
    await load({
      "big.tasks.mjs": `import { task } from "taskflow";
export const bigint = task(() => 10n);
`,
    });
    const record = await run("bigint");
    assert.equal(record.status, "failed");
    assert.match(record.error ?? "", /cannot be serialised as JSON/);
  });
});
