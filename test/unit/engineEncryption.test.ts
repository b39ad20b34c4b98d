import * as assert from "node:assert/strict";
import { Fernet, generateKey, newTaskData, type TaskData } from "../../src";
import { MemoryStore } from "../../src/store";
import { makeEngine, reopenable, shutdownEngines } from "./helpers/engineHarness";

describe("engine: encrypted arguments", () => {
  afterEach(shutdownEngines);

  const key = generateKey();

  it("stores (args, kwargs) only as a Fernet token and passes the decrypted values to the task", async () => {
    const { manager, store } = makeEngine({ encryptArgsKey: key });
    await manager.start();
    const calls: unknown[][] = [];
    manager.task(async function secret(...args: unknown[]) {
      calls.push(args);
    });
    const id = await manager.addTask("secret", ["p@ssw0rd"], { kwargs: { token: "abc" } });
    await manager.waitFor(id);
    assert.deepEqual(calls, [["p@ssw0rd", { token: "abc" }]]);
    const stored = store.getTask(id);
    assert.deepEqual([stored?.args, stored?.kwargs], [[], {}]);
    assert.ok(stored?.encryptedPayload);
    const token = Buffer.from(stored.encryptedPayload).toString("utf8");
    assert.doesNotMatch(JSON.stringify(stored, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString() : v)), /p@ssw0rd|abc"/);
    assert.deepEqual(JSON.parse(new Fernet(key).decrypt(token).toString()), { args: ["p@ssw0rd"], kwargs: { token: "abc" } });
    const dict = manager.getTask(id)?.toDict();
    assert.equal(dict?.encrypted, true);
    assert.ok(!("encryptedPayload" in (dict ?? {})));
  });

  /** A stored task whose arguments were encrypted with `withKey`, as a previous session left it. */
  function storedTask(status: "pending" | "failed", withKey: string): TaskData {
    const token = new Fernet(withKey).encrypt(JSON.stringify({ args: ["x"], kwargs: {} }));
    return newTaskData({
      taskId: "11111111-2222-4333-8444-555555555555", funcName: "secret", status,
      createdAt: Date.UTC(2025, 0, 1), encryptedPayload: Buffer.from(token, "utf8"),
    });
  }

  it("fails, never stuck pending, when the key does not match the one the task was enqueued with", async () => {
    const store = new MemoryStore();
    await store.open();
    store.saveTask(storedTask("pending", key));
    const { manager } = makeEngine({ encryptArgsKey: generateKey(), store: reopenable(store) });
    manager.task({ name: "secret" }, async () => {});
    await manager.start();
    const record = await manager.waitFor("11111111-2222-4333-8444-555555555555");
    assert.equal(record.status, "failed");
    assert.match(record.error ?? "", /encryption key does not match the one the task was enqueued with/);
    assert.ok(record.stacktrace);
  });

  it("fails with a clear error when a task has an encrypted payload but no key is set", async () => {
    const store = new MemoryStore();
    await store.open();
    store.saveTask(storedTask("failed", key));
    const { manager } = makeEngine({ store: reopenable(store) });
    manager.task({ name: "secret" }, async () => {});
    await manager.start();
    const record = await manager.waitFor(await manager.retryTask("11111111-2222-4333-8444-555555555555"));
    assert.equal(record.status, "failed");
    assert.match(record.error ?? "", /has encrypted arguments but this TaskManager has no encryptArgsKey/);
  });

  it("retries a task with encrypted arguments with the same arguments", async () => {
    const { manager } = makeEngine({ encryptArgsKey: key });
    await manager.start();
    const calls: unknown[][] = [];
    manager.task(async function once(...args: unknown[]) {
      calls.push(args);
      if (calls.length === 1) throw new Error("first");
    });
    const id = await manager.addTask("once", [{ a: 1 }], { tags: { x: "y" } });
    await manager.waitFor(id);
    const retried = await manager.waitFor(await manager.retryTask(id));
    assert.equal(retried.status, "success");
    assert.deepEqual(calls, [[{ a: 1 }], [{ a: 1 }]]);
    assert.equal(retried.encrypted, true);
    assert.deepEqual(retried.tags, { x: "y" });
  });

  it("refuses a malformed key at construction, saying what a key looks like", () => {
    assert.throws(() => makeEngine({ encryptArgsKey: "hunter2" }), /URL-safe base64 of 32 bytes \(44 characters/);
  });
});
