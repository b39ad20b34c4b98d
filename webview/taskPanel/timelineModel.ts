/**
 * A run on one time axis, as data: its attempts, steps, waits and children as bars with start and
 * end times, and where each bar sits on the axis. Pure and free of the DOM, so it is unit-tested in
 * Node; timelineView.ts draws it.
 */
import * as l10n from "@vscode/l10n";
import { describeWait, stepKey, type StepRecord } from "../../src/model/durable";
import { parseRetryMarker } from "../../src/model/logMarkers";
import type { TaskStatus } from "../../src/model/status";
import type { TaskLink } from "../../src/protocol";
import { formatDuration } from "../shared/format";

/** The fields of a run its timeline is drawn from. Times are ISO 8601 UTC. */
export interface TimelineTask {
  status: TaskStatus;
  createdAt: string;
  startTime: string | null;
  endTime: string | null;
  retriesUsed: number;
  steps: readonly StepRecord[];
  children: readonly TaskLink[];
}

/** When one attempt was seen to run: the first and last log line it wrote, epoch ms. */
export interface AttemptSpan {
  /** 0-based, as retriesUsed and StepRecord.attempt count. */
  attempt: number;
  startMs: number;
  endMs: number;
}

export type TimelineRowKind = "attempt" | "step" | "wait" | "child";

/** One bar. Times in epoch ms; `open` when it has not ended and is drawn up to now. */
export interface TimelineRow {
  /** Unique among the rows: `attempt:1`, `step:fetch#2`, `child:<task id>`. */
  id: string;
  kind: TimelineRowKind;
  /** The row's name: `attempt 2`, `fetch#2`, `sleep#1`, the child's function name. */
  label: string;
  /** A step's or child's status, or an attempt's: "failed" for one a retry followed, else the run's. */
  status: string;
  startMs: number;
  endMs: number;
  open: boolean;
  /** What the tooltip says: what it is, how long, which attempt. */
  title: string;
  /** The step's `name#n` for a step or wait; null otherwise. */
  stepKey: string | null;
  /** The child's task id; null otherwise. */
  childId: string | null;
}

export interface TimelineModel {
  startMs: number;
  endMs: number;
  rows: TimelineRow[];
  /** Axis labels: where (0..100 % of the width) and the time since the start. */
  ticks: Array<{ percent: number; label: string }>;
}

const LOG_TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?)\s/;

