import * as assert from "node:assert/strict";
import { TaskPanelController } from "../../src/extension/panels/taskPanelController";
import { parseArgumentsJson, parseKwargsJson } from "../../src/model/argumentsJson";
import { RunWithArguments } from "../../src/protocol";
import { shutdownEngines } from "./helpers/engineHarness";
import { engine, fakeHost, ids, ready, recorder, seeded } from "./panelControllers.test";
import { FakeTimers } from "./panelHelpers.test";

describe("task panel: run again with edited arguments", () => {
  afterEach(shutdownEngines);

  const original = seeded(0, { funcName: "job", args: [1, "a"], kwargs: { dryRun: true }, tags: { team: "data" }, queue: "reports", priority: 3 });

  async function panel(history = [original]) {
    const made = await engine(history);
    const { host, calls } = fakeHost();
    const r = recorder();
    const controller = new TaskPanelController(ids[0], { manager: made.manager, host, post: r.post, timers: new FakeTimers(), realpath: async (p) => p });
    await controller.handleMessage(ready);
    return { ...made, ...r, controller, calls };
  }

  it("runs the same function with the edited args and kwargs, in the same queue with the same priority and tags, and opens the new run", async () => {
    const { manager, controller, result, calls } = await panel();
    await controller.handleMessage(RunWithArguments.create(7, { taskId: ids[0], args: [2, "b", { deep: [1] }], kwargs: { dryRun: false } }));
    const { taskId } = result<{ taskId: string }>(7);
    assert.notEqual(taskId, ids[0]);
    const run = manager.getTask(taskId)!;
    assert.deepEqual([run.funcName, run.args, run.kwargs, run.tags, run.queue, run.priority], ["job", [2, "b", { deep: [1] }], { dryRun: false }, { team: "data" }, "reports", 3]);
    assert.deepEqual(calls.shown, [taskId]);
  });

  it("refuses args that are not an array and kwargs that are not an object, saying what was expected and got", async () => {
    const { manager, controller, error, calls } = await panel();
    await controller.handleMessage({ kind: "request", id: 1, method: "runWithArguments", params: { taskId: ids[0], args: { a: 1 }, kwargs: {} } });
    assert.match(error(1), /"args" must be a JSON array of positional arguments, got an object/);
    await controller.handleMessage({ kind: "request", id: 2, method: "runWithArguments", params: { taskId: ids[0], args: [], kwargs: [1] } });
    assert.match(error(2), /"kwargs" must be a JSON object of keyword arguments, got an array/);
    assert.equal(manager.listTasks().length, 1, "nothing was enqueued");
    assert.deepEqual(calls.shown, []);
  });

  it("refuses a task with encrypted arguments, which the panel never read", async () => {
    const { controller, error } = await panel([seeded(0, { encryptedPayload: new Uint8Array([1, 2, 3]), args: [], kwargs: {} })]);
    await controller.handleMessage(RunWithArguments.create(3, { taskId: ids[0], args: [], kwargs: {} }));
    assert.match(error(3), /encrypted arguments/);
  });

  it("checks the editor's text: an array for args, an object for kwargs, empty meaning none", () => {
    assert.deepEqual(parseArgumentsJson(""), { ok: true, value: [] });
    assert.deepEqual(parseArgumentsJson('{"a": 1}'), { ok: false, error: "Arguments must be a JSON array, got an object: wrap it in [ ]" });
    assert.deepEqual(parseKwargsJson("[1]"), { ok: false, error: "Keyword arguments must be a JSON object, got an array: wrap it in { }" });
    const broken = parseKwargsJson("{dryRun: true}");
    assert.equal(broken.ok, false);
    assert.match((broken as { error: string }).error, /^Keyword arguments must be a JSON object, got invalid JSON \(.+\): for example \{"dryRun": true\}$/);
  });
});
