import * as assert from "node:assert/strict";
import type { StepRecord } from "../../src/model/durable";
import type { TaskLink } from "../../src/protocol";
import { attemptSpans, barPlacement, buildTimeline, hasTimeline, type TimelineTask } from "../../webview/taskPanel/timelineModel";

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
const iso = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

function step(name: string, occurrence: number, from: number, to: number | null, fields: Partial<StepRecord> = {}): StepRecord {
  return {
    name, occurrence, kind: "step", status: to === null ? "waiting" : "done", attempt: 0, startedAt: iso(from), endedAt: to === null ? null : iso(to),
    value: null, error: null, waitingFor: null, ...fields,
  };
}

function run(fields: Partial<TimelineTask> = {}): TimelineTask {
  return { status: "success", createdAt: iso(0), startTime: iso(0), endTime: iso(100), retriesUsed: 0, steps: [], children: [], ...fields };
}

const child = (i: number, from: number, to: number | null, status: TaskLink["status"] = "success"): TaskLink => ({
  taskId: `00000000-0000-4000-8000-00000000000${i}`, funcName: `importFile${i}`, status, createdAt: iso(from), startTime: iso(from), endTime: to === null ? null : iso(to),
});

describe("task panel: the timeline model", () => {
  it("draws each step from its start to its end with its key, attempt and duration, on an axis from the run's start to its end", () => {
    const model = buildTimeline(run({ steps: [step("fetch", 1, 0, 10), step("fetch", 2, 10, 30, { attempt: 1 }), step("save", 1, 30, 100)], retriesUsed: 1 }), [], T0 + 500_000);
    const steps = model.rows.filter((r) => r.kind === "step");
    assert.deepEqual(steps.map((r) => [r.label, (r.startMs - T0) / 1000, (r.endMs - T0) / 1000, r.status]), [["fetch#1", 0, 10, "done"], ["fetch#2", 10, 30, "done"], ["save#1", 30, 100, "done"]]);
    assert.equal(steps[1].title, "step fetch#2, done · 20.0 s · attempt 2");
    assert.deepEqual([model.startMs, model.endMs], [T0, T0 + 100_000], "a finished run ends the axis at its end, not now");
    assert.deepEqual(barPlacement(steps[1], model), { leftPercent: 10, widthPercent: 20 });
    assert.deepEqual(model.ticks.map((t) => t.label), ["0", "+20.0 s", "+40.0 s", "+1 m 00 s", "+1 m 20 s", "+1 m 40 s"]);
  });

  it("draws waits with what they wait for, an open one up to now, and keeps the axis live while the run waits", () => {
    const sleep = step("sleep", 1, 5, 65, { kind: "sleep", waitingFor: { kind: "sleep", until: iso(65), step: "sleep#1" } });
    const input = step("input:approval", 1, 65, null, {
      kind: "input", waitingFor: { kind: "input", name: "approval", prompt: null, schema: null, timeoutAt: null, step: "input:approval#1" },
    });
    const model = buildTimeline(run({ status: "waiting", endTime: null, steps: [sleep, input] }), [], T0 + 200_000);
    const waits = model.rows.filter((r) => r.kind === "wait");
    assert.deepEqual(waits.map((r) => [r.label, (r.startMs - T0) / 1000, (r.endMs - T0) / 1000, r.open]), [["sleep#1", 5, 65, false], ["input:approval#1", 65, 200, true]]);
    assert.match(waits[0].title, /^sleeping until .+, ended · 1 m 00 s · attempt 1$/);
    assert.equal(waits[1].title, "needs input: approval · so far 2 m 15 s · attempt 1");
    assert.equal(model.endMs, T0 + 200_000);
  });

  it("draws the attempts from the retry markers in the logs and the steps' attempts, the earlier ones failed", () => {
    const logs = ["2026-12-07T09:00:00 start", "2026-12-07T09:00:04 boom", "--- Retry 1 ---", "2026-12-07T09:00:10 start", "2026-12-07T09:00:12 boom",
      "--- Retry 2 ---", "2026-12-07T09:00:20 start"];
    const spans = attemptSpans(logs);
    assert.deepEqual(spans.map((s) => [s.attempt, (s.startMs - T0) / 1000, (s.endMs - T0) / 1000]), [[0, 0, 4], [1, 10, 12], [2, 20, 20]]);
    const model = buildTimeline(run({ status: "running", endTime: null, retriesUsed: 2, steps: [step("late", 1, 22, 25, { attempt: 2 })] }), spans, T0 + 30_000);
    const attempts = model.rows.filter((r) => r.kind === "attempt");
    assert.deepEqual(attempts.map((r) => [r.label, r.status, (r.startMs - T0) / 1000, (r.endMs - T0) / 1000, r.open]), [
      ["attempt 1", "failed", 0, 4, false], ["attempt 2", "failed", 10, 12, false], ["attempt 3", "running", 20, 30, true],
    ]);
  });

  it("draws the children by start, a live one up to now, and a click target with its id", () => {
    const model = buildTimeline(run({ status: "waiting", endTime: null, children: [child(2, 40, null, "running"), child(1, 20, 30)] }), [], T0 + 50_000);
    const children = model.rows.filter((r) => r.kind === "child");
    assert.deepEqual(children.map((r) => [r.label, (r.startMs - T0) / 1000, (r.endMs - T0) / 1000, r.open, r.childId?.slice(-1)]), [
      ["importFile1", 20, 30, false, "1"], ["importFile2", 40, 50, true, "2"],
    ]);
  });

  it("keeps a bar on the axis however short, and 200 steps as 200 rows in order", () => {
    const steps = Array.from({ length: 200 }, (_, i) => step("fetch", i + 1, i * 0.5, i * 0.5 + 0.001));
    const model = buildTimeline(run({ steps }), [], T0 + 100_000);
    assert.equal(model.rows.filter((r) => r.kind === "step").length, 200);
    assert.deepEqual(model.rows.slice(1, 4).map((r) => r.label), ["fetch#1", "fetch#2", "fetch#3"]);
    const last = barPlacement(model.rows[200], model);
    assert.ok(last.widthPercent > 0 && last.widthPercent < 0.01 && last.leftPercent <= 100, JSON.stringify(last));
  });

  it("has nothing to draw for a plain run of one attempt", () => {
    assert.equal(hasTimeline(run()), false);
    assert.equal(hasTimeline(run({ retriesUsed: 1 })), true);
    assert.equal(hasTimeline(run({ children: [child(1, 0, 1)] })), true);
  });
});
