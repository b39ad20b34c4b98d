import * as assert from "node:assert/strict";
import {
  NonRetryableError, UnknownFunctionError, ValidationError, enqueue, newTaskData, reportProgress,
  type ProgressEvent, type TaskData,
} from "../../src";
import { MemoryStore } from "../../src/store";
import { deferred, makeEngine, reopenable, shutdownEngines, withOverrides } from "./helpers/engineHarness";
import { settle } from "./helpers/fakeClock";

describe("engine: enqueue inside a task", () => {
  afterEach(shutdownEngines);

  it("enqueues a child with the running task as its parentId, and the child runs", async () => {
    const { manager } = makeEngine();
    await manager.start();
    const child = manager.task(async function child(n: number, opts: { times: number }) {
      return n * opts.times;
    });
    let childId = "";
    manager.task(async function parent() {
      childId = await enqueue(child, [21], { kwargs: { times: 2 }, tags: { from: "parent" } });
      return childId;
    });
    const parentId = await manager.addTask("parent");
    const parentRecord = await manager.waitFor(parentId);
    assert.equal(parentRecord.status, "success");
    assert.equal(parentRecord.result, childId);
    assert.equal(parentRecord.parentId, null);
    const childRecord = await manager.waitFor(childId);
    assert.equal(childRecord.status, "success");
    assert.equal(childRecord.parentId, parentId);
    assert.equal(childRecord.result, 42);
    assert.deepEqual(childRecord.tags, { from: "parent" });
    assert.deepEqual(manager.listTasks({ parentId }).map((r) => r.taskId), [childId]);
    assert.deepEqual(manager.listTasks({ parentId: childId }), []);
  });

  it("enqueues by name, and refuses an unknown task with an error naming it and the parent", async () => {
    const { manager } = makeEngine();
    await manager.start();
    manager.task(async function known() {});
    let refused: unknown;
    manager.task(async function spawner() {
      await enqueue("known");
      try {
        await enqueue("nosuchTask", [1]);
      } catch (error) {
        refused = error;
      }
    });
    const id = await manager.addTask("spawner");
    assert.equal((await manager.waitFor(id)).status, "success");
    assert.ok(refused instanceof UnknownFunctionError);
    assert.equal(refused.funcName, "nosuchTask");
    assert.match(refused.message, /^Task "spawner" \([0-9a-f-]{36}\) could not enqueue a child: Unknown task "nosuchTask": registered tasks are known, spawner/);
    assert.equal(manager.listTasks({ parentId: id }).length, 1);
  });

  it("refuses bad arguments like addTask does", async () => {
    const { manager } = makeEngine();
    await manager.start();
    manager.task(async function target() {});
    manager.task(async function sender() {
      await enqueue("target", "not an array" as unknown as unknown[]);
    });
    const record = await manager.waitFor(await manager.addTask("sender"));
    assert.equal(record.status, "failed");
    assert.match(record.error ?? "", /^ValidationError: Arguments must be a JSON array, got the string "not an array"/);
  });

  it("refuses enqueue outside a task, pointing at manager.addTask", async () => {
    await assert.rejects(enqueue("anything"), /enqueue\(\) was called outside a running task.*use manager\.addTask\(task, args, options\)/);
  });
});

