import * as assert from "node:assert/strict";
import { taskLog } from "../../src";
import type { TaskManager } from "../../src/engine/taskManager";
import type { PanelHost } from "../../src/extension/panels/ports";
import { TaskPanelController } from "../../src/extension/panels/taskPanelController";
import { newTaskData, type ListTasksQuery, type TaskData } from "../../src/model";
import type { HostToWebviewMessage, NotificationMessage, ResponseMessage } from "../../src/protocol";
import { MemoryStore, type TaskStore } from "../../src/store";
import { deferred, makeEngine, reopenable, shutdownEngines, withOverrides } from "./helpers/engineHarness";
import { settle } from "./helpers/fakeClock";
import { FakeTimers } from "./panelHelpers.test";

// The fixtures below are shared with panelDashboard.test.ts: both controllers run on a real engine.

/** Valid UUID v4 task ids, in creation order of the seeded history. */
export const ids = Array.from({ length: 3000 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
export const T0 = Date.UTC(2026, 0, 1);
export const NOW = Date.UTC(2026, 0, 2);

/** A finished run of an earlier session, created `i` seconds after T0. */
export function seeded(i: number, fields: Partial<TaskData> = {}): TaskData {
  return newTaskData({ taskId: ids[i], funcName: "job", status: "success", createdAt: T0 + i * 1000, startTime: T0 + i * 1000, endTime: T0 + i * 1000 + i * 100, args: [i], ...fields });
}

/**
 * A started engine TaskManager on a MemoryStore that holds `history`, with the functions `names`
 * registered (each returns at once). `listCalls` records every query the store was asked.
 */
export async function engine(history: TaskData[] = [], options: { start?: boolean; names?: string[] } = {}) {
  const memory = new MemoryStore();
  await memory.open();
  for (const task of history) {
    memory.saveTask(task);
    if (task.logs.length > 0) memory.appendLogs(task.taskId, task.logs);
  }
  const listCalls: ListTasksQuery[] = [];
  const store: TaskStore = withOverrides(reopenable(memory), {
    listTasks: (query?: ListTasksQuery) => {
      listCalls.push(query ?? {});
      return memory.listTasks(query);
    },
  });
  const made = makeEngine({ store });
  for (const name of options.names ?? ["job", "even", "odd"]) made.manager.task({ name }, async () => undefined);
  if (options.start ?? true) await made.manager.start();
  return { ...made, listCalls };
}

export function fakeHost(overrides: Partial<PanelHost> = {}) {
  const calls = { opened: [] as unknown[][], shown: [] as string[], errors: [] as string[], commands: [] as unknown[][], saved: [] as Array<{ name: string; content: string }> };
  const host: PanelHost = {
    workspaceFolders: () => ["/w"],
    openFile: async (...args) => void calls.opened.push(args),
    executeCommand: async (...args) => {
      calls.commands.push(args);
      return ids[2999];
    },
    showTask: (id) => void calls.shown.push(id),
    confirm: async () => true,
    saveFile: async (name, _format, content) => {
      calls.saved.push({ name, content });
      return `/w/${name}`;
    },
    showError: (m) => void calls.errors.push(m),
    log: () => undefined,
    ...overrides,
  };
  return { host, calls };
}

export function recorder() {
  const sent: HostToWebviewMessage[] = [];
  const notifications = (method: string) => sent.filter((m): m is NotificationMessage => m.kind === "notification" && m.method === method);
  const response = (id: number) => sent.find((m): m is ResponseMessage => m.kind === "response" && m.id === id);
  const result = <R>(id: number): R => {
    const r = response(id);
    assert.ok(r?.ok, `expected an ok response to request ${id}, got ${JSON.stringify(r)}`);
    return (r as { result: R }).result;
  };
  const error = (id: number): string => {
    const r = response(id);
    assert.ok(r && !r.ok, `expected an error response to request ${id}, got ${JSON.stringify(r)}`);
    return (r as { error: string }).error;
  };
  return { sent, post: (m: HostToWebviewMessage) => void sent.push(m), notifications, response, result, error };
}

export const ready = { kind: "command", method: "ready", params: {} };

describe("task panel controller", () => {
  afterEach(shutdownEngines);

  function panel(manager: TaskManager, taskId: string, options: { host?: PanelHost; realpath?: (p: string) => Promise<string> } = {}) {
    const timers = new FakeTimers();
    const r = recorder();
    const host = options.host ?? fakeHost().host;
    const controller = new TaskPanelController(taskId, { manager, host, post: r.post, timers, realpath: options.realpath ?? (async (p) => p) });
    return { ...r, controller, timers };
  }

  const failedWithStack = seeded(0, { status: "failed", error: "boom", logs: ["2026-01-01T00:00:00 start"], stacktrace: "Error: boom\n    at fail (/w/a.tasks.ts:3:9)\n    at x (/elsewhere/b.js:1:1)" });

  it("answers ready with a snapshot whose workspace frames are links", async () => {
    const { manager } = await engine([failedWithStack]);
    const { controller, notifications } = panel(manager, ids[0]);
    await controller.handleMessage(ready);
    const [snapshot] = notifications("taskSnapshot");
    const params = snapshot.params as { taskId: string; task: { logs: string[]; status: string; stack: Array<{ link: unknown }> } };
    assert.equal(params.taskId, ids[0]);
    assert.equal(params.task.status, "failed");
    assert.deepEqual(params.task.logs, ["2026-01-01T00:00:00 start"]);
    assert.deepEqual(params.task.stack.map((l) => l.link !== null), [false, true, false]);
  });

  it("streams a running task's new log lines in order and batched, then its status without logs", async () => {
    const { manager } = await engine();
    const gate = deferred();
    manager.task(async function stream() {
      taskLog("first");
      await gate.promise;
      for (let i = 1; i <= 5; i++) taskLog(`line ${i}`);
    });
    const id = await manager.addTask("stream");
    await settle();
    const { controller, notifications, timers } = panel(manager, id);
    await controller.handleMessage(ready);
    gate.resolve();
    await manager.waitFor(id);
    await settle();
    timers.advance(100);
    await settle();
    const logs = manager.getTask(id)!.logs;
    const appended = notifications("taskLogAppended").map((n) => n.params as { from: number; lines: string[] });
    assert.deepEqual(appended.flatMap((a) => a.lines), logs.slice(1), "every new line once, in order");
    appended.reduce((from, a) => (assert.equal(a.from, from), from + a.lines.length), 1);
    assert.ok(appended.length <= 2, `five lines in one burst go out in at most two messages, got ${appended.length}`);
    const changed = notifications("taskChanged").map((n) => (n.params as { task: Record<string, unknown> }).task);
    assert.equal(changed.at(-1)?.status, "success");
    assert.equal("logs" in (changed.at(-1) ?? {}), false);
  });

  it("ignores events of other tasks and sends nothing once disposed", async () => {
    const { manager } = await engine();
    const gates = [deferred(), deferred()];
    manager.task(async function hold(n: number) {
      await gates[n].promise;
      taskLog(`done ${n}`);
    });
    const mine = await manager.addTask("hold", [0]);
    const other = await manager.addTask("hold", [1]);
    await settle();
    const { controller, sent, timers } = panel(manager, mine);
    await controller.handleMessage(ready);
    const afterReady = sent.length;
    gates[1].resolve();
    await manager.waitFor(other);
    timers.advance(500);
    await settle();
    assert.equal(sent.length, afterReady, "another task's logs and status changes are not sent");
    controller.dispose();
    gates[0].resolve();
    await manager.waitFor(mine);
    timers.advance(500);
    await settle();
    assert.equal(sent.length, afterReady, "a disposed panel sends nothing");
  });

  it("tells the webview while the engine is not started and sends the snapshot once it is", async () => {
    const { manager } = await engine([failedWithStack], { start: false });
    const { controller, notifications, timers } = panel(manager, ids[0]);
    await controller.handleMessage(ready);
    const told = notifications("engineUnavailable").map((n) => (n.params as { message: string }).message);
    assert.equal(told.length, 1);
    assert.match(told[0], /not started/);
    assert.equal(notifications("taskSnapshot").length, 0);
    for (const ms of [250, 500]) {
      timers.advance(ms);
      await settle();
    }
    assert.equal(notifications("engineUnavailable").length, 1, "the same reason is told once");
    await manager.start();
    timers.advance(1000);
    await settle();
    assert.equal(notifications("taskSnapshot").length, 1);
    timers.advance(10_000);
    assert.equal(timers.pending, 0, "no retry is left once the snapshot went out");
    controller.dispose();
  });

  it("tells the webview when the engine goes away under a streaming panel, and sends a snapshot once it is back", async () => {
    const { manager } = await engine();
    const gate = deferred();
    manager.task(async function later() {
      await gate.promise;
      taskLog("after the restart");
    });
    const id = await manager.addTask("later");
    await settle();
    // The extension's ManagerProxy throws like this while it restarts the engine.
    let restarting = false;
    const client = new Proxy(manager, {
      get(target, property) {
        if (property === "getTask" && restarting) return () => { throw new Error("Taskflow is restarting its task engine"); };
        const value: unknown = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const { controller, notifications, timers } = panel(client, id);
    await controller.handleMessage(ready);
    restarting = true;
    gate.resolve();
    await manager.waitFor(id);
    await settle();
    assert.deepEqual(notifications("engineUnavailable").map((n) => n.params), [{ message: "Taskflow is restarting its task engine" }]);
    restarting = false;
    timers.advance(250);
    await settle();
    const snapshots = notifications("taskSnapshot").map((n) => (n.params as { task: { status: string; logs: string[] } }).task);
    assert.equal(snapshots.length, 2);
    assert.equal(snapshots[1].status, "success");
    assert.match(snapshots[1].logs.at(-1) ?? "", /after the restart$/);
    controller.dispose();
  });

  it("retries through the manager, replies with the new id and shows its panel", async () => {
    const { manager } = await engine([failedWithStack]);
    const { host, calls } = fakeHost();
    const { controller, result } = panel(manager, ids[0], { host });
    await controller.handleMessage({ kind: "request", id: 7, method: "retryTask", params: { taskId: ids[0] } });
    const { taskId } = result<{ taskId: string }>(7);
    assert.notEqual(taskId, ids[0]);
    assert.deepEqual(calls.shown, [taskId]);
    assert.deepEqual(manager.getTask(taskId)?.args, [0], "the new run has the same arguments");
  });

  it("answers a malformed or unknown request with an error and acts on nothing", async () => {
    const { manager } = await engine([failedWithStack]);
    const { controller, error } = panel(manager, ids[0]);
    await controller.handleMessage({ kind: "request", id: 1, method: "retryTask", params: { taskId: "'; DROP TABLE tasks" } });
    await controller.handleMessage({ kind: "request", id: 2, method: "deleteEverything", params: {} });
    await controller.handleMessage({ kind: "request", id: 3, method: "retryTask", params: { taskId: ids[5] } });
    assert.match(error(1), /params "taskId" must be a task id \(UUID v4\), got the string/);
    assert.match(error(2), /Unknown message deleteEverything/);
    assert.match(error(3), /Unknown task id/);
    assert.equal(manager.countTasks(), 1, "nothing was enqueued");
  });

  it("refuses the dashboard's requests", async () => {
    const { manager } = await engine([failedWithStack]);
    const { controller, error } = panel(manager, ids[0]);
    await controller.handleMessage({ kind: "request", id: 4, method: "retryTasks", params: { taskIds: [ids[0]] } });
    assert.match(error(4), /Unknown message retryTasks: the task panel accepts ready, openFrame, showTask, retryTask, resumeTask, provideInput, cancelTask, runAgain/);
    assert.equal(manager.countTasks(), 1);
  });

  it("cancels a running task", async () => {
    const { manager } = await engine();
    const gate = deferred();
    manager.task(async function hold() {
      await gate.promise;
    });
    const id = await manager.addTask("hold");
    await settle();
    const { controller, result } = panel(manager, id);
    await controller.handleMessage({ kind: "request", id: 1, method: "cancelTask", params: { taskId: id } });
    assert.deepEqual(result(1), { cancelled: true });
    assert.equal(manager.getTask(id)?.status, "cancelled");
    gate.resolve();
  });

  it("answers cancelled: false for a task that already finished, and leaves it as it was", async () => {
    const { manager } = await engine();
    const id = await manager.addTask("job");
    assert.equal((await manager.waitFor(id)).status, "success");
    const { controller, result } = panel(manager, id);
    await controller.handleMessage({ kind: "request", id: 1, method: "cancelTask", params: { taskId: id } });
    assert.deepEqual(result(1), { cancelled: false });
    assert.equal(manager.getTask(id)?.status, "success");
  });

  it("opens a workspace frame at its line, and refuses paths outside the workspace", async () => {
    const { manager } = await engine([failedWithStack]);
    const { host, calls } = fakeHost();
    const { controller } = panel(manager, ids[0], { host, realpath: async (p) => (p === "/w/link.ts" ? "/etc/passwd" : p) });
    await controller.handleMessage({ kind: "command", method: "openFrame", params: { path: "/w/a.tasks.ts", line: 3, column: 9 } });
    await controller.handleMessage({ kind: "command", method: "openFrame", params: { path: "/etc/passwd", line: 1 } });
    await controller.handleMessage({ kind: "command", method: "openFrame", params: { path: "/w/../etc/passwd", line: 1 } });
    await controller.handleMessage({ kind: "command", method: "openFrame", params: { path: "/w/link.ts", line: 1 } });
    assert.deepEqual(calls.opened, [["/w/a.tasks.ts", 3, 9]]);
    assert.equal(calls.errors.length, 3);
    assert.match(calls.errors[0], /Refused to open \/etc\/passwd: expected a file inside a workspace folder \(\/w\)/);
  });

  it("runs the function again with the same arguments, tags, queue and priority, but never with encrypted ones", async () => {
    const { manager } = await engine([seeded(1, { tags: { env: "dev" }, kwargs: { k: 1 } }), seeded(2, { encryptedPayload: new Uint8Array([1, 2]), args: [] })]);
    const { host, calls } = fakeHost();
    const { controller, result, error } = panel(manager, ids[1], { host });
    await controller.handleMessage({ kind: "request", id: 1, method: "runAgain", params: { taskId: ids[1] } });
    await controller.handleMessage({ kind: "request", id: 2, method: "runAgain", params: { taskId: ids[2] } });
    assert.deepEqual(calls.commands, [["taskflow.runTask", "job", { args: [1], kwargs: { k: 1 }, tags: { env: "dev" }, queue: "default", priority: 0 }]]);
    assert.deepEqual(result(1), { taskId: ids[2999] });
    assert.match(error(2), /encrypted arguments/);
  });

  it("says Run Again started nothing when the run still holds its idempotency key, instead of reopening it silently", async () => {
    const { manager } = await engine();
    const id = await manager.addTask("job", [], { idempotencyKey: "nightly" });
    assert.equal((await manager.waitFor(id)).status, "success");
    // The real taskflow.runTask: addTask with the carried key gives back the run that holds it.
    const { host, calls } = fakeHost({
      executeCommand: async (_command, name, call) => {
        const { args, ...options } = call as { args: unknown[]; idempotencyKey: string };
        return manager.addTask(name as string, args, options);
      },
    });
    const { controller, error } = panel(manager, id, { host });
    await controller.handleMessage({ kind: "request", id: 1, method: "runAgain", params: { taskId: id } });
    assert.match(error(1), /Run Again started no new run: this run still holds its idempotency key "nightly"/);
    assert.deepEqual(calls.shown, []);
    assert.equal(manager.listTasks().length, 1);
  });

  it("copies the run through Copy as CLI Command or Copy as curl and answers with the text they copied", async () => {
    const { manager } = await engine([seeded(1)]);
    const { host, calls } = fakeHost({
      executeCommand: async (...args) => {
        calls.commands.push(args);
        return args[0] === "taskflow.copyAsCurl" ? undefined : "taskflow run job --args '[1]'";
      },
    });
    const { controller, result, error } = panel(manager, ids[1], { host });
    await controller.handleMessage({ kind: "request", id: 1, method: "copyRunAs", params: { taskId: ids[1], form: "cli" } });
    await controller.handleMessage({ kind: "request", id: 2, method: "copyRunAs", params: { taskId: ids[1], form: "curl" } });
    await controller.handleMessage({ kind: "request", id: 3, method: "copyRunAs", params: { taskId: ids[1], form: "powershell" } });
    assert.deepEqual(calls.commands, [["taskflow.copyAsCliCommand", ids[1]], ["taskflow.copyAsCurl", ids[1]]]);
    assert.deepEqual(result(1), { text: "taskflow run job --args '[1]'" });
    assert.match(error(2), /Copying task .* as a curl command gave no text \(got undefined\)/);
    assert.match(error(3), /"form" must be cli or curl/);
  });

  it("marks that a task panel showed (the walkthrough's step) once its webview is ready", async () => {
    const { manager } = await engine([seeded(1)]);
    const { host, calls } = fakeHost();
    const { controller } = panel(manager, ids[1], { host });
    assert.deepEqual(calls.commands, []);
    await controller.handleMessage({ kind: "command", method: "ready", params: {} });
    assert.equal(calls.commands.length, 1);
    assert.deepEqual(calls.commands[0], ["setContext", "taskflow.taskPanelShown", true]);
  });

  it("debugs the run again through taskflow.debugTask with the same arguments, but never with encrypted ones", async () => {
    const { manager } = await engine([seeded(1, { tags: { debug: "true" }, kwargs: { k: 1 } }), seeded(2, { encryptedPayload: new Uint8Array([1, 2]), args: [] })]);
    const { host, calls } = fakeHost();
    const { controller, result, error } = panel(manager, ids[1], { host });
    await controller.handleMessage({ kind: "request", id: 1, method: "debugAgain", params: { taskId: ids[1] } });
    await controller.handleMessage({ kind: "request", id: 2, method: "debugAgain", params: { taskId: ids[2] } });
    assert.deepEqual(calls.commands, [["taskflow.debugTask", "job", { args: [1], kwargs: { k: 1 } }]]);
    assert.deepEqual(result(1), { taskId: ids[2999] });
    assert.deepEqual(calls.shown, [ids[2999]]);
    assert.match(error(2), /encrypted arguments, which the panel never reads: debug job again from "Taskflow: Debug Task\.\.\."/);
  });

  it("tells the webview why Debug Again is refused, as the window says at each snapshot, and nothing while it is not", async () => {
    const { manager } = await engine([failedWithStack]);
    let refusal: string | undefined = "on the shared queue any worker may take the run";
    const r = recorder();
    const controller = new TaskPanelController(ids[0], { manager, host: fakeHost().host, post: r.post, timers: new FakeTimers(), realpath: async (p) => p, debugRefusal: () => refusal });
    await controller.handleMessage(ready);
    refusal = undefined;
    await controller.handleMessage(ready);
    const [refused, offered] = r.notifications("taskSnapshot").map((m) => (m.params as { task: { debugRefusal?: string } }).task);
    assert.equal(refused.debugRefusal, "on the shared queue any worker may take the run");
    assert.ok(!("debugRefusal" in offered), "no refusal once the window may debug");
    controller.dispose();
  });
});
