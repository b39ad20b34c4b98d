import * as assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { TaskManager as SourceTaskManager } from "../../src";

const ROOT = path.join(__dirname, "../..");
const DIST_ENGINE = path.join(ROOT, "dist/engine.js");

type EngineModule = typeof import("../../src");

// Design section 3's example, run against the built CommonJS bundle exactly as scripts and the CLI use it.
describe("engine: dist/engine.js", function () {
  this.timeout(30000);
  let engine: EngineModule;
  let dir: string;

  before(async () => {
    // Builds only the engine target, with esbuild.mjs's options for it, so other targets still in
    // progress cannot break this test.
    await esbuild.build({
      entryPoints: [path.join(ROOT, "src/index.ts")],
      outfile: DIST_ENGINE,
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      sourcemap: "linked",
      legalComments: "none",
      logLevel: "silent",
    });
    copyFileSync(createRequire(__filename).resolve("sql.js/dist/sql-wasm.wasm"), path.join(ROOT, "dist/sql-wasm.wasm"));
    const loadCommonJs = createRequire(__filename);
    delete loadCommonJs.cache[DIST_ENGINE];
    engine = loadCommonJs(DIST_ENGINE) as EngineModule;
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-dist-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("exports the contract's names", () => {
    for (const name of ["TaskManager", "TaskStatus", "task", "taskLog", "getTaskContext", "TaskRecord", "enqueue", "reportProgress", "NonRetryableError"] as const) {
      assert.ok(engine[name], `dist/engine.js exports ${name}`);
    }
    assert.equal(engine.TaskStatus.Interrupted, "interrupted");
  });

  it("keeps history in memory when given neither dbPath nor store", async () => {
    const manager = new engine.TaskManager();
    await manager.start();
    try {
      manager.task(async function ping() {
        return "pong";
      });
      const record = await manager.waitFor(await manager.addTask("ping"));
      assert.equal(record.status, "success");
      assert.equal(manager.countTasks(), 1);
    } finally {
      await manager.shutdown();
    }
  });

  it("shares task handles and the task scope with other bundled copies of the engine", async () => {
    const manager = new SourceTaskManager({ onOutsideLog: () => {} });
    await manager.start();
    try {
      let seen: string | undefined;
      const handle = engine.task({ name: "crossBundle" }, async () => {
        seen = engine.getTaskContext()?.funcName;
        engine.taskLog("from the other copy");
      });
      manager.task(handle);
      const record = await manager.waitFor(await manager.addTask(handle));
      assert.equal(record.status, "success");
      assert.equal(seen, "crossBundle");
      assert.match(record.logs[0] ?? "", / from the other copy$/);
    } finally {
      await manager.shutdown();
    }
  });

  it("lets a task enqueue, report progress and throw NonRetryableError through another copy of the engine", async () => {
    const manager = new SourceTaskManager({ onOutsideLog: () => {} });
    await manager.start();
    try {
      const child = engine.task({ name: "distChild" }, async () => "child");
      manager.task(child);
      let childId = "";
      manager.task({ name: "distParent", retries: 2 }, async () => {
        engine.reportProgress(0.5, "half");
        childId = await engine.enqueue(child);
        throw new engine.NonRetryableError("stop here");
      });
      const parent = await manager.waitFor(await manager.addTask("distParent"));
      assert.equal(parent.status, "failed");
      assert.equal(parent.retriesUsed, 0);
      assert.equal(parent.error, "NonRetryableError: stop here");
      assert.deepEqual(parent.progress, { fraction: 0.5, message: "half" });
      const record = await manager.waitFor(childId);
      assert.equal(record.parentId, parent.taskId);
      assert.equal(record.result, "child");
    } finally {
      await manager.shutdown();
    }
  });

  it("runs the design's example, and a new manager on the same dbPath sees the history", async () => {
    const { TaskManager, taskLog, getTaskContext } = engine;
    const dbPath = path.join(dir, "tasks.sqlite");
    const manager = new TaskManager({ dbPath, encryptArgsKey: engine.generateKey(), maxConcurrentTasks: 2, requeuePending: true });
    await manager.start();
    const logs: string[] = [];
    const statuses: string[] = [];
    const subscriptions = [manager.onLog((e) => logs.push(e.message)), manager.onLifecycle((e) => statuses.push(e.status))];
    let failFirst = true;
    const sendEmail = manager.task(
      async function sendEmail(address: string) {
        taskLog(`sending to ${address} (attempt ${getTaskContext()?.attempt})`);
        if (failFirst) {
          failFirst = false;
          throw new Error("smtp down");
        }
        return { sent: address };
      },
      { retries: 0 },
    );
    const id = await manager.addTask(sendEmail, ["a@example.com"], { kwargs: {}, idempotencyKey: "mail-1", tags: { team: "ops" } });
    assert.equal(manager.getTask(id)?.funcName, "sendEmail");
    const failed = await manager.waitFor(id);
    assert.equal(failed.status, "failed");
    const retryId = await manager.retryTask(id);
    assert.equal((await manager.waitFor(retryId)).status, "success");
    const slow = manager.task({ name: "slow" }, () => new Promise(() => {}));
    const slowId = await manager.addTask(slow);
    await manager.cancelTask(slowId);
    assert.equal(manager.getTask(slowId)?.status, "cancelled");
    // Sorted: tasks made within the same millisecond have no defined order between them.
    assert.deepEqual(manager.listTasks({ tag: "team=ops" }).map((r) => r.taskId).sort(), [retryId, id].sort());
    const metrics = manager.metrics();
    assert.deepEqual([metrics.total, metrics.success, metrics.failed, metrics.cancelled], [3, 1, 1, 1]);
    assert.deepEqual(logs, ["sending to a@example.com (attempt 0)", "sending to a@example.com (attempt 0)"]);
    assert.ok(statuses.includes("cancelled"));
    subscriptions.forEach((s) => s.dispose());
    await manager.shutdown();

    const again = new TaskManager({ dbPath });
    await again.start();
    try {
      const statusOf = Object.fromEntries(again.listTasks().map((r) => [r.taskId, r.status]));
      assert.deepEqual(statusOf, { [slowId]: "cancelled", [retryId]: "success", [id]: "failed" });
      assert.equal(again.getTask(id)?.error, "Error: smtp down");
    } finally {
      await again.shutdown();
    }
  });
});
