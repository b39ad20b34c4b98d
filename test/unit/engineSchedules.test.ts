import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { TaskManager, ValidationError } from "../../src";
import { nextSlot } from "../../src/core/scheduleSlots";
import { makeEngine, reportingManager, shutdownEngines } from "./helpers/engineHarness";
import { FakeClock, settle } from "./helpers/fakeClock";

describe("engine: schedules", () => {
  afterEach(shutdownEngines);

  function engineWithPing() {
    const engine = makeEngine();
    const runs: Array<{ at: number; args: unknown[] }> = [];
    engine.manager.task({ name: "ping" }, async (...args: unknown[]) => {
      runs.push({ at: engine.clock.now(), args });
    });
    return { ...engine, runs };
  }

  it("fires an every-N-seconds schedule at each slot, as a task with its scheduleId", async () => {
    const { manager, clock, runs } = engineWithPing();
    await manager.start();
    const t0 = clock.now();
    const sid = await manager.schedule("ping", { every: 300 }, { args: [1], kwargs: { k: "v" }, tags: { env: "dev" } });
    assert.equal(manager.listSchedules()[0].nextRunAt, new Date(t0 + 300_000).toISOString());
    await clock.advance(299_999);
    assert.equal(runs.length, 0);
    await clock.advance(1);
    await clock.advance(300_000);
    await settle();
    assert.deepEqual(runs.map((r) => r.at), [t0 + 300_000, t0 + 600_000]);
    assert.deepEqual(runs[0].args, [1, { k: "v" }]);
    const tasks = manager.listTasks({ scheduleId: sid });
    assert.equal(tasks.length, 2);
    assert.deepEqual(tasks[0].tags, { env: "dev" });
    const [info] = manager.listSchedules();
    assert.deepEqual(
      { ...info },
      {
        scheduleId: sid, funcName: "ping", every: 300, cron: null, timezone: null, nextRunAt: new Date(t0 + 900_000).toISOString(),
        lastRunAt: new Date(t0 + 600_000).toISOString(), lastTaskId: tasks[0].taskId, paused: false, source: "api",
      },
    );
  });

  it("gives the next slot of a cron expression in its time zone", () => {
    // Friday 2026-12-04 10:00 in Berlin (UTC+1): the next weekday 09:00 is Monday's, 08:00 UTC.
    const from = Date.parse("2026-12-04T09:00:00Z");
    const spec = { cron: "0 9 * * 1-5", timezone: "Europe/Berlin" };
    assert.equal(new Date(nextSlot(spec, from, from)!).toISOString(), "2026-12-07T08:00:00.000Z");
    // In summer Berlin is UTC+2.
    const june = Date.parse("2026-06-01T00:00:00Z");
    assert.equal(new Date(nextSlot(spec, june, june)!).toISOString(), "2026-06-01T07:00:00.000Z");
    const ny = { cron: "30 8 * * *", timezone: "America/New_York" };
    assert.equal(new Date(nextSlot(ny, from, from)!).toISOString(), "2026-12-04T13:30:00.000Z");
  });

  it("fires a 6-field cron schedule with seconds first", async () => {
    const { manager, clock, runs } = engineWithPing();
    await manager.start();
    const t0 = clock.now(); // 2026-01-01T00:00:00Z
    await manager.schedule("ping", { cron: "*/20 * * * * *", timezone: "UTC" });
    assert.equal(manager.listSchedules()[0].nextRunAt, new Date(t0 + 20_000).toISOString());
    await clock.advance(60_000);
    await settle();
    assert.deepEqual(runs.map((r) => r.at), [t0 + 20_000, t0 + 40_000, t0 + 60_000]);
  });

  it("pauses, resumes and removes a schedule; paused slots never fire", async () => {
    const { manager, clock, runs } = engineWithPing();
    await manager.start();
    const t0 = clock.now();
    const sid = await manager.schedule("ping", { every: 10 });
    await manager.pauseSchedule(sid);
    assert.equal(manager.listSchedules()[0].paused, true);
    assert.equal(manager.listSchedules()[0].nextRunAt, null);
    await clock.advance(35_000);
    assert.equal(runs.length, 0);
    await manager.resumeSchedule(sid);
    assert.equal(manager.listSchedules()[0].nextRunAt, new Date(t0 + 45_000).toISOString());
    await clock.advance(10_000);
    await settle();
    assert.deepEqual(runs.map((r) => r.at), [t0 + 45_000]);
    await manager.removeSchedule(sid);
    assert.deepEqual(manager.listSchedules(), []);
    await clock.advance(60_000);
    assert.equal(runs.length, 1);
    assert.equal(clock.pendingSleeps, 0);
    await assert.rejects(manager.pauseSchedule(sid), /No schedule has id .*listSchedules\(\)/);
  });

  it("fires at once with runOnStart, then at its slots", async () => {
    const { manager, clock, runs } = engineWithPing();
    await manager.start();
    const t0 = clock.now();
    await manager.schedule("ping", { every: 60 }, { runOnStart: true });
    await clock.advance(60_000);
    await settle();
    assert.deepEqual(runs.map((r) => r.at), [t0, t0 + 60_000]);
  });

  it("refuses a bad cron, time zone or every with a message quoting the input", async () => {
    const { manager } = engineWithPing();
    await manager.start();
    await assert.rejects(manager.schedule("ping", { cron: "0 9 * *" }), (err: Error) => {
      assert.ok(err instanceof ValidationError);
      assert.match(err.message, /"0 9 \* \*" has 4 fields: expected 5 fields .*or 6 with seconds first/);
      return true;
    });
    await assert.rejects(manager.schedule("ping", { cron: "61 * * * *" }), /Schedule cron "61 \* \* \* \*" does not parse .*: expected 5 fields/);
    await assert.rejects(manager.schedule("ping", { cron: "0 9 * * *", timezone: "Mars/Base" }), /timezone "Mars\/Base" is not an IANA time zone: expected a name like "Europe\/Berlin"/);
    await assert.rejects(manager.schedule("ping", { every: 0 }), /Schedule "every" must be a number of seconds > 0, got the number 0/);
    await assert.rejects(manager.schedule("ping", { every: -5 }), /got the number -5/);
    assert.throws(() => manager.task({ name: "bad", schedule: { cron: "nope" } }, async () => {}), /Schedule cron "nope" has 1 field/);
    assert.throws(() => manager.task({ name: "bad", schedule: { every: -1 } }, async () => {}), /^ValidationError: Task config "schedule.every" must be a number of seconds > 0, got the number -1$/);
    assert.throws(() => manager.task({ name: "bad", schedule: { at: "9am" } as never }, async () => {}), /Task config "schedule" must be \{ every: seconds \} or \{ cron/);
    assert.deepEqual(manager.listSchedules(), []);
  });

  it("keeps one module schedule per task in step with its config across re-registration", async () => {
    const { manager, clock } = makeEngine();
    const fn = async () => {};
    manager.task({ name: "report", schedule: { every: 60 } }, fn);
    await manager.start();
    const [created] = manager.listSchedules();
    assert.equal(created.source, "module");
    assert.equal(created.every, 60);
    manager.unregisterTask("report");
    manager.task({ name: "report", schedule: { every: 60 } }, fn);
    assert.deepEqual(manager.listSchedules(), [created], "the same schedule is kept when nothing changed");
    manager.unregisterTask("report");
    manager.task({ name: "report", schedule: { cron: "0 9 * * 1-5", timezone: "Europe/Berlin" } }, fn);
    const [changed] = manager.listSchedules();
    assert.equal(changed.scheduleId, created.scheduleId);
    assert.deepEqual([changed.every, changed.cron, changed.timezone], [null, "0 9 * * 1-5", "Europe/Berlin"]);
    assert.equal(changed.nextRunAt, nextSlotIso({ cron: "0 9 * * 1-5", timezone: "Europe/Berlin" }, clock.now()));
    manager.unregisterTask("report");
    manager.task({ name: "report" }, fn);
    assert.deepEqual(manager.listSchedules(), []);
  });

  function nextSlotIso(spec: { cron: string; timezone: string }, now: number): string {
    return new Date(nextSlot(spec, now, now)!).toISOString();
  }

  describe("on a database file", () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "taskflow-schedules-"))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("fires a slot missed while the engine was stopped once at start, then keeps its slots", async () => {
      const dbPath = path.join(dir, "tasks.sqlite");
      const clock = new FakeClock();
      const runs: number[] = [];
      const first = reportingManager(dbPath, clock, runs);
      await first.start();
      const t0 = clock.now();
      const sid = await first.schedule("report", { every: 60 });
      await first.shutdown();

      await clock.advance(60_000 * 5 + 30_000); // five slots missed
      const second = reportingManager(dbPath, clock, runs);
      await second.start();
      try {
        await settle();
        assert.deepEqual(runs, [t0 + 330_000], "the missed slots fire once, at start");
        const [info] = second.listSchedules();
        assert.equal(info.scheduleId, sid);
        assert.equal(info.nextRunAt, new Date(t0 + 360_000).toISOString(), "the next slot keeps the every-60s grid");
        await clock.advance(30_000);
        await settle();
        assert.deepEqual(runs, [t0 + 330_000, t0 + 360_000]);
        assert.equal(second.listTasks({ scheduleId: sid }).length, 2);
      } finally {
        await second.shutdown();
      }
    });

    it("keeps a slot that fell due before its function registered, and fires it once the function registers", async () => {
      const dbPath = path.join(dir, "tasks.sqlite");
      const clock = new FakeClock();
      const runs: number[] = [];
      const first = reportingManager(dbPath, clock, runs);
      await first.start();
      const t0 = clock.now();
      await first.schedule("report", { cron: "0 * * * *", timezone: "UTC" });
      await first.shutdown();
      await clock.advance(3 * 3600_000);
      const second = new TaskManager({ dbPath, clock, onOutsideLog: () => {} });
      await second.start();
      try {
        await settle();
        assert.equal(second.listSchedules()[0].nextRunAt, new Date(t0 + 3600_000).toISOString(), "the due slot waits");
        second.task({ name: "report" }, async () => {
          runs.push(clock.now());
        });
        await settle();
        assert.deepEqual(runs, [t0 + 3 * 3600_000]);
        assert.equal(second.listSchedules()[0].nextRunAt, new Date(t0 + 4 * 3600_000).toISOString());
      } finally {
        await second.shutdown();
      }
    });
  });
});
