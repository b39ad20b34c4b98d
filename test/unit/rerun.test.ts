import * as assert from "node:assert/strict";
import { CARRIES_OVER, RERUN_FIELDS, rerunCall, rerunFields } from "../../src/core/rerun";
import { TaskPanelController } from "../../src/extension/panels/taskPanelController";
import { FIELD_NAMES, type TaskData } from "../../src/model";
import { RunAgain, RunWithArguments } from "../../src/protocol";
import { signal, useRedis } from "./helpers/bullmqHarness";
import { shutdownEngines } from "./helpers/engineHarness";
import { isInitial, sameValue, sampleTask } from "./helpers/sampleTask";
import { engine, fakeHost, ids, ready, recorder } from "./panelControllers.test";
import { FakeTimers } from "./panelHelpers.test";

/**
 * Checks `rerun` is a re-run of `original` by the rule: every carried field equal, and every other
 * field the original had set (its id, outcome, times, parent, schedule, runAt) not taken from it.
 */
function assertRerunOf(original: TaskData, rerun: TaskData, how: string): void {
  for (const key of FIELD_NAMES) {
    if (CARRIES_OVER[key]) assert.ok(sameValue(rerun[key], original[key]), `${how}: ${key} is ${JSON.stringify(rerun[key])}, expected the original's ${JSON.stringify(original[key])}`);
    else if (!isInitial(key, original[key])) assert.ok(!sameValue(rerun[key], original[key]), `${how}: ${key} was taken from the original (${JSON.stringify(original[key])}), which the rule does not carry`);
  }
}

/** A failed run of "job" with every field set, arguments in the clear (the panel never reads encrypted ones). */
const original = sampleTask({ taskId: ids[0], funcName: "job", status: "failed", encryptedPayload: null });

describe("the re-run rule", () => {
  afterEach(shutdownEngines);

  it("carries the function, arguments, tags, queue, priority and idempotency key, and copies what it carries", () => {
    assert.deepEqual(RERUN_FIELDS, ["funcName", "args", "kwargs", "idempotencyKey", "tags", "queue", "priority", "encryptedPayload"]);
    const sample = sampleTask();
    const carried = rerunFields(sample);
    assert.deepEqual(Object.keys(carried), RERUN_FIELDS);
    assert.notEqual(carried.args, sample.args);
    assert.notEqual(carried.encryptedPayload, sample.encryptedPayload);
    assert.deepEqual(carried.encryptedPayload, sample.encryptedPayload);
  });

  it("as an addTask call, passes every carried field, and refuses encrypted arguments, which only retryTask re-runs", () => {
    const call = rerunCall(original);
    assert.deepEqual(call, {
      funcName: "job", args: original.args,
      options: { kwargs: original.kwargs, tags: original.tags, queue: "reports", priority: 7, idempotencyKey: "sample-key" },
    });
    assert.deepEqual(rerunCall(original, { args: [9], kwargs: {} }).args, [9]);
    assert.throws(() => rerunCall(sampleTask()), /encrypted arguments cannot be re-run through addTask.*retry it instead/);
  });

  it("retryTask on the local engine, and the task panel's Run Again and Edit and Run, give the same new run", async () => {
    const retried = await engine([original]);
    const retry = retried.manager.getTask(await retried.manager.retryTask(ids[0]))!.toData();
    assertRerunOf(original, retry, "retryTask");

    const runAgain = await engine([original]);
    const { host } = fakeHost({
      // What taskflow.runTask does when called with a name: addTask with the options as given.
      executeCommand: async (_command, name, options) => {
        const { args, ...rest } = options as { args: unknown[] };
        return runAgain.manager.addTask(name as string, args, rest);
      },
    });
    const r = recorder();
    const controller = new TaskPanelController(ids[0], { manager: runAgain.manager, host, post: r.post, timers: new FakeTimers(), realpath: async (p) => p });
    await controller.handleMessage(ready);
    await controller.handleMessage(RunAgain.create(1, { taskId: ids[0] }));
    const again = runAgain.manager.getTask(r.result<{ taskId: string }>(1).taskId)!.toData();
    assertRerunOf(original, again, "Run Again");

    const edited = await engine([original]);
    const e = recorder();
    const editor = new TaskPanelController(ids[0], { manager: edited.manager, host: fakeHost().host, post: e.post, timers: new FakeTimers(), realpath: async (p) => p });
    await editor.handleMessage(ready);
    await editor.handleMessage(RunWithArguments.create(2, { taskId: ids[0], args: original.args, kwargs: original.kwargs }));
    const edit = edited.manager.getTask(e.result<{ taskId: string }>(2).taskId)!.toData();
    assertRerunOf(original, edit, "Edit and Run");

    for (const key of RERUN_FIELDS) assert.ok(sameValue(again[key], retry[key]) && sameValue(edit[key], retry[key]), `${key} differs between retryTask, Run Again and Edit and Run`);
  });

  it("retryTask on the local engine keeps encrypted arguments as the same token", async () => {
    const encrypted = sampleTask({ taskId: ids[1], funcName: "job", status: "failed", args: [], kwargs: {} });
    const { manager } = await engine([encrypted]);
    const retry = manager.getTask(await manager.retryTask(ids[1]))!;
    for (const key of RERUN_FIELDS) assert.ok(sameValue(retry[key], encrypted[key]), `${key} was not carried`);
  });
});

describe("the re-run rule on the BullMQ backend", function () {
  this.timeout(30000);
  const redis = useRedis(this);

  it("retryTask gives the same new run as on the local engine", async () => {
    const worker = redis.manager();
    const gate = signal();
    let calls = 0;
    // The original fails; its re-run waits, so it is read before it has an outcome of its own.
    const job = worker.task({ name: "job" }, async () => {
      if (++calls === 1) throw new Error("boom");
      await gate.promise;
    });
    await worker.start();
    const { args, options } = rerunCall(original);
    const first = await worker.waitFor(await worker.addTask(job, args, { ...options, runAt: new Date(Date.now() - 1000) }));
    assert.equal(first.status, "failed");
    const retry = (await worker.getTask(await worker.retryTask(first.taskId)))!.toData();
    assertRerunOf(first.toData(), retry, "BullMQ retryTask");
    assert.deepEqual(rerunFields(retry), { ...rerunFields(original), encryptedPayload: null });
    gate.resolve();
    assert.equal((await worker.waitFor(retry.taskId)).status, "success");
  });
});
