import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ValidationError } from "../../src";
import { makeEngine, reportingManager, shutdownEngines } from "./helpers/engineHarness";
import { FakeClock } from "./helpers/fakeClock";

describe("engine: delayed and one-off runs", () => {
  afterEach(shutdownEngines);

  function engineWithPing() {
    const engine = makeEngine();
    const starts: number[] = [];
    engine.manager.task({ name: "ping" }, async () => {
      starts.push(engine.clock.now());
    });
    return { ...engine, starts };
  }

  it("keeps a task with a delay pending until its seconds have passed, then runs it", async () => {
    const { manager, clock, starts } = engineWithPing();
    await manager.start();
    const t0 = clock.now();
    const id = await manager.addTask("ping", [], { delay: 1 });
    assert.equal(manager.getTask(id)?.runAt?.getTime(), t0 + 1000);
    await clock.advance(999);
    assert.deepEqual(starts, []);
    assert.equal(manager.getTask(id)?.status, "pending");
    assert.equal(manager.listQueues()[0].pending, 1, "a delayed task counts as pending in its queue");
    await clock.advance(1);
    assert.deepEqual(starts, [t0 + 1000]);
    assert.equal((await manager.waitFor(id)).status, "success");
  });

  it("runs a task at its runAt, given as a Date or an ISO time, earliest first", async () => {
    const { manager, clock, starts } = engineWithPing();
    await manager.start();
    const t0 = clock.now();
    const later = await manager.addTask("ping", [], { runAt: new Date(t0 + 5000).toISOString() });
    const sooner = await manager.addTask("ping", [], { runAt: new Date(t0 + 2000) });
    await clock.advance(1999);
    assert.deepEqual(starts, []);
    await clock.advance(1);
    assert.deepEqual(starts, [t0 + 2000]);
    assert.equal((await manager.waitFor(sooner)).status, "success");
    await clock.advance(2999);
    assert.equal(starts.length, 1);
    await clock.advance(1);
    assert.deepEqual(starts, [t0 + 2000, t0 + 5000]);
    assert.equal((await manager.waitFor(later)).status, "success");
    assert.equal(clock.pendingSleeps, 0);
  });

  it("runs a task whose runAt is in the past now", async () => {
    const { manager, clock, starts } = engineWithPing();
    await manager.start();
    const id = await manager.addTask("ping", [], { runAt: new Date(clock.now() - 60_000) });
    assert.equal((await manager.waitFor(id)).status, "success");
    assert.deepEqual(starts, [clock.now()]);
  });

  it("never runs a delayed task that was cancelled", async () => {
    const { manager, clock, starts } = engineWithPing();
    await manager.start();
    const id = await manager.addTask("ping", [], { delay: 5 });
    await manager.cancelTask(id);
    assert.equal(manager.listQueues()[0].pending, 0);
    await clock.advance(10_000);
    assert.deepEqual(starts, []);
    assert.equal(manager.getTask(id)?.status, "cancelled");
  });

  it("refuses a negative delay, delay with runAt, and a runAt that is not a time, saying what was got", async () => {
    const { manager } = engineWithPing();
    await manager.start();
    const refuses = (options: object, message: string) =>
      assert.rejects(manager.addTask("ping", [], options), (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.message, message);
        return true;
      });
    await refuses({ delay: -1 }, 'addTask options "delay" must be a number of seconds >= 0, got the number -1');
    await refuses({ delay: Number.NaN }, 'addTask options "delay" must be a number of seconds >= 0, got the number NaN');
    await refuses({ delay: 2, runAt: "2026-01-02T00:00:00Z" }, 'addTask options take delay or runAt, not both: got delay 2 and runAt the string "2026-01-02T00:00:00Z". Keep runAt for a fixed time, delay for seconds from now');
    await refuses({ runAt: "tomorrow" }, 'addTask options "runAt" must be a Date or an ISO 8601 time like "2026-12-24T09:00:00Z", got the string "tomorrow"');
    await refuses({ runAt: new Date(Number.NaN) }, 'addTask options "runAt" must be a Date or an ISO 8601 time like "2026-12-24T09:00:00Z", got a Date instance');
    await refuses({ queue: "" }, 'addTask options "queue" must be a queue name (a non-empty string), got the string ""');
    assert.equal(manager.countTasks({}), 0, "nothing refused was stored");
  });

  describe("on an sql.js database file", function () {
    this.timeout(20000);
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "taskflow-runat-"))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("keeps a runAt task pending across a shutdown whatever persist says, and runs it once when due", async () => {
      const dbPath = path.join(dir, "tasks.sqlite");
      const clock = new FakeClock();
      const runs: number[] = [];
      const first = reportingManager(dbPath, clock, runs);
      await first.start();
      const due = clock.now() + 60_000;
      const oneOff = await first.addTask("report", [], { runAt: new Date(due) });
      const delayed = await first.addTask("report", [], { delay: 120 });
      await first.shutdown();
      assert.equal(clock.pendingSleeps, 0, "shutdown stops the timer");

      await clock.advance(30_000);
      const second = reportingManager(dbPath, clock, runs);
      await second.start();
      try {
        assert.equal(second.getTask(oneOff)?.status, "pending");
        assert.equal(second.getTask(oneOff)?.runAt?.getTime(), due);
        await clock.advance(29_999);
        assert.deepEqual(runs, [], "still waiting for its runAt after the restart");
        await clock.advance(1);
        assert.equal((await second.waitFor(oneOff)).status, "success");
        assert.deepEqual(runs, [due]);
        await clock.advance(60_000);
        assert.equal((await second.waitFor(delayed)).status, "success");
        assert.equal(runs.length, 2);
      } finally {
        await second.shutdown();
      }
      const third = reportingManager(dbPath, clock, runs);
      await third.start();
      try {
        await clock.advance(600_000);
        assert.equal(runs.length, 2, "a one-off run that finished never runs again");
        assert.equal(third.metrics().success, 2);
      } finally {
        await third.shutdown();
      }
    });
  });
});
