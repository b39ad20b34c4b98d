import * as assert from "node:assert/strict";
import { enqueue, reportProgress } from "../../src";
import type { TaskManager } from "../../src/engine/taskManager";
import { TaskPanelController } from "../../src/extension/panels/taskPanelController";
import type { FlowHold, TaskflowClient } from "../../src/model";
import type { TaskView } from "../../src/protocol";
import { deferred, shutdownEngines } from "./helpers/engineHarness";
import { settle } from "./helpers/fakeClock";
import { T0, engine, fakeHost, ids, ready, recorder, seeded } from "./panelControllers.test";
import { FakeTimers } from "./panelHelpers.test";

describe("task panel controller: result, progress, queue and children", () => {
  afterEach(shutdownEngines);

  function panel(manager: TaskManager, taskId: string) {
    const timers = new FakeTimers();
    const r = recorder();
    const { host, calls } = fakeHost();
    const controller = new TaskPanelController(taskId, { manager, host, post: r.post, timers, realpath: async (p) => p });
    return { ...r, controller, timers, calls };
  }

  const snapshotOf = (notifications: ReturnType<typeof recorder>["notifications"]): TaskView =>
    (notifications("taskSnapshot").at(-1)?.params as { task: TaskView }).task;

  it("sends the result, queue, priority, parent and the children in the snapshot", async () => {
    const parent = seeded(0, { result: { rows: 3 }, queue: "emails", priority: 5 });
    const children = [1, 2].map((i) => seeded(i, { parentId: ids[0], funcName: "child" }));
    const { manager } = await engine([parent, ...children, seeded(3)]);
    const { controller, notifications } = panel(manager, ids[0]);
    await controller.handleMessage(ready);
    const task = snapshotOf(notifications);
    assert.deepEqual(task.result, { rows: 3 });
    assert.equal(task.queue, "emails");
    assert.equal(task.priority, 5);
    assert.equal(task.childCount, 2);
    const times = (i: number) => ({ createdAt: new Date(T0 + i * 1000).toISOString(), startTime: new Date(T0 + i * 1000).toISOString(), endTime: new Date(T0 + i * 1100).toISOString() });
    assert.deepEqual(task.children, [2, 1].map((i) => ({ taskId: ids[i], funcName: "child", status: "success", ...times(i) })), "newest first, with the times the timeline draws, without logs or arguments");
  });

  it("gives a child its parent and no children", async () => {
    const { manager } = await engine([seeded(0), seeded(1, { parentId: ids[0] })]);
    const { controller, notifications } = panel(manager, ids[1]);
    await controller.handleMessage(ready);
    const task = snapshotOf(notifications);
    assert.equal(task.parentId, ids[0]);
    assert.deepEqual([task.children, task.childCount], [[], 0]);
  });

  it("pushes progress while the task runs, batched, and the child it enqueued", async () => {
    const { manager } = await engine();
    const gate = deferred();
    manager.task({ name: "child" }, async () => undefined);
    manager.task(async function importRows() {
      reportProgress(0.1, "row 100 of 1000");
      await enqueue("child");
      reportProgress(0.4, "row 400 of 1000");
      await gate.promise;
      return { imported: 1000 };
    });
    const id = await manager.addTask("importRows");
    const { controller, notifications, timers } = panel(manager, id);
    await controller.handleMessage(ready);
    await settle();
    timers.advance(100);
    await settle();
    const changed = notifications("taskChanged").map((n) => (n.params as { task: TaskView }).task);
    assert.deepEqual(changed.at(-1)?.progress, { fraction: 0.4, message: "row 400 of 1000" });
    assert.equal(changed.at(-1)?.childCount, 1);
    gate.resolve();
    await manager.waitFor(id);
    await settle();
    timers.advance(100);
    await settle();
    const last = (notifications("taskChanged").at(-1)?.params as { task: TaskView }).task;
    assert.equal(last.status, "success");
    assert.deepEqual(last.result, { imported: 1000 });
  });

  it("carries why a pending run is held by its key in the snapshot, and no hold for a run that is not pending", async () => {
    // A function nothing registers: its run stays pending.
    const { manager } = await engine([seeded(0, { status: "pending", funcName: "elsewhere", startTime: null, endTime: null }), seeded(1)]);
    const holds: Record<string, FlowHold> = {
      [ids[0]]: { rule: "concurrency", key: "ada", running: 1, limit: 1 },
      [ids[1]]: { rule: "concurrency", key: "ada", running: 1, limit: 1 },
    };
    // The engine's own flowHolds is not what this test is about: the panel shows what it says.
    const client = new Proxy<object>(manager, {
      get(target, property) {
        if (property === "flowHolds") return () => holds;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as TaskflowClient;
    const snapshot = async (taskId: string) => {
      const r = recorder();
      const controller = new TaskPanelController(taskId, { manager: client, host: fakeHost().host, post: r.post, timers: new FakeTimers(), realpath: async (p) => p });
      await controller.handleMessage(ready);
      controller.dispose();
      return snapshotOf(r.notifications);
    };
    assert.deepEqual((await snapshot(ids[0])).hold, {
      rule: "concurrency",
      summary: "held: 1 running for key ada",
      detail: "Held by its key ada: 1 run of this key running, at most 1 at once. It starts when one of them ends.",
    });
    assert.equal((await snapshot(ids[1])).hold, null, "a finished run is never shown as held");
  });

  it("opens the panel of a parent or child link the webview asks for", async () => {
    const { manager } = await engine([seeded(0), seeded(1, { parentId: ids[0] })]);
    const { controller, calls } = panel(manager, ids[1]);
    await controller.handleMessage({ kind: "command", method: "showTask", params: { taskId: ids[0] } });
    assert.deepEqual(calls.shown, [ids[0]]);
  });
});
