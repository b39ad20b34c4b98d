import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { TaskManager, taskLog } from "../../src";
import { FakeClock } from "./helpers/fakeClock";

describe("lifecycle: restart on an sql.js database file", function () {
  this.timeout(20000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "taskflow-restart-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function open(dbPath: string, clock: FakeClock) {
    const manager = new TaskManager({ dbPath, clock, maxConcurrentTasks: 1, onOutsideLog: () => {} });
    manager.task({ name: "work" }, async (n: number) => {
      taskLog(`doing ${n}`);
      if (n < 0) throw new Error("negative");
      return n;
    });
    manager.task({ name: "later", persist: true }, async () => {});
    manager.task({ name: "block" }, () => new Promise(() => {}));
    return manager;
  }

  it("shows a new manager the history, keys and persisted pending tasks of the one before", async () => {
    const dbPath = path.join(dir, "nested", "tasks.sqlite");
    const clock = new FakeClock();
    const first = open(dbPath, clock);
    await first.start();
    const ok = await first.addTask("work", [1], { tags: { env: "dev" }, idempotencyKey: "once" });
    await first.waitFor(ok);
    await clock.advance(1000);
    const bad = await first.addTask("work", [-1], { tags: { env: "ci" } });
    await first.waitFor(bad);
    const blocked = await first.addTask("block");
    const kept = await first.addTask("later");
    await first.shutdown();

    const second = open(dbPath, clock);
    const secondStarted = second.start();
    await secondStarted;
    try {
      const okRecord = second.getTask(ok);
      assert.equal(okRecord?.status, "success");
      assert.deepEqual(okRecord?.tags, { env: "dev" });
      assert.deepEqual(okRecord?.logs, ["2026-01-01T00:00:00 doing 1"]);
      const badRecord = second.getTask(bad);
      assert.equal(badRecord?.status, "failed");
      assert.equal(badRecord?.error, "Error: negative");
      assert.match(badRecord?.stacktrace ?? "", /^Error: negative\n/);
      assert.equal(second.getTask(blocked)?.status, "interrupted");
      assert.equal((await second.waitFor(kept)).status, "success", "the persisted pending task ran after the restart");
      assert.equal(await second.addTask("work", [2], { idempotencyKey: "once" }), ok);
      assert.deepEqual(second.listTasks({ tag: "env" }).map((r) => r.taskId), [bad, ok]);
      assert.equal(second.metrics().total, 4);
    } finally {
      await second.shutdown();
    }
  });
  it("keeps a task's result across a reopen of the database", async () => {
    const dbPath = path.join(dir, "tasks.sqlite");
    const clock = new FakeClock();
    const first = new TaskManager({ dbPath, clock, onOutsideLog: () => {} });
    await first.start();
    first.task(async function counts() {
      return { n: 2 };
    });
    const id = await first.addTask("counts");
    assert.deepEqual((await first.waitFor(id)).result, { n: 2 });
    await first.shutdown();

    const second = new TaskManager({ dbPath, clock, onOutsideLog: () => {} });
    await second.start();
    try {
      assert.deepEqual(second.getTask(id)?.result, { n: 2 });
      assert.deepEqual(second.getTask(id)?.toDict().result, { n: 2 });
    } finally {
      await second.shutdown();
    }
  });
});
