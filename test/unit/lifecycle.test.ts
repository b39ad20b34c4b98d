import * as assert from "node:assert/strict";
import { getTaskContext, newTaskData, type TaskData } from "../../src";
import { MemoryStore } from "../../src/store";
import { deferred, makeEngine, reopenable, shutdownEngines, withOverrides } from "./helpers/engineHarness";
import { settle } from "./helpers/fakeClock";

function stored(fields: Partial<TaskData> & Pick<TaskData, "taskId" | "funcName" | "status">): TaskData {
  return newTaskData({ createdAt: Date.UTC(2025, 5, 1), ...fields });
}

async function seeded(...tasks: TaskData[]) {
  const store = new MemoryStore();
  await store.open();
  for (const t of tasks) {
    store.saveTask({ ...t, logs: [] });
    if (t.logs.length > 0) store.appendLogs(t.taskId, t.logs);
  }
  return { store, view: reopenable(store) };
}

describe("lifecycle: shutdown", () => {
  afterEach(shutdownEngines);

  it("interrupts running tasks, with endTime and a lifecycle event, and aborts their signal", async () => {
    const { manager, store, statuses, lifecycle } = makeEngine();
    await manager.start();
    let aborted = false;
    manager.task(async function busy() {
      getTaskContext()?.signal.addEventListener("abort", () => (aborted = true));
      await new Promise(() => {});
    });
    const id = await manager.addTask("busy", [], { tags: { k: "v" } });
    await settle();
    await manager.shutdown();
    const data = store.getTask(id);
    assert.equal(data?.status, "interrupted");
    assert.ok(data?.endTime);
    assert.equal(data?.error, "Taskflow shut down while this task was running");
    assert.deepEqual(statuses(id), ["pending", "running", "interrupted"]);
    assert.deepEqual(lifecycle.at(-1)?.tags, { k: "v" });
    assert.equal(aborted, true);
  });

  it("puts a running requeueOnInterrupt task back to pending", async () => {
    const { manager, store } = makeEngine();
    await manager.start();
    manager.task({ name: "safe", requeueOnInterrupt: true }, () => new Promise(() => {}));
    const id = await manager.addTask("safe");
    await settle();
    await manager.shutdown();
    assert.equal(store.getTask(id)?.status, "pending");
    assert.equal(store.getTask(id)?.startTime, null);
  });

  it("keeps pending tasks of persist functions and interrupts other pending ones", async () => {
    const { manager, store } = makeEngine({ maxConcurrentTasks: 1 });
    await manager.start();
    manager.task({ name: "block" }, () => new Promise(() => {}));
    manager.task({ name: "kept", persist: true }, async () => {});
    manager.task({ name: "dropped" }, async () => {});
    await manager.addTask("block");
    const kept = await manager.addTask("kept");
    const dropped = await manager.addTask("dropped");
    await manager.shutdown();
    assert.equal(store.getTask(kept)?.status, "pending");
    assert.equal(store.getTask(dropped)?.status, "interrupted");
    assert.equal(store.getTask(dropped)?.error, "Taskflow shut down before this task ran");
  });

  it("interrupts a task waiting for its next retry, unless its function persists", async () => {
    const { manager, store } = makeEngine();
    await manager.start();
    const fail = async () => {
      throw new Error("x");
    };
    manager.task({ name: "plain", retries: 1, delay: 60 }, fail);
    manager.task({ name: "kept", retries: 1, delay: 60, persist: true }, fail);
    const plain = await manager.addTask("plain");
    const kept = await manager.addTask("kept");
    await settle();
    await manager.shutdown();
    assert.equal(store.getTask(plain)?.status, "interrupted");
    assert.equal(store.getTask(plain)?.error, "Taskflow shut down while this task waited for its next retry");
    assert.equal(store.getTask(kept)?.status, "pending");
    assert.equal(store.getTask(kept)?.retriesUsed, 1);
  });

  it("leaves a just-cancelled task cancelled", async () => {
    const { manager, store, statuses } = makeEngine();
    await manager.start();
    manager.task({ name: "stubborn" }, () => new Promise(() => {}));
    const id = await manager.addTask("stubborn");
    await settle();
    await manager.cancelTask(id);
    await manager.shutdown();
    assert.equal(store.getTask(id)?.status, "cancelled");
    assert.deepEqual(statuses(id), ["pending", "running", "cancelled"]);
  });

  it("is idempotent, and a waitFor on a task left pending is rejected", async () => {
    const { manager } = makeEngine({ maxConcurrentTasks: 1 });
    await manager.start();
    manager.task({ name: "block" }, () => new Promise(() => {}));
    manager.task({ name: "kept", persist: true }, async () => {});
    await manager.addTask("block");
    const waiting = manager.waitFor(await manager.addTask("kept"));
    const a = manager.shutdown();
    assert.equal(manager.shutdown(), a);
    await a;
    await manager.shutdown();
    await assert.rejects(waiting, /shut down before task .* finished; it stays in the store as it was \(pending, or waiting\)/);
  });

  it("refuses waitFor after shutdown instead of waiting forever", async () => {
    const { manager } = makeEngine({ maxConcurrentTasks: 1 });
    await manager.start();
    manager.task({ name: "block" }, () => new Promise(() => {}));
    manager.task({ name: "kept", persist: true }, async () => {});
    await manager.addTask("block");
    const kept = await manager.addTask("kept");
    await manager.shutdown();
    await assert.rejects(manager.waitFor(kept), /has shut down: cannot wait for task/);
  });

  it("shuts down cleanly after a start that failed, without touching the unopened store", async () => {
    const calls: string[] = [];
    const store = new MemoryStore();
    const broken = withOverrides(store, {
      open: async () => {
        throw new Error("disk on fire");
      },
      flush: async () => void calls.push("flush"),
      close: async () => void calls.push("close"),
    });
    const { manager } = makeEngine({ store: broken });
    await assert.rejects(manager.start(), /disk on fire/);
    await manager.shutdown();
    assert.deepEqual(calls, []);
  });

  it("flushes and closes the store", async () => {
    const calls: string[] = [];
    const store = new MemoryStore();
    const spy = withOverrides(store, {
      flush: async () => void calls.push("flush"),
      close: async () => void calls.push("close"),
    });
    const { manager } = makeEngine({ store: spy });
    await manager.start();
    await manager.shutdown();
    assert.deepEqual(calls, ["flush", "close"]);
  });
});

