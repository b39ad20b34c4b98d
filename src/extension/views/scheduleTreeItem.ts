/**
 * The pure mapping from a schedule to what the Schedules tree shows. No vscode import: the tree
 * provider turns these models into `vscode.TreeItem`s, and unit tests check them in plain Node.
 */
import * as l10n from "@vscode/l10n";
import type { ScheduleInfo, TaskStatus } from "../../model";
import { escapeMarkdown, statusTitle, type RowModel } from "./taskTreeItem";

/** What one row of the Schedules tree shows. */
export interface ScheduleItemModel extends RowModel {
  /** `schedule:<scheduleId>`. */
  id: string;
  tooltip: string;
  /**
   * `schedule.<paused|active>`, then `.hasRun` once it enqueued a task: menus offer Pause on active
   * rows, Resume on paused ones.
   */
  contextValue: string;
  /** The task its row opens on click: the last run, or null when it never fired. */
  lastTaskId: string | null;
}

/** `every 30 s`, `every 5 min`, `every 2 h`, `every day`; seconds that are not whole units stay seconds. */
export function formatEvery(seconds: number): string {
  const whole = (size: number) => seconds >= size && seconds % size === 0;
  if (whole(86_400)) return seconds === 86_400 ? l10n.t("every day") : l10n.t("every {0} d", seconds / 86_400);
  if (whole(3600)) return seconds === 3600 ? l10n.t("every hour") : l10n.t("every {0} h", seconds / 3600);
  if (whole(60)) return seconds === 60 ? l10n.t("every minute") : l10n.t("every {0} min", seconds / 60);
  return l10n.t("every {0} s", seconds);
}

/** `in 5 s`, `in 3 min`, `in 2 h`, `in 4 d`; `now` for a time already reached. */
export function formatTimeUntil(thenMs: number, nowMs: number): string {
  const seconds = Math.ceil((thenMs - nowMs) / 1000);
  if (seconds <= 0) return l10n.t("now");
  if (seconds < 60) return l10n.t("in {0} s", seconds);
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return l10n.t("in {0} min", minutes);
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return l10n.t("in {0} h", hours);
  return l10n.t("in {0} d", Math.floor(hours / 24));
}

/** The spec as people read it: `every 5 min`, or `cron 0 9 * * 1-5 (Europe/Berlin)`. */
export function describeSpec(schedule: Pick<ScheduleInfo, "every" | "cron" | "timezone">): string {
  if (schedule.every !== null) return formatEvery(schedule.every);
  const cron = schedule.cron ?? "?";
  return schedule.timezone ? l10n.t("cron {0} ({1})", cron, schedule.timezone) : l10n.t("cron {0}", cron);
}

/**
 * Maps a schedule to its row. `lastStatus` is the status of its last run (undefined when it never
 * fired or that run was cleared from the history); `nowMs` makes the relative time testable.
 */
export function toScheduleItemModel(schedule: ScheduleInfo, lastStatus: TaskStatus | undefined, nowMs: number): ScheduleItemModel {
  const spec = describeSpec(schedule);
  const next = schedule.paused || schedule.nextRunAt === null ? null : Date.parse(schedule.nextRunAt);
  const parts = [spec];
  if (schedule.paused) parts.push(l10n.t("paused"));
  else if (next !== null) parts.push(l10n.t("next {0}", formatTimeUntil(next, nowMs)));
  if (lastStatus !== undefined) parts.push(l10n.t("last {0}", statusTitle(lastStatus).toLowerCase()));

  const heading = `**${escapeMarkdown(schedule.funcName)}**: ${escapeMarkdown(spec)}`;
  const lines = [schedule.paused ? l10n.t("{0}, paused", heading) : heading, ""];
  const nextRun = next === null
    ? (schedule.paused ? l10n.t("none while paused") : l10n.t("none"))
    : `${new Date(next).toISOString()} (${formatTimeUntil(next, nowMs)})`;
  lines.push(l10n.t("Next run: {0}", nextRun));
  lines.push(l10n.t("Last run: {0}", schedule.lastRunAt ?? l10n.t("never")));
  if (schedule.lastTaskId !== null) {
    lines.push(l10n.t("Last outcome: {0}", lastStatus === undefined ? l10n.t("not in the history any more") : statusTitle(lastStatus).toLowerCase()));
  }
  lines.push(l10n.t("From: {0}", schedule.source === "module" ? l10n.t("the task's schedule config") : "manager.schedule()"));
  lines.push(l10n.t("ID: {0}", `\`${schedule.scheduleId}\``));

  const failedLast = lastStatus === "failed" || lastStatus === "interrupted" || lastStatus === "rejected";
  return {
    id: `schedule:${schedule.scheduleId}`,
    label: schedule.funcName,
    description: parts.join(" · "),
    tooltip: lines.join("  \n"),
    iconId: schedule.paused ? "debug-pause" : "watch",
    iconColor: schedule.paused ? "disabledForeground" : failedLast ? "testing.iconFailed" : undefined,
    contextValue: ["schedule", schedule.paused ? "paused" : "active", ...(schedule.lastTaskId === null ? [] : ["hasRun"])].join("."),
    lastTaskId: schedule.lastTaskId,
  };
}

/** A tree node or a schedule id: what Pause, Resume, Run Now and Remove accept. */
export function scheduleIdOf(target: unknown): string | undefined {
  if (typeof target === "string" && target !== "") return target;
  if (target && typeof target === "object") {
    const node = target as { kind?: unknown; schedule?: { scheduleId?: unknown }; scheduleId?: unknown };
    if (node.kind === "schedule" && typeof node.schedule?.scheduleId === "string") return node.schedule.scheduleId;
    if (typeof node.scheduleId === "string") return node.scheduleId;
  }
  return undefined;
}
