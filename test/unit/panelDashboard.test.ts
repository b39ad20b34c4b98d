import * as assert from "node:assert/strict";
import type { TaskManager } from "../../src/engine/taskManager";
import { DashboardController, EXPORT_CHUNK, STATS_WINDOW } from "../../src/extension/panels/dashboardController";
import type { PanelHost } from "../../src/extension/panels/ports";
import type { TaskRow } from "../../src/protocol";
import { waitForInput } from "../../src";
import { shutdownEngines } from "./helpers/engineHarness";
import { settle } from "./helpers/fakeClock";
import { NOW, engine, fakeHost, ids, ready, recorder, seeded } from "./panelControllers.test";
import { FakeTimers } from "./panelHelpers.test";

describe("dashboard controller", () => {
  afterEach(shutdownEngines);

  /** Ten finished runs: even-numbered ones of `even`, odd of `odd`; every third failed. */
  const tenRuns = () => Array.from({ length: 10 }, (_, i) => seeded(i, { status: i % 3 === 0 ? "failed" : "success", funcName: i % 2 ? "odd" : "even" }));

  function dashboard(manager: TaskManager, hostOverrides: Partial<PanelHost> = {}) {
    const timers = new FakeTimers();
    const { host, calls } = fakeHost(hostOverrides);
    const r = recorder();
    const controller = new DashboardController({ manager, host, post: r.post, timers, now: () => NOW });
    return { ...r, controller, timers, calls };
  }

  const query = { statuses: [], funcName: null, tag: null, search: null, sort: { by: "createdAt", order: "desc" }, limit: 4, offset: 0 };
  type Page = { rows: TaskRow[]; total: number; funcNames: string[] };

  it("sends metrics and per-function figures on ready", async () => {
    const { manager } = await engine(tenRuns());
    const { controller, notifications } = dashboard(manager);
    await controller.handleMessage(ready);
    const [update] = notifications("dashboardUpdated");
    const summary = update.params as { metrics: { total: number; failed: number }; functions: Array<{ funcName: string; runs: number }> };
    assert.deepEqual([summary.metrics.total, summary.metrics.failed], [10, 4]);
    assert.deepEqual(summary.functions.map((f) => [f.funcName, f.runs]), [["even", 5], ["odd", 5]]);
  });

  it("sends the summary once the engine has started", async () => {
    const { manager } = await engine(tenRuns(), { start: false });
    const { controller, notifications, timers } = dashboard(manager);
    await controller.handleMessage(ready);
    assert.equal(notifications("engineUnavailable").length, 1);
    assert.equal(notifications("dashboardUpdated").length, 0);
    await manager.start();
    timers.advance(250);
    await settle();
    assert.equal(notifications("dashboardUpdated").length, 1);
    controller.dispose();
  });

  it("coalesces live updates to at most four a second while tasks run", async () => {
    const { manager } = await engine();
    const { controller, notifications, timers } = dashboard(manager);
    await controller.handleMessage(ready);
    for (let ms = 0; ms < 1000; ms += 5) {
      await manager.waitFor(await manager.addTask("job"));
      timers.advance(5);
      await settle(1);
    }
    timers.advance(1000);
    await settle();
    // ready, then 600 status changes over one second: sent at 0, 250, 500, 750 and the trailing one at 1000.
    assert.equal(notifications("dashboardUpdated").length, 6);
  });

  it("counts runs waiting for input in their own card and filters the table by waiting", async () => {
    const { manager } = await engine(tenRuns());
    manager.task({ name: "approve" }, () => waitForInput("approval"));
    const waitingId = await manager.addTask("approve");
    await settle();
    assert.equal(manager.getTask(waitingId)?.status, "waiting");
    const { controller, notifications, result } = dashboard(manager);
    await controller.handleMessage(ready);
    const summary = notifications("dashboardUpdated")[0].params as { metrics: Record<string, number> };
    assert.deepEqual([summary.metrics.waiting, summary.metrics.total], [1, 11]);
    await controller.handleMessage({ kind: "request", id: 1, method: "queryTasks", params: { ...query, statuses: ["waiting"] } });
    assert.deepEqual(result<Page>(1).rows.map((r) => [r.taskId, r.status]), [[waitingId, "waiting"]]);
    assert.equal(result<Page>(1).total, 1);
  });

  it("pages newest first, oldest first and by function name, with the total", async () => {
    const { manager } = await engine(tenRuns());
    const { controller, result } = dashboard(manager);
    await controller.handleMessage({ kind: "request", id: 1, method: "queryTasks", params: query });
    await controller.handleMessage({ kind: "request", id: 2, method: "queryTasks", params: { ...query, sort: { by: "createdAt", order: "asc" }, offset: 8 } });
    await controller.handleMessage({ kind: "request", id: 3, method: "queryTasks", params: { ...query, sort: { by: "funcName", order: "asc" }, limit: 6 } });
    assert.deepEqual(result<Page>(1).rows.map((r) => r.taskId), [ids[9], ids[8], ids[7], ids[6]]);
    assert.equal(result<Page>(1).total, 10);
    assert.deepEqual(result<Page>(2).rows.map((r) => r.taskId), [ids[8], ids[9]]);
    assert.deepEqual(result<Page>(3).rows.map((r) => r.funcName), ["even", "even", "even", "even", "even", "odd"]);
    assert.deepEqual(Object.keys(result<Page>(1).rows[0]).sort(), ["createdAt", "duration", "error", "funcName", "retriesUsed", "status", "tags", "taskId"]);
  });

  it("sorts, searches and pages in the store: one call for the page, not the whole history", async () => {
    // Thirty functions task-00..task-29 created in a scrambled order, tagged by parity.
    const order = Array.from({ length: 30 }, (_, i) => (i * 7) % 30);
    const { manager, listCalls } = await engine(order.map((n, i) => seeded(i, { funcName: `task-${String(n).padStart(2, "0")}`, tags: { parity: n % 2 ? "odd" : "even" } })));
    const { controller, result } = dashboard(manager);
    listCalls.length = 0;
    await controller.handleMessage({ kind: "request", id: 1, method: "queryTasks", params: { ...query, sort: { by: "funcName", order: "asc" }, limit: 10, offset: 10 } });
    assert.deepEqual(result<Page>(1).rows.map((r) => r.funcName), Array.from({ length: 10 }, (_, i) => `task-${10 + i}`));
    assert.equal(result<Page>(1).total, 30);
    assert.deepEqual(listCalls, [{ sort: { by: "funcName", order: "asc" }, withLogs: false, limit: 10, offset: 10 }]);
    await controller.handleMessage({ kind: "request", id: 2, method: "queryTasks", params: { ...query, search: "odd", sort: { by: "funcName", order: "desc" }, limit: 5, offset: 5 } });
    assert.deepEqual(result<Page>(2).rows.map((r) => r.funcName), ["task-19", "task-17", "task-15", "task-13", "task-11"]);
    assert.equal(result<Page>(2).total, 15);
  });

  it("lists every function in the history in the function filter, even one older than the recent window", async () => {
    const history = [seeded(0, { funcName: "ancient" }), ...Array.from({ length: STATS_WINDOW + 1 }, (_, i) => seeded(i + 1, { funcName: "recent" }))];
    const { manager } = await engine(history);
    const { controller, result, notifications } = dashboard(manager);
    await controller.handleMessage(ready);
    const summary = notifications("dashboardUpdated")[0].params as { functions: Array<{ funcName: string }> };
    assert.deepEqual(summary.functions.map((f) => f.funcName), ["recent"], "the per-function figures cover the recent window only");
    await controller.handleMessage({ kind: "request", id: 1, method: "queryTasks", params: query });
    assert.deepEqual(result<Page>(1).funcNames, ["ancient", "recent"]);
  });

  it("bulk-retries only failed, interrupted or rejected tasks and says why others were refused", async () => {
    const { manager } = await engine(tenRuns());
    const { controller, result } = dashboard(manager);
    await controller.handleMessage({ kind: "request", id: 1, method: "retryTasks", params: { taskIds: [ids[0], ids[1], ids[3], ids[2998]] } });
    const { retried, errors } = result<{ retried: Array<{ taskId: string; newTaskId: string }>; errors: Array<{ taskId: string; error: string }> }>(1);
    assert.deepEqual(retried.map((r) => r.taskId), [ids[0], ids[3]]);
    for (const r of retried) assert.deepEqual(manager.getTask(r.newTaskId)?.args, manager.getTask(r.taskId)?.args);
    assert.deepEqual(errors, [
      { taskId: ids[1], error: "only failed, interrupted or rejected tasks can be retried, this one is success" },
      { taskId: ids[2998], error: "no such task: it may have been cleared from the history" },
    ]);
  });

  it("clears history older than the chosen age only after confirmation", async () => {
    let answer = false;
    const { manager } = await engine([...tenRuns(), seeded(11, { createdAt: NOW - 60_000 })]);
    const { controller, result } = dashboard(manager, { confirm: async () => answer });
    await controller.handleMessage({ kind: "request", id: 1, method: "clearHistory", params: { olderThanSeconds: 3600 } });
    assert.deepEqual(result(1), { deleted: null });
    assert.equal(manager.countTasks(), 11);
    answer = true;
    await controller.handleMessage({ kind: "request", id: 2, method: "clearHistory", params: { olderThanSeconds: 3600 } });
    assert.deepEqual(result(2), { deleted: 10 });
    assert.deepEqual(manager.listTasks().map((t) => t.taskId), [ids[11]], "the task created a minute ago stays");
  });

  it("exports every filtered row, not only the page, as CSV", async () => {
    const { manager } = await engine(tenRuns());
    const { controller, result, calls } = dashboard(manager);
    const { limit: _l, offset: _o, ...filters } = query;
    await controller.handleMessage({ kind: "request", id: 1, method: "exportTasks", params: { query: { ...filters, statuses: ["failed"] }, format: "csv" } });
    assert.deepEqual(result(1), { path: "/w/taskflow-tasks.csv", count: 4 });
    const lines = calls.saved[0].content.trim().split("\r\n");
    assert.deepEqual(lines.slice(1).map((l) => l.split(",")[0]), [ids[9], ids[6], ids[3], ids[0]]);
  });

  it("exports more rows than one store call returns, each once and in the table's order", async () => {
    const count = EXPORT_CHUNK * 2 + 7;
    const { manager } = await engine(Array.from({ length: count }, (_, i) => seeded(i)));
    const { controller, result, calls } = dashboard(manager);
    const { limit: _l, offset: _o, ...filters } = query;
    await controller.handleMessage({ kind: "request", id: 1, method: "exportTasks", params: { query: { ...filters, sort: { by: "createdAt", order: "asc" } }, format: "json" } });
    assert.equal(result<{ count: number }>(1).count, count);
    const exported = (JSON.parse(calls.saved[0].content) as Array<{ taskId: string }>).map((t) => t.taskId);
    assert.deepEqual(exported, ids.slice(0, count));
  });
});
