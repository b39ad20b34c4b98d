import * as assert from "node:assert/strict";
import { TaskManager } from "../../src/engine/taskManager";
import { reportProgress } from "../../src/core/taskContext";
import type { AuditActor, FlowHold, KeyInfo, LifecycleEvent, ProgressEvent, TaskflowClient } from "../../src/model";

const HELD_ID = "00000000-0000-4000-8000-000000000001";
import { MemoryStore } from "../../src/store";
import { ManagerProxy } from "../../src/extension/session/managerProxy";
import { moduleNameError, taskModuleTemplate } from "../../src/extension/commands/taskModuleTemplate";

async function startedManager(): Promise<TaskManager> {
  const manager = new TaskManager({ store: new MemoryStore(), onOutsideLog: () => undefined });
  await manager.start();
  return manager;
}

describe("extension: the exported API proxy", () => {
  it("says why it is unavailable while no manager is attached", async () => {
    const proxy = new ManagerProxy("Taskflow needs an open folder");
    assert.throws(() => proxy.metrics(), /^Error: Taskflow needs an open folder$/);
    await assert.rejects(proxy.addTask("anything"), /^Error: Taskflow needs an open folder$/);
    assert.equal(proxy.attached, false);
  });

  it("is a TaskflowClient whose queries reach the manager, sort included", async () => {
    const manager = await startedManager();
    for (const name of ["beta", "alpha", "gamma"]) manager.task({ name }, async () => name);
    const proxy = new ManagerProxy("unavailable");
    proxy.attach(manager);
    const client: TaskflowClient = proxy;
    for (const name of ["beta", "alpha", "gamma", "alpha"]) await client.waitFor(await client.addTask(name));

    const ids = async (source: TaskflowClient, query: Parameters<TaskflowClient["listTasks"]>[0]) => (await source.listTasks(query)).map((t) => t.taskId);
    for (const order of ["asc", "desc"] as const) {
      const query = { sort: { by: "funcName" as const, order }, limit: 3 };
      assert.deepEqual(await ids(client, query), await ids(manager, query), `sorted by funcName ${order}`);
    }
    assert.equal((await client.listTasks({ funcName: "alpha" })).length, 2);
    assert.equal(await client.countTasks({ funcName: "alpha" }), 2);
    assert.equal((await client.metrics()).success, 4);
    await manager.shutdown();
  });

  it("forwards listKeys and flowHolds to the manager acting as vscode", async () => {
    const manager = await startedManager();
    const calls: unknown[][] = [];
    const hold: FlowHold = { rule: "debounce", key: "a.ts", until: "2026-01-01T14:05:00.000Z", adds: 3 };
    const key: KeyInfo = { key: "ada", running: 1, pending: 2, held: 2, recentStarts: 0 };
    // Only the forwarding is under test here: the flow-control reads answer fixed data.
    const withFlow = (target: object, actor: string): TaskflowClient => new Proxy(target, {
      get(inner, property) {
        if (property === "listKeys") return (...args: unknown[]) => (calls.push([actor, "listKeys", ...args]), [key]);
        if (property === "flowHolds") return () => (calls.push([actor, "flowHolds"]), { [HELD_ID]: hold });
        if (property === "actingAs") return (as: AuditActor) => withFlow((inner as TaskflowClient).actingAs(as), as);
        const value: unknown = Reflect.get(inner, property, inner);
        return typeof value === "function" ? value.bind(inner) : value;
      },
    }) as TaskflowClient;
    const proxy = new ManagerProxy("unavailable");
    proxy.attach(withFlow(manager, "api"));
    assert.deepEqual(await proxy.listKeys("syncAccount", { limit: 5 }), [key]);
    assert.deepEqual(await proxy.flowHolds(), { [HELD_ID]: hold });
    assert.deepEqual(calls, [["vscode", "listKeys", "syncAccount", { limit: 5 }], ["vscode", "flowHolds"]]);
    proxy.attach(undefined, "Taskflow is restarting");
    assert.throws(() => proxy.flowHolds(), /^Error: Taskflow is restarting$/);
    await manager.shutdown();
  });

  it("acts as vscode in the audit trail, and reaches schedules, runScheduleNow and throughput", async () => {
    const manager = await startedManager();
    manager.task({ name: "tick" }, async () => "t");
    const proxy = new ManagerProxy("unavailable");
    proxy.attach(manager);
    const sid = await proxy.schedule("tick", { every: 3600 });
    const taskId = await proxy.runScheduleNow(sid);
    assert.equal((await proxy.waitFor(taskId)).scheduleId, sid);
    await proxy.pauseSchedule(sid);
    await proxy.resumeSchedule(sid);
    await proxy.removeSchedule(sid);
    await proxy.cancelTask(await manager.addTask("tick", [], { runAt: new Date(Date.now() + 3_600_000) }));
    const trail = (await proxy.audit()).map((e) => [e.action, e.actor]);
    assert.deepEqual(trail, [["cancel", "vscode"], ["run", "api"], ["unschedule", "vscode"], ["resume", "vscode"], ["pause", "vscode"], ["run", "vscode"], ["schedule", "vscode"]]);
    assert.equal((await proxy.actingAs("http").audit({ limit: 1 }))[0].action, "cancel");
    assert.equal((await proxy.throughput({ bucket: "hour" })).at(-1)!.succeeded, 1);
    await manager.shutdown();
  });

  it("forwards funcNames to the manager: the names in the history, sorted", async () => {
    const manager = await startedManager();
    for (const name of ["beta", "alpha"]) manager.task({ name }, async () => name);
    const proxy = new ManagerProxy("unavailable");
    proxy.attach(manager);
    for (const name of ["beta", "alpha", "beta"]) await proxy.waitFor(await proxy.addTask(name));
    assert.deepEqual(await proxy.funcNames(), ["alpha", "beta"]);
    await manager.shutdown();
  });

  it("forwards calls and events to the attached manager", async () => {
    const manager = await startedManager();
    manager.task(async function double(n: number) {
      return n * 2;
    });
    const proxy = new ManagerProxy("unavailable");
    proxy.attach(manager);
    const statuses: string[] = [];
    const { onLifecycle } = proxy; // events are bound properties, like vscode.Event
    onLifecycle((e: LifecycleEvent) => statuses.push(e.status));
    const taskId = await proxy.addTask("double", [21]);
    assert.equal((await proxy.waitFor(taskId)).status, "success");
    assert.deepEqual(statuses, ["pending", "running", "success"]);
    await manager.shutdown();
  });

  it("forwards progress events and retryFailed to the attached manager", async () => {
    const manager = await startedManager();
    manager.task(async function reports() {
      reportProgress(0.3, "a third");
      throw new Error("then fails");
    });
    const proxy = new ManagerProxy("unavailable");
    proxy.attach(manager);
    const progress: ProgressEvent[] = [];
    proxy.onProgress((e) => progress.push(e));
    const failed = await proxy.waitFor(await proxy.addTask("reports"));
    assert.deepEqual(progress.map((e) => [e.taskId, e.fraction, e.message]), [[failed.taskId, 0.3, "a third"]]);
    const [retried] = await proxy.retryFailed({ funcName: "reports" });
    assert.equal((await proxy.waitFor(retried)).status, "failed");
    assert.equal(progress.length, 2);
    await manager.shutdown();
  });

  it("forwards listSchedules to the attached manager", async () => {
    const manager = await startedManager();
    manager.task({ name: "nightly", schedule: { cron: "0 3 * * *", timezone: "UTC" } }, async () => {});
    const proxy = new ManagerProxy("unavailable");
    proxy.attach(manager);
    const schedules = await proxy.listSchedules();
    assert.deepEqual(schedules, manager.listSchedules());
    assert.deepEqual([schedules[0].funcName, schedules[0].cron, schedules[0].source], ["nightly", "0 3 * * *", "module"]);
    await manager.shutdown();
  });

  it("keeps listeners and its own registrations when the manager is replaced", async () => {
    const proxy = new ManagerProxy("unavailable");
    const first = await startedManager();
    proxy.attach(first);
    const seen: string[] = [];
    proxy.onLifecycle((e) => seen.push(`${e.funcName}:${e.status}`));
    proxy.task({ name: "ping" }, async () => "pong");
    await first.shutdown();
    proxy.attach(undefined, "restarting");
    assert.throws(() => proxy.listTasks(), /restarting/);

    const second = await startedManager();
    proxy.attach(second);
    assert.deepEqual(second.registeredTasks().map((t) => t.name), ["ping"]);
    await proxy.waitFor(await proxy.addTask("ping"));
    assert.deepEqual(seen.slice(-1), ["ping:success"]);
    await second.shutdown();
  });

  it("unregisters a function when its registration is disposed", async () => {
    const proxy = new ManagerProxy("unavailable");
    const manager = await startedManager();
    proxy.attach(manager);
    const registration = proxy.task(async function temporary() {});
    registration.dispose();
    assert.deepEqual(manager.registeredTasks(), []);
    await manager.shutdown();
  });

  it("contains a listener that throws and reports it", async () => {
    const errors: unknown[] = [];
    const proxy = new ManagerProxy("unavailable", (err) => errors.push(err));
    const manager = await startedManager();
    manager.task(async function quick() {});
    proxy.attach(manager);
    proxy.onLifecycle(() => {
      throw new Error("listener bug");
    });
    assert.equal((await proxy.waitFor(await proxy.addTask("quick"))).status, "success");
    assert.ok(errors.length >= 1);
    await manager.shutdown();
  });
});

