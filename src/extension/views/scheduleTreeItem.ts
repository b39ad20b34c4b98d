/**
 * The pure mapping from a schedule to what the Schedules tree shows. No vscode import: the tree
 * provider turns these models into `vscode.TreeItem`s, and unit tests check them in plain Node.
 */
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
  const units: Array<[number, string, string]> = [[86_400, "d", "day"], [3600, "h", "hour"], [60, "min", "minute"]];
  for (const [size, short, single] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return n === 1 ? `every ${single}` : `every ${n} ${short}`;
    }
  }
  return `every ${seconds} s`;
}

/** `in 5 s`, `in 3 min`, `in 2 h`, `in 4 d`; `now` for a time already reached. */
export function formatTimeUntil(thenMs: number, nowMs: number): string {
  const seconds = Math.ceil((thenMs - nowMs) / 1000);
  if (seconds <= 0) return "now";
  if (seconds < 60) return `in ${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `in ${hours} h`;
  return `in ${Math.floor(hours / 24)} d`;
}

/** The spec as people read it: `every 5 min`, or `cron 0 9 * * 1-5 (Europe/Berlin)`. */
export function describeSpec(schedule: Pick<ScheduleInfo, "every" | "cron" | "timezone">): string {
  if (schedule.every !== null) return formatEvery(schedule.every);
  return `cron ${schedule.cron ?? "?"}${schedule.timezone ? ` (${schedule.timezone})` : ""}`;
}

/**
 * Maps a schedule to its row. `lastStatus` is the status of its last run (undefined when it never
 * fired or that run was cleared from the history); `nowMs` makes the relative time testable.
 */
export function toScheduleItemModel(schedule: ScheduleInfo, lastStatus: TaskStatus | undefined, nowMs: number): ScheduleItemModel {
  const spec = describeSpec(schedule);
  const next = schedule.paused || schedule.nextRunAt === null ? null : Date.parse(schedule.nextRunAt);
  const parts = [spec];
  if (schedule.paused) parts.push("paused");
  else if (next !== null) parts.push(`next ${formatTimeUntil(next, nowMs)}`);
  if (lastStatus !== undefined) parts.push(`last ${statusTitle(lastStatus).toLowerCase()}`);

  const lines = [`**${escapeMarkdown(schedule.funcName)}**: ${escapeMarkdown(spec)}${schedule.paused ? ", paused" : ""}`, ""];
  lines.push(`Next run: ${next === null ? (schedule.paused ? "none while paused" : "none") : `${new Date(next).toISOString()} (${formatTimeUntil(next, nowMs)})`}`);
  lines.push(`Last run: ${schedule.lastRunAt ?? "never"}`);
  if (schedule.lastTaskId !== null) {
    lines.push(`Last outcome: ${lastStatus === undefined ? "not in the history any more" : statusTitle(lastStatus).toLowerCase()}`);
  }
  lines.push(`From: ${schedule.source === "module" ? "the task's schedule config" : "manager.schedule()"}`);
  lines.push(`ID: \`${schedule.scheduleId}\``);

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
