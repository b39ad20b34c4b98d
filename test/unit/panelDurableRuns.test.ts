import * as assert from "node:assert/strict";
import { step, waitForInput } from "../../src";
import type { TaskManager } from "../../src/engine/taskManager";
import type { InputSchema } from "../../src/model/inputSchema";
import { TaskPanelController } from "../../src/extension/panels/taskPanelController";
import type { TaskView } from "../../src/protocol";
import { deferred, makeEngine, shutdownEngines } from "./helpers/engineHarness";
import { settle } from "./helpers/fakeClock";
import { fakeHost, ready, recorder } from "./panelControllers.test";
import { FakeTimers } from "./panelHelpers.test";

describe("task panel controller: durable runs", () => {
  afterEach(shutdownEngines);

  function panel(manager: TaskManager, taskId: string) {
    const r = recorder();
    const { host, calls } = fakeHost();
    const timers = new FakeTimers();
    const controller = new TaskPanelController(taskId, { manager, host, post: r.post, timers, realpath: async (p) => p });
    let nextId = 1;
    const request = async (method: string, params: unknown): Promise<number> => {
      const id = nextId++;
      await controller.handleMessage({ kind: "request", id, method, params });
      return id;
    };
    return { ...r, controller, calls, request, timers };
  }

  const schema = { type: "object", properties: { approve: { type: "boolean" }, seats: { type: "integer", minimum: 1 } }, required: ["approve", "seats"] } satisfies InputSchema;

  it("shows what the run waits for, gives the input through the engine, and answers a refused value with the engine's error", async () => {
    const { manager } = makeEngine();
    manager.task({ name: "onboard" }, async () => {
      const answer = await waitForInput<{ approve: boolean; seats: number }>("approval", { prompt: "Approve ada?", schema });
      return answer.seats;
    });
    await manager.start();
    const id = await manager.addTask("onboard");
    await settle();
    const { controller, notifications, request, error, result } = panel(manager, id);
    await controller.handleMessage(ready);
    const shown = (notifications("taskSnapshot")[0].params as { task: TaskView }).task;
    assert.deepEqual([shown.status, shown.waitingFor?.kind, shown.waitingFor?.kind === "input" && shown.waitingFor.prompt], ["waiting", "input", "Approve ada?"]);

    const refused = await request("provideInput", { taskId: id, name: "approval", value: { approve: true, seats: 0 } });
    assert.match(error(refused), /the input "approval" does not match its schema: seats: 0 is less than 1/);
    assert.equal(manager.getTask(id)?.status, "waiting", "a refused value leaves the run waiting");
    const wrongName = await request("provideInput", { taskId: id, name: "other", value: 1 });
    assert.match(error(wrongName), /is not waiting for input "other"/);

    const given = await request("provideInput", { taskId: id, name: "approval", value: { approve: true, seats: 3 } });
    assert.deepEqual(result(given), {});
    await settle();
    assert.deepEqual([manager.getTask(id)?.status, manager.getTask(id)?.result], ["success", 3]);
  });

  it("sends the steps a running task records as they are recorded, though a step raises no event", async () => {
    const { manager } = makeEngine();
    const gate = deferred();
    const end = deferred();
    manager.task({ name: "quiet" }, async () => {
      await step("first", () => 1);
      await gate.promise;
      await step("second", () => 2);
      await end.promise;
    });
    await manager.start();
    const id = await manager.addTask("quiet");
    await settle();
    const { controller, notifications, timers } = panel(manager, id);
    await controller.handleMessage(ready);
    const stepsSent = (): string[][] => notifications("taskChanged").map((n) => (n.params as { task: TaskView }).task.steps.map((s) => `${s.name}#${s.occurrence}`));
    timers.advance(1100);
    await settle();
    assert.deepEqual(stepsSent(), [], "nothing changed since the snapshot: nothing sent");
    gate.resolve();
    await settle();
    timers.advance(1100);
    await settle();
    assert.deepEqual(stepsSent().at(-1), ["first#1", "second#1"]);
    assert.equal(manager.getTask(id)?.status, "running", "no lifecycle event carried the step");
    end.resolve();
  });

  it("resumes a failed run with its completed steps, or retries it from a step, and shows the new run's panel", async () => {
    const { manager } = makeEngine();
    const ran: string[] = [];
    let fail = true;
    manager.task({ name: "pipeline" }, async () => {
      const a = await step("a", () => (ran.push("a"), 1));
      const b = await step("b", () => (ran.push("b"), 2));
      const c = await step("c", () => {
        ran.push("c");
        if (fail) throw new Error("c broke");
        return 3;
      });
      return a + b + c;
    });
    await manager.start();
    const id = await manager.addTask("pipeline");
    await settle();
    assert.equal(manager.getTask(id)?.status, "failed");
    fail = false;
    const { request, result, error, calls } = panel(manager, id);

    const resumed = result<{ taskId: string }>(await request("resumeTask", { taskId: id, fromStep: null })).taskId;
    await settle();
    assert.deepEqual([manager.getTask(resumed)?.status, manager.getTask(resumed)?.result], ["success", 6]);
    assert.deepEqual(ran, ["a", "b", "c", "c"], "a and b replayed, c ran again");

    const fromB = result<{ taskId: string }>(await request("resumeTask", { taskId: id, fromStep: "b#1" })).taskId;
    await settle();
    assert.equal(manager.getTask(fromB)?.status, "success");
    assert.deepEqual(ran.slice(4), ["b", "c"], "from b#1: a replayed, b and c ran again");
    assert.deepEqual(calls.shown, [resumed, fromB]);

    assert.match(error(await request("resumeTask", { taskId: id, fromStep: "z#1" })), /the run has no step "z#1": give one of "a#1", "b#1", "c#1"/);
    assert.match(error(await request("resumeTask", { taskId: id, fromStep: "b" })), /"fromStep" must be a step's name and occurrence such as "fetch#2"/);
    assert.match(error(await request("resumeTask", { taskId: resumed, fromStep: null })), /can be resumed; task .* is success/);
  });
});
