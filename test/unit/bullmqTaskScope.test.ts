import * as assert from "node:assert/strict";
import type { AsyncLocalStorage } from "node:async_hooks";
import { getTaskContext } from "../../src";
import { signal, useRedis } from "./helpers/bullmqHarness";

/** The engine's one AsyncLocalStorage (see src/core/taskContext.ts); `enabled` is Node's own flag of whether its async hook is on. */
function taskStorage(): AsyncLocalStorage<unknown> & { enabled?: boolean } {
  const holder = globalThis as unknown as Record<symbol, { storage: AsyncLocalStorage<unknown> & { enabled?: boolean } } | undefined>;
  const state = holder[Symbol.for("taskflow.engine.taskContext.v1")];
  if (!state) throw new Error("expected the engine's task context state on globalThis after a task ran, found none");
  return state.storage;
}

describe("BullMQ backend: the task context's async hook", function () {
  this.timeout(30000);
  const redis = useRedis(this);

  it("is on while a task function runs, through its awaits, and off once every task function has settled", async () => {
    const worker = redis.manager({ maxConcurrentTasks: 2 });
    const release = signal();
    const started = signal();
    const seen: (string | undefined)[] = [];
    const slow = worker.task({ name: "slow" }, async () => {
      seen.push(getTaskContext()?.funcName);
      started.resolve();
      await release.promise;
      await new Promise((r) => setTimeout(r, 5));
      seen.push(getTaskContext()?.funcName);
    });
    const quick = worker.task({ name: "quick" }, async () => {
      await Promise.resolve();
      seen.push(getTaskContext()?.funcName);
    });
    await worker.start();
    const slowId = await worker.addTask(slow);
    await started.promise;
    assert.equal((await worker.waitFor(await worker.addTask(quick))).status, "success");
    // The slow task has not settled: the hook stays on for it.
    assert.equal(taskStorage().enabled, true);
    release.resolve();
    assert.equal((await worker.waitFor(slowId)).status, "success");
    assert.deepEqual(seen, ["slow", "quick", "slow"]);
    assert.equal(taskStorage().enabled, false);
    assert.equal(getTaskContext(), undefined);
  });
});
