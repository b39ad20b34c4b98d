import * as assert from "node:assert/strict";
import { TaskStateError, UnknownFunctionError, UnknownTaskError, getTaskContext, newTaskData, taskLog } from "../../src";
import { MemoryStore } from "../../src/store";
import { deferred, makeEngine, reopenable, shutdownEngines } from "./helpers/engineHarness";
import { settle } from "./helpers/fakeClock";

describe("engine: cancel", () => {
  afterEach(shutdownEngines);

  it("never runs a cancelled pending task", async () => {
    const { manager, statuses } = makeEngine({ maxConcurrentTasks: 1 });
    await manager.start();
    const gate = deferred();
    const ran: number[] = [];
    manager.task(async function one(n: number) {
      ran.push(n);
      await gate.promise;
    });
    const first = await manager.addTask("one", [1]);
    const second = await manager.addTask("one", [2]);
    await manager.cancelTask(second);
    assert.equal(manager.getTask(second)?.status, "cancelled");
    gate.resolve();
    await manager.waitFor(first);
    await settle();
    assert.deepEqual(ran, [1]);
    assert.deepEqual(statuses(second), ["pending", "cancelled"]);
    assert.equal((await manager.waitFor(second)).status, "cancelled");
  });

  it("aborts a running attempt through the context's signal", async () => {
    const { manager, lifecycle } = makeEngine();
    await manager.start();
    let reason: unknown;
    manager.task(async function listens() {
      const signal = getTaskContext()?.signal as AbortSignal;
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
      reason = signal.reason;
      taskLog("after abort");
    });
    const id = await manager.addTask("listens", [], { tags: { t: "1" } });
    await settle();
    await manager.cancelTask(id);
    await settle();
    const record = await manager.waitFor(id);
    assert.equal(record.status, "cancelled");
    assert.ok(record.endTime);
    assert.equal((reason as Error).name, "CancelledError");
    assert.deepEqual(record.logs, [], "lines written after cancellation are dropped");
    const event = lifecycle.find((e) => e.taskId === id && e.status === "cancelled");
    assert.deepEqual(event?.tags, { t: "1" });
  });

  it("cuts a backoff wait short", async () => {
    const { manager, clock } = makeEngine();
    await manager.start();
    let attempts = 0;
    manager.task({ name: "waits", retries: 3, delay: 60 }, async () => {
      attempts++;
      throw new Error("x");
    });
    const id = await manager.addTask("waits");
    await settle();
    assert.equal(manager.getTask(id)?.status, "pending");
    assert.equal(clock.pendingSleeps, 1);
    await manager.cancelTask(id);
    await settle();
    assert.equal(clock.pendingSleeps, 0, "the backoff sleep was aborted");
    await clock.advance(120_000);
    assert.equal(attempts, 1);
    assert.equal(manager.getTask(id)?.status, "cancelled");
  });

  it("marks a task that ignores the signal cancelled and ignores its eventual result", async () => {
    const { manager, statuses } = makeEngine({ maxConcurrentTasks: 1 });
    await manager.start();
    const gate = deferred();
    manager.task(async function stubborn() {
      await gate.promise;
      taskLog("finished anyway");
      return "done";
    });
    const id = await manager.addTask("stubborn");
    const next = await manager.addTask("stubborn");
    await settle();
    await manager.cancelTask(id);
    await settle();
    assert.equal(manager.getTask(next)?.status, "running", "the slot is freed at once");
    gate.resolve();
    await manager.waitFor(next);
    const record = manager.getTask(id);
    assert.equal(record?.status, "cancelled");
    assert.deepEqual(record?.logs, []);
    assert.deepEqual(statuses(id), ["pending", "running", "cancelled"]);
  });

  it("refuses to cancel a finished task with a TaskStateError and an unknown one with an UnknownTaskError", async () => {
    const { manager } = makeEngine();
    await manager.start();
    manager.task(async function quick() {});
    const id = await manager.addTask("quick");
    await manager.waitFor(id);
    await assert.rejects(manager.cancelTask(id), (e: unknown) =>
      e instanceof TaskStateError && e.taskId === id && e.status === "success" &&
      e.message === `Task ${id} is already success; only pending, running or waiting tasks can be cancelled`);
    await assert.rejects(manager.cancelTask("nope"), (e: unknown) =>
      e instanceof UnknownTaskError && e.taskId === "nope" && /^Unknown task id "nope"/.test(e.message));
  });
});

