import * as assert from "node:assert/strict";
import { DashboardController } from "../../src/extension/panels/dashboardController";
import type { PanelHost } from "../../src/extension/panels/ports";
import type { AuditEntry, AuditQuery, TaskflowClient, ThroughputBucket, ThroughputQuery } from "../../src/model";
import { QueryAudit, QueryQueues, QueryThroughput, RetryFailedSince, SetQueuePaused } from "../../src/protocol";
import { bucketLabel, chartModel, niceMax } from "../../webview/dashboard/throughputModel";
import { sinceOf } from "../../webview/dashboard/retrySince";
import { shutdownEngines } from "./helpers/engineHarness";
import { NOW, T0, engine, fakeHost, recorder, seeded } from "./panelControllers.test";
import { FakeTimers } from "./panelHelpers.test";

function bucket(start: string, counts: Partial<Omit<ThroughputBucket, "start">> = {}): ThroughputBucket {
  return { start, succeeded: 0, failed: 0, cancelled: 0, interrupted: 0, rejected: 0, ...counts };
}

const AUDIT: AuditEntry[] = [{ at: "2026-01-02T00:00:00.000Z", action: "retry", taskId: null, actor: "vscode", detail: "job" }];

/**
 * A client on a real engine whose throughput and audit are answered by the test (the engine's own
 * come with the store's audit trail), recording what they were asked.
 */
