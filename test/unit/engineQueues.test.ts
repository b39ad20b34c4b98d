import * as assert from "node:assert/strict";
import { QueueFullError, ValidationError } from "../../src";
import { gatedJobs, makeEngine, shutdownEngines } from "./helpers/engineHarness";
import { settle } from "./helpers/fakeClock";

/** A manager with a task `job(label)` that records its start and stays running until released. */
function engineWithJobs(maxConcurrentTasks = 1) {
  const engine = makeEngine({ maxConcurrentTasks });
  return { ...engine, ...gatedJobs(engine.manager) };
}

describe("engine: queues and priority", () => {
  afterEach(shutdownEngines);

  it("starts higher priority first within a queue, and first in first out among equals", async () => {
    const { manager, clock, started, finish } = engineWithJobs(1);
    await manager.start();
    await manager.addTask("job", ["blocker"]);
    await settle();
    for (const [label, priority] of [["low-1", -1], ["mid-1", 0], ["high-1", 5], ["mid-2", 0], ["high-2", 5], ["low-2", -1]] as const) {
      await manager.addTask("job", [label], { priority });
      await clock.advance(1);
    }
    for (const label of ["blocker", "high-1", "high-2", "mid-1", "mid-2", "low-1"]) await finish(label);
    assert.deepEqual(started, ["blocker", "high-1", "high-2", "mid-1", "mid-2", "low-1", "low-2"]);
  });

  it("takes queue and priority from the task's config unless addTask gives them", async () => {
    const { manager } = makeEngine();
    await manager.start();
    manager.task({ name: "mail", queue: "emails", priority: 5 }, async () => {});
    const byConfig = await manager.addTask("mail");
    const byOptions = await manager.addTask("mail", [], { queue: "urgent", priority: -2.5 });
    assert.deepEqual([manager.getTask(byConfig)?.queue, manager.getTask(byConfig)?.priority], ["emails", 5]);
    assert.deepEqual([manager.getTask(byOptions)?.queue, manager.getTask(byOptions)?.priority], ["urgent", -2.5]);
    assert.equal((await manager.waitFor(byOptions)).status, "success");
  });

  it("keeps each queue to its concurrency within the global cap", async () => {
    const { manager, started, finish, running } = engineWithJobs(3);
    manager.configureQueue("emails", { concurrency: 1 });
    await manager.start();
    for (const label of ["e1", "e2", "e3"]) await manager.addTask("job", [label], { queue: "emails" });
    for (const label of ["d1", "d2", "d3"]) await manager.addTask("job", [label]);
    await settle();
    assert.deepEqual(running(), ["d1", "d2", "e1"], "one email at a time, the global cap of 3 in all");
    await finish("d1");
    assert.deepEqual(running(), ["d2", "d3", "e1"], "the free slot goes to default: emails is at its concurrency");
    await finish("e1");
    assert.deepEqual(running(), ["d2", "d3", "e2"]);
    manager.configureQueue("emails", { concurrency: null });
    await finish("d2");
    assert.deepEqual(running(), ["d3", "e2", "e3"]);
    assert.deepEqual(started, ["e1", "d1", "d2", "d3", "e2", "e3"]);
  });

  it("starts nothing new in a paused queue until it is resumed; running tasks go on", async () => {
    const { manager, started, finish, running } = engineWithJobs(4);
    await manager.start();
    await manager.addTask("job", ["a1"], { queue: "a" });
    await settle();
    manager.pauseQueue("a");
    await manager.addTask("job", ["a2"], { queue: "a" });
    await manager.addTask("job", ["b1"], { queue: "b" });
    await settle();
    assert.deepEqual(running(), ["a1", "b1"]);
    await finish("a1");
    assert.deepEqual(running(), ["b1"]);
    assert.deepEqual(manager.listQueues().find((q) => q.name === "a"), {
      name: "a", concurrency: null, maxSize: null, paused: true, rateLimit: null, pending: 1, running: 0,
    });
    manager.resumeQueue("a");
    await settle();
    assert.deepEqual(running(), ["a2", "b1"]);
    assert.deepEqual(started, ["a1", "b1", "a2"]);
  });

  it("starts at most max tasks per sliding window: the 11th waits until the window frees", async () => {
    const { manager, clock } = makeEngine({ maxConcurrentTasks: 20 });
    const starts: number[] = [];
    manager.task({ name: "ping" }, async () => {
      starts.push(clock.now());
    });
    manager.configureQueue("api", { rateLimit: { max: 10, perSeconds: 1 } });
    await manager.start();
    const t0 = clock.now();
    for (let i = 0; i < 12; i++) await manager.addTask("ping", [], { queue: "api" });
    await clock.advance(500);
    assert.equal(starts.length, 10);
    await clock.advance(499);
    assert.equal(starts.length, 10, "the window is still full at 999 ms");
    await clock.advance(1);
    assert.deepEqual(starts.map((t) => t - t0), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1000, 1000]);
    assert.equal(clock.pendingSleeps, 0, "no wake-up is left once the queue is empty");
  });

  it("rejects addTask with QueueFullError past maxSize, storing a rejected record that retryTask runs once there is room", async () => {
    const { manager, store, statuses, finish } = engineWithJobs(1);
    manager.configureQueue("small", { maxSize: 2 });
    await manager.start();
    await manager.addTask("job", ["running"], { queue: "small" });
    await settle();
    await manager.addTask("job", ["w1"], { queue: "small" });
    await manager.addTask("job", ["w2"], { queue: "small" });
    const refused = await manager.addTask("job", ["w3"], { queue: "small" }).then(
      () => assert.fail("addTask must reject on a full queue"),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof QueueFullError);
    assert.equal(refused.name, "QueueFullError");
    assert.equal(refused.queue, "small");
    assert.equal(refused.maxSize, 2);
    assert.equal(refused.message, `Queue "small" is full: it holds its maxSize of 2 pending tasks. Task ${refused.taskId} was stored as rejected: retry it once the queue has room, or raise maxSize with configureQueue("small", { maxSize })`);
    const stored = store.getTask(refused.taskId);
    assert.equal(stored?.status, "rejected");
    assert.equal(stored?.error, 'QueueFullError: queue "small" was full (maxSize 2 pending tasks) when this task was added');
    assert.deepEqual(stored?.args, ["w3"]);
    assert.deepEqual(statuses(refused.taskId), ["rejected"]);
    await assert.rejects(manager.retryTask(refused.taskId), QueueFullError, "still full");
    await finish("running");
    const retried = await manager.retryTask(refused.taskId);
    assert.equal(manager.getTask(retried)?.status, "pending");
    assert.deepEqual(manager.getTask(retried)?.args, ["w3"]);
  });

  it("stores the items of addTasks past maxSize as rejected and returns every id", async () => {
    const { manager } = engineWithJobs(1);
    manager.configureQueue("small", { maxSize: 2 });
    manager.pauseQueue("small");
    await manager.start();
    const ids = await manager.addTasks("job", [1, 2, 3].map((n) => ({ args: [String(n)], queue: "small" })));
    assert.deepEqual(ids.map((id) => manager.getTask(id)?.status), ["pending", "pending", "rejected"]);
    assert.equal(manager.getTask(ids[2])?.error, 'QueueFullError: queue "small" was full (maxSize 2 pending tasks) when this task was added');
  });

  it("reports pending and running counts per queue, and lists configured queues sorted by name", async () => {
    const { manager, finish } = engineWithJobs(2);
    manager.configureQueue("zeta", { maxSize: 5, rateLimit: { max: 3, perSeconds: 0.5 } });
    await manager.start();
    for (const label of ["x1", "x2", "x3"]) await manager.addTask("job", [label], { queue: "x" });
    await manager.addTask("job", ["d1"]);
    await settle();
    assert.deepEqual(manager.listQueues(), [
      { name: "default", concurrency: null, maxSize: null, paused: false, rateLimit: null, pending: 1, running: 0 },
      { name: "x", concurrency: null, maxSize: null, paused: false, rateLimit: null, pending: 1, running: 2 },
      { name: "zeta", concurrency: null, maxSize: 5, paused: false, rateLimit: { max: 3, perSeconds: 0.5 }, pending: 0, running: 0 },
    ]);
    for (const label of ["x1", "x2", "x3", "d1"]) await finish(label);
    assert.deepEqual(manager.listQueues().map((q) => q.name), ["default", "zeta"], "an idle queue without settings is left out");
  });

  it("refuses bad queue names and settings, saying what was expected and what was got", () => {
    const { manager } = makeEngine();
    const refuses = (call: () => unknown, message: string) => assert.throws(call, (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.message, message);
      return true;
    });
    refuses(() => manager.configureQueue("q", { concurrency: 0 }), 'Queue options "concurrency" must be a whole number >= 1, or null for no limit of its own, got the number 0');
    refuses(() => manager.configureQueue("q", { concurrency: Number.NaN }), 'Queue options "concurrency" must be a whole number >= 1, or null for no limit of its own, got the number NaN');
    refuses(() => manager.configureQueue("q", { maxSize: -1 }), 'Queue options "maxSize" must be a whole number >= 0, or null for no limit, got the number -1');
    refuses(() => manager.configureQueue("q", { rateLimit: { max: 10, perSeconds: 0 } }), 'Queue options "rateLimit.perSeconds" must be a number of seconds > 0, got the number 0');
    refuses(() => manager.configureQueue("q", { rateLimit: { max: 1.5, perSeconds: 1 } }), 'Queue options "rateLimit.max" must be a whole number >= 1, got the number 1.5');
    refuses(() => manager.configureQueue("q", { size: 3 } as never), 'Queue options has an unknown key "size". Known keys: concurrency, maxSize, rateLimit');
    refuses(() => manager.configureQueue("", {}), 'Queue name must be a queue name (a non-empty string), got the string ""');
    refuses(() => manager.pauseQueue(7 as never), "Queue name must be a queue name (a non-empty string), got the number 7");
    assert.throws(() => manager.task({ name: "t", priority: Infinity }, async () => {}), /Task config "priority" must be a finite number \(higher runs first\), got the number Infinity/);
    assert.throws(() => manager.task({ name: "t", queue: "" }, async () => {}), /Task config "queue" must be a queue name \(a non-empty string\), got the string ""/);
  });
});
