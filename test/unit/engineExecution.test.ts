import * as assert from "node:assert/strict";
import { getTaskContext, taskLog } from "../../src";
import type { TaskContext } from "../../src/core/types";
import { deferred, makeEngine, shutdownEngines } from "./helpers/engineHarness";
import { settle } from "./helpers/fakeClock";

describe("engine: running tasks", () => {
  afterEach(shutdownEngines);

  it("retries a failing task with exponential backoff on the injected clock", async () => {
    const { manager, clock, statuses } = makeEngine();
    await manager.start();
    const attempts: number[] = [];
    manager.task({ name: "flaky", retries: 2, delay: 1, backoff: 2 }, async () => {
      attempts.push(clock.now());
      throw new Error("still down");
    });
    const t0 = clock.now();
    const id = await manager.addTask("flaky");
    await clock.advance(0);
    assert.equal(attempts.length, 1);
    await clock.advance(999);
    assert.equal(attempts.length, 1, "retry 1 must wait the full second");
    await clock.advance(1);
    assert.equal(attempts.length, 2);
    await clock.advance(1999);
    assert.equal(attempts.length, 2, "retry 2 must wait two seconds");
    await clock.advance(1);
    const record = await manager.waitFor(id);
    assert.deepEqual(attempts.map((t) => t - t0), [0, 1000, 3000]);
    assert.equal(record.status, "failed");
    assert.equal(record.retriesUsed, 2);
    assert.equal(record.error, "Error: still down");
    assert.match(record.stacktrace ?? "", /^Error: still down\n\s+at /);
    assert.equal(record.duration, 3);
    assert.deepEqual(statuses(id), ["pending", "running", "pending", "running", "pending", "running", "failed"]);
  });

  it("marks retries in the log and keeps stacktrace null on a later success", async () => {
    const { manager, clock } = makeEngine();
    await manager.start();
    manager.task({ name: "second", retries: 1 }, async () => {
      const attempt = getTaskContext()?.attempt;
      taskLog(`attempt ${attempt}`);
      if (attempt === 0) throw new Error("first fails");
      return { ok: true };
    });
    const id = await manager.addTask("second");
    await clock.advance(0);
    const record = await manager.waitFor(id);
    assert.equal(record.status, "success");
    assert.equal(record.stacktrace, null);
    assert.equal(record.error, null);
    assert.deepEqual(record.logs, ["2026-01-01T00:00:00 attempt 0", "--- Retry 1 ---", "2026-01-01T00:00:00 attempt 1"]);
  });

  it("keeps a successful task's return value in result, as a copy, and null when it returns nothing", async () => {
    const { manager, store } = makeEngine();
    await manager.start();
    const returned = { n: 2 };
    manager.task(async function counts() {
      return returned;
    });
    manager.task(async function silent() {});
    const id = await manager.addTask("counts");
    const record = await manager.waitFor(id);
    returned.n = 3;
    assert.deepEqual(record.result, { n: 2 });
    assert.deepEqual(manager.getTask(id)?.result, { n: 2 });
    assert.deepEqual(manager.getTask(id)?.toDict().result, { n: 2 });
    assert.deepEqual(store.getTask(id)?.result, { n: 2 });
    assert.equal((await manager.waitFor(await manager.addTask("silent"))).result, null);
  });

  it("turns whatever a task throws into an Error with a message and a stack", async () => {
    const { manager } = makeEngine();
    await manager.start();
    class Oops {
      code = 1;
    }
    const thrown: unknown[] = ["plain string", undefined, { code: 42 }, 7, [1, 2], new Oops(), null];
    manager.task(async function thrower(i: number) {
      throw thrown[i];
    });
    const expected = [
      /^Error: plain string$/,
      /^Error: the task threw undefined instead of an Error$/,
      /^Error: the task threw an object instead of an Error: \{"code":42\}$/,
      /^Error: the task threw the number 7 instead of an Error$/,
      /^Error: the task threw an array instead of an Error: \[1,2\]$/,
      /^Error: the task threw a Oops instance instead of an Error: \{"code":1\}$/,
      /^Error: the task threw null instead of an Error$/,
    ];
    for (let i = 0; i < thrown.length; i++) {
      const record = await manager.waitFor(await manager.addTask("thrower", [i]));
      assert.match(record.error ?? "", expected[i]);
      assert.ok((record.stacktrace ?? "").split("\n").length >= 2, `stack for ${String(thrown[i])}`);
    }
    manager.task(async function syncThrow() {
      throw new TypeError("sync");
    });
    assert.equal((await manager.waitFor(await manager.addTask("syncThrow"))).error, "TypeError: sync");
  });

  it("gives each task its own context, even when they interleave", async () => {
    const { manager } = makeEngine();
    await manager.start();
    const seen: Array<TaskContext | undefined> = [];
    const gates = [deferred(), deferred()];
    manager.task(async function ctx(i: number) {
      await gates[i].promise;
      seen[i] = getTaskContext();
    });
    const a = await manager.addTask("ctx", [0], { tags: { who: "a" } });
    const b = await manager.addTask("ctx", [1], { tags: { who: "b" } });
    gates[1].resolve();
    await settle();
    gates[0].resolve();
    await Promise.all([manager.waitFor(a), manager.waitFor(b)]);
    assert.deepEqual(
      seen.map((c) => ({ taskId: c?.taskId, funcName: c?.funcName, attempt: c?.attempt, tags: c?.tags })),
      [
        { taskId: a, funcName: "ctx", attempt: 0, tags: { who: "a" } },
        { taskId: b, funcName: "ctx", attempt: 0, tags: { who: "b" } },
      ],
    );
    assert.ok(seen[0]?.signal instanceof AbortSignal);
    assert.ok(Object.isFrozen(seen[0]?.tags), "the tags the context hands out are a frozen copy, made when first read");
    assert.equal(getTaskContext(), undefined);
  });

  it("writes log lines as 'YYYY-MM-DDTHH:MM:SS message' in UTC and emits log events", async () => {
    const { manager, clock, logs, store } = makeEngine();
    await manager.start();
    manager.task(async function talk() {
      taskLog("hello");
      await clock.sleep(1500);
      taskLog("careful", { level: "warning", extra: { n: 1 } });
    });
    const id = await manager.addTask("talk", [], { tags: { env: "dev" } });
    await clock.advance(1500);
    await manager.waitFor(id);
    assert.deepEqual(store.getTask(id)?.logs, ["2026-01-01T00:00:00 hello", "2026-01-01T00:00:01 careful"]);
    assert.deepEqual(
      logs.map((e) => [e.taskId, e.funcName, e.message, e.level, e.timestamp, e.attempt, e.tags, e.extra, e.line]),
      [
        [id, "talk", "hello", "info", "2026-01-01T00:00:00.000Z", 0, { env: "dev" }, {}, "2026-01-01T00:00:00 hello"],
        [id, "talk", "careful", "warning", "2026-01-01T00:00:01.500Z", 0, { env: "dev" }, { n: 1 }, "2026-01-01T00:00:01 careful"],
      ],
    );
  });

  it("stamps lifecycle events and audit entries with the clock's time as it moves, within a millisecond and across one", async () => {
    const { manager, clock } = makeEngine();
    await manager.start();
    const stamps: string[] = [];
    manager.onLifecycle((e) => stamps.push(`${e.status} ${e.timestamp}`));
    manager.task(async function wait() {
      await clock.sleep(1);
    });
    const id = await manager.addTask("wait");
    await settle();
    await clock.advance(1);
    await manager.waitFor(id);
    await clock.advance(2);
    await manager.addTask("wait");
    assert.deepEqual(stamps.slice(0, 3), ["pending 2026-01-01T00:00:00.000Z", "running 2026-01-01T00:00:00.000Z", "success 2026-01-01T00:00:00.001Z"]);
    assert.equal(stamps[3], "pending 2026-01-01T00:00:00.003Z");
    assert.deepEqual(manager.audit().map((e) => e.at), ["2026-01-01T00:00:00.003Z", "2026-01-01T00:00:00.000Z"]);
    await manager.shutdown();
  });

  it("sends taskLog outside a task to onOutsideLog", async () => {
    const { manager, outside } = makeEngine();
    await manager.start();
    taskLog("from nowhere", { level: "error" });
    assert.deepEqual(outside, [{ message: "from nowhere", level: "error" }]);
    await manager.shutdown();
  });

  it("contains a listener that throws and reports it through onOutsideLog", async () => {
    const { manager, outside, lifecycle } = makeEngine();
    manager.onLifecycle(() => {
      throw new Error("bad listener");
    });
    manager.onLog(() => {
      throw new Error("bad log listener");
    });
    await manager.start();
    manager.task(async function fine() {
      taskLog("x");
    });
    const record = await manager.waitFor(await manager.addTask("fine"));
    assert.equal(record.status, "success");
    assert.deepEqual(lifecycle.map((e) => e.status), ["pending", "running", "success"], "other listeners still run");
    assert.ok(outside.some((o) => o.level === "error" && /lifecycle listener threw.*bad listener/s.test(o.message)));
    assert.ok(outside.some((o) => /log listener threw.*bad log listener/s.test(o.message)));
  });

  it("stops listening after dispose()", async () => {
    const { manager } = makeEngine();
    await manager.start();
    const seen: string[] = [];
    const subscription = manager.onLifecycle((e) => seen.push(e.status));
    subscription.dispose();
    manager.task(async function quiet() {});
    await manager.waitFor(await manager.addTask("quiet"));
    assert.deepEqual(seen, []);
  });

  it("keeps the first N log lines and reports the dropped ones in one marker line", async () => {
    const { manager, store } = makeEngine({ maxLogLinesPerTask: 3 });
    await manager.start();
    manager.task(async function chatty() {
      for (let i = 0; i < 10; i++) taskLog(`line ${i}`);
    });
    const id = await manager.addTask("chatty");
    const record = await manager.waitFor(id);
    const expected = [
      "2026-01-01T00:00:00 line 0",
      "2026-01-01T00:00:00 line 1",
      "2026-01-01T00:00:00 line 2",
      "--- 7 log lines dropped (limit 3 per task) ---",
    ];
    assert.deepEqual(record.logs, expected);
    assert.deepEqual(store.getTask(id)?.logs, expected);
  });

  it("fails an attempt that exceeds its timeout, aborts its signal, and retries it", async () => {
    const { manager, clock } = makeEngine();
    await manager.start();
    const reasons: unknown[] = [];
    manager.task({ name: "slow", timeout: 2, retries: 1 }, async () => {
      const signal = getTaskContext()?.signal as AbortSignal;
      signal.addEventListener("abort", () => reasons.push(signal.reason));
      await new Promise(() => {}); // never settles
    });
    const id = await manager.addTask("slow");
    await clock.advance(1999);
    assert.equal(manager.getTask(id)?.status, "running");
    await clock.advance(1);
    assert.equal(manager.getTask(id)?.status, "running", "retry 1 started at once (delay 0)");
    assert.equal(manager.getTask(id)?.retriesUsed, 1);
    await clock.advance(2000);
    const record = await manager.waitFor(id);
    assert.equal(record.status, "failed");
    assert.equal(record.error, 'TimeoutError: task "slow" timed out after 2s');
    assert.equal(reasons.length, 2);
    assert.equal((reasons[0] as Error).name, "TimeoutError");
  });

  it("runs at most maxConcurrentTasks at once, first in first out", async () => {
    const { manager } = makeEngine({ maxConcurrentTasks: 2 });
    await manager.start();
    const gates = new Map<number, ReturnType<typeof deferred<void>>>();
    const started: number[] = [];
    manager.task(async function limited(n: number) {
      started.push(n);
      const gate = deferred();
      gates.set(n, gate);
      await gate.promise;
    });
    const ids = [];
    for (let n = 0; n < 5; n++) ids.push(await manager.addTask("limited", [n]));
    await settle();
    assert.deepEqual(started, [0, 1]);
    assert.deepEqual(ids.map((id) => manager.getTask(id)?.status), ["running", "running", "pending", "pending", "pending"]);
    gates.get(1)?.resolve();
    await settle();
    assert.deepEqual(started, [0, 1, 2]);
    gates.get(0)?.resolve();
    await settle();
    assert.deepEqual(started, [0, 1, 2, 3]);
    for (const n of [2, 3]) gates.get(n)?.resolve();
    await settle();
    gates.get(4)?.resolve();
    await Promise.all(ids.map((id) => manager.waitFor(id)));
    assert.equal(manager.metrics().success, 5);
  });

  it("saves every status change and log line to the store", async () => {
    const { manager, store } = makeEngine();
    await manager.start();
    const gate = deferred();
    manager.task(async function stored() {
      taskLog("working");
      await gate.promise;
    });
    const id = await manager.addTask("stored", [], { tags: { a: "b" } });
    await settle();
    assert.equal(store.getTask(id)?.status, "running");
    assert.deepEqual(store.getTask(id)?.logs, ["2026-01-01T00:00:00 working"]);
    assert.ok(store.getTask(id)?.startTime);
    gate.resolve();
    await manager.waitFor(id);
    assert.equal(store.getTask(id)?.status, "success");
    assert.deepEqual(store.getTask(id)?.tags, { a: "b" });
  });
});
