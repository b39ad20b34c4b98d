import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateKey, TaskManager, type TaskConfig } from "../../src";
import { gatedJobs, makeEngine, shutdownEngines } from "./helpers/engineHarness";
import { FakeClock, settle } from "./helpers/fakeClock";

/**
 * A manager with a task `job(key, label)` under `config` that records its start and stays running
 * until released (`finish(label)`), or returns at once with `instant`.
 */
function engineWithJobs(config: TaskConfig, maxConcurrentTasks = 4, instant = false) {
  const engine = makeEngine({ maxConcurrentTasks });
  /** The most runs of one key seen running at once (labels start with their key). */
  let mostPerKey = 0;
  const jobs = gatedJobs(engine.manager, config, {
    instant,
    onStart: (label, running) => {
      const key = label.slice(0, label.indexOf("-"));
      mostPerKey = Math.max(mostPerKey, 1 + running.filter((other) => other.startsWith(`${key}-`)).length);
    },
  });
  const add = (key: string, label: string, priority?: number) => engine.manager.addTask("job", [key, label], priority === undefined ? {} : { priority });
  return { ...engine, ...jobs, add, mostPerKey: () => mostPerKey };
}

describe("engine: flow control per key", () => {
  afterEach(shutdownEngines);

  describe("concurrency", () => {
    const oneAtATime: TaskConfig = { concurrency: { key: "args[0]", limit: 1 } };

    it("never overlaps two runs of one key while runs of another key start as usual", async () => {
      const { manager, add, running, finish, started, mostPerKey } = engineWithJobs(oneAtATime);
      await manager.start();
      await add("ada", "ada-1");
      await add("ada", "ada-2");
      await add("bob", "bob-1");
      await add("bob", "bob-2");
      await settle();
      assert.deepEqual(running(), ["ada-1", "bob-1"]);
      assert.deepEqual(manager.listTasks({ status: "pending" }).map((t) => t.args[1]).sort((a, b) => String(a).localeCompare(String(b))), ["ada-2", "bob-2"]);
      await finish("bob-1");
      assert.deepEqual(running(), ["ada-1", "bob-2"]);
      await finish("ada-1");
      await finish("ada-2");
      await finish("bob-2");
      assert.deepEqual(started, ["ada-1", "bob-1", "bob-2", "ada-2"]);
      assert.equal(mostPerKey(), 1);
    });

    it("starts a held run as soon as its key frees, with no clock tick", async () => {
      const { manager, clock, add, running, finish } = engineWithJobs(oneAtATime);
      await manager.start();
      await add("ada", "first");
      const held = await add("ada", "second");
      await settle();
      assert.equal(manager.getTask(held)?.status, "pending");
      const before = clock.now();
      await finish("first");
      assert.deepEqual(running(), ["second"]);
      assert.equal(manager.getTask(held)?.status, "running");
      assert.equal(clock.now(), before);
    });

    it("lets a key's held runs go in priority, then first in first out, order", async () => {
      const { manager, clock, add, finish, started } = engineWithJobs(oneAtATime);
      await manager.start();
      await add("ada", "blocker");
      for (const [label, priority] of [["low", -1], ["mid-1", 0], ["high", 5], ["mid-2", 0]] as const) {
        await add("ada", label, priority);
        await clock.advance(1);
      }
      for (const label of ["blocker", "high", "mid-1", "mid-2", "low"]) await finish(label);
      assert.deepEqual(started, ["blocker", "high", "mid-1", "mid-2", "low"]);
    });

    it("does not starve other keys: a backlog of 50 on one key does not delay another key's runs", async () => {
      const { manager, add, running, finish, started } = engineWithJobs(oneAtATime, 2);
      await manager.start();
      for (let i = 1; i <= 50; i++) await add("busy", `busy-${i}`);
      for (let i = 1; i <= 3; i++) await add("calm", `calm-${i}`);
      await settle();
      assert.deepEqual(running(), ["busy-1", "calm-1"]);
      await finish("calm-1");
      assert.deepEqual(running(), ["busy-1", "calm-2"]);
      await finish("calm-2");
      assert.deepEqual(running(), ["busy-1", "calm-3"]);
      await finish("busy-1");
      assert.deepEqual(running(), ["busy-2", "calm-3"]);
      assert.deepEqual(started, ["busy-1", "calm-1", "calm-2", "calm-3", "busy-2"]);
      assert.equal(manager.listQueues()[0].pending, 48, "held runs still count as the queue's pending");
    });

    it("keeps maxConcurrentTasks and a paused queue above the key's room", async () => {
      const { manager, add, running, finish } = engineWithJobs(oneAtATime, 1);
      await manager.start();
      await add("ada", "ada-1");
      await add("bob", "bob-1");
      await settle();
      assert.deepEqual(running(), ["ada-1"], "bob has room for its key but not in the global cap");
      manager.pauseQueue("default");
      await finish("ada-1");
      assert.deepEqual(running(), [], "the queue is paused");
      manager.resumeQueue("default");
      await settle();
      assert.deepEqual(running(), ["bob-1"]);
    });

    it("lets the next run of a key go when a held one is cancelled", async () => {
      const { manager, add, running, finish } = engineWithJobs(oneAtATime);
      await manager.start();
      await add("ada", "ada-1");
      const cancelled = await add("ada", "ada-2");
      await add("ada", "ada-3");
      await settle();
      await manager.cancelTask(cancelled);
      await finish("ada-1");
      assert.deepEqual(running(), ["ada-3"]);
      assert.equal(manager.getTask(cancelled)?.status, "cancelled");
    });
  });

  it("starts at most max runs of a key per window of perSeconds (sliding), other keys aside", async () => {
    const { manager, clock, add, started } = engineWithJobs({ rateLimit: { key: "args[0]", max: 2, perSeconds: 10 } }, 4, true);
    await manager.start();
    for (const label of ["ada-1", "ada-2", "ada-3", "ada-4"]) await add("ada", label);
    await add("bob", "bob-1");
    await settle();
    assert.deepEqual(started, ["ada-1", "ada-2", "bob-1"]);
    await clock.advance(9_999);
    assert.deepEqual(started, ["ada-1", "ada-2", "bob-1"]);
    await clock.advance(1);
    assert.deepEqual(started, ["ada-1", "ada-2", "bob-1", "ada-3", "ada-4"]);
  });

  describe("debounce", () => {
    it("gives three adds within the window one run with the last input and one id, started seconds after the last add", async () => {
      const { manager, clock, logs } = makeEngine();
      const calls: unknown[][] = [];
      manager.task({ name: "rebuild", debounce: { key: "args[0]", seconds: 5 } }, async (...args: unknown[]) => {
        calls.push(args);
      });
      await manager.start();
      const first = await manager.addTask("rebuild", ["site", 1], { tags: { n: "1" } });
      await clock.advance(2_000);
      const second = await manager.addTask("rebuild", ["site", 2], { tags: { n: "2" } });
      await clock.advance(2_000);
      const third = manager.actingAs("cli").addTask("rebuild", ["site", 3], { tags: { n: "3" } });
      const other = await manager.addTask("rebuild", ["docs", 9]);
      assert.deepEqual([second, await third], [first, first]);
      assert.notEqual(other, first);
      assert.equal(manager.getTask(first)?.runAt?.getTime(), clock.now() + 5_000);
      await clock.advance(4_999);
      assert.deepEqual(calls, [], "the window restarted at the last add");
      await clock.advance(1);
      const record = await manager.waitFor(first);
      assert.deepEqual(calls, [["site", 3], ["docs", 9]]);
      assert.deepEqual(record.tags, { n: "3" });
      assert.ok(logs.some((l) => l.taskId === first && l.message === "debounced: 3 adds, the last input kept"));
      const trail = manager.audit().filter((e) => e.taskId === first).map((e) => [e.action, e.actor, e.detail]);
      assert.deepEqual(trail, [
        ["debounce", "cli", "rebuild: 3 adds, the last input kept"],
        ["debounce", "api", "rebuild: 2 adds, the last input kept"],
        ["run", "api", "rebuild"],
      ]);
      assert.notEqual(await manager.addTask("rebuild", ["site", 4]), first, "a run that started takes no more adds");
    });

    it("keeps idempotency keys: an add whose key is held returns that run untouched", async () => {
      const { manager } = makeEngine();
      manager.task({ name: "rebuild", debounce: { key: "args[0]", seconds: 5 } }, async () => {});
      await manager.start();
      const first = await manager.addTask("rebuild", ["site", 1], { idempotencyKey: "k" });
      assert.equal(await manager.addTask("rebuild", ["site", 2], { idempotencyKey: "k" }), first);
      assert.deepEqual(manager.getTask(first)?.args, ["site", 1]);
    });
  });

  it("reports what is held and why in flowHolds and listKeys", async () => {
    const engine = engineWithJobs({ concurrency: { key: "args[0]", limit: 1 }, rateLimit: { key: "args[0]", max: 1, perSeconds: 60 } });
    const { manager, clock, add } = engine;
    manager.task({ name: "rebuild", debounce: { key: "kwargs.site", seconds: 5 } }, async () => {});
    await manager.start();
    await add("ada", "ada-1");
    const adaHeld = [await add("ada", "ada-2"), await add("ada", "ada-3")];
    await add("bob", "bob-1");
    await engine.finish("bob-1");
    const bobHeld = await add("bob", "bob-2");
    const debounced = await manager.addTask("rebuild", [], { kwargs: { site: "docs" } });
    await manager.addTask("rebuild", [], { kwargs: { site: "docs" } });
    await settle();
    const until = new Date(clock.now() + 60_000).toISOString();
    assert.deepEqual(manager.flowHolds(), {
      [adaHeld[0]]: { rule: "concurrency", key: "ada", running: 1, limit: 1 },
      [adaHeld[1]]: { rule: "concurrency", key: "ada", running: 1, limit: 1 },
      [bobHeld]: { rule: "rateLimit", key: "bob", max: 1, perSeconds: 60, until },
      [debounced]: { rule: "debounce", key: "docs", until: new Date(clock.now() + 5_000).toISOString(), adds: 2 },
    });
    assert.deepEqual(manager.listKeys("job"), [
      { key: "ada", running: 1, pending: 2, held: 2, recentStarts: 1 },
      { key: "bob", running: 0, pending: 1, held: 1, recentStarts: 1 },
    ]);
    assert.deepEqual(manager.listKeys("job", { limit: 1 }).map((k) => k.key), ["ada"]);
    assert.deepEqual(manager.listKeys("rebuild"), [{ key: "docs", running: 0, pending: 1, held: 1, recentStarts: 0 }]);
    assert.deepEqual(manager.actingAs("http").listKeys("nothing"), []);
    assert.throws(() => manager.listKeys("job", { limit: 0 }), /listKeys limit must be a whole number >= 1, got 0/);
  });

  describe("on an sql.js database file", function () {
    this.timeout(20000);
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "taskflow-flow-"))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("keeps a debounced run across a restart, its key read again from its encrypted arguments", async () => {
      const dbPath = path.join(dir, "tasks.sqlite");
      const encryptArgsKey = generateKey();
      const clock = new FakeClock();
      const calls: unknown[][] = [];
      const open = () => {
        const manager = new TaskManager({ dbPath, clock, encryptArgsKey, onOutsideLog: () => {} });
        manager.task({ name: "rebuild", debounce: { key: "args[0].site", seconds: 5 } }, async (...args: unknown[]) => {
          calls.push(args);
        });
        return manager;
      };
      const first = open();
      await first.start();
      const id = await first.addTask("rebuild", [{ site: "docs" }, 1]);
      await first.addTask("rebuild", [{ site: "docs" }, 2]);
      assert.equal(first.getTask(id)?.encryptedPayload !== null, true);
      await first.shutdown();

      await clock.advance(3_000);
      const second = open();
      await second.start();
      try {
        assert.equal(second.getTask(id)?.status, "pending");
        assert.equal(await second.addTask("rebuild", [{ site: "docs" }, 3]), id);
        await clock.advance(4_999);
        assert.deepEqual(calls, []);
        await clock.advance(1);
        const record = await second.waitFor(id);
        assert.equal(record.status, "success");
        assert.deepEqual(calls, [[{ site: "docs" }, 3]]);
        assert.match(record.logs.join("\n"), /debounced: 3 adds, the last input kept/);
      } finally {
        await second.shutdown();
      }
    });
  });
});