describe("extension: New Task Module template", () => {
  it("starts with a reference to the workspace's taskflow types and imports from taskflow", () => {
    const text = taskModuleTemplate("../.vscode/taskflow/taskflow.d.ts", false);
    assert.ok(text.startsWith('/// <reference path="../.vscode/taskflow/taskflow.d.ts" />\n'));
    assert.match(text, /import \{ task, taskLog, getTaskContext \} from "taskflow";/);
    assert.match(text, /\(name: string\)/);
  });

  it("leaves type annotations out of a JavaScript module", () => {
    const text = taskModuleTemplate("./.vscode/taskflow/taskflow.d.ts", true);
    assert.doesNotMatch(text, /: string|: number/);
  });

  it("accepts task module names inside the folder and explains the others", () => {
    assert.equal(moduleNameError("tasks/seed.tasks.ts"), undefined);
    assert.equal(moduleNameError("seed.tasks.mjs"), undefined);
    assert.equal(moduleNameError("seed.ts"), 'Task modules end in .tasks.ts or .tasks.js, got "seed.ts": e.g. seed.tasks.ts');
    assert.match(moduleNameError("../outside.tasks.ts") ?? "", /must stay inside the workspace folder/);
    assert.match(moduleNameError("  ") ?? "", /Give the module a file name/);
  });
});
