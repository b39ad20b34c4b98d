import * as assert from "node:assert/strict";
import type { AsyncLocalStorage } from "node:async_hooks";
import { getTaskContext } from "../../src";
import { signal, useRedis } from "./helpers/bullmqHarness";

/**
 * The engine's task context state (see src/core/taskContext.ts): `inScope` counts the task functions
 * not settled yet, and `storage.enabled` is Node's own flag of whether the storage's async hook is on.
 */
function taskScopes(): { inScope: number; hookOn: boolean } {
  const holder = globalThis as unknown as Record<symbol, { storage: AsyncLocalStorage<unknown> & { enabled?: boolean }; inScope?: number } | undefined>;
  const state = holder[Symbol.for("taskflow.engine.taskContext.v1")];
  return { inScope: state?.inScope ?? 0, hookOn: state?.storage.enabled === true };
}

describe("BullMQ backend: the task context's async hook", function () {
  this.timeout(30000);
  const redis = useRedis(this);

  it("is on while a task function runs, through its awaits, and off once every task function has settled", async () => {
    // Tests before this one in the process may have left a task function that never settles (one that ignores its signal).
    const before = taskScopes().inScope;
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
    assert.deepEqual(taskScopes(), { inScope: before + 1, hookOn: true });
    release.resolve();
    assert.equal((await worker.waitFor(slowId)).status, "success");
    assert.deepEqual(seen, ["slow", "quick", "slow"]);
    assert.deepEqual(taskScopes(), { inScope: before, hookOn: before > 0 });
    assert.equal(getTaskContext(), undefined);
  });
});
