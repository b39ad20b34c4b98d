import * as assert from "node:assert/strict";
import type { ClearHistoryOptions, LifecycleEvent, ListTasksQuery, LogEvent, TaskDict } from "../../src/engine/types";
import { DashboardController } from "../../src/extension/panels/dashboardController";
import type { PanelHost, PanelManager } from "../../src/extension/panels/ports";
import { TaskPanelController } from "../../src/extension/panels/taskPanelController";
import type { HostToWebviewMessage, NotificationMessage, ResponseMessage } from "../../src/protocol";
import { FakeTimers } from "./panelHelpers.test";

const ids = Array.from({ length: 12 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);

function task(i: number, overrides: Partial<TaskDict> = {}): TaskDict {
  return {
    taskId: ids[i], funcName: "job", status: "success", args: [i], kwargs: {},
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), startTime: null, endTime: null, duration: i, retriesUsed: 0,
    error: null, logs: [], stacktrace: null, idempotencyKey: null, tags: {}, encrypted: false, ...overrides,
  };
}

class FakeManager implements PanelManager {
  tasks: TaskDict[] = [];
  /** When set, every query throws this, as the extension's proxy does before the engine is attached. */
  unavailable: string | undefined;
  retried: string[] = [];
  cleared: ClearHistoryOptions[] = [];
  private logListeners: Array<(e: LogEvent) => void> = [];
  private lifecycleListeners: Array<(e: LifecycleEvent) => void> = [];
  getTask(taskId: string) {
    if (this.unavailable) throw new Error(this.unavailable);
    const t = this.tasks.find((x) => x.taskId === taskId);
    return t && { toDict: () => structuredClone(t) };
  }
  private matching(q: ListTasksQuery): TaskDict[] {
    if (this.unavailable) throw new Error(this.unavailable);
    const statuses = q.status === undefined ? undefined : Array.isArray(q.status) ? q.status : [q.status];
    return [...this.tasks]
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
      .filter((t) => (!statuses || statuses.includes(t.status)) && (!q.funcName || t.funcName === q.funcName) && (!q.text || t.funcName.includes(q.text)));
  }
  listTasks(q: ListTasksQuery = {}) {
    const offset = q.offset ?? 0;
    return this.matching(q).slice(offset, offset + (q.limit ?? 100));
  }
  countTasks(q: ListTasksQuery = {}) {
    return this.matching(q).length;
  }
  metrics() {
    return { total: this.tasks.length, pending: 0, running: 0, success: 0, failed: 0, interrupted: 0, cancelled: 0, successRate: 0, avgDuration: 0 };
  }
  async retryTask(taskId: string) {
    this.retried.push(taskId);
    return ids[11];
  }
  async cancelTask() {}
  clearHistory(options: ClearHistoryOptions = {}) {
    this.cleared.push(options);
    return 3;
  }
  onLog(l: (e: LogEvent) => void) {
    this.logListeners.push(l);
    return { dispose: () => (this.logListeners = this.logListeners.filter((x) => x !== l)) };
  }
  onLifecycle(l: (e: LifecycleEvent) => void) {
    this.lifecycleListeners.push(l);
    return { dispose: () => (this.lifecycleListeners = this.lifecycleListeners.filter((x) => x !== l)) };
  }
  log(taskId: string, line: string) {
    this.tasks.find((t) => t.taskId === taskId)?.logs.push(line);
    for (const l of this.logListeners) l({ taskId, line } as LogEvent);
  }
  lifecycle(taskId: string, changes: Partial<TaskDict>) {
    Object.assign(this.tasks.find((t) => t.taskId === taskId) ?? {}, changes);
    for (const l of this.lifecycleListeners) l({ taskId } as LifecycleEvent);
  }
  get listenerCount() {
    return this.logListeners.length + this.lifecycleListeners.length;
  }
}

