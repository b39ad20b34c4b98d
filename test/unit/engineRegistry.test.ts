import * as assert from "node:assert/strict";
import { task } from "../../src";
import { makeEngine, shutdownEngines } from "./helpers/engineHarness";

describe("engine: registering task functions", () => {
  afterEach(shutdownEngines);

  it("accepts (fn), (fn, config) and (config, fn), naming a task after config.name or the function", () => {
    const { manager } = makeEngine();
    async function plain() {}
    async function sendEmail() {}
    const a = manager.task(plain);
    const b = manager.task(sendEmail, { retries: 2 });
    const c = manager.task({ name: "custom", delay: 1 }, async () => {});
    assert.deepEqual([a.taskName, b.taskName, c.taskName], ["plain", "sendEmail", "custom"]);
    assert.deepEqual(
      manager.registeredTasks().map((r) => [r.name, r.config.retries ?? 0]),
      [["plain", 0], ["sendEmail", 2], ["custom", 0]],
    );
  });

  it("refuses an empty name", () => {
    const { manager } = makeEngine();
    assert.throws(() => manager.task(() => 1), /Task name is empty: give the function a name or pass \{ name/);
    assert.throws(() => manager.task({ name: " " }, async function named() {}), (e: Error) => e.name === "ValidationError" && /"name" must not be only spaces: give a name with letters, or omit it/.test(e.message));
  });

  it("refuses a duplicate name, naming both registrations", () => {
    const { manager } = makeEngine();
    async function first() {}
    async function second() {}
    manager.task(first, { name: "job" }, { source: "a.tasks.ts#first" });
    assert.throws(
      () => manager.task(second, { name: "job" }, { source: "b.tasks.ts#second" }),
      /"job" is registered twice: first by function first \(a\.tasks\.ts#first\), then by function second \(b\.tasks\.ts#second\)/,
    );
  });

  it("refuses config values of the wrong type or range, naming the field, what it must be and what it got", () => {
    const { manager } = makeEngine();
    const fn = async function f() {};
    const refused: Array<[unknown, RegExp]> = [
      [{ retries: -1 }, /^Task config "retries" must be a whole number >= 0, got the number -1$/],
      [{ retries: 1.5 }, /^Task config "retries" must be a whole number >= 0, got the number 1\.5$/],
      [{ backoff: 0 }, /^Task config "backoff" must be a number > 0, got the number 0$/],
      [{ jitter: 2 }, /^Task config "jitter" must be a number from 0 to 1, got the number 2$/],
      [{ persist: "yes" }, /^Task config "persist" must be true or false, got the string "yes"$/],
      [{ retry: 3 }, /^Task config has an unknown key "retry"\. Known keys: name, retries, delay, backoff/],
      [[], /^Task config must be an object like \{ retries: 3, delay: 1 \}, got an array$/],
      [null, /^Task config must be an object like \{ retries: 3, delay: 1 \}, got null$/],
    ];
    for (const [config, message] of refused) {
      assert.throws(() => manager.task(fn, config as never), (e: Error) => e.name === "ValidationError" && message.test(e.message));
    }
    assert.throws(() => manager.task("f" as never), /task\(\) needs a function: .*; got \(the string "f", undefined\)/);
    assert.deepEqual(manager.registeredTasks(), [], "nothing refused was registered");
  });

  it("registers a handle made by the module-level task(), which alone registers nothing", async () => {
    const { manager } = makeEngine();
    await manager.start();
    const handle = task({ retries: 1 }, async function greet(name: string) {
      return `hi ${name}`;
    });
    assert.equal(await handle("x"), "hi x");
    assert.deepEqual(manager.registeredTasks(), []);
    manager.task(handle);
    assert.deepEqual(manager.registeredTasks(), [{ name: "greet", config: { retries: 1, name: "greet" }, source: undefined }]);
    const id = await manager.addTask(handle, ["y"]);
    assert.equal((await manager.waitFor(id)).status, "success");
  });

  it("lets a loader name an anonymous handle after its export", async () => {
    const { manager } = makeEngine();
    await manager.start();
    const handle = task(async () => 1);
    assert.equal(handle.taskName, "");
    manager.task(handle, { name: "cleanCache" });
    const id = await manager.addTask(handle);
    assert.equal(manager.getTask(id)?.funcName, "cleanCache");
  });

  it("unregisters, fires registry events, and a running task keeps the function it started with", async () => {
    const { manager } = makeEngine();
    const events: string[] = [];
    manager.onDidChangeRegistry((e) => events.push(`${e.kind}:${e.name}`));
    await manager.start();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    manager.task({ name: "job" }, async () => {
      await gate;
      return "old";
    });
    const id = await manager.addTask("job");
    assert.equal(manager.unregisterTask("job"), true);
    assert.equal(manager.unregisterTask("job"), false);
    manager.task({ name: "job" }, async () => "new");
    release();
    const record = await manager.waitFor(id);
    assert.equal(record.status, "success");
    assert.deepEqual(events, ["registered:job", "unregistered:job", "registered:job"]);
  });
});
