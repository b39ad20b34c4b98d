/**
 * The pure mapping from a task record to what the Tasks tree shows. No vscode import: the tree provider
 * turns these models into `vscode.TreeItem`s, and unit tests check the models in plain Node.
 */
import * as l10n from "@vscode/l10n";
import { capabilities, DEFAULT_QUEUE, type FlowHold, type TaskProgress, type TaskRecord, type TaskStatus } from "../../model";
import { describeWait, type WaitingFor } from "../../model/durable";
import { holdText } from "./flowText";

/** What every row of the Taskflow trees shows; the tree providers turn it into a `vscode.TreeItem` (treeItemOf). */
export interface RowModel {
  /** Stable across refreshes so VS Code keeps selection and focus. */
  id: string;
  label: string;
  description: string;
  /** Markdown. */
  tooltip?: string;
  /** A codicon id, e.g. `loading~spin`. */
  iconId: string;
  /** A theme color id for the icon, when it has one. */
  iconColor?: string;
  /** What package.json menus match on. */
  contextValue: string;
}

/** What one row of the Tasks tree shows. */
export interface TaskItemModel extends RowModel {
  /** The task id. */
  id: string;
  tooltip: string;
  /** See taskContextValue: package.json menus match on the capabilities in it. */
  contextValue: string;
}

/** What a status group row shows. */
export type GroupItemModel = Omit<RowModel, "tooltip">;

const STATUS_ICONS: Record<TaskStatus, { iconId: string; iconColor?: string }> = {
  running: { iconId: "loading~spin" },
  waiting: { iconId: "watch", iconColor: "charts.purple" },
  pending: { iconId: "clock", iconColor: "charts.blue" },
  success: { iconId: "pass", iconColor: "testing.iconPassed" },
  failed: { iconId: "error", iconColor: "testing.iconFailed" },
  interrupted: { iconId: "debug-disconnect", iconColor: "list.warningForeground" },
  cancelled: { iconId: "circle-slash", iconColor: "disabledForeground" },
  rejected: { iconId: "stop-circle", iconColor: "charts.orange" },
};

/** The heading of a status in views, in the display language: "Failed", "Running"... */
export function statusTitle(status: TaskStatus): string {
  switch (status) {
    case "running": return l10n.t("Running");
    case "waiting": return l10n.t("Waiting");
    case "pending": return l10n.t("Pending");
    case "success": return l10n.t("Succeeded");
    case "failed": return l10n.t("Failed");
    case "interrupted": return l10n.t("Interrupted");
    case "cancelled": return l10n.t("Cancelled");
    case "rejected": return l10n.t("Rejected");
  }
}

/** `5 s ago`, `3 min ago`, `2 h ago`, `4 d ago`; `just now` under a second; times in the future count as now. */
export function formatRelativeTime(thenMs: number, nowMs: number): string {
  const seconds = Math.max(0, Math.floor((nowMs - thenMs) / 1000));
  if (seconds < 1) return l10n.t("just now");
  if (seconds < 60) return l10n.t("{0} s ago", seconds);
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return l10n.t("{0} min ago", minutes);
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return l10n.t("{0} h ago", hours);
  return l10n.t("{0} d ago", Math.floor(hours / 24));
}

/** A duration given in seconds: `350 ms`, `12.3 s`, `2 min 5 s`, `1 h 2 min`. */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return l10n.t("{0} ms", Math.round(seconds * 1000));
  if (seconds < 60) return l10n.t("{0} s", (Math.round(seconds * 10) / 10).toFixed(1));
  const totalSeconds = Math.round(seconds);
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) return l10n.t("{0} min {1} s", minutes, totalSeconds % 60);
  return l10n.t("{0} h {1} min", Math.floor(minutes / 60), minutes % 60);
}

function twoDigits(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * A time as the reader's local clock shows it: `14:05` on the same local day as `nowMs`,
 * `2026-12-09 14:05` on another day (a sleep of days must not read as today).
 */
export function localClockTime(iso: string, nowMs: number): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  const now = new Date(nowMs);
  const clock = `${twoDigits(time.getHours())}:${twoDigits(time.getMinutes())}`;
  const sameDay = time.getFullYear() === now.getFullYear() && time.getMonth() === now.getMonth() && time.getDate() === now.getDate();
  return sameDay ? clock : `${time.getFullYear()}-${twoDigits(time.getMonth() + 1)}-${twoDigits(time.getDate())} ${clock}`;
}

/** Escapes text for a Markdown tooltip so error messages and tags render as typed. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`);
}

function tagsText(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

/**
 * `task.<status>` followed by the status's capabilities, e.g. `task.failed.retryable.deletable`:
 * menus' `when` clauses test a capability (`viewItem =~ /^task\..*\.retryable\b/`), so which
 * statuses allow what is decided in the model only. A run waiting for input adds `needsInput`
 * (`task.waiting.cancellable.needsInput`), for Provide Input.
 */
export function taskContextValue(status: TaskStatus, waitingFor: WaitingFor | null = null): string {
  const needsInput = status === "waiting" && waitingFor?.kind === "input" ? ["needsInput"] : [];
  return ["task", status, ...capabilities(status), ...needsInput].join(".");
}