describe("lifecycle: start and recovery", () => {
  afterEach(shutdownEngines);

  it("marks a task a dead process left running as interrupted, keeping its tags and logs", async () => {
    const { view, store } = await seeded(
      stored({ taskId: "t-run", funcName: "job", status: "running", startTime: Date.UTC(2025, 5, 1), tags: { env: "x" }, logs: ["2025-06-01T00:00:00 working"] }),
    );
    const { manager, statuses } = makeEngine({ store: view });
    await manager.start();
    const record = manager.getTask("t-run");
    assert.equal(record?.status, "interrupted");
    assert.match(record?.error ?? "", /process running this task exited before it finished/);
    assert.ok(record?.endTime);
    assert.deepEqual(record?.tags, { env: "x" });
    assert.deepEqual(record?.logs, ["2025-06-01T00:00:00 working"]);
    assert.deepEqual(statuses("t-run"), ["interrupted"]);
    assert.equal(store.getTask("t-run")?.status, "interrupted");
  });

  it("requeues a task left running when its function is registered with requeueOnInterrupt", async () => {
    const { view } = await seeded(stored({ taskId: "t-safe", funcName: "safe", status: "running", args: [5] }));
    const { manager } = makeEngine({ store: view });
    const seen: unknown[] = [];
    manager.task({ name: "safe", requeueOnInterrupt: true }, async (n: number) => void seen.push(n));
    await manager.start();
    const record = await manager.waitFor("t-safe");
    assert.equal(record.status, "success");
    assert.deepEqual(seen, [5]);
  });

  it("requeues a task left running when its requeueOnInterrupt function registers only after start", async () => {
    const { view } = await seeded(
      stored({ taskId: "t-late", funcName: "late", status: "running", args: [7] }),
      stored({ taskId: "t-other", funcName: "plain", status: "running" }),
    );
    const { manager, statuses } = makeEngine({ store: view });
    await manager.start();
    assert.equal(manager.getTask("t-late")?.status, "interrupted");
    const seen: unknown[] = [];
    manager.task({ name: "late", requeueOnInterrupt: true }, async (n: number) => void seen.push(n));
    manager.task({ name: "plain" }, async () => undefined);
    const record = await manager.waitFor("t-late");
    assert.equal(record.status, "success");
    assert.deepEqual(seen, [7]);
    assert.deepEqual(statuses("t-late"), ["interrupted", "pending", "running", "success"]);
    assert.equal(manager.getTask("t-other")?.status, "interrupted", "a function without requeueOnInterrupt stays interrupted");
  });

  it("dispatches stored pending tasks oldest first, and waits for functions registered later", async () => {
    const { view } = await seeded(
      stored({ taskId: "p2", funcName: "later", status: "pending", createdAt: 2 }),
      stored({ taskId: "p1", funcName: "now", status: "pending", createdAt: 1, tags: { a: "b" }, idempotencyKey: "key" }),
    );
    const { manager } = makeEngine({ store: view });
    const order: string[] = [];
    manager.task({ name: "now" }, async () => void order.push("now"));
    await manager.start();
    await manager.waitFor("p1");
    await settle();
    assert.equal(manager.getTask("p2")?.status, "pending");
    await assert.rejects(manager.addTask("later"), /Unknown task "later"/);
    manager.task({ name: "later" }, async () => void order.push("later"));
    await manager.waitFor("p2");
    assert.deepEqual(order, ["now", "later"]);
    assert.equal(await manager.addTask("now", [], { idempotencyKey: "key" }), "p1", "keys survive restarts");
  });

  it("leaves stored pending tasks alone with requeuePending: false", async () => {
    const { view } = await seeded(stored({ taskId: "p", funcName: "job", status: "pending" }));
    const { manager } = makeEngine({ store: view, requeuePending: false });
    let ran = false;
    manager.task({ name: "job" }, async () => void (ran = true));
    await manager.start();
    await settle();
    assert.equal(ran, false);
    assert.equal(manager.getTask("p")?.status, "pending");
  });

  it("start() twice opens once; start after shutdown is refused", async () => {
    let opens = 0;
    const store = new MemoryStore();
    const spy = withOverrides(store, {
      open: async () => {
        opens++;
        await store.open();
      },
    });
    const { manager } = makeEngine({ store: spy });
    await Promise.all([manager.start(), manager.start()]);
    assert.equal(opens, 1);
    await manager.shutdown();
    await assert.rejects(manager.start(), /has shut down and cannot start again/);
  });

  it("gives pending tasks a start only after start(), even when added while starting", async () => {
    const gate = deferred();
    const store = new MemoryStore();
    const slow = withOverrides(store, {
      open: async () => {
        await gate.promise;
        await store.open();
      },
    });
    const { manager } = makeEngine({ store: slow });
    manager.task(async function job() {});
    const starting = manager.start();
    const adding = manager.addTask("job");
    gate.resolve();
    await starting;
    assert.equal((await manager.waitFor(await adding)).status, "success");
  });
});
