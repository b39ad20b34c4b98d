import * as assert from "node:assert/strict";
import { task } from "../../src/engine";
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
    assert.throws(() => manager.task({ name: " " }, async function named() {}), /Task name is empty/);
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

  it("refuses config values of the wrong type or range, naming the field", () => {
    const { manager } = makeEngine();
    const fn = async function f() {};
    assert.throws(() => manager.task(fn, { retries: -1 }), /"retries" must be an integer >= 0, got -1/);
    assert.throws(() => manager.task(fn, { backoff: 0 }), /"backoff" must be a number > 0, got 0/);
    assert.throws(() => manager.task(fn, { jitter: 2 }), /"jitter" must be a number >= 0 and <= 1, got 2/);
    assert.throws(() => manager.task(fn, { retry: 3 } as never), /Unknown task config key\(s\): retry/);
    assert.throws(() => manager.task("f" as never), /task\(\) needs a function/);
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