describe("engine: reportProgress", () => {
  afterEach(shutdownEngines);

  it("sets record.progress and fires onProgress with fraction, message and tags", async () => {
    const { manager } = makeEngine();
    await manager.start();
    const events: ProgressEvent[] = [];
    manager.onProgress((e) => events.push(e));
    const gate = deferred();
    manager.task(async function rows() {
      reportProgress(0.4, "row 400 of 1000");
      await gate.promise;
      reportProgress(1);
    });
    const id = await manager.addTask("rows", [], { tags: { team: "data" } });
    await settle();
    assert.deepEqual(manager.getTask(id)?.progress, { fraction: 0.4, message: "row 400 of 1000" });
    gate.resolve();
    const record = await manager.waitFor(id);
    assert.deepEqual(record.progress, { fraction: 1, message: null });
    assert.deepEqual(events, [
      { taskId: id, funcName: "rows", fraction: 0.4, message: "row 400 of 1000", tags: { team: "data" } },
      { taskId: id, funcName: "rows", fraction: 1, message: null, tags: { team: "data" } },
    ]);
  });

  it("saves progress at most every 250 ms, and the last value when the task finishes", async () => {
    const saved: Array<TaskData["progress"]> = [];
    const base = new MemoryStore();
    const store = withOverrides(base, {
      saveTask: (task) => {
        if (task.status === "running") saved.push(task.progress);
        base.saveTask(task);
      },
      // The engine saves its live records: what a save stores is their data at the call.
      saveLive: (tasks) => {
        for (const task of tasks) if (task.status === "running") saved.push(task.toData().progress);
        base.saveLive(tasks);
      },
    });
    const { manager, clock } = makeEngine({ store });
    await manager.start();
    const step = deferred();
    const finish = deferred();
    manager.task(async function long() {
      reportProgress(0.1);
      reportProgress(0.2);
      reportProgress(0.3);
      await step.promise;
      reportProgress(0.6, "later");
      await finish.promise;
      reportProgress(0.9, "almost");
    });
    const id = await manager.addTask("long");
    await settle();
    const stored = () => base.getTask(id)?.progress;
    // The "running" save itself, then the first report at once; the next two wait for the interval.
    assert.deepEqual(saved, [null, { fraction: 0.1, message: null }]);
    // What each save stored: the store may read a live record's later changes before its next save.
    await clock.advance(249);
    assert.equal(saved.length, 2, "no save within the interval");
    await clock.advance(1);
    assert.deepEqual(saved.at(-1), { fraction: 0.3, message: null }, "the latest value is saved when the interval ends");
    assert.equal(saved.length, 3);
    await clock.advance(1000);
    step.resolve();
    await settle();
    assert.deepEqual(saved.at(-1), { fraction: 0.6, message: "later" }, "a report after a quiet interval is saved at once");
    finish.resolve();
    await manager.waitFor(id);
    assert.deepEqual(stored(), { fraction: 0.9, message: "almost" }, "the final value is saved with the finished record");
    assert.equal(base.getTask(id)?.status, "success");
    const sleeps = clock.pendingSleeps;
    await clock.advance(1000);
    assert.equal(clock.pendingSleeps, 0, `no progress save is left waiting after the task finished (had ${sleeps})`);
    assert.equal(saved.length, 4);
  });

  it("refuses a fraction outside 0..1 and a message that is not a string, with clear errors", async () => {
    const { manager } = makeEngine();
    await manager.start();
    const errors: string[] = [];
    manager.task(async function bad() {
      for (const call of [() => reportProgress(40), () => reportProgress(-0.1), () => reportProgress(Number.NaN), () => reportProgress(0.5, 3 as unknown as string)]) {
        try {
          call();
        } catch (error) {
          errors.push(`${(error as Error).name}: ${(error as Error).message}`);
        }
      }
    });
    const record = await manager.waitFor(await manager.addTask("bad"));
    assert.equal(record.status, "success");
    assert.equal(record.progress, null);
    assert.deepEqual(errors, [
      "RangeError: reportProgress() fraction must be a number from 0 to 1, got the number 40: pass a fraction, 0.4 for 40%",
      "RangeError: reportProgress() fraction must be a number from 0 to 1, got the number -0.1",
      "RangeError: reportProgress() fraction must be a number from 0 to 1, got the number NaN",
      "TypeError: reportProgress() message must be a string (or left out), got the number 3",
    ]);
  });

  it("refuses reportProgress outside a task", () => {
    assert.throws(() => reportProgress(0.5), /reportProgress\(\) was called outside a running task/);
  });
});

describe("engine: NonRetryableError", () => {
  afterEach(shutdownEngines);

  it("fails a task with retries: 3 after one attempt, keeping the error and stack", async () => {
    const { manager, statuses, clock } = makeEngine();
    await manager.start();
    let attempts = 0;
    manager.task({ name: "strict", retries: 3, delay: 1 }, async () => {
      attempts++;
      throw new NonRetryableError("bad input");
    });
    const id = await manager.addTask("strict");
    const record = await manager.waitFor(id);
    await clock.advance(10_000);
    assert.equal(attempts, 1);
    assert.equal(record.status, "failed");
    assert.equal(record.retriesUsed, 0);
    assert.equal(record.error, "NonRetryableError: bad input");
    assert.match(record.stacktrace ?? "", /^NonRetryableError: bad input\n\s+at /);
    assert.deepEqual(statuses(id), ["pending", "running", "failed"]);
  });

  it("stops retries on a later attempt too, and counts an error of that name from another copy", async () => {
    const { manager, clock } = makeEngine();
    await manager.start();
    let attempts = 0;
    manager.task({ name: "later", retries: 5 }, async () => {
      attempts++;
      if (attempts === 1) throw new Error("transient");
      throw Object.assign(new Error("gave up"), { name: "NonRetryableError" });
    });
    const id = await manager.addTask("later");
    await clock.advance(0);
    const record = await manager.waitFor(id);
    assert.equal(attempts, 2);
    assert.equal(record.retriesUsed, 1);
    assert.equal(record.error, "NonRetryableError: gave up");
  });
});

