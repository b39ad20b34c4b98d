import * as assert from "node:assert/strict";
import fc from "fast-check";
import { MemoryStore, type TaskStore } from "../../src/store";
import { ADD_TASKS_ITEM_KEYS, TASK_CONFIG_KEYS, isPlainObject, parseTaskConfig } from "../../src/model";
import { makeEngine, shutdownEngines, withOverrides } from "./helpers/engineHarness";
import { settle } from "./helpers/fakeClock";
import { assertRefusal, fuzzParameters, fuzzTimeout, hostileKey, hostileNumber, hostileObject, hostileString, hostileValue } from "./helpers/fuzz";

const READS = new Set(["open", "close", "flush", "getTask", "listTasks", "countTasks", "tasksWithStatus", "findByIdempotencyKey", "metrics", "funcNames", "listSchedules", "getSchedule", "auditTrail", "throughput", "then"]);

/** A MemoryStore that counts every call that may change it, so a test can prove a refusal wrote nothing. */
function countingStore() {
  const memory = new MemoryStore();
  const writes: string[] = [];
  const store: TaskStore = new Proxy(memory, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      const name = String(property);
      return (...args: unknown[]) => {
        if (!READS.has(name)) writes.push(name);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { memory, store: withOverrides(store, { close: async () => {} }), writes };
}

/**
 * What the store holds, compared before and after a refused call: every task while there are few,
 * then the count and the newest 200, so a 10,000-case run stays linear. Changes to older tasks are
 * still caught by the count of writes.
 */
function snapshot(memory: MemoryStore): string {
  return `${memory.countTasks()} ${JSON.stringify(memory.listTasks({ limit: 200 }))}`;
}

/** Plausible values for the addTask options, mixed with hostile ones. */
const optionValues: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: hostileValue },
  { weight: 1, arbitrary: fc.dictionary(fc.oneof(fc.string(), hostileKey), fc.oneof(fc.string(), hostileValue), { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom("default", "emails", "2026-12-24T09:00:00Z", "2026-02-30", "2026-12-24T09:00:00+25:00", 0, 5, -3, new Date(Date.UTC(2027, 0, 1))) },
  { weight: 1, arbitrary: hostileNumber },
);
const addOptions = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: hostileValue },
  { weight: 5, arbitrary: hostileObject(ADD_TASKS_ITEM_KEYS.filter((k) => k !== "args"), optionValues) },
);
const addArgs = fc.oneof({ weight: 3, arbitrary: fc.array(hostileValue, { maxLength: 5 }) }, { weight: 1, arbitrary: hostileValue });

