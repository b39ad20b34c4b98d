import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { TaskRecord } from "../../src";
import type { WorkerStopReason } from "../../src/runtime/workerPool";
import { nextLog, nextWorkerStop, startHost, Workspace, runtimeHooks, type HostEnv } from "../fixtures/modules/harness";

const POOL_MODULE = readFileSync(path.join(__dirname, "../fixtures/modules/pool.tasks.ts"), "utf8");

/** The worker a run reported ("worker <id>" in its logs). */
function workerOf(record: TaskRecord): string {
  const line = record.logs.find((l) => / worker [0-9a-f-]{36}$/.test(l));
  assert.ok(line, `no worker line in the logs of ${record.funcName}: ${JSON.stringify(record.logs)}`);
  return line.slice(-36);
}

// Warm workers through a real TaskManager, a real esbuild compile and real worker threads.
describe("runtime: warm task workers", function () {
  // A cap, not a wait: each test starts real workers, slow when the shared machine is busy.
  this.timeout(30000);
  let distDir: string;
  let workspace: Workspace;
  let env: HostEnv;

  runtimeHooks({ dist: (dir) => (distDir = dir), current: () => ({ env, workspace }) });

  async function load(options: Parameters<typeof startHost>[2] = {}, files: Record<string, string> = { "pool.tasks.ts": POOL_MODULE }) {
    workspace = new Workspace(files);
    env = await startHost(workspace, distDir, { maxWorkers: 1, ...options });
    await env.host.setFiles(Object.keys(files).map((f) => workspace.file(f)));
    assert.deepEqual(env.host.diagnostics().filter((d) => d.severity === "error"), []);
  }

  async function run(name: string, args: unknown[] = []): Promise<TaskRecord> {
    return env.manager.waitFor(await env.manager.addTask(name, args));
  }

  /** Runs `name`, checks it succeeded, and returns the worker it ran on. */
  async function workerRunning(name: string, args: unknown[] = []): Promise<string> {
    const record = await run(name, args);
    assert.equal(record.status, "success", record.error ?? "");
    return workerOf(record);
  }

  /**
   * With two workers: a bystander task waits on worker A, `id` runs on worker B, then `hit` (which
   * must end up on B, the idle one) is expected to stop B for `reason`. Checks the bystander went on
   * and succeeded on A, and the next run got a fresh worker C. `duringGrace` runs before B is gone.
   */
  async function onlyTheWorkerItHits(reason: WorkerStopReason, hit: () => Promise<void>, duringGrace = false) {
    const gate = workspace.file("gate");
    const waiting = nextLog(env.manager, (e) => e.message === "gated waiting");
    const bystander = await env.manager.addTask("gated", [gate]);
    await waiting;
    const before = await workerRunning("id");
    const stopped = nextWorkerStop(env.host, reason);
    await hit();
    const meanwhile = duringGrace ? await workerRunning("id") : undefined;
    await stopped;
    const after = await workerRunning("id");
    workspace.write({ gate: "open" });
    const bystanderRecord = await env.manager.waitFor(bystander);
    assert.equal(bystanderRecord.status, "success", bystanderRecord.error ?? "");
    const bystanderWorker = workerOf(bystanderRecord);
    assert.notEqual(before, bystanderWorker);
    assert.notEqual(after, before, "the run after the failure got a fresh worker");
    assert.notEqual(after, bystanderWorker);
    if (meanwhile) assert.equal(after, meanwhile, "the worker started during the grace period stays warm");
  }

  it("runs sequential attempts on the same warm worker, which keeps its module state", async () => {
    await load();
    const first = await run("count");
    const second = await run("count");
    assert.equal(workerOf(first), workerOf(second));
    assert.deepEqual([first, second].map((r) => r.logs[1].slice(20)), ["count 1", "count 2"]);
    assert.equal(env.host.warmWorkers(), 1);
    assert.equal(env.host.runningWorkers(), 0);
  });

  it("keeps the worker warm when a cancelled task settles within the grace period", async () => {
    await load({ cancelGraceMs: 10_000 });
    const stops: string[] = [];
    env.host.onWorkerStopped((event) => stops.push(event.reason));
    const before = await workerRunning("id");
    const waiting = nextLog(env.manager, (e) => e.message === "waiting for cancel");
    const id = await env.manager.addTask("honoursCancel");
    await waiting;
    await env.manager.cancelTask(id);
    assert.equal((await env.manager.waitFor(id)).status, "cancelled");
    await env.host.whenIdle();
    assert.equal(await workerRunning("id"), before);
    assert.deepEqual(stops, []);
  });

  it("replaces a worker spinning through a cancel after the grace period, while other tasks run", async () => {
    await load({ maxWorkers: 2, cancelGraceMs: 1000 });
    await onlyTheWorkerItHits("cancelled", async () => {
      const spinning = nextLog(env.manager, (e) => e.message === "spinning");
      const id = await env.manager.addTask("spin");
      await spinning;
      await env.manager.cancelTask(id);
      assert.equal((await env.manager.waitFor(id)).status, "cancelled");
    }, true);
    await env.host.whenIdle();
    assert.equal(env.host.warmWorkers(), 2);
  });

  it("replaces a worker whose task ran past its timeout", async () => {
    await load({ maxWorkers: 2 });
    await onlyTheWorkerItHits("cancelled", async () => {
      const record = await run("slow");
      assert.equal(record.status, "failed");
      assert.match(record.error ?? "", /timed out after 0.2s/);
    });
  });

  it("replaces a worker that crashes after its task returned, and reports the crash outside any task", async () => {
    await load({ maxWorkers: 2 });
    const reported = env.nextOutsideLog((m) => m.includes("boom after the task returned"));
    await onlyTheWorkerItHits("crashed", async () => {
      assert.equal((await run("crashLater")).status, "success");
    });
    assert.match(await reported, /^pool\.tasks\.ts: A task worker crashed after its task had returned: boom after the task returned$/);
  });

  it("fails a task that calls process.exit() with a clear error and replaces its worker", async () => {
    await load({ maxWorkers: 2 });
    await onlyTheWorkerItHits("exited", async () => {
      const record = await run("quit");
      assert.equal(record.status, "failed");
      assert.match(record.error ?? "", /exit code 3.*process\.exit\(\)/);
    });
  });

  it("fails a task that runs out of memory with a clear error and replaces its worker", async () => {
    await load({ maxWorkers: 2, workerResourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } });
    await onlyTheWorkerItHits("outOfMemory", async () => {
      const record = await run("hog");
      assert.equal(record.status, "failed");
      assert.match(record.error ?? "", /ran out of memory/);
    });
  });

  it("on reload sends new runs to the new version and drains the old pool once its run has finished", async () => {
    const version = (v: string) => `import { task, taskLog } from "taskflow";
import { existsSync } from "node:fs";
export const work = task(async (gate: string) => {
  while (gate && !existsSync(gate)) await new Promise((r) => setTimeout(r, 5));
  taskLog("${v}");
});
`;
    await load({ maxWorkers: 2 }, { "work.tasks.ts": version("v1") });
    const gate = workspace.file("gate");
    const oldRun = await env.manager.addTask("work", [gate]);
    assert.equal((await run("work", [""])).logs[0].slice(20), "v1");
    assert.equal(env.host.warmWorkers(), 2);

    // The idle v1 worker stops at once; the busy one goes on.
    const idleDrained = nextWorkerStop(env.host, "drained");
    workspace.write({ "work.tasks.ts": version("v2") });
    await env.host.reload(workspace.file("work.tasks.ts"));
    await idleDrained;
    assert.equal((await run("work", [""])).logs[0].slice(20), "v2");

    const busyDrained = nextWorkerStop(env.host, "drained");
    workspace.write({ gate: "open" });
    const oldRecord = await env.manager.waitFor(oldRun);
    assert.equal(oldRecord.status, "success", oldRecord.error ?? "");
    assert.deepEqual(oldRecord.logs.map((l) => l.slice(20)), ["v1"]);
    await busyDrained;
    assert.equal(env.host.warmWorkers(), 1);
  });

  it("reaps a worker idle for idleMs, and the next run starts a fresh one", async () => {
    await load({ idleMs: 50 });
    const reaped = nextWorkerStop(env.host, "idle");
    const before = await workerRunning("id");
    await reaped;
    assert.equal(env.host.warmWorkers(), 0);
    assert.notEqual(await workerRunning("id"), before);
  });

  it('runs every attempt in a fresh worker with isolation: "fresh"', async () => {
    await load({ isolation: "fresh" });
    const first = await run("count");
    const second = await run("count");
    assert.notEqual(workerOf(first), workerOf(second));
    assert.deepEqual([first, second].map((r) => r.logs[1].slice(20)), ["count 1", "count 1"]);
    assert.equal(env.host.warmWorkers(), 0);
  });

  it("keeps a timer a finished task left behind out of the next task on the same worker", async () => {
    await load();
    const leaver = await run("leaveTimer");
    assert.equal(leaver.status, "success", leaver.error ?? "");
    const leftoverLine = env.nextOutsideLog((m) => m.includes("leftover of"));
    const next = await run("awaitLeftover");
    assert.equal(next.status, "success", next.error ?? "");
    assert.equal(workerOf(next), workerOf(leaver));
    assert.deepEqual(next.logs.slice(1).map((l) => l.slice(20)), ["saw three leftover ticks"]);
    assert.deepEqual(env.manager.getTask(leaver.taskId)?.logs.slice(1), []);
    // The timer still sees the context of the task that made it, not the one running now.
    assert.equal(await leftoverLine, `pool.tasks.ts: leftover of ${leaver.taskId} sees ${leaver.taskId}`);
  });
});
