import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { Commands } from "../../src/extension/commands/commandIds";
import { describeSpec, formatEvery, formatTimeUntil, scheduleIdOf, toScheduleItemModel } from "../../src/extension/views/scheduleTreeItem";
import type { ScheduleInfo } from "../../src/model";

const NOW = Date.parse("2026-01-01T12:00:00Z");

function schedule(overrides: Partial<ScheduleInfo> = {}): ScheduleInfo {
  return {
    scheduleId: "sched-1",
    funcName: "syncTranslations",
    every: 300,
    cron: null,
    timezone: null,
    nextRunAt: "2026-01-01T12:03:00.000Z",
    lastRunAt: "2026-01-01T11:58:00.000Z",
    lastTaskId: "0b7c1a52-6c1e-4a43-9a51-0d6f7c3e9e10",
    paused: false,
    source: "module",
    ...overrides,
  };
}

describe("extension: schedule tree item mapping", () => {
  it("words intervals in the largest whole unit", () => {
    assert.deepEqual([30, 90, 300, 3600, 7200, 86_400, 172_800, 0.5].map(formatEvery),
      ["every 30 s", "every 90 s", "every 5 min", "every hour", "every 2 h", "every day", "every 2 d", "every 0.5 s"]);
  });

  it("words the time until the next run, and a time already reached as now", () => {
    assert.deepEqual([-5000, 0, 400, 42_000, 180_000, 7_200_000, 3 * 86_400_000].map((ms) => formatTimeUntil(NOW + ms, NOW)),
      ["now", "now", "in 1 s", "in 42 s", "in 3 min", "in 2 h", "in 3 d"]);
  });

  it("describes a cron spec with its time zone", () => {
    assert.equal(describeSpec({ every: null, cron: "0 9 * * 1-5", timezone: "Europe/Berlin" }), "cron 0 9 * * 1-5 (Europe/Berlin)");
    assert.equal(describeSpec({ every: null, cron: "*/5 * * * *", timezone: null }), "cron */5 * * * *");
  });

  it("labels the function and describes the spec, the next run and the last outcome", () => {
    const item = toScheduleItemModel(schedule(), "failed", NOW);
    assert.equal(item.label, "syncTranslations");
    assert.equal(item.id, "schedule:sched-1");
    assert.equal(item.description, "every 5 min · next in 3 min · last failed");
    assert.match(item.tooltip, /Last outcome: failed/);
    assert.match(item.tooltip, /schedule config/);
    assert.equal(item.iconId, "watch");
    assert.equal(item.iconColor, "testing.iconFailed");
    assert.equal(item.contextValue, "schedule.active.hasRun");
    assert.equal(item.lastTaskId, "0b7c1a52-6c1e-4a43-9a51-0d6f7c3e9e10");
  });

  it("shows a paused schedule with the pause icon and no next run", () => {
    const item = toScheduleItemModel(schedule({ paused: true, nextRunAt: null, lastTaskId: null, lastRunAt: null }), undefined, NOW);
    assert.equal(item.description, "every 5 min · paused");
    assert.equal(item.iconId, "debug-pause");
    assert.equal(item.contextValue, "schedule.paused");
    assert.match(item.tooltip, /Next run: none while paused/);
    assert.match(item.tooltip, /Last run: never/);
  });

  it("says when the last run is no longer in the history", () => {
    const item = toScheduleItemModel(schedule(), undefined, NOW);
    assert.equal(item.description, "every 5 min · next in 3 min");
    assert.match(item.tooltip, /Last outcome: not in the history any more/);
  });

  it("takes a schedule id from a row or a string", () => {
    const node = { kind: "schedule", schedule: schedule(), lastStatus: "success" };
    assert.equal(scheduleIdOf(node), "sched-1");
    assert.equal(scheduleIdOf("sched-2"), "sched-2");
    assert.equal(scheduleIdOf({}), undefined);
  });
});

describe("extension: package.json offers the schedule actions on the rows that allow them", () => {
  const manifest = JSON.parse(readFileSync(path.join(__dirname, "../../package.json"), "utf8")) as {
    contributes: { views: Record<string, Array<{ id: string }>>; menus: Record<string, Array<{ command: string; when?: string; group?: string }>> };
  };
  const items = manifest.contributes.menus["view/item/context"].filter((m) => m.when?.includes("view == taskflow.schedules"));
  const rows = {
    active: toScheduleItemModel(schedule(), "success", NOW).contextValue,
    paused: toScheduleItemModel(schedule({ paused: true }), "success", NOW).contextValue,
    neverRan: toScheduleItemModel(schedule({ lastTaskId: null }), undefined, NOW).contextValue,
  };
  function offered(contextValue: string, inline: boolean): string[] {
    return items
      .filter((m) => (m.group?.startsWith("inline") ?? false) === inline)
      .filter((m) => {
        const found = /viewItem =~ \/(.+?)\/([a-z]*)(?:\s|$)/.exec(m.when ?? "");
        assert.ok(found, `${m.command}: expected a "viewItem =~ /regex/" test in ${m.when}`);
        return new RegExp(found[1], found[2]).test(contextValue);
      })
      .map((m) => m.command)
      .sort();
  }

  it("contributes the Schedules view in the Taskflow container", () => {
    assert.ok(manifest.contributes.views.taskflow.some((v) => v.id === "taskflow.schedules"));
  });

  it("offers Pause on active rows, Resume on paused ones, Run Now and Remove on both, inline and in the context menu", () => {
    for (const inline of [true, false]) {
      const show = inline ? [] : [Commands.showTask];
      assert.deepEqual(offered(rows.active, inline), [Commands.pauseSchedule, Commands.removeSchedule, Commands.runScheduleNow, ...show].sort());
      assert.deepEqual(offered(rows.paused, inline), [Commands.removeSchedule, Commands.resumeSchedule, Commands.runScheduleNow, ...show].sort());
    }
    assert.ok(!offered(rows.neverRan, false).includes(Commands.showTask), "a schedule that never fired has no last run to show");
  });
});
