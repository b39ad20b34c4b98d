/**
 * What the editor shows about a task function's last run: the outcome CodeLens text (`✓ 2 m ago`,
 * `✗ failed 10 s ago`, `⟳ running`) and where its failure is decorated (the top stack frame in the
 * user's own files). Pure: no vscode import, so both are unit-tested in plain Node.
 */
import * as path from "node:path";
import * as l10n from "@vscode/l10n";
import type { LifecycleEvent, TaskRecord, TaskStatus } from "../../model";
import { stackFrames } from "../../runtime/stackFrames";

/** The last run of one task function, as the editor needs it. */
export interface LastRun {
  taskId: string;
  funcName: string;
  status: TaskStatus;
  /** Epoch milliseconds of its last change: when it finished, else started, else was enqueued. */
  atMs: number;
  error: string | null;
  stacktrace: string | null;
}

/** A stored record as a LastRun. */
export function lastRunOfRecord(record: TaskRecord): LastRun {
  const at = record.endTime ?? record.startTime ?? record.createdAt;
  return { taskId: record.taskId, funcName: record.funcName, status: record.status, atMs: at.getTime(), error: record.error, stacktrace: record.stacktrace };
}

/** A lifecycle event as a LastRun; `nowMs` stands in when the event's timestamp cannot be read. */
export function lastRunOfEvent(event: LifecycleEvent, nowMs: number): LastRun {
  const at = Date.parse(event.timestamp);
  return { taskId: event.taskId, funcName: event.funcName, status: event.status, atMs: Number.isNaN(at) ? nowMs : at, error: event.error, stacktrace: event.stacktrace };
}

/** `4 s`, `2 m`, `3 h`, `5 d`: whole units, rounded down; a time in the future counts as 0 s. */
export function shortAge(ageMs: number): string {
  const seconds = Math.max(0, Math.floor(ageMs / 1000));
  if (seconds < 60) return l10n.t("{0} s", seconds);
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return l10n.t("{0} m", minutes);
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return l10n.t("{0} h", hours);
  return l10n.t("{0} d", Math.floor(hours / 24));
}

/** The outcome CodeLens title of a last run, at `nowMs` (epoch milliseconds). */
export function outcomeTitle(run: LastRun, nowMs: number): string {
  const age = shortAge(nowMs - run.atMs);
  switch (run.status) {
    case "running":
      return l10n.t("⟳ running");
    case "pending":
      return l10n.t("◷ pending");
    case "waiting":
      return l10n.t("◷ waiting");
    case "success":
      return l10n.t("✓ {0} ago", age);
    case "failed":
      return l10n.t("✗ failed {0} ago", age);
    case "interrupted":
      return l10n.t("✗ interrupted {0} ago", age);
    case "rejected":
      return l10n.t("✗ rejected {0} ago", age);
    case "cancelled":
      return l10n.t("⊘ cancelled {0} ago", age);
  }
}

/**
 * The first line of an error message, at most `maxChars` long (an ellipsis marks a cut), without the
 * plain `Error: ` prefix, which says nothing beside the red mark (`TypeError: ` and the like stay).
 */
export function firstLine(message: string, maxChars = 120): string {
  const line = message.split(/\r?\n/, 1)[0].trim().replace(/^Error: /, "");
  return line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
}

/** A place in a file; line and column are 1-based. */
export interface FrameLocation {
  file: string;
  line: number;
  column: number;
}

/**
 * The top frame of `stack` in the user's own code: the first one inside one of `folders` and not
 * under a node_modules folder, or undefined when there is none (a thrown string has no frames).
 */
export function topUserFrame(stack: string | null, folders: readonly string[]): FrameLocation | undefined {
  if (!stack) return undefined;
  return stackFrames(stack).find((frame) => {
    if (frame.file.split(path.sep).includes("node_modules")) return false;
    return folders.some((folder) => {
      const rel = path.relative(path.resolve(folder), frame.file);
      return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
    });
  });
}