/** The tooltip lines of a waiting run: what it waits for, the prompt, and when it wakes or times out. */
function waitLines(waitingFor: WaitingFor, nowMs: number): string[] {
  const at = (iso: string) => `${localClockTime(iso, nowMs)} (${iso})`;
  const lines = [l10n.t("Waiting: {0}", escapeMarkdown(describeWait(waitingFor, (iso) => localClockTime(iso, nowMs))))];
  if (waitingFor.kind === "sleep") lines.push(l10n.t("Wakes: {0}", at(waitingFor.until)));
  if (waitingFor.kind === "input" && waitingFor.prompt !== null) lines.push(l10n.t("Prompt: {0}", escapeMarkdown(firstLine(waitingFor.prompt, 300))));
  if (waitingFor.kind === "runs") lines.push(l10n.t("Runs: {0}", waitingFor.taskIds.map((id) => `\`${id}\``).join(", ")));
  if (waitingFor.kind !== "sleep" && waitingFor.timeoutAt !== null) lines.push(l10n.t("Times out: {0}", at(waitingFor.timeoutAt)));
  return lines;
}

/** `40%`, or `40% · row 400 of 1000` with a message; null without progress. Rounded down so 99.6% never shows as done. */
export function progressText(progress: TaskProgress | null): string | null {
  if (progress === null) return null;
  const percent = `${Math.floor(progress.fraction * 100)}%`;
  const message = progress.message === null ? "" : firstLine(progress.message, 80);
  return message === "" ? percent : `${percent} · ${message}`;
}

/** How many attempts a task made: retriesUsed counts retries, so attempts are one more once it ran. */
function attemptsMade(task: TaskRecord): number {
  return task.startTime === null ? 0 : task.retriesUsed + 1;
}

/**
 * Maps a task to its tree row. `nowMs` is injected so the relative time is testable. `hold` is why a
 * pending run has not started (from `flowHolds()`); it leads the row's description and is ignored
 * once the run is no longer pending.
 */
export function toTaskItemModel(task: TaskRecord, nowMs: number, hold?: FlowHold): TaskItemModel {
  const icon = STATUS_ICONS[task.status];
  const progress = task.status === "running" ? progressText(task.progress) : null;
  const held = hold !== undefined && task.status === "pending" ? holdText(hold) : null;
  const waitingFor = task.status === "waiting" ? task.waitingFor : null;
  const parts = progress === null ? [] : [progress];
  if (waitingFor !== null) parts.push(describeWait(waitingFor, (iso) => localClockTime(iso, nowMs)));
  if (held !== null) parts.push(held.summary);
  parts.push(formatRelativeTime(task.createdAt.getTime(), nowMs));
  if (task.duration !== null) parts.push(formatDuration(task.duration));
  const attempts = attemptsMade(task);
  if (attempts > 1) parts.push(l10n.t("{0} attempts", attempts));
  // Most runs are in the default queue: naming it on every row would only add noise.
  if (task.queue !== DEFAULT_QUEUE) parts.push(l10n.t("queue {0}", task.queue));
  const tags = tagsText(task.tags);
  if (tags !== "") parts.push(tags);

  const lines = [
    `**${escapeMarkdown(task.funcName)}**: ${statusTitle(task.status).toLowerCase()}`,
    "",
    l10n.t("ID: {0}", `\`${task.taskId}\``),
    l10n.t("Created: {0}", task.createdAt.toISOString()),
  ];
  if (task.startTime !== null) lines.push(l10n.t("Started: {0}", task.startTime.toISOString()));
  if (task.endTime !== null) lines.push(l10n.t("Ended: {0}", task.endTime.toISOString()));
  if (task.duration !== null) lines.push(l10n.t("Duration: {0}", formatDuration(task.duration)));
  if (attempts > 0) lines.push(l10n.t("Attempts: {0}", attempts));
  const queue = escapeMarkdown(task.queue);
  lines.push(task.priority !== 0 ? l10n.t("Queue: {0}, priority {1}", queue, task.priority) : l10n.t("Queue: {0}", queue));
  if (task.parentId !== null) lines.push(l10n.t("Enqueued by: {0}", `\`${task.parentId}\``));
  if (progress !== null) lines.push(l10n.t("Progress: {0}", escapeMarkdown(progress)));
  if (waitingFor !== null) lines.push(...waitLines(waitingFor, nowMs));
  if (held !== null) lines.push(l10n.t("Not started: {0}", escapeMarkdown(held.detail)));
  if (tags !== "") lines.push(l10n.t("Tags: {0}", escapeMarkdown(tags)));
  if (task.idempotencyKey !== null) lines.push(l10n.t("Idempotency key: {0}", escapeMarkdown(task.idempotencyKey)));
  if (task.encrypted) lines.push(l10n.t("Arguments: encrypted"));
  if (task.error !== null) lines.push("", l10n.t("Error: {0}", escapeMarkdown(firstLine(task.error, 300))));

  return {
    id: task.taskId,
    label: task.funcName,
    description: parts.join(" · "),
    // Two trailing spaces make Markdown keep each line break.
    tooltip: lines.join("  \n"),
    iconId: icon.iconId,
    iconColor: icon.iconColor,
    contextValue: taskContextValue(task.status, waitingFor),
  };
}

/** Maps a status and its task count to a group row; ids are stable so expansion state survives refreshes. */
export function toGroupItemModel(status: TaskStatus, count: number): GroupItemModel {
  const icon = STATUS_ICONS[status];
  return {
    id: `group:${status}`,
    label: statusTitle(status),
    description: String(count),
    iconId: icon.iconId,
    iconColor: icon.iconColor,
    contextValue: `group.${status}`,
  };
}

function firstLine(text: string, maxLength: number): string {
  const line = text.split("\n", 1)[0];
  return line.length > maxLength ? `${line.slice(0, maxLength - 1)}…` : line;
}
