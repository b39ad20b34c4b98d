import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Fernet, TaskManager, generateKey } from "../../src";
import { SqlJsStore } from "../../src/store";
import { makeEngine, shutdownEngines, withOverrides } from "./helpers/engineHarness";

async function started(options: Parameters<typeof makeEngine>[0] = {}) {
  const engine = makeEngine(options);
  await engine.manager.start();
  const calls: unknown[][] = [];
  engine.manager.task(async function echo(...args: unknown[]) {
    calls.push(args);
    return args;
  });
  return { ...engine, calls };
}

describe("engine: addTasks", () => {
  afterEach(shutdownEngines);

  it("enqueues every item and returns their ids in item order, each run with its own args, kwargs and tags", async () => {
    const { manager, calls } = await started();
    const ids = await manager.addTasks("echo", [
      { args: [1] },
      { args: [2], kwargs: { k: "v" } },
      { tags: { env: "dev" } },
    ]);
    assert.equal(ids.length, 3);
    assert.equal(new Set(ids).size, 3);
    const records = await Promise.all(ids.map((id) => manager.waitFor(id)));
    assert.deepEqual(records.map((r) => [r.status, r.args, r.kwargs, r.tags]), [
      ["success", [1], {}, {}],
      ["success", [2], { k: "v" }, {}],
      ["success", [], {}, { env: "dev" }],
    ]);
    assert.deepEqual(calls, [[1], [2, { k: "v" }], []]);
  });

  it("saves the whole call in one store batch", async () => {
    const engine = makeEngine();
    const batches: number[] = [];
    const saves: string[] = [];
    const store = withOverrides(engine.store, {
      saveTasks: (tasks) => {
        batches.push(tasks.length);
        engine.store.saveTasks(tasks);
      },
      saveTask: (task) => {
        saves.push(task.status);
        engine.store.saveTask(task);
      },
      saveLive: (tasks) => {
        if (tasks.length === 1) saves.push(tasks[0].status);
        else batches.push(tasks.length);
        engine.store.saveLive!(tasks);
      },
    });
    const { manager } = makeEngine({ store });
    await manager.start();
    manager.task(async function noop() {});
    await manager.addTasks("noop", Array.from({ length: 50 }, () => ({})));
    assert.deepEqual(batches, [50]);
    assert.ok(!saves.includes("pending"), "no pending record is saved one by one");
  });

  it("refuses a bad item with an error naming its index and what was expected, and enqueues nothing", async () => {
    const { manager } = await started();
    const refused: Array<[unknown, RegExp]> = [
      [[{}, { args: { a: 1 } }], /^addTasks item 1: Arguments must be a JSON array, got an object: wrap them in \[ \]$/],
      [[{}, {}, { tags: { n: 1 } }], /^addTasks item 2: addTask options "tags\.n" must be a string: tags map strings to strings, got the number 1$/],
      [[{ retries: 3 }], /^addTasks item 0 has an unknown key "retries"\. Known keys: args, kwargs, idempotencyKey, tags, queue, priority, delay, runAt$/],
      [[{}, "x"], /^addTasks item 1 must be an object like \{ args, kwargs, tags, idempotencyKey \}, got the string "x"$/],
      [{ args: [] }, /^addTasks items must be an array of an object like \{ args, kwargs, tags, idempotencyKey \}, got an object$/],
    ];
    for (const [items, message] of refused) {
      await assert.rejects(manager.addTasks("echo", items as never), (e: Error) => e.name === "ValidationError" && message.test(e.message));
    }
    await assert.rejects(
      manager.addTasks("echo", [{ args: [1] }, { args: [() => 1] }]),
      (e: Error) => e instanceof TypeError && /^addTasks item 1: Task "echo" arguments must be JSON-serialisable: args\[0\] is a function/.test(e.message),
    );
    assert.equal(manager.countTasks(), 0);
  });

  it("gives items sharing an idempotency key one task, and an item whose key an existing task holds that task's id", async () => {
    const { manager, calls } = await started();
    const held = await manager.addTask("echo", ["old"], { idempotencyKey: "held" });
    const ids = await manager.addTasks("echo", [
      { args: ["a"], idempotencyKey: "k" },
      { args: ["b"], idempotencyKey: "held" },
      { args: ["c"], idempotencyKey: "k" },
      { args: ["d"] },
    ]);
    assert.equal(ids[1], held);
    assert.equal(ids[2], ids[0]);
    assert.notEqual(ids[3], ids[0]);
    await Promise.all(ids.map((id) => manager.waitFor(id)));
    assert.deepEqual(calls, [["old"], ["a"], ["d"]]);
    assert.equal(manager.countTasks(), 3);
  });

  it("stores each item's arguments encrypted when a key is set", async () => {
    const key = generateKey();
    const { manager, store, calls } = await started({ encryptArgsKey: key });
    const ids = await manager.addTasks("echo", [{ args: ["s1"] }, { args: ["s2"], kwargs: { pin: "42" } }]);
    await Promise.all(ids.map((id) => manager.waitFor(id)));
    assert.deepEqual(calls, [["s1"], ["s2", { pin: "42" }]]);
    const tokens = ids.map((id) => {
      const stored = store.getTask(id);
      assert.deepEqual([stored?.args, stored?.kwargs], [[], {}]);
      return Buffer.from(stored!.encryptedPayload!).toString("utf8");
    });
    assert.deepEqual(tokens.map((t) => JSON.parse(new Fernet(key).decrypt(t).toString()) as unknown), [
      { args: ["s1"], kwargs: {} },
      { args: ["s2"], kwargs: { pin: "42" } },
    ]);
  });

  describe("on an sql.js file", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), "taskflow-addtasks-"));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("runs 1,000 tasks added at once, and a new manager on the file sees them all succeeded", async () => {
      const dbPath = path.join(dir, "tasks.db");
      const first = new TaskManager({ store: new SqlJsStore({ dbPath }), maxConcurrentTasks: 8, onOutsideLog: () => undefined });
      await first.start();
      const seen: number[] = [];
      first.task(async function square(n: number) {
        seen.push(n);
        return n * n;
      });
      const ids = await first.addTasks("square", Array.from({ length: 1000 }, (_, i) => ({ args: [i] })));
      await Promise.all(ids.map((id) => first.waitFor(id)));
      await first.shutdown();
      assert.deepEqual(seen, Array.from({ length: 1000 }, (_, i) => i));

      const second = new TaskManager({ store: new SqlJsStore({ dbPath }), onOutsideLog: () => undefined });
      await second.start();
      try {
        assert.equal(second.metrics().success, 1000);
        assert.deepEqual(ids.map((id) => second.getTask(id)?.result), Array.from({ length: 1000 }, (_, i) => i * i));
      } finally {
        await second.shutdown();
      }
    });
  });
});
