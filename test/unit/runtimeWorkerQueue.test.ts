import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { TaskRecord } from "../../src";
import { nextLog, nextWorkerStop, startHost, Workspace, runtimeHooks, type HostEnv } from "../fixtures/modules/harness";

const POOL_MODULE = readFileSync(path.join(__dirname, "../fixtures/modules/pool.tasks.ts"), "utf8");

/** The worker lines of a run ("worker <id>", one per attempt that ran). */
function workerLines(record: TaskRecord): string[] {
  return record.logs.filter((l) => / worker [0-9a-f-]{36}$/.test(l)).map((l) => l.slice(-36));
}

function workerOf(record: TaskRecord): string {
  const lines = workerLines(record);
  assert.equal(lines.length, 1, `expected one attempt to have run ${record.funcName}, got logs ${JSON.stringify(record.logs)}`);
  return lines[0];
}

// Attempts sent to a warm worker to wait behind the one it runs: real worker threads through a real
// TaskManager and a real esbuild compile.
describe("runtime: attempts waiting behind a warm worker's current one", function () {
  // A cap, not a wait: each test starts real workers, slow when the shared machine is busy.
  this.timeout(30000);
  let distDir: string;
  let workspace: Workspace;
  let env: HostEnv;

  runtimeHooks({ dist: (dir) => (distDir = dir), current: () => ({ env, workspace }) });

  async function load(options: Parameters<typeof startHost>[2]) {
    workspace = new Workspace({ "pool.tasks.ts": POOL_MODULE });
    env = await startHost(workspace, distDir, options);
    await env.host.setFiles([workspace.file("pool.tasks.ts")]);
    assert.deepEqual(env.host.diagnostics().filter((d) => d.severity === "error"), []);
  }

  async function run(name: string, args: unknown[] = []): Promise<TaskRecord> {
    const record = await env.manager.waitFor(await env.manager.addTask(name, args));
    assert.equal(record.status, "success", record.error ?? "");
    return record;
  }

  /** Starts `gated` on the warm worker and resolves with its id once it waits for the file `gate`. */
  async function holdWorker(): Promise<string> {
    const waiting = nextLog(env.manager, (e) => e.message === "gated waiting");
    const id = await env.manager.addTask("gated", [workspace.file("gate")]);
    await waiting;
    return id;
  }

  it("sends short attempts added together to one worker, which runs them one after another", async () => {
    await load({ maxWorkers: 3, queueMs: 60_000, spreadWorkers: 1 });
    const first = workerOf(await run("id"));
    const ids = await Promise.all([1, 2, 3].map(() => env.manager.addTask("count")));
    const records = await Promise.all(ids.map((id) => env.manager.waitFor(id)));
    assert.deepEqual(records.map((r) => r.status), ["success", "success", "success"]);
    assert.deepEqual([...new Set(records.map(workerOf))], [first], "all three ran on the first worker");
    assert.deepEqual(records.map((r) => r.result as number).sort((a, b) => a - b), [1, 2, 3]);
    assert.equal(env.host.warmWorkers(), 1);
  });

  it("sends attempts to idle workers once the pool's attempts take a millisecond or more", async () => {
    await load({ maxWorkers: 3, queueMs: 60_000, spreadWorkers: 1 });
    for (let i = 0; i < 3; i++) await run("nap", [20]);
    const ids = await Promise.all([1, 2, 3].map(() => env.manager.addTask("nap", [20])));
    const records = await Promise.all(ids.map((id) => env.manager.waitFor(id)));
    assert.deepEqual(records.map((r) => r.status), ["success", "success", "success"]);
    assert.equal(new Set(records.map(workerOf)).size, 3, "each ran on a worker of its own");
  });

  it("spreads attempts over spreadWorkers workers before it queues any", async () => {
    await load({ maxWorkers: 3, queueMs: 60_000, spreadWorkers: 2 });
    await run("id");
    const ids = await Promise.all([1, 2, 3, 4].map(() => env.manager.addTask("count")));
    const records = await Promise.all(ids.map((id) => env.manager.waitFor(id)));
    assert.deepEqual(records.map((r) => r.status), ["success", "success", "success", "success"]);
    assert.equal(new Set(records.map(workerOf)).size, 2);
  });

  it("takes back an attempt waiting behind one that runs long, and runs it on another worker", async () => {
    await load({ maxWorkers: 2, queueMs: 100, spreadWorkers: 1 });
    const first = workerOf(await run("id"));
    const gate = workspace.file("gate");
    // Added back to back, the second is sent to wait behind the first on the one warm worker.
    const held = await env.manager.addTask("gated", [gate]);
    const behind = await env.manager.addTask("id");
    const record = await env.manager.waitFor(behind);
    assert.equal(record.status, "success", record.error ?? "");
    assert.notEqual(workerOf(record), first, "it ran on a second worker");
    assert.equal(env.manager.getTask(held)?.status, "running", "while the first still waited for its gate");
    workspace.write({ gate: "open" });
    const heldRecord = await env.manager.waitFor(held);
    assert.equal(workerOf(heldRecord), first);
  });

  it("cancels an attempt waiting behind another without its worker ever running it", async () => {
    await load({ maxWorkers: 1, queueMs: 60_000, spreadWorkers: 1 });
    const worker = workerOf(await run("id"));
    const held = await holdWorker();
    const behind = await env.manager.addTask("count");
    await env.manager.cancelTask(behind);
    const cancelled = await env.manager.waitFor(behind);
    assert.equal(cancelled.status, "cancelled");
    assert.deepEqual(workerLines(cancelled), []);
    workspace.write({ gate: "open" });
    assert.equal((await env.manager.waitFor(held)).status, "success");
    // The module's counter shows whether the cancelled attempt ran on this worker after all.
    const next = await run("count");
    assert.equal(workerOf(next), worker);
    assert.equal(next.result, 1);
  });

  it("fails the attempts waiting behind a worker when its host is disposed, and the worker never runs them", async () => {
    await load({ maxWorkers: 1, queueMs: 60_000, spreadWorkers: 1 });
    await run("id");
    const held = await holdWorker();
    const behind = [await env.manager.addTask("count"), await env.manager.addTask("count")];
    await env.host.dispose();
    const records = await Promise.all([held, ...behind].map((id) => env.manager.waitFor(id)));
    assert.deepEqual(records.map((r) => r.status), ["failed", "failed", "failed"]);
    for (const record of records) assert.match(record.error ?? "", /module host was disposed/);
    assert.deepEqual(records.slice(1).map(workerLines), [[], []], "neither waiting attempt ran");
  });

  it("gives the attempts waiting behind one that kills its worker to another worker, each run once", async () => {
    await load({ maxWorkers: 2, queueMs: 60_000, spreadWorkers: 1 });
    const first = workerOf(await run("id"));
    const exited = nextWorkerStop(env.host, "exited");
    // Added back to back, the counts are sent to wait behind quit on the one warm worker, which quit ends.
    const quit = await env.manager.addTask("quit");
    const behind = [await env.manager.addTask("count"), await env.manager.addTask("count")];
    assert.equal((await env.manager.waitFor(quit)).status, "failed");
    await exited;
    const counts = await Promise.all(behind.map((id) => env.manager.waitFor(id)));
    assert.deepEqual(counts.map((r) => r.status), ["success", "success"]);
    const second = workerOf(counts[0]);
    assert.notEqual(second, first);
    assert.equal(workerOf(counts[1]), second);
    assert.deepEqual(counts.map((r) => r.result), [1, 2]);
    const next = await run("count");
    assert.equal(next.result, 3, "no count ran twice");
  });
});
