import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { TaskManager, UnknownScheduleError, ValidationError } from "../../src";
import { deferred, makeEngine, shutdownEngines } from "./helpers/engineHarness";
import { FakeClock, settle } from "./helpers/fakeClock";

const trail = (manager: TaskManager) => manager.audit({ limit: 100 }).map((e) => [e.action, e.actor, e.taskId, e.detail]);

describe("engine: audit trail, runScheduleNow and throughput", () => {
  afterEach(shutdownEngines);

  it("records each user-facing call once it succeeded, newest first, as the actor of the view it went through", async () => {
    const { manager } = makeEngine();
    const gate = deferred();
    manager.task({ name: "wait" }, async () => gate.promise);
    manager.task({ name: "boom" }, async () => {
      throw new Error("boom");
    });
    manager.configureQueue("emails", { concurrency: 2 });
    await manager.start();
    const cli = manager.actingAs("cli");
    const waiting = await cli.addTask("wait");
    const [b1, b2] = await manager.addTasks("boom", [{}, {}]);
    await manager.waitFor(b1);
    await manager.waitFor(b2);
    const retried = await manager.actingAs("http").retryTask(b1);
    await manager.waitFor(retried);
    await cli.cancelTask(waiting);
    await assert.rejects(cli.cancelTask(waiting), /already cancelled/);
    const again = await manager.actingAs("vscode").retryFailed({ funcName: "boom" });
    await Promise.all(again.map((id) => manager.waitFor(id)));
    manager.pauseQueue("emails");
    manager.resumeQueue("emails");
    assert.equal(manager.deleteTasks([b2, "unknown"]), 1);
    assert.equal(cli.clearHistory(), 6);
    assert.deepEqual(trail(manager), [
      ["clear", "cli", null, "6 finished tasks deleted"],
      ["delete", "api", b2, null],
      ["resume", "api", null, "queue emails"],
      ["pause", "api", null, "queue emails"],
      ...again.map((id) => ["retry", "vscode", id, "retryFailed"]).reverse(),
      ["cancel", "cli", waiting, null],
      ["retry", "http", retried, `retry of ${b1}`],
      ["run", "api", b2, "boom"],
      ["run", "api", b1, "boom"],
      ["run", "cli", waiting, "wait"],
      ["configure", "api", null, 'queue emails: {"concurrency":2}'],
    ]);
    assert.deepEqual(manager.audit({ limit: 2, offset: 1 }).map((e) => e.action), ["delete", "resume"]);
    assert.throws(() => manager.audit({ limit: -1 }), (e: unknown) => e instanceof ValidationError && /limit must be a whole number from 0 to 1000, got the number -1/.test(e.message));
    assert.throws(() => manager.actingAs("robot" as "cli"), /actingAs needs one of vscode, cli, http, api, got "robot"/);
    gate.resolve();
  });

  it("records nothing for a task's enqueue() or a schedule slot firing, and records schedule changes and runScheduleNow", async () => {
    const { manager, clock } = makeEngine();
    manager.task({ name: "child" }, async () => "c");
    manager.task({ name: "parent" }, async () => {
      const { enqueue } = await import("../../src");
      await enqueue("child", []);
    });
    await manager.start();
    const parent = await manager.addTask("parent");
    await manager.waitFor(parent);
    const sid = await manager.schedule("child", { every: 60 });
    await clock.advance(60_000);
    await settle();
    assert.equal(manager.listTasks({ scheduleId: sid }).length, 1, "the slot fired");
    const nextRunAt = manager.listSchedules()[0].nextRunAt;
    const now = await manager.actingAs("cli").runScheduleNow(sid);
    const run = await manager.waitFor(now);
    assert.equal(run.scheduleId, sid);
    const [info] = manager.listSchedules();
    assert.deepEqual([info.lastTaskId, info.lastRunAt, info.nextRunAt], [now, new Date(clock.now()).toISOString(), nextRunAt], "a run now keeps the next slot");
    await manager.pauseSchedule(sid);
    await manager.resumeSchedule(sid);
    await manager.removeSchedule(sid);
    await assert.rejects(manager.runScheduleNow(sid), (e: unknown) => e instanceof UnknownScheduleError && e.scheduleId === sid);
    await assert.rejects(manager.pauseSchedule("nope"), UnknownScheduleError);
    assert.deepEqual(trail(manager), [
      ["unschedule", "api", null, `schedule ${sid}`],
      ["resume", "api", null, `schedule ${sid}`],
      ["pause", "api", null, `schedule ${sid}`],
      ["run", "cli", now, `schedule ${sid}`],
      ["schedule", "api", null, `schedule ${sid} of child: {"every":60}`],
      ["run", "api", parent, "parent"],
    ]);
  });

  it("counts finished tasks per minute through the manager, checking the query", async () => {
    const { manager, clock } = makeEngine();
    manager.task({ name: "ok" }, async () => "ok");
    await manager.start();
    const start = Math.floor(clock.now() / 60_000) * 60_000;
    await manager.waitFor(await manager.addTask("ok"));
    const buckets = manager.throughput({ bucket: "minute" });
    assert.equal(buckets.length, 60);
    assert.deepEqual(buckets[59], { start: new Date(start).toISOString(), succeeded: 1, failed: 0, cancelled: 0, interrupted: 0, rejected: 0 });
    assert.throws(() => manager.throughput({ bucket: "day" as "hour" }), /bucket must be "minute" or "hour", got the string "day"/);
    assert.throws(() => manager.throughput({ bucket: "minute", since: "2020-01-01T00:00:00Z" }), /at most 10080 buckets.*give a later since or bucket "hour"/);
  });

  it("keeps the audit trail in the database across a restart", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "taskflow-audit-"));
    try {
      const dbPath = path.join(dir, "tasks.db");
      const clock = new FakeClock();
      const first = new TaskManager({ dbPath, clock, onOutsideLog: () => undefined });
      first.task({ name: "ok" }, async () => "ok");
      await first.start();
      const id = await first.actingAs("cli").addTask("ok");
      await first.waitFor(id);
      await first.shutdown();
      const second = new TaskManager({ dbPath, clock, onOutsideLog: () => undefined });
      await second.start();
      try {
        assert.deepEqual(trail(second), [["run", "cli", id, "ok"]]);
        assert.equal(second.audit()[0].at, new Date(clock.now()).toISOString());
      } finally {
        await second.shutdown();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