function logTimeMs(line: string): number | null {
  const match = LOG_TIME.exec(line);
  if (!match) return null;
  const ms = Date.parse(match[1].endsWith("Z") ? match[1] : `${match[1]}Z`);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * When each attempt ran, as far as its log lines tell: a `--- Retry N ---` marker opens attempt N,
 * and the attempt spans the timestamps of the lines after it. Attempts that logged nothing are left out.
 */
export function attemptSpans(lines: readonly string[]): AttemptSpan[] {
  const spans = new Map<number, AttemptSpan>();
  let attempt = 0;
  for (const line of lines) {
    const retry = parseRetryMarker(line);
    if (retry !== null) {
      attempt = retry;
      continue;
    }
    const ms = logTimeMs(line);
    if (ms === null) continue;
    const span = spans.get(attempt);
    if (span) {
      span.startMs = Math.min(span.startMs, ms);
      span.endMs = Math.max(span.endMs, ms);
    } else {
      spans.set(attempt, { attempt, startMs: ms, endMs: ms });
    }
  }
  return [...spans.values()].sort((a, b) => a.attempt - b.attempt);
}

const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

function isLive(status: TaskStatus): boolean {
  return status === "running" || status === "waiting" || status === "pending";
}

/** `so far 2.0 s` while the bar is open, else `2.0 s`. */
function tookText(open: boolean, spanMs: number): string {
  const duration = formatDuration(spanMs / 1000);
  return open ? l10n.t("so far {0}", duration) : duration;
}

/** A wait's row: what it waits for, and how it ended once it did. */
function waitText(step: StepRecord, key: string): string {
  const what = step.waitingFor ? describeWait(step.waitingFor) : key;
  if (step.status === "waiting") return what;
  return step.status === "done" ? l10n.t("{0}, ended", what) : l10n.t("{0}, timed out", what);
}

function stepRow(step: StepRecord, nowMs: number): TimelineRow {
  const key = stepKey(step.name, step.occurrence);
  const startMs = Date.parse(step.startedAt);
  const open = step.endedAt === null;
  const endMs = open ? Math.max(startMs, nowMs) : Date.parse(step.endedAt as string);
  const took = tookText(open, endMs - startMs);
  const what = step.kind === "step" ? l10n.t("step {0}, {1}", key, step.status) : waitText(step, key);
  return {
    id: `step:${key}`,
    kind: step.kind === "step" ? "step" : "wait",
    label: key,
    status: step.status,
    startMs,
    endMs,
    open,
    title: l10n.t("{0} · {1} · attempt {2}", what, took, step.attempt + 1),
    stepKey: key,
    childId: null,
  };
}

function attemptRows(task: TimelineTask, spans: readonly AttemptSpan[], nowMs: number): TimelineRow[] {
  const start = ms(task.startTime);
  if (start === null) return [];
  const byAttempt = new Map(spans.map((s) => [s.attempt, { ...s }]));
  const widen = (attempt: number, from: number, to: number): void => {
    const span = byAttempt.get(attempt);
    if (span) {
      span.startMs = Math.min(span.startMs, from);
      span.endMs = Math.max(span.endMs, to);
    } else {
      byAttempt.set(attempt, { attempt, startMs: from, endMs: to });
    }
  };
  widen(0, start, start);
  for (const step of task.steps) {
    const from = Date.parse(step.startedAt);
    widen(step.attempt, from, step.endedAt === null ? from : Date.parse(step.endedAt));
  }
  const last = task.retriesUsed;
  const end = ms(task.endTime);
  const lastSpan = byAttempt.get(last);
  if (lastSpan && end !== null) lastSpan.endMs = Math.max(lastSpan.endMs, end);
  const rows: TimelineRow[] = [];
  for (const span of [...byAttempt.values()].sort((a, b) => a.attempt - b.attempt)) {
    const open = span.attempt === last && task.status === "running";
    const endMs = open ? Math.max(span.endMs, nowMs) : span.endMs;
    const status = span.attempt < last ? "failed" : task.status;
    rows.push({
      id: `attempt:${span.attempt + 1}`,
      kind: "attempt",
      label: l10n.t("attempt {0}", span.attempt + 1),
      status,
      startMs: span.startMs,
      endMs,
      open,
      title: l10n.t("attempt {0} of {1}, {2} · {3}", span.attempt + 1, last + 1, status, tookText(open, endMs - span.startMs)),
      stepKey: null,
      childId: null,
    });
  }
  return rows;
}

function childRow(child: TaskLink, nowMs: number): TimelineRow {
  const startMs = ms(child.startTime) ?? Date.parse(child.createdAt);
  const ended = ms(child.endTime);
  const open = ended === null && isLive(child.status);
  const endMs = ended ?? (open ? Math.max(startMs, nowMs) : startMs);
  return {
    id: `child:${child.taskId}`,
    kind: "child",
    label: child.funcName,
    status: child.status,
    startMs,
    endMs,
    open,
    title: l10n.t("child {0} {1}, {2} · {3}", child.funcName, child.taskId.slice(0, 8), child.status, tookText(open, endMs - startMs)),
    stepKey: null,
    childId: child.taskId,
  };
}

/** A round step for `tickCount` ticks over `spanMs`: 1, 2 or 5 times a power of ten, in ms. */
function tickStep(spanMs: number, tickCount: number): number {
  const raw = Math.max(spanMs / tickCount, 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
}

/**
 * The timeline of a run: its attempts (from `spans` and its steps), steps and waits in the order the
 * run reached them, and its children by start. Bars that have not ended run to `nowMs`.
 */
export function buildTimeline(task: TimelineTask, spans: readonly AttemptSpan[], nowMs: number): TimelineModel {
  const rows = [
    ...attemptRows(task, spans, nowMs),
    ...task.steps.map((s) => stepRow(s, nowMs)),
    ...task.children.map((c) => childRow(c, nowMs)).sort((a, b) => a.startMs - b.startMs),
  ];
  const fallback = ms(task.startTime) ?? Date.parse(task.createdAt);
  const startMs = Math.min(fallback, ...rows.map((r) => r.startMs));
  let endMs = Math.max(startMs, ms(task.endTime) ?? startMs, ...rows.map((r) => r.endMs));
  if (isLive(task.status)) endMs = Math.max(endMs, nowMs);
  const spanMs = Math.max(endMs - startMs, 1);
  const step = tickStep(spanMs, 5);
  const ticks: TimelineModel["ticks"] = [];
  for (let at = 0; at <= spanMs; at += step) ticks.push({ percent: (at / spanMs) * 100, label: at === 0 ? "0" : `+${formatDuration(at / 1000)}` });
  return { startMs, endMs: startMs + spanMs, rows, ticks };
}

/** Where a bar sits, in percent of the track's width; the view gives it a minimum width in pixels. */
export function barPlacement(row: TimelineRow, model: TimelineModel): { leftPercent: number; widthPercent: number } {
  const span = model.endMs - model.startMs;
  const leftPercent = ((row.startMs - model.startMs) / span) * 100;
  const widthPercent = ((row.endMs - row.startMs) / span) * 100;
  return { leftPercent: Math.min(Math.max(leftPercent, 0), 100), widthPercent: Math.max(Math.min(widthPercent, 100 - leftPercent), 0) };
}

/** A run has something to draw beyond itself: steps, children or more than one attempt. */
export function hasTimeline(task: TimelineTask): boolean {
  return task.steps.length > 0 || task.children.length > 0 || task.retriesUsed > 0;
}