function fakeHost(overrides: Partial<PanelHost> = {}) {
  const calls = { opened: [] as unknown[][], shown: [] as string[], errors: [] as string[], commands: [] as unknown[][], saved: [] as Array<{ name: string; content: string }> };
  const host: PanelHost = {
    workspaceFolders: () => ["/w"],
    openFile: async (...args) => void calls.opened.push(args),
    executeCommand: async (...args) => {
      calls.commands.push(args);
      return ids[10];
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

function setup<C>(make: (post: (m: HostToWebviewMessage) => void) => C) {
  const sent: HostToWebviewMessage[] = [];
  const controller = make((m) => sent.push(m));
  const notifications = (method: string) => sent.filter((m): m is NotificationMessage => m.kind === "notification" && m.method === method);
  const response = (id: number) => sent.find((m): m is ResponseMessage => m.kind === "response" && m.id === id);
  return { controller, sent, notifications, response };
}

describe("task panel controller", () => {
  let manager: FakeManager;
  beforeEach(() => {
    manager = new FakeManager();
    manager.tasks = [task(0, { status: "failed", error: "boom", logs: ["2026-01-01T00:00:00 start"], stacktrace: "Error: boom\n    at fail (/w/a.tasks.ts:3:9)\n    at x (/elsewhere/b.js:1:1)" })];
  });

  function panel(options: { host?: PanelHost; realpath?: (p: string) => Promise<string> } = {}) {
    const timers = new FakeTimers();
    const host = options.host ?? fakeHost().host;
    const s = setup((post) => new TaskPanelController(ids[0], { manager, host, post, timers, realpath: options.realpath ?? (async (p) => p) }));
    return { ...s, timers };
  }

  it("answers ready with a snapshot whose workspace frames are links", async () => {
    const { controller, notifications } = panel();
    await controller.handleMessage({ kind: "command", method: "ready", params: {} });
    const [snapshot] = notifications("taskSnapshot");
    const params = snapshot.params as { taskId: string; task: { logs: string[]; stack: Array<{ link: unknown }> } };
    assert.equal(params.taskId, ids[0]);
    assert.deepEqual(params.task.logs, ["2026-01-01T00:00:00 start"]);
    assert.deepEqual(params.task.stack.map((l) => l.link !== null), [false, true, false]);
  });

  it("streams new log lines in order, batched, and status changes without logs", async () => {
    const { controller, notifications, timers } = panel();
    await controller.handleMessage({ kind: "command", method: "ready", params: {} });
    manager.log(ids[0], "line 1");
    manager.log(ids[0], "--- Retry 1 ---");
    manager.log(ids[0], "line 2");
    manager.lifecycle(ids[0], { status: "running" });
    timers.advance(100);
    const appended = notifications("taskLogAppended").map((n) => n.params);
    assert.deepEqual(appended, [
      { taskId: ids[0], from: 1, lines: ["line 1"] },
      { taskId: ids[0], from: 2, lines: ["--- Retry 1 ---", "line 2"] },
    ]);
    const [changed] = notifications("taskChanged");
    const changedTask = (changed.params as { task: Record<string, unknown> }).task;
    assert.equal(changedTask.status, "running");
    assert.equal("logs" in changedTask, false);
  });

  it("ignores events of other tasks and stops listening when disposed", async () => {
    manager.tasks.push(task(1));
    const { controller, notifications, timers } = panel();
    await controller.handleMessage({ kind: "command", method: "ready", params: {} });
    manager.log(ids[1], "not mine");
    timers.advance(500);
    assert.equal(notifications("taskLogAppended").length, 0);
    controller.dispose();
    assert.equal(manager.listenerCount, 0);
  });

  it("tells the webview while the engine is not ready and sends the snapshot once it is", async () => {
    manager.unavailable = "Taskflow is restarting its task engine: try again in a moment";
    const { controller, notifications, timers } = panel();
    await controller.handleMessage({ kind: "command", method: "ready", params: {} });
    assert.deepEqual(notifications("engineUnavailable").map((n) => n.params), [{ message: manager.unavailable }]);
    assert.equal(notifications("taskSnapshot").length, 0);
    timers.advance(250);
    timers.advance(500);
    assert.equal(notifications("engineUnavailable").length, 1, "the same reason is told once");
    manager.unavailable = undefined;
    timers.advance(1000);
    assert.equal(notifications("taskSnapshot").length, 1);
    timers.advance(10_000);
    assert.equal(timers.pending, 0, "no retry is left once the snapshot went out");
    controller.dispose();
  });

  it("retries through the manager, replies with the new id and shows its panel", async () => {
    const { host, calls } = fakeHost();
    const { controller, response } = panel({ host });
    await controller.handleMessage({ kind: "request", id: 7, method: "retryTask", params: { taskId: ids[0] } });
    assert.deepEqual(response(7), { kind: "response", id: 7, ok: true, result: { taskId: ids[11] } });
    assert.deepEqual(manager.retried, [ids[0]]);
    assert.deepEqual(calls.shown, [ids[11]]);
  });

  it("answers a malformed or unknown request with an error and acts on nothing", async () => {
    const { controller, response } = panel();
    await controller.handleMessage({ kind: "request", id: 1, method: "retryTask", params: { taskId: "'; DROP TABLE tasks" } });
    await controller.handleMessage({ kind: "request", id: 2, method: "deleteEverything", params: {} });
    await controller.handleMessage({ kind: "request", id: 3, method: "retryTask", params: { taskId: ids[5] } });
    assert.equal(response(1)?.ok, false);
    assert.match((response(1) as { error: string }).error, /taskId: expected a task id \(UUID v4\)/);
    assert.match((response(2) as { error: string }).error, /Unknown message deleteEverything/);
    assert.match((response(3) as { error: string }).error, /No task with id/);
    assert.deepEqual(manager.retried, []);
  });

  it("refuses the dashboard's requests", async () => {
    const { controller, response } = panel();
    await controller.handleMessage({ kind: "request", id: 4, method: "retryTasks", params: { taskIds: [ids[0]] } });
    assert.match((response(4) as { error: string }).error, /Unknown message retryTasks: the task panel accepts ready, openFrame, retryTask, cancelTask, runAgain/);
    assert.deepEqual(manager.retried, []);
  });

  it("opens a workspace frame at its line, and refuses paths outside the workspace", async () => {
    const { host, calls } = fakeHost();
    const { controller } = panel({ host, realpath: async (p) => (p === "/w/link.ts" ? "/etc/passwd" : p) });
    await controller.handleMessage({ kind: "command", method: "openFrame", params: { path: "/w/a.tasks.ts", line: 3, column: 9 } });
    await controller.handleMessage({ kind: "command", method: "openFrame", params: { path: "/etc/passwd", line: 1 } });
    await controller.handleMessage({ kind: "command", method: "openFrame", params: { path: "/w/../etc/passwd", line: 1 } });
    await controller.handleMessage({ kind: "command", method: "openFrame", params: { path: "/w/link.ts", line: 1 } });
    assert.deepEqual(calls.opened, [["/w/a.tasks.ts", 3, 9]]);
    assert.equal(calls.errors.length, 3);
    assert.match(calls.errors[0], /Refused to open \/etc\/passwd: expected a file inside a workspace folder \(\/w\)/);
  });

  it("runs the function again with the same arguments and tags, but never with encrypted ones", async () => {
    manager.tasks.push(task(1, { tags: { env: "dev" }, kwargs: { k: 1 } }), task(2, { encrypted: true, args: [] }));
    const { host, calls } = fakeHost();
    const { controller, response } = panel({ host });
    await controller.handleMessage({ kind: "request", id: 1, method: "runAgain", params: { taskId: ids[1] } });
    await controller.handleMessage({ kind: "request", id: 2, method: "runAgain", params: { taskId: ids[2] } });
    assert.deepEqual(calls.commands, [["taskflow.runTask", "job", { args: [1], kwargs: { k: 1 }, tags: { env: "dev" } }]]);
    assert.deepEqual(response(1), { kind: "response", id: 1, ok: true, result: { taskId: ids[10] } });
    assert.match((response(2) as { error: string }).error, /encrypted arguments/);
  });
});

describe("dashboard controller", () => {
  let manager: FakeManager;
  beforeEach(() => {
    manager = new FakeManager();
    manager.tasks = Array.from({ length: 10 }, (_, i) => task(i, { status: i % 3 === 0 ? "failed" : "success", funcName: i % 2 ? "odd" : "even" }));
  });

  function dashboard(hostOverrides: Partial<PanelHost> = {}) {
    const timers = new FakeTimers();
    const { host, calls } = fakeHost(hostOverrides);
    const s = setup((post) => new DashboardController({ manager, host, post, timers, now: () => Date.UTC(2026, 0, 2) }));
    return { ...s, timers, calls };
  }

  const query = { statuses: [], funcName: null, tag: null, text: null, sort: "createdAt", descending: true, limit: 4, offset: 0 };

  it("sends metrics and per-function figures on ready", async () => {
    const { controller, notifications } = dashboard();
    await controller.handleMessage({ kind: "command", method: "ready", params: {} });
    const [update] = notifications("dashboardUpdated");
    const summary = update.params as { metrics: { total: number }; functions: Array<{ funcName: string; runs: number }> };
    assert.equal(summary.metrics.total, 10);
    assert.deepEqual(summary.functions.map((f) => [f.funcName, f.runs]), [["even", 5], ["odd", 5]]);
  });

  it("sends the summary once the engine becomes available", async () => {
    manager.unavailable = "Taskflow needs an open folder";
    const { controller, notifications, timers } = dashboard();
    await controller.handleMessage({ kind: "command", method: "ready", params: {} });
    assert.equal(notifications("engineUnavailable").length, 1);
    manager.unavailable = undefined;
    timers.advance(250);
    assert.equal(notifications("dashboardUpdated").length, 1);
    controller.dispose();
  });

  it("coalesces live updates to at most four a second while tasks stream", async () => {
    const { controller, notifications, timers } = dashboard();
    await controller.handleMessage({ kind: "command", method: "ready", params: {} });
    for (let ms = 0; ms < 1000; ms += 5) {
      manager.lifecycle(ids[0], {});
      timers.advance(5);
    }
    timers.advance(1000);
    // ready, then 200 changes over one second: sent at 0, 250, 500, 750 and the trailing one at 1000.
    assert.equal(notifications("dashboardUpdated").length, 6);
  });

  it("pages newest first, oldest first and by another key, with the total", async () => {
    const { controller, response } = dashboard();
    await controller.handleMessage({ kind: "request", id: 1, method: "queryTasks", params: query });
    await controller.handleMessage({ kind: "request", id: 2, method: "queryTasks", params: { ...query, descending: false, offset: 8 } });
    await controller.handleMessage({ kind: "request", id: 3, method: "queryTasks", params: { ...query, sort: "funcName", descending: false, limit: 6 } });
    const rows = (id: number) => (response(id) as { result: { rows: Array<{ taskId: string; funcName: string }>; total: number } }).result;
    assert.deepEqual(rows(1).rows.map((r) => r.taskId), [ids[9], ids[8], ids[7], ids[6]]);
    assert.equal(rows(1).total, 10);
    assert.deepEqual(rows(2).rows.map((r) => r.taskId), [ids[8], ids[9]]);
    assert.deepEqual(rows(3).rows.map((r) => r.funcName), ["even", "even", "even", "even", "even", "odd"]);
    assert.equal("logs" in rows(1).rows[0], false);
  });

  it("bulk-retries only failed or interrupted tasks and says why others were refused", async () => {
    const { controller, response } = dashboard();
    await controller.handleMessage({ kind: "request", id: 1, method: "retryTasks", params: { taskIds: [ids[0], ids[1], ids[3]] } });
    const result = (response(1) as { result: { retried: unknown[]; errors: Array<{ taskId: string; error: string }> } }).result;
    assert.deepEqual(manager.retried, [ids[0], ids[3]]);
    assert.equal(result.retried.length, 2);
    assert.deepEqual(result.errors, [{ taskId: ids[1], error: "only failed or interrupted tasks can be retried, this one is success" }]);
  });

  it("clears history older than the chosen age only after confirmation", async () => {
    let answer = false;
    const { controller, response } = dashboard({ confirm: async () => answer });
    await controller.handleMessage({ kind: "request", id: 1, method: "clearHistory", params: { olderThanSeconds: 3600 } });
    assert.deepEqual(response(1), { kind: "response", id: 1, ok: true, result: { deleted: null } });
    assert.equal(manager.cleared.length, 0);
    answer = true;
    await controller.handleMessage({ kind: "request", id: 2, method: "clearHistory", params: { olderThanSeconds: 3600 } });
    assert.deepEqual(response(2), { kind: "response", id: 2, ok: true, result: { deleted: 3 } });
    assert.deepEqual(manager.cleared, [{ olderThan: new Date(Date.UTC(2026, 0, 2) - 3600_000) }]);
  });

  it("exports every filtered row, not only the page, as CSV", async () => {
    const { controller, response, calls } = dashboard();
    const { limit: _l, offset: _o, ...filters } = query;
    await controller.handleMessage({ kind: "request", id: 1, method: "exportTasks", params: { query: { ...filters, statuses: ["failed"] }, format: "csv" } });
    assert.deepEqual(response(1), { kind: "response", id: 1, ok: true, result: { path: "/w/taskflow-tasks.csv", count: 4 } });
    const lines = calls.saved[0].content.trim().split("\r\n");
    assert.equal(lines.length, 5);
    assert.ok(lines.slice(1).every((l) => l.includes(",failed,")));
  });
});
