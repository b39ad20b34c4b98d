import * as assert from "node:assert/strict";
import { step, sleep, waitForInput, waitForRuns, enqueue, WaitTimeoutError, ValidationError, TaskStateError } from "../../src";
import { makeEngine, shutdownEngines } from "./helpers/engineHarness";
import { settle } from "./helpers/fakeClock";

describe("engine: durable runs", () => {
  afterEach(shutdownEngines);

  it("replays a done step after a sleep instead of running it again, and holds no slot while waiting", async () => {
    const { manager, clock, statuses } = makeEngine({ maxConcurrentTasks: 1 });
    let created = 0;
    manager.task({ name: "flow" }, async (user: string) => {
      const account = await step("create account", () => ({ id: ++created, user }));
      await sleep(60);
      return account;
    });
    manager.task({ name: "quick" }, () => "done");
    await manager.start();
    const id = await manager.addTask("flow", ["ada"]);
    await settle();
    const waiting = manager.getTask(id)!;
    assert.equal(waiting.status, "waiting");
    assert.equal(waiting.waitingFor?.kind, "sleep");
    const quick = await manager.addTask("quick");
    await settle();
    assert.equal(manager.getTask(quick)?.status, "success", "a waiting run holds no slot");
    await clock.advance(60_000);
    await settle();
    const done = manager.getTask(id)!;
    assert.equal(done.status, "success");
    assert.deepEqual(done.result, { id: 1, user: "ada" });
    assert.equal(created, 1);
    assert.deepEqual(statuses(id), ["pending", "running", "waiting", "pending", "running", "success"]);
    assert.deepEqual(done.steps.map((s) => [s.name, s.occurrence, s.status]), [["create account", 1, "done"], ["sleep", 1, "done"]]);
  });

  it("waits for input, refuses a value its schema refuses, then resumes with the value", async () => {
    const { manager } = makeEngine();
    manager.task({ name: "approve" }, async () => {
      const answer = await waitForInput<{ approve: boolean }>("approval", {
        prompt: "Approve?", schema: { type: "object", properties: { approve: { type: "boolean" } }, required: ["approve"] },
      });
      return answer.approve;
    });
    await manager.start();
    const id = await manager.addTask("approve");
    await settle();
    assert.equal(manager.getTask(id)?.status, "waiting");
    await assert.rejects(manager.provideInput(id, "approval", { approve: "yes" }), (e: Error) => e instanceof ValidationError && /approve: expected boolean/.test(e.message));
    await assert.rejects(manager.provideInput(id, "other", {}), TaskStateError);
    assert.equal(manager.getTask(id)?.status, "waiting");
    await manager.provideInput(id, "approval", { approve: true });
    await settle();
    assert.equal(manager.getTask(id)?.status, "success");
    assert.equal(manager.getTask(id)?.result, true);
    assert.ok(manager.audit().some((e) => e.action === "input" && e.taskId === id));
  });

  it("a parent waits for its children under maxConcurrentTasks 1 without a deadlock", async () => {
    const { manager } = makeEngine({ maxConcurrentTasks: 1 });
    manager.task({ name: "child" }, (n: number) => n * 2);
    manager.task({ name: "parent" }, async () => {
      const ids = await step("fan out", () => Promise.all([1, 2, 3].map((n) => enqueue("child", [n]))));
      const runs = await waitForRuns(ids);
      return runs.map((r) => r.result);
    });
    await manager.start();
    const id = await manager.addTask("parent");
    for (let i = 0; i < 10; i++) await settle();
    assert.equal(manager.getTask(id)?.status, "success");
    assert.deepEqual(manager.getTask(id)?.result, [2, 4, 6]);
  });

  it("throws a WaitTimeoutError the task can catch when the input does not come in time", async () => {
    const { manager, clock } = makeEngine();
    manager.task({ name: "t" }, async () => {
      try {
        await waitForInput("x", { timeout: 10 });
        return "given";
      } catch (error) {
        return error instanceof WaitTimeoutError ? "timed out" : "other";
      }
    });
    await manager.start();
    const id = await manager.addTask("t");
    await settle();
    await clock.advance(10_000);
    await settle();
    assert.equal(manager.getTask(id)?.result, "timed out");
  });
});