describe("fuzz: addTask and task config on a real engine", function () {
  this.timeout(fuzzTimeout(120_000));
  afterEach(shutdownEngines);

  async function engine() {
    const counted = countingStore();
    const made = makeEngine({ store: counted.store });
    await made.manager.start();
    made.manager.task({ name: "echo" }, async (...args: unknown[]) => args);
    return { ...made, ...counted };
  }

  it("accepts addTask input whole or refuses it with a ValidationError or TypeError saying what was expected, storing nothing", async () => {
    const { manager, memory, writes } = await engine();
    await fc.assert(fc.asyncProperty(addArgs, addOptions, async (args, options) => {
      await settle();
      const before = snapshot(memory);
      const writesBefore = writes.length;
      let id: string | undefined;
      try {
        id = await manager.addTask("echo", args as unknown[], options as never);
      } catch (error) {
        assertRefusal(error, ["ValidationError", "TypeError"], "addTask");
        assert.equal(writes.length, writesBefore, `a refused addTask wrote ${writes.slice(writesBefore).join(", ")}`);
        assert.equal(snapshot(memory), before, "a refused addTask changed the store");
      }
      // A key already in use gives back the earlier run, with its own arguments.
      const keyed = isPlainObject(options) && options.idempotencyKey !== undefined;
      if (id !== undefined && !keyed) {
        const record = manager.getTask(id);
        assert.ok(record, "an accepted addTask has a record");
        // Left out (undefined), the arguments are none.
        assert.deepEqual(record.args, args === undefined ? [] : JSON.parse(JSON.stringify(args)), "the record holds the arguments as JSON carries them");
      }
      const check = await manager.addTask("echo", ["still working"]);
      assert.equal((await manager.waitFor(check)).status, "success");
    }), fuzzParameters());
  });

  it("refuses arguments nested thousands of levels deep with a TypeError naming the limit, instead of overflowing the stack", async () => {
    const { manager, memory } = await engine();
    let deep: unknown = 1;
    for (let i = 0; i < 4500; i++) deep = [deep];
    await assert.rejects(manager.addTask("echo", [deep]), (e: Error) => e.name === "TypeError" && /args\[0\]\[0\].*is nested more than 1000 levels deep.*flatten it/.test(e.message));
    assert.equal(memory.countTasks(), 0);
    let fine: unknown = 1;
    for (let i = 0; i < 900; i++) fine = { a: fine };
    assert.equal((await manager.waitFor(await manager.addTask("echo", [fine]))).status, "success");
  });

  it("refuses an addTasks batch with a hole (a sparse array) naming the item, instead of failing on it", async () => {
    const { manager, memory } = await engine();
    // eslint-disable-next-line no-sparse-arrays
    const batch = [{ args: [1] }, , { args: [2] }];
    await assert.rejects(manager.addTasks("echo", batch as never), (e: Error) => e.name === "ValidationError" && /^addTasks item 1 must be an object like \{ args, kwargs, tags, idempotencyKey \}, got undefined$/.test(e.message));
    assert.equal(memory.countTasks(), 0);
  });

  it("accepts addTasks items whole or refuses the batch with the item's index, storing none of it", async () => {
    const { manager, memory, writes } = await engine();
    const item = fc.oneof({ weight: 4, arbitrary: hostileObject(ADD_TASKS_ITEM_KEYS, optionValues) }, { weight: 1, arbitrary: hostileValue });
    const items = fc.oneof({ weight: 4, arbitrary: fc.array(item, { maxLength: 4 }) }, { weight: 1, arbitrary: hostileValue });
    await fc.assert(fc.asyncProperty(items, async (batch) => {
      await settle();
      const before = snapshot(memory);
      const writesBefore = writes.length;
      try {
        const ids = await manager.addTasks("echo", batch as never);
        assert.equal(ids.length, (batch as unknown[]).length);
      } catch (error) {
        assertRefusal(error, ["ValidationError", "TypeError"], "addTasks");
        if (Array.isArray(batch) && batch.length > 0 && !/^addTasks items/.test(error.message)) assert.match(error.message, /^addTasks item \d+/);
        assert.equal(writes.length, writesBefore, `a refused addTasks wrote ${writes.slice(writesBefore).join(", ")}`);
        assert.equal(snapshot(memory), before, "a refused addTasks changed the store");
      }
    }), fuzzParameters());
  });

  it("registers a task config the model accepts, as the model reads it, and refuses any other with a ValidationError, registering and storing nothing", async () => {
    const { manager, memory, writes } = await engine();
    const configValue = fc.oneof(
      { weight: 2, arbitrary: optionValues },
      { weight: 1, arbitrary: fc.constantFrom("args[0]", "args[1].userId", "kwargs.tenant", "tags.tenant", "args[", "kwargs.", "tags", "args[-1]", "args[0]..x") },
      { weight: 1, arbitrary: hostileObject(["key", "limit", "max", "perSeconds", "seconds", "every", "cron", "timezone"], fc.oneof(hostileNumber, hostileString, fc.constantFrom("args[0]", "*/5 * * * *", "Europe/Berlin", 1, 60))) },
    );
    const config = fc.oneof({ weight: 5, arbitrary: hostileObject(TASK_CONFIG_KEYS, configValue) }, { weight: 1, arbitrary: hostileValue });
    let n = 0;
    await fc.assert(fc.asyncProperty(config, async (raw) => {
      await settle();
      const before = snapshot(memory);
      const writesBefore = writes.length;
      const registeredBefore = manager.registeredTasks().map((t) => t.name).sort();
      let expected: ReturnType<typeof parseTaskConfig> | undefined;
      try {
        // Left out (undefined), the config is none, as in manager.task(fn).
        expected = parseTaskConfig(raw === undefined ? {} : raw);
      } catch {
        expected = undefined;
      }
      const fn = async () => 1;
      const fnName = `fuzzed${n++}`;
      Object.defineProperty(fn, "name", { value: fnName });
      try {
        manager.task(raw as never, fn);
        assert.ok(expected, `the engine registered a config the model refuses: ${fc.stringify(raw)}`);
        const name = expected.name ?? fnName;
        assert.ok(manager.registeredTasks().some((t) => t.name === name), `registered under ${name}`);
      } catch (error) {
        if (expected?.name !== undefined && registeredBefore.includes(expected.name)) {
          assert.match((error as Error).message, /is registered twice/, "a name in use is refused, saying so");
        } else {
          assertRefusal(error, ["ValidationError"], "task config");
          assert.equal(expected, undefined, `the model accepts what the engine refused: ${error.message}`);
        }
        assert.deepEqual(manager.registeredTasks().map((t) => t.name).sort(), registeredBefore);
        assert.equal(writes.length, writesBefore, `a refused config wrote ${writes.slice(writesBefore).join(", ")}`);
        assert.equal(snapshot(memory), before, "a refused config changed the store");
      } finally {
        // Shrinking replays cases on this same manager: each case starts with echo alone registered.
        for (const t of manager.registeredTasks()) if (t.name !== "echo") manager.unregisterTask(t.name);
      }
      const check = await manager.addTask("echo", ["still working"]);
      assert.equal((await manager.waitFor(check)).status, "success");
    }), fuzzParameters());
  });
});
