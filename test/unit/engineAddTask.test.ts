import * as assert from "node:assert/strict";
import { newTaskData } from "../../src";
import { MemoryStore } from "../../src/store";
import { makeEngine, reopenable, shutdownEngines } from "./helpers/engineHarness";

async function started() {
  const engine = makeEngine();
  await engine.manager.start();
  engine.manager.task(async function echo(...args: unknown[]) {
    return args;
  });
  return engine;
}

describe("engine: addTask", () => {
  afterEach(shutdownEngines);

  it("creates a pending record with args, kwargs, tags and key, and runs it as fn(...args, kwargs)", async () => {
    const { manager } = makeEngine();
    await manager.start();
    const calls: unknown[][] = [];
    manager.task(async function job(...args: unknown[]) {
      calls.push(args);
    });
    const id = await manager.addTask("job", [1, "a"], { kwargs: { k: true }, tags: { env: "dev" }, idempotencyKey: "key-1" });
    const record = manager.getTask(id);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(
      { args: record?.args, kwargs: record?.kwargs, tags: record?.tags, key: record?.idempotencyKey },
      { args: [1, "a"], kwargs: { k: true }, tags: { env: "dev" }, key: "key-1" },
    );
    await manager.waitFor(id);
    const id2 = await manager.addTask("job", [2]);
    await manager.waitFor(id2);
    assert.deepEqual(calls, [[1, "a", { k: true }], [2]]);
  });

  it("refuses an unknown name, naming it and listing the known ones", async () => {
    const { manager } = await started();
    manager.task(async function other() {});
    await assert.rejects(manager.addTask("nope"), /Unknown task "nope": registered tasks are echo, other/);
    assert.equal(manager.countTasks(), 0);
  });

  it("refuses arguments and options of the wrong shape, saying what was expected and what was got, and creates no record", async () => {
    const { manager } = await started();
    const refused: Array<[unknown, unknown, RegExp]> = [
      [{ a: 1 }, {}, /^Arguments must be a JSON array, got an object: wrap them in \[ \]$/],
      ["x", {}, /^Arguments must be a JSON array, got the string "x": wrap them in \[ \]$/],
      [[], { kwargs: [] }, /^addTask options "kwargs" must be a plain object, got an array$/],
      [[], { tags: { n: 1 } }, /^addTask options "tags\.n" must be a string: tags map strings to strings, got the number 1$/],
      [[], { tags: { "a=b": "x" } }, /^addTask options "tags\.a=b" tag keys must not contain "="/],
      [[], { idempotencyKey: "" }, /^addTask options "idempotencyKey" must be a non-empty string, got the string ""$/],
      [[], { retries: 3 }, /^addTask options has an unknown key "retries"\. Known keys: kwargs, idempotencyKey, tags, queue, priority, delay, runAt$/],
      [[], [], /^addTask options must be an object like \{ kwargs, idempotencyKey, tags \}, got an array$/],
      [[], "x", /^addTask options must be an object like \{ kwargs, idempotencyKey, tags \}, got the string "x"$/],
    ];
    for (const [args, options, message] of refused) {
      await assert.rejects(manager.addTask("echo", args as never, options as never), (e: Error) => e.name === "ValidationError" && message.test(e.message));
    }
    assert.equal(manager.countTasks(), 0);
  });

  it("refuses values that are not JSON-serialisable, naming the path", async () => {
    const { manager } = await started();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const cases: Array<[unknown[], Record<string, unknown>, RegExp]> = [
      [[1, { user: { callback: () => 1 } }], {}, /args\[1\]\.user\.callback is a function/],
      [[10n], {}, /args\[0\] is a BigInt/],
      [[Symbol("s")], {}, /args\[0\] is a symbol/],
      [[[1, undefined]], {}, /args\[0\]\[1\] is undefined/],
      [[cyclic], {}, /args\[0\]\.self is a circular reference to args\[0\]/],
      [[new Date(0)], {}, /args\[0\] is a Date instance.*toISOString/],
      [[NaN], {}, /args\[0\] is NaN/],
      [[], { "odd key": new Map() }, /kwargs\["odd key"\] is a Map instance/],
    ];
    for (const [args, kwargs, pattern] of cases) {
      await assert.rejects(manager.addTask("echo", args, { kwargs }), pattern);
    }
    assert.equal(manager.countTasks(), 0);
  });

  it("copies the arguments, so later changes by the caller do not reach the task", async () => {
    const { manager } = await started();
    const arg = { n: 1 };
    const id = await manager.addTask("echo", [arg]);
    arg.n = 2;
    assert.deepEqual(manager.getTask(id)?.args, [{ n: 1 }]);
  });

  it("takes flat arguments without options as JSON would: copied, -0 as 0, and NaN, undefined or holes refused", async () => {
    const { manager } = await started();
    const args: unknown[] = ["text", 1.5, true, null, -0];
    const id = await manager.addTask("echo", args);
    args[0] = "changed";
    args.push("more");
    const record = manager.getTask(id);
    assert.deepEqual(record?.args, ["text", 1.5, true, null, 0]);
    assert.ok(Object.is(record?.args[4], 0), "-0 is stored as JSON stores it");
    // eslint-disable-next-line no-sparse-arrays
    for (const [bad, pattern] of [[[NaN], /args\[0\] is NaN/], [[1, Infinity], /args\[1\] is Infinity/], [[undefined], /args\[0\] is undefined/], [[, 1], /args\[0\] is undefined/]] as Array<[unknown[], RegExp]>) {
      await assert.rejects(manager.addTask("echo", bad), pattern);
    }
    assert.equal(manager.countTasks(), 1);
  });

  it("returns the existing id for a key held by a task that is not failed or interrupted", async () => {
    const { manager } = await started();
    const first = await manager.addTask("echo", [1], { idempotencyKey: "k" });
    assert.equal(await manager.addTask("echo", [2], { idempotencyKey: "k" }), first);
    await manager.waitFor(first);
    assert.equal(await manager.addTask("echo", [3], { idempotencyKey: "k" }), first, "a successful task still holds its key");
    assert.equal(manager.countTasks(), 1);
  });

  it("enqueues again when the task holding the key failed", async () => {
    const { manager } = await started();
    manager.task(async function boom() {
      throw new Error("no");
    });
    const first = await manager.addTask("boom", [], { idempotencyKey: "k" });
    assert.equal((await manager.waitFor(first)).status, "failed");
    const second = await manager.addTask("boom", [], { idempotencyKey: "k" });
    assert.notEqual(second, first);
  });

  it("enqueues again when the task holding the key was interrupted or rejected, never when it was cancelled", async () => {
    const store = new MemoryStore();
    await store.open();
    for (const status of ["interrupted", "rejected", "cancelled"] as const) {
      store.saveTask(newTaskData({ taskId: `held-${status}`, funcName: "echo", status, createdAt: Date.UTC(2025, 0, 1), idempotencyKey: status }));
    }
    const { manager } = makeEngine({ store: reopenable(store) });
    manager.task(async function echo() {});
    await manager.start();
    assert.notEqual(await manager.addTask("echo", [], { idempotencyKey: "interrupted" }), "held-interrupted");
    assert.notEqual(await manager.addTask("echo", [], { idempotencyKey: "rejected" }), "held-rejected");
    assert.equal(await manager.addTask("echo", [], { idempotencyKey: "cancelled" }), "held-cancelled");
  });

  it("needs start() first, and refuses after shutdown", async () => {
    const { manager } = makeEngine();
    manager.task(async function job() {});
    await assert.rejects(manager.addTask("job"), /not started: await manager\.start\(\) before addTask/);
    await manager.start();
    await manager.shutdown();
    await assert.rejects(manager.addTask("job"), /has shut down/);
  });

  it("fails the attempt when the return value is not JSON-serialisable", async () => {
    const { manager } = await started();
    manager.task(async function leaky() {
      return { when: new Date(0) };
    });
    const record = await manager.waitFor(await manager.addTask("leaky"));
    assert.equal(record.status, "failed");
    assert.match(record.error ?? "", /task "leaky" returned a value that is not JSON-serialisable: the return value\.when is a Date instance/);
  });
});
