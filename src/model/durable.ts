/**
 * Durable runs in the model: the steps a run records, what a waiting run waits for, and the
 * options of a retry that resumes. Steps and waits are written by the attempt core (src/core/
 * stepJournal.ts) and kept on the record as `steps` and `waitingFor`.
 */
import type { InputSchema } from "./inputSchema";

/** What recorded an entry of `steps`: `step()`, or one of the three waits. */
export type StepKind = "step" | "sleep" | "input" | "runs";

/**
 * What a waiting run waits for (`waitingFor` on its record, null unless it is waiting). Times are
 * ISO 8601 UTC. `step` names the entry of `steps` the wait belongs to (`"sleep#1"`).
 */
export type WaitingFor =
  | { kind: "sleep"; until: string; step: string }
  | { kind: "input"; name: string; prompt: string | null; schema: InputSchema | null; timeoutAt: string | null; step: string }
  | { kind: "runs"; taskIds: string[]; timeoutAt: string | null; step: string };

/**
 * One step or wait of a run, identified by `name` and `occurrence` (its 1-based count among the
 * run's entries of that name: `fetch#1`, `fetch#2`). A wait is recorded `waiting` when the run
 * reaches it, then `done` (with what it returned) or `failed` (timed out).
 */
export interface StepRecord {
  /** The step's name; a wait's name is `sleep`, `input:<name>` or `runs`. */
  name: string;
  /** 1-based count of this name in the run. */
  occurrence: number;
  kind: StepKind;
  status: "done" | "failed" | "waiting";
  /** The attempt (0-based, as retriesUsed counts) that recorded it. */
  attempt: number;
  /** ISO 8601 UTC. */
  startedAt: string;
  /** ISO 8601 UTC; null while waiting. */
  endedAt: string | null;
  /** What the step returned or the wait gave back, JSON; null until done. */
  value: unknown;
  /** `Name: message` of what it threw; null unless failed. */
  error: string | null;
  /** What a wait waits for; null for a step. */
  waitingFor: WaitingFor | null;
}

/** Options of `retryTask`: without them a retry starts from scratch. */
export interface RetryOptions {
  /** Start the new run with the original's completed steps, so it resumes where the original stopped. @default false */
  resume?: boolean;
  /** Resume keeping only the steps recorded before this one (`"fetch#2"`); implies resume. */
  fromStep?: string;
}

/** `name#occurrence`, the way a step is named in `fromStep`, the CLI and the panels. */
export function stepKey(name: string, occurrence: number): string {
  return `${name}#${occurrence}`;
}

/** The name and occurrence of `"fetch#2"`; undefined when the text is not `name#N` with N ≥ 1. */
export function parseStepKey(text: string): { name: string; occurrence: number } | undefined {
  const match = /^(.+)#([1-9][0-9]*)$/s.exec(text);
  return match ? { name: match[1], occurrence: Number(match[2]) } : undefined;
}

/**
 * The steps a resumed run starts with: the done ones (a failed or waiting one runs again), and with
 * `fromStep` only those recorded before it. Returns an Error message for a `fromStep` the run does
 * not have.
 */
export function stepsToResume(steps: readonly StepRecord[], fromStep: string | undefined): StepRecord[] | string {
  let kept = steps;
  if (fromStep !== undefined) {
    const at = steps.findIndex((s) => stepKey(s.name, s.occurrence) === fromStep);
    if (at < 0) {
      const known = steps.map((s) => stepKey(s.name, s.occurrence));
      return `the run has no step ${JSON.stringify(fromStep)}: give one of ${known.length > 0 ? known.map((k) => JSON.stringify(k)).join(", ") : "its steps (it recorded none)"}`;
    }
    kept = steps.slice(0, at);
  }
  return kept.filter((s) => s.status === "done").map((s) => ({ ...s }));
}

/**
 * One line saying what a waiting run waits for: `sleeping until 14:05`, `needs input: approval`,
 * `waiting for 3 runs`. `time` formats an ISO time for the reader (the tree shows local hh:mm).
 */
export function describeWait(waitingFor: WaitingFor, time: (iso: string) => string = (iso) => iso): string {
  switch (waitingFor.kind) {
    case "sleep":
      return `sleeping until ${time(waitingFor.until)}`;
    case "input":
      return `needs input: ${waitingFor.name}`;
    case "runs":
      return `waiting for ${waitingFor.taskIds.length} run${waitingFor.taskIds.length === 1 ? "" : "s"}`;
  }
}

/** When a waiting run wakes by itself: a sleep's end or a wait's timeout; null when only an event wakes it. */
export function wakeTime(waitingFor: WaitingFor): string | null {
  return waitingFor.kind === "sleep" ? waitingFor.until : waitingFor.timeoutAt;
}
