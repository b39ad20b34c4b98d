import * as assert from "node:assert/strict";
import { UnknownTaskError, taskLog } from "../../src";
import { deferred, makeEngine, shutdownEngines } from "./helpers/engineHarness";
import { settle } from "./helpers/fakeClock";

async function withHistory() {
  const engine = makeEngine();
  const { manager, clock } = engine;
  await manager.start();
  manager.task(async function ok() {
    taskLog("done");
  });
  manager.task(async function bad() {
    throw new Error("bad");
  });
  const ids: string[] = [];
  for (const [name, tags] of [["ok", { env: "a" }], ["bad", { env: "b" }], ["ok", { env: "b" }]] as const) {
    const id = await manager.addTask(name, [], { tags });
    await clock.advance(1000);
    await manager.waitFor(id);
    ids.push(id);
  }
  return { ...engine, ids };
}

describe("engine: queries", () => {
  afterEach(shutdownEngines);

  it("lists tasks newest first, filtered and paged, and counts them", async () => {
    const { manager, ids } = await withHistory();
    assert.deepEqual(manager.listTasks().map((r) => r.taskId), [...ids].reverse());
    assert.deepEqual(manager.listTasks({ funcName: "ok" }).map((r) => r.taskId), [ids[2], ids[0]]);
    assert.deepEqual(manager.listTasks({ tag: "env=b" }).map((r) => r.taskId), [ids[2], ids[1]]);
    assert.deepEqual(manager.listTasks({ status: "failed" }).map((r) => r.taskId), [ids[1]]);
    assert.deepEqual(manager.listTasks({ limit: 1, offset: 1 }).map((r) => r.taskId), [ids[1]]);
    assert.equal(manager.countTasks({ tag: "env=b", limit: 1 }), 2);
  });

  it("reflects in-flight tasks as their live records", async () => {
    const { manager } = makeEngine();
    await manager.start();
    const gate = deferred();
    manager.task(async function hold() {
      await gate.promise;
    });
    const id = await manager.addTask("hold");
    await settle();
    const listed = manager.listTasks()[0];
    assert.equal(listed.status, "running");
    assert.equal(listed, manager.getTask(id));
    gate.resolve();
    await manager.waitFor(id);
    assert.equal(manager.listTasks()[0].status, "success");
  });

  it("computes metrics over the history", async () => {
    const { manager } = await withHistory();
    const m = manager.metrics();
    assert.deepEqual(
      [m.total, m.pending, m.running, m.success, m.failed, m.interrupted, m.cancelled],
      [3, 0, 0, 2, 1, 0, 0],
    );
    assert.equal(m.successRate, 2 / 3);
  });

  it("lists the function names of the history, sorted", async () => {
    const { manager } = await withHistory();
    assert.deepEqual(manager.funcNames(), ["bad", "ok"]);
  });

  it("passes search, sort and withLogs through to the store", async () => {
    const { manager, ids } = await withHistory();
    assert.deepEqual(manager.listTasks({ search: "BAD" }).map((r) => r.taskId), [ids[1]]);
    assert.deepEqual(manager.listTasks({ sort: { by: "createdAt", order: "asc" } }).map((r) => r.taskId), ids);
    assert.equal(manager.countTasks({ search: "bad" }), 1);
    assert.deepEqual(manager.listTasks({ funcName: "ok" }).map((r) => r.logs.length), [1, 1]);
    assert.deepEqual(manager.listTasks({ funcName: "ok", withLogs: false }).map((r) => r.logs.length), [0, 0]);
    assert.throws(() => manager.listTasks({ sort: { by: "nope" } } as never), /"sort\.by" must be one of createdAt, duration, funcName, status/);
  });

  it("waitFor resolves at once for a finished task and rejects an unknown id with an UnknownTaskError", async () => {
    const { manager, ids } = await withHistory();
    assert.equal((await manager.waitFor(ids[0])).status, "success");
    await assert.rejects(manager.waitFor("nope"), (e: unknown) => e instanceof UnknownTaskError && /^Unknown task id "nope"/.test(e.message));
  });

  it("deletes finished tasks only, skipping running ones and unknown ids", async () => {
    const { manager, ids } = await withHistory();
    const gate = deferred();
    manager.task(async function hold() {
      await gate.promise;
    });
    const running = await manager.addTask("hold");
    await settle();
    assert.equal(manager.deleteTasks([ids[0], running, "unknown"]), 1);
    assert.equal(manager.getTask(ids[0]), undefined);
    assert.equal(manager.getTask(running)?.status, "running");
    gate.resolve();
    await manager.waitFor(running);
  });

  it("skips a pending task when deleting, and it still runs", async () => {
    const { manager } = makeEngine({ maxConcurrentTasks: 1 });
    await manager.start();
    const gate = deferred();
    const ran: string[] = [];
    manager.task(async function job(n: string) {
      ran.push(n);
      await gate.promise;
    });
    const first = await manager.addTask("job", ["first"]);
    const second = await manager.addTask("job", ["second"]);
    assert.equal(manager.deleteTasks([second]), 0);
    gate.resolve();
    assert.equal((await manager.waitFor(second)).status, "success");
    assert.equal((await manager.waitFor(first)).status, "success");
    assert.deepEqual(ran, ["first", "second"]);
  });

  it("clears finished history, optionally only what is older than a date", async () => {
    const { manager, ids, clock } = await withHistory();
    const gate = deferred();
    manager.task(async function hold() {
      await gate.promise;
    });
    const running = await manager.addTask("hold");
    assert.equal(manager.clearHistory({ olderThan: new Date(clock.now() - 2500) }), 1);
    assert.equal(manager.getTask(ids[0]), undefined);
    assert.equal(manager.clearHistory(), 2);
    assert.deepEqual(manager.listTasks().map((r) => r.taskId), [running]);
    gate.resolve();
    await manager.waitFor(running);
  });
});
