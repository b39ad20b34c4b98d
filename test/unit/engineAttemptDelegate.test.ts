import * as assert from "node:assert/strict";
import { getTaskContext, taskLog } from "../../src";
import type { TaskFunction } from "../../src/core/types";
import { deferred, makeEngine, shutdownEngines } from "./helpers/engineHarness";

describe("engine: attempts delegated elsewhere", () => {
  afterEach(shutdownEngines);

  it("runs a delegated run's one attempt in the delegate, in the task's scope, and records it like any run", async () => {
    const registered: string[] = [];
    const delegated: TaskFunction = async (...args: unknown[]) => {
      const context = getTaskContext();
      taskLog(`delegated ${JSON.stringify(args)} attempt ${context?.attempt} tags ${JSON.stringify(context?.tags)}`);
      return { ran: "elsewhere" };
    };
    const { manager, statuses } = makeEngine({ delegateAttempt: (record) => (record.tags.debug === "true" ? delegated : undefined) });
    await manager.start();
    manager.task({ name: "job", retries: 3 }, async (x: unknown) => {
      registered.push(String(x));
      return "here";
    });
    const normal = await manager.waitFor(await manager.addTask("job", ["a"]));
    const id = await manager.addTask("job", ["b"], { kwargs: { k: 1 }, tags: { debug: "true" } });
    const record = await manager.waitFor(id);
    assert.deepEqual(registered, ["a"], "the registered function runs only the run that was not delegated");
    assert.equal(normal.result, "here");
    assert.equal(record.status, "success");
    assert.deepEqual(record.result, { ran: "elsewhere" });
    assert.match(record.logs[0], /delegated \["b",\{"k":1\}\] attempt 0 tags \{"debug":"true"\}$/);
    assert.deepEqual(statuses(id), ["pending", "running", "success"]);
  });

  it("gives a delegated run no retries and no timeout, whatever its function's config", async () => {
    const release = deferred();
    let calls = 0;
    const { manager, clock } = makeEngine({
      delegateAttempt: () => async () => {
        calls++;
        await release.promise;
        throw new Error("failed under the debugger");
      },
    });
    await manager.start();
    manager.task({ name: "strict", retries: 5, delay: 1, timeout: 2 }, async () => "never");
    const id = await manager.addTask("strict");
    await clock.advance(10_000);
    assert.equal(manager.getTask(id)?.status, "running", "a timeout of 2 s must not cut a delegated attempt short");
    release.resolve();
    const record = await manager.waitFor(id);
    assert.equal(calls, 1);
    assert.equal(record.status, "failed");
    assert.equal(record.retriesUsed, 0);
    assert.equal(record.error, "Error: failed under the debugger");
    assert.match(record.stacktrace ?? "", /failed under the debugger/);
  });

  it("aborts the delegate's signal when the run is cancelled", async () => {
    const seen = deferred<AbortSignal>();
    const { manager } = makeEngine({
      delegateAttempt: () => () => {
        const signal = getTaskContext()?.signal as AbortSignal;
        seen.resolve(signal);
        return new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
      },
    });
    await manager.start();
    manager.task({ name: "held" }, async () => undefined);
    const id = await manager.addTask("held");
    const signal = await seen.promise;
    await manager.cancelTask(id);
    assert.equal(signal.aborted, true);
    assert.equal((await manager.waitFor(id)).status, "cancelled");
  });

  it("runs the registered function, and reports, when the delegate throws", async () => {
    const { manager, outside } = makeEngine({
      delegateAttempt: () => {
        throw new Error("delegate broke");
      },
    });
    await manager.start();
    manager.task({ name: "plain" }, async () => "registered");
    const record = await manager.waitFor(await manager.addTask("plain"));
    assert.equal(record.result, "registered");
    assert.ok(outside.some((o) => o.level === "error" && /delegate broke/.test(o.message)), JSON.stringify(outside));
  });
});