describe("engine: retryFailed", () => {
  afterEach(shutdownEngines);

  function seeded() {
    const store = new MemoryStore();
    const at = (iso: string) => Date.parse(iso);
    const rows: Array<Partial<TaskData> & Pick<TaskData, "taskId" | "funcName" | "status">> = [
      { taskId: "a-old", funcName: "send", status: "failed", createdAt: at("2026-01-01T08:00:00Z") },
      { taskId: "b-new", funcName: "send", status: "interrupted", createdAt: at("2026-01-01T10:00:00Z") },
      { taskId: "c-new", funcName: "sync", status: "rejected", createdAt: at("2026-01-01T11:00:00Z") },
      { taskId: "d-ok", funcName: "send", status: "success", createdAt: at("2026-01-01T12:00:00Z") },
      { taskId: "e-gone", funcName: "removed", status: "failed", createdAt: at("2026-01-01T12:30:00Z") },
    ];
    return { store, rows };
  }

  async function started() {
    const { store, rows } = seeded();
    await store.open();
    for (const row of rows) store.saveTask(newTaskData({ createdAt: 0, args: [row.taskId], tags: { row: row.taskId }, ...row }));
    const engine = makeEngine({ store: reopenable(store) });
    const ran: string[] = [];
    engine.manager.task(async function send(row: string) {
      ran.push(`send:${row}`);
    });
    engine.manager.task(async function sync(row: string) {
      ran.push(`sync:${row}`);
    });
    await engine.manager.start();
    return { ...engine, ran };
  }

  it("retries every failed, interrupted or rejected task created since a time, oldest first", async () => {
    const { manager, ran } = await started();
    const ids = await manager.retryFailed({ since: new Date("2026-01-01T09:00:00Z") });
    assert.equal(ids.length, 2);
    const records = await Promise.all(ids.map((id) => manager.waitFor(id)));
    assert.deepEqual(records.map((r) => [r.funcName, r.args, r.tags, r.status]), [
      ["send", ["b-new"], { row: "b-new" }, "success"],
      ["sync", ["c-new"], { row: "c-new" }, "success"],
    ]);
    assert.deepEqual(ran.sort(), ["send:b-new", "sync:c-new"]);
  });

  it("filters by funcName and takes since as an ISO string", async () => {
    const { manager } = await started();
    const ids = await manager.retryFailed({ funcName: "send", since: "2026-01-01T07:00:00Z" });
    const records = await Promise.all(ids.map((id) => manager.waitFor(id)));
    assert.deepEqual(records.map((r) => r.args[0]), ["a-old", "b-new"]);
    assert.deepEqual(await manager.retryFailed({ funcName: "send", since: "2026-01-02T00:00:00Z" }), []);
  });

  it("skips tasks whose function is not registered, naming it in a warning", async () => {
    const { manager, outside } = await started();
    const ids = await manager.retryFailed();
    assert.equal(ids.length, 3);
    assert.deepEqual(outside.filter((o) => o.level === "warning").map((o) => o.message), [
      "retryFailed skipped the tasks of removed: no task function of that name is registered now",
    ]);
  });

  it("refuses bad options and an unknown funcName with clear errors", async () => {
    const { manager } = await started();
    await assert.rejects(manager.retryFailed({ since: "yesterday" }), (error: Error) =>
      error instanceof ValidationError && error.message === `retryFailed option "since" must be a Date or an ISO time like "2026-12-01T00:00:00Z", got the string "yesterday"`);
    await assert.rejects(manager.retryFailed({ status: "failed" } as never), /retryFailed options have an unknown key "status". Known keys: since, funcName/);
    await assert.rejects(manager.retryFailed({ funcName: "nope" }), UnknownFunctionError);
  });
});