describe("engine: retryTask", () => {
  afterEach(shutdownEngines);

  it("enqueues a new task with the same args, kwargs and tags, leaving the original unchanged", async () => {
    const { manager } = makeEngine();
    await manager.start();
    let fail = true;
    const calls: unknown[][] = [];
    manager.task(async function sometimes(...args: unknown[]) {
      calls.push(args);
      if (fail) throw new Error("first time");
    });
    const id = await manager.addTask("sometimes", ["a", 1], { kwargs: { k: 2 }, tags: { env: "ci" } });
    const failed = await manager.waitFor(id);
    fail = false;
    const retryId = await manager.retryTask(id);
    assert.notEqual(retryId, id);
    const retried = await manager.waitFor(retryId);
    assert.equal(retried.status, "success");
    assert.deepEqual([retried.args, retried.kwargs, retried.tags], [["a", 1], { k: 2 }, { env: "ci" }]);
    assert.deepEqual(calls, [["a", 1, { k: 2 }], ["a", 1, { k: 2 }]]);
    const original = manager.getTask(id);
    assert.equal(original?.status, "failed");
    assert.equal(original?.error, failed.error);
  });

  it("refuses a task that is not failed, interrupted or rejected with a TaskStateError saying its status", async () => {
    const { manager } = makeEngine();
    await manager.start();
    manager.task(async function ok() {});
    const id = await manager.addTask("ok");
    await manager.waitFor(id);
    await assert.rejects(manager.retryTask(id), (e: unknown) =>
      e instanceof TaskStateError && e.status === "success" &&
      e.message === `Only failed, interrupted or rejected tasks can be retried; task ${id} is success`);
    await assert.rejects(manager.retryTask("missing"), (e: unknown) => e instanceof UnknownTaskError && /^Unknown task id "missing"/.test(e.message));
  });

  it("retries a rejected task with its arguments, tags, key, queue and priority", async () => {
    const store = new MemoryStore();
    await store.open();
    store.saveTask(newTaskData({
      taskId: "rejected-1", funcName: "job", status: "rejected", createdAt: Date.UTC(2025, 0, 1), endTime: Date.UTC(2025, 0, 1),
      args: [3], tags: { env: "ci" }, idempotencyKey: "k", queue: "emails", priority: 5,
    }));
    const { manager } = makeEngine({ store: reopenable(store) });
    const calls: unknown[][] = [];
    manager.task(async function job(...args: unknown[]) {
      calls.push(args);
    });
    await manager.start();
    const retried = await manager.waitFor(await manager.retryTask("rejected-1"));
    assert.equal(retried.status, "success");
    assert.deepEqual(calls, [[3]]);
    assert.deepEqual(
      [retried.tags, retried.idempotencyKey, retried.queue, retried.priority, retried.result],
      [{ env: "ci" }, "k", "emails", 5, null],
    );
  });

  it("refuses to retry a task whose function is no longer registered, with an UnknownFunctionError", async () => {
    const { manager } = makeEngine();
    await manager.start();
    manager.task(async function gone() {
      throw new Error("x");
    });
    const id = await manager.addTask("gone");
    await manager.waitFor(id);
    manager.unregisterTask("gone");
    await assert.rejects(manager.retryTask(id), (e: unknown) => e instanceof UnknownFunctionError && e.funcName === "gone" && /^Unknown task "gone"/.test(e.message));
  });
});
