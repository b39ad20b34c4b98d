/** Human output of the CLI: the task table, a task's details, coloured statuses. No I/O here. */
import { describeWait, stepKey, type StepRecord, type TaskRecord, type TaskStatus, type WaitingFor } from "../model";

/** ANSI colours for a terminal; identity functions when colour is off. */
export interface Palette {
  status(status: TaskStatus): string;
  dim(text: string): string;
  bold(text: string): string;
}

const STATUS_COLOUR: Record<TaskStatus, number> = {
  running: 36, // cyan
  waiting: 34, // blue
  pending: 33, // yellow
  success: 32, // green
  failed: 31, // red
  interrupted: 35, // magenta
  rejected: 31,
  cancelled: 90, // grey
};

/**
 * Colour when stdout is a terminal and NO_COLOR is not set (https://no-color.org: any non-empty value turns it off).
 */
export function paletteFor(isTty: boolean, env: NodeJS.ProcessEnv): Palette {
  const on = isTty && (env.NO_COLOR === undefined || env.NO_COLOR === "");
  const wrap = (code: number, text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    status: (s) => wrap(STATUS_COLOUR[s] ?? 0, s),
    dim: (t) => wrap(2, t),
    bold: (t) => wrap(1, t),
  };
}

/** Seconds as `850ms`, `4.2s`, `3m 05s`, `2h 10m`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "-";
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(Math.floor(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}

/** A local time without the zone, to the second: `2026-12-02 14:03:07`. */
export function formatTime(date: Date | null): string {
  if (date === null) return "-";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function formatTags(tags: Record<string, string>): string {
  return Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(",");
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
const visibleLength = (text: string) => text.replace(ANSI, "").length;

/** Rows under a header, columns padded to their widest cell (colour codes not counted). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ""))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i] - visibleLength(c)))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** What a run waits for, its times local: `sleeping until 2026-12-07 16:05:00`, `needs input: approval`. */
export function formatWait(waitingFor: WaitingFor): string {
  return describeWait(waitingFor, (iso) => formatTime(new Date(iso)));
}

/** The `taskflow list` table; a WAITING FOR column when a listed run waits. */
export function taskTable(records: TaskRecord[], palette: Palette): string {
  const waits = records.some((r) => r.waitingFor !== null);
  return table(
    ["ID", "TASK", "STATUS", "CREATED", "DURATION", "TRIES", "TAGS", ...(waits ? ["WAITING FOR"] : [])],
    records.map((r) => [
      r.taskId, r.funcName, palette.status(r.status), formatTime(r.createdAt), formatDuration(r.duration), String(r.retriesUsed + 1), formatTags(r.tags),
      ...(waits ? [r.waitingFor === null ? "" : formatWait(r.waitingFor)] : []),
    ]),
  );
}

/** Characters of a step's value shown in `taskflow show` before it is cut with an ellipsis. */
const VALUE_PREVIEW_CHARS = 60;

function preview(text: string): string {
  return text.length <= VALUE_PREVIEW_CHARS ? text : `${text.slice(0, VALUE_PREVIEW_CHARS - 1)}…`;
}

function stepOutcome(entry: StepRecord): string {
  if (entry.status === "failed") return entry.error ?? "failed";
  if (entry.status === "waiting") return entry.waitingFor ? formatWait(entry.waitingFor) : "waiting";
  return preview(JSON.stringify(entry.value) ?? "undefined");
}

function stepDuration(entry: StepRecord): string {
  if (entry.endedAt === null) return "-";
  return formatDuration((Date.parse(entry.endedAt) - Date.parse(entry.startedAt)) / 1000);
}

/** A run's steps and waits, in the order recorded: `fetch#1  done  1.2s  1  {"rows":3}`. */
export function stepTable(steps: readonly StepRecord[]): string {
  return table(
    ["STEP", "STATUS", "DURATION", "ATTEMPT", "VALUE"],
    steps.map((s) => [stepKey(s.name, s.occurrence), s.status, stepDuration(s), String(s.attempt + 1), stepOutcome(s)]),
  );
}

/** The `Waiting for` line of `taskflow show`: what, the prompt of an input, and when the wait times out. */
function waitDetails(waitingFor: WaitingFor): string {
  const prompt = waitingFor.kind === "input" && waitingFor.prompt ? ` (${JSON.stringify(waitingFor.prompt)})` : "";
  const timeoutAt = waitingFor.kind === "sleep" ? null : waitingFor.timeoutAt;
  return `${formatWait(waitingFor)}${prompt}${timeoutAt === null ? "" : `, times out at ${formatTime(new Date(timeoutAt))}`}`;
}

/** The `taskflow show` details: fields, then steps, error, stack trace and logs when there are any. */
export function taskDetails(record: TaskRecord, palette: Palette): string {
  const fields: Array<[string, string]> = [
    ["Task", record.funcName],
    ["Id", record.taskId],
    ["Status", palette.status(record.status)],
    ["Created", formatTime(record.createdAt)],
    ["Started", formatTime(record.startTime)],
    ["Ended", formatTime(record.endTime)],
    ["Duration", formatDuration(record.duration)],
    ["Retries used", String(record.retriesUsed)],
    ["Arguments", record.encrypted ? "(encrypted)" : JSON.stringify(record.args)],
  ];
  if (!record.encrypted && Object.keys(record.kwargs).length > 0) fields.push(["Keyword args", JSON.stringify(record.kwargs)]);
  if (Object.keys(record.tags).length > 0) fields.push(["Tags", formatTags(record.tags)]);
  if (record.idempotencyKey !== null) fields.push(["Key", record.idempotencyKey]);
  if (record.parentId !== null) fields.push(["Parent", record.parentId]);
  if (record.progress !== null) fields.push(["Progress", `${Math.round(record.progress.fraction * 100)}%${record.progress.message ? ` ${record.progress.message}` : ""}`]);
  if (record.status === "success") fields.push(["Result", JSON.stringify(record.result)]);
  if (record.waitingFor !== null) fields.push(["Waiting for", waitDetails(record.waitingFor)]);
  const width = Math.max(...fields.map(([k]) => k.length));
  const out = fields.map(([k, v]) => `${palette.bold(k.padEnd(width))}  ${v}`);
  if (record.steps.length > 0) out.push("", palette.bold(`Steps (${record.steps.length})`), stepTable(record.steps));
  if (record.error !== null) out.push("", palette.bold("Error"), record.error);
  if (record.stacktrace !== null) out.push("", palette.bold("Stack trace"), record.stacktrace);
  if (record.logs.length > 0) out.push("", palette.bold(`Logs (${record.logs.length})`), ...record.logs);
  return out.join("\n");
}