function withInsights(manager: TaskflowClient) {
  const asked = { throughput: [] as ThroughputQuery[], audit: [] as Array<AuditQuery | undefined> };
  const overrides: Partial<TaskflowClient> = {
    throughput: (query) => (asked.throughput.push(query), [bucket("2026-01-01T23:59:00.000Z", { succeeded: 2, failed: 1 })]),
    audit: (query) => (asked.audit.push(query), AUDIT),
  };
  const client = new Proxy(manager, {
    get(target, property) {
      const own = (overrides as Record<string | symbol, unknown>)[property];
      if (own !== undefined) return own;
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { client, asked };
}

describe("dashboard: throughput, queues, retry failed since and the audit trail", () => {
  afterEach(shutdownEngines);

  async function dashboard(history = [seeded(0)], host: Partial<PanelHost> = {}) {
    const { manager } = await engine(history);
    const { client, asked } = withInsights(manager);
    const { host: fake, calls } = fakeHost(host);
    const r = recorder();
    const controller = new DashboardController({ manager: client, host: fake, post: r.post, timers: new FakeTimers(), now: () => NOW });
    return { ...r, manager, controller, asked, calls };
  }

  it("answers the chart's query with the client's buckets for the chosen bucket size", async () => {
    const { controller, result, asked } = await dashboard();
    await controller.handleMessage(QueryThroughput.create(1, { bucket: "hour" }));
    assert.deepEqual(result<ThroughputBucket[]>(1).map((b) => b.succeeded), [2]);
    assert.deepEqual(asked.throughput, [{ bucket: "hour" }]);
  });

  it("refuses a bucket size other than minute or hour", async () => {
    const { controller, error, asked } = await dashboard();
    await controller.handleMessage({ kind: "request", id: 2, method: "queryThroughput", params: { bucket: "day" } });
    assert.match(error(2), /"bucket" must be minute or hour/);
    assert.deepEqual(asked.throughput, []);
  });

  it("pauses and resumes a queue and answers with every queue afterwards", async () => {
    const { manager, controller, result, error } = await dashboard();
    await controller.handleMessage(QueryQueues.create(1, {}));
    assert.deepEqual(result<Array<{ name: string }>>(1).map((q) => q.name), ["default"]);
    await controller.handleMessage(SetQueuePaused.create(2, { name: "default", paused: true }));
    assert.equal(result<Array<{ paused: boolean }>>(2)[0].paused, true);
    assert.equal(manager.listQueues()[0].paused, true);
    await controller.handleMessage(SetQueuePaused.create(3, { name: "default", paused: false }));
    assert.equal(manager.listQueues()[0].paused, false);
    await controller.handleMessage(SetQueuePaused.create(4, { name: "nope", paused: true }));
    assert.match(error(4), /No queue named "nope": expected one of default/);
  });

  it("retries the failed tasks created since the chosen time after a confirmation, and reports how many", async () => {
    const history = [seeded(0, { status: "failed" }), seeded(10, { status: "failed" }), seeded(20, { status: "success" })];
    const { manager, controller, result } = await dashboard(history);
    await controller.handleMessage(RetryFailedSince.create(1, { since: new Date(T0 + 5000).toISOString() }));
    assert.deepEqual(result(1), { retried: 1 });
    const runs = manager.listTasks();
    assert.equal(runs.length, 4, "one new run");
    assert.deepEqual(runs.filter((t) => t.taskId !== history[0].taskId && t.taskId !== history[1].taskId && t.taskId !== history[2].taskId).map((t) => t.args), [[10]]);
  });

  it("retries nothing when the confirmation is declined, and refuses a time that is not ISO 8601", async () => {
    const { manager, controller, result, error } = await dashboard([seeded(0, { status: "failed" })], { confirm: async () => false });
    await controller.handleMessage(RetryFailedSince.create(1, { since: new Date(T0).toISOString() }));
    assert.deepEqual(result(1), { retried: null });
    assert.equal(manager.listTasks().length, 1);
    await controller.handleMessage({ kind: "request", id: 2, method: "retryFailedSince", params: { since: "yesterday" } });
    assert.match(error(2), /"since" must be an ISO 8601 time like "2026-12-02T09:00:00Z", got the string "yesterday"/);
  });

  it("answers the audit list with the newest entries, at most the limit asked for", async () => {
    const { controller, result, error, asked } = await dashboard();
    await controller.handleMessage(QueryAudit.create(1, { limit: 50 }));
    assert.deepEqual(result(1), AUDIT);
    assert.deepEqual(asked.audit, [{ limit: 50 }]);
    await controller.handleMessage(QueryAudit.create(2, { limit: 0 }));
    assert.match(error(2), /"limit" must be a whole number from 1 to 200/);
  });
});

describe("dashboard webview: chart layout and retry times", () => {
  it("rounds the y axis up to 1, 2 or 5 times a power of ten", () => {
    assert.deepEqual([0, 1, 3, 7, 11, 40, 99, 101].map(niceMax), [1, 1, 5, 10, 20, 50, 100, 200]);
  });

  it("stacks succeeded, failed and the other outcomes, bottom first, scaled to the plot", () => {
    const model = chartModel([
      bucket("2026-01-01T12:00:00.000Z", { succeeded: 6, failed: 2, cancelled: 1, rejected: 1 }),
      bucket("2026-01-01T12:01:00.000Z"),
    ], "minute", 200, 100);
    assert.equal(model.yMax, 10);
    const [first, second] = model.bars;
    assert.deepEqual(first.segments.map((s) => [s.series, s.count, s.y, s.height]), [["succeeded", 6, 40, 60], ["failed", 2, 20, 20], ["other", 2, 0, 20]]);
    assert.equal(first.title, "12:00 UTC: 6 succeeded, 2 failed, 2 other");
    assert.deepEqual(second.segments, []);
    assert.equal(second.title, "12:01 UTC: nothing finished");
    assert.deepEqual(model.totals, { succeeded: 6, failed: 2, other: 2 });
    assert.ok(first.x >= 0 && second.x + second.width <= 200, "bars stay inside the plot");
  });

  it("labels hour buckets with the day, and thins x labels so they do not crowd", () => {
    assert.equal(bucketLabel("2026-12-02T14:00:00.000Z", "hour"), "12-02 14:00");
    const sixty = Array.from({ length: 60 }, (_, i) => bucket(new Date(Date.UTC(2026, 0, 1, 12, i)).toISOString()));
    const labels = chartModel(sixty, "minute", 600, 100).xLabels;
    assert.ok(labels.length <= 600 / 70 + 1, `${labels.length} labels on 600 px`);
    assert.equal(labels[0].text, "12:00");
  });

  it("turns each Retry failed choice into an ISO time, and says what a custom time must look like", () => {
    const now = new Date("2026-12-02T10:30:00.000Z");
    assert.deepEqual(sinceOf("hour", "", now), { ok: true, iso: "2026-12-02T09:30:00.000Z" });
    assert.deepEqual(sinceOf("day", "", now), { ok: true, iso: "2026-12-01T10:30:00.000Z" });
    const today = sinceOf("today", "", now);
    assert.ok(today.ok && new Date(today.iso).getHours() === 0 && new Date(today.iso).getMinutes() === 0);
    assert.deepEqual(sinceOf("custom", " 2026-12-01T08:00:00Z ", now), { ok: true, iso: "2026-12-01T08:00:00.000Z" });
    assert.deepEqual(sinceOf("custom", "last tuesday", now), { ok: false, error: 'Expected an ISO 8601 time like 2026-12-02T09:00:00Z, got "last tuesday": type a date, optionally with a time' });
    assert.equal((sinceOf("custom", "", now) as { error: string }).error.includes("got nothing"), true);
  });
});
