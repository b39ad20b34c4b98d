/**
 * Steps and waits of one attempt, the same on every backend and in task workers: `step`, `sleep`,
 * `waitForInput` and `waitForRuns` look their entry up among the run's recorded steps (by name and
 * occurrence) and replay it, or run it and record it through the sink before the code goes on. A
 * wait whose condition does not hold suspends the attempt: the sink ends it as waiting, and the
 * task's code never goes past the wait in this attempt (the run resumes from the top later).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { describeValue, isPlainObject } from "../model/describe";
import { stepKey, type StepKind, type StepRecord, type WaitingFor } from "../model/durable";
import { WaitTimeoutError } from "../model/errors";
import { cloneJson, type TaskDict } from "../model/fields";
import { inputSchemaProblem, type InputSchema } from "../model/inputSchema";
import { ValidationError } from "../model/schemas";
import { errorSummary, toError } from "./errors";
import { jsonProblem } from "./jsonCheck";

/** Where an attempt's steps go: the backend's record (or, in a task worker, the host that has it). */
export interface JournalSink {
  /** Epoch milliseconds. */
  now(): number;
  /**
   * Records (adds, or replaces the entry of the same name and occurrence); resolves once it is
   * stored, durably unless `durable` is false: an entry a replay would write again the same.
   */
  record(entry: StepRecord, durable?: boolean): Promise<void>;
  /** Ends the attempt as waiting for `waitingFor` (whose entry is already recorded). */
  suspend(waitingFor: WaitingFor): void;
  /** The runs' records as dicts, in order, when every one is finished; undefined while any is not. Rejects for an unknown id. */
  finishedRuns(taskIds: readonly string[]): Promise<TaskDict[] | undefined>;
}

/** `sleep`'s argument: seconds, or the time to sleep until. */
export type SleepArgument = number | { until: Date | string };

/** Options of `waitForInput`. */
export interface WaitForInputOptions {
  /** What the person is asked, shown with the notification and the form. */
  prompt?: string;
  /** The JSON Schema subset the value must match; without it any JSON value is taken. */
  schema?: InputSchema;
  /** Seconds to wait before the wait throws a WaitTimeoutError. @default no limit */
  timeout?: number;
}

/** Options of `waitForRuns`. */
export interface WaitForRunsOptions {
  /** Seconds to wait before the wait throws a WaitTimeoutError. @default no limit */
  timeout?: number;
}

/** The step (`name#n`) whose function is running, in that function's async scope. */
const insideStep = new AsyncLocalStorage<string>();

/** Refuses a wait called from inside a step's function: the step is recorded only when its function returns. */
function outsideSteps(what: string): void {
  const step = insideStep.getStore();
  if (step !== undefined) {
    throw new Error(`${what} was called inside step ${step}: a step is recorded only when its function returns, so a wait inside one would run the step again on every resume. Call waits between steps`);
  }
}

/** A promise that never settles: the code after a suspended wait does not run in this attempt. */
function never<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

/** An error rebuilt from its `Name: message` summary, for a failure replayed within its attempt. */
function replayedError(summary: string | null): Error {
  const text = summary ?? "Error: the step failed";
  const colon = text.indexOf(": ");
  const name = colon > 0 ? text.slice(0, colon) : "Error";
  const message = colon > 0 ? text.slice(colon + 2) : text;
  const error = name === "WaitTimeoutError" ? new WaitTimeoutError(message) : new Error(message);
  if (name !== error.name) Object.defineProperty(error, "name", { value: name, configurable: true, writable: true });
  return error;
}

function checkSeconds(value: unknown, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(`${what} must be a number of seconds, 0 or more, got ${describeValue(value)}`, "timeout");
  }
  return value;
}

/**
 * One attempt's view of the run's steps. Created by the attempt when the task first calls a step or
 * a wait, from the steps the run had recorded when the attempt began.
 */
export class StepJournal {
  private readonly entries = new Map<string, StepRecord>();
  private readonly counts = new Map<string, number>();

  constructor(steps: readonly StepRecord[], private readonly attempt: number, private readonly sink: JournalSink) {
    for (const entry of steps) this.entries.set(stepKey(entry.name, entry.occurrence), entry);
  }

  /** The next occurrence of `name` in this attempt, and the entry recorded for it, if any. */
  private next(name: string, kind: StepKind): { occurrence: number; key: string; entry: StepRecord | undefined } {
    const occurrence = (this.counts.get(name) ?? 0) + 1;
    this.counts.set(name, occurrence);
    const key = stepKey(name, occurrence);
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.kind !== kind) {
      throw new Error(
        `${key} was recorded by ${entry.kind === "step" ? "step()" : `a ${entry.kind} wait`} and is now reached by ${kind === "step" ? "step()" : `a ${kind} wait`}: ` +
        "the task's code reached its steps in another order than when they were recorded. Keep the order of steps and waits the same on every run (decide branches inside steps)",
      );
    }
    return { occurrence, key, entry };
  }

  private isoNow(): string {
    return new Date(this.sink.now()).toISOString();
  }

  private async write(entry: StepRecord, durable = true): Promise<void> {
    this.entries.set(stepKey(entry.name, entry.occurrence), entry);
    await this.sink.record(entry, durable);
  }

  /** A recorded value, copied so the task cannot change the record. */
  private static value<T>(entry: StepRecord): T {
    return cloneJson(entry.value) as T;
  }

  async step<T>(name: unknown, fn: unknown): Promise<T> {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`step() needs a name, a non-empty string such as step("create account", () => ...); got ${describeValue(name)}`);
    }
    if (typeof fn !== "function") {
      throw new TypeError(`step(${JSON.stringify(name)}, fn) needs a function that does the step's work; got ${describeValue(fn)}`);
    }
    const { occurrence, key, entry } = this.next(name, "step");
    if (entry?.status === "done") return StepJournal.value<T>(entry);
    if (entry?.status === "failed" && entry.attempt === this.attempt) throw replayedError(entry.error);
    const startedAt = this.isoNow();
    let value: unknown;
    try {
      value = await insideStep.run(key, fn as () => unknown);
    } catch (thrown) {
      const error = toError(thrown);
      await this.write({
        name, occurrence, kind: "step", status: "failed", attempt: this.attempt, startedAt, endedAt: this.isoNow(),
        value: null, error: errorSummary(error), waitingFor: null,
      });
      throw error;
    }
    const problem = jsonProblem(value, `the value of step ${key}`, true);
    if (problem) throw new TypeError(`step ${key} returned a value that is not JSON, so it cannot be recorded: ${problem}. Return plain data (objects, arrays, strings, numbers, booleans, null)`);
    const stored = value === undefined ? null : cloneJson(value);
    await this.write({
      name, occurrence, kind: "step", status: "done", attempt: this.attempt, startedAt, endedAt: this.isoNow(),
      value: stored, error: null, waitingFor: null,
    });
    return cloneJson(stored) as T;
  }

  async sleep(argument: unknown): Promise<void> {
    outsideSteps("sleep()");
    let untilMs: number;
    if (typeof argument === "number") {
      checkSeconds(argument, "sleep(seconds)");
      untilMs = this.sink.now() + argument * 1000;
    } else if (isPlainObject(argument) && (argument.until instanceof Date || typeof argument.until === "string")) {
      untilMs = new Date(argument.until).getTime();
      if (Number.isNaN(untilMs)) throw new ValidationError(`sleep({ until }) needs a Date or an ISO 8601 time, got ${describeValue(argument.until)}`, "until");
    } else {
      throw new ValidationError(`sleep() takes seconds (sleep(60)) or { until: Date | ISO string }, got ${describeValue(argument)}`, "");
    }
    const { occurrence, key, entry } = this.next("sleep", "sleep");
    if (entry?.status === "done") return;
    let waitingFor: WaitingFor;
    if (entry?.status === "waiting" && entry.waitingFor?.kind === "sleep") {
      waitingFor = entry.waitingFor; // the time fixed when the run first reached it
    } else {
      waitingFor = { kind: "sleep", until: new Date(untilMs).toISOString(), step: key };
      if (untilMs <= this.sink.now()) {
        await this.write(this.doneEntry("sleep", occurrence, "sleep", this.isoNow(), null, null), false);
        return;
      }
      await this.write(this.waitingEntry("sleep", occurrence, "sleep", waitingFor));
    }
    if (new Date(waitingFor.until).getTime() <= this.sink.now()) {
      // Lost in a crash, the replay finds the sleep's time passed again: no flush to wait for.
      await this.write(this.doneEntry("sleep", occurrence, "sleep", entry?.startedAt ?? this.isoNow(), null, waitingFor), false);
      return;
    }
    this.sink.suspend(waitingFor);
    return never();
  }

  async waitForInput<T>(name: unknown, options: unknown = {}): Promise<T> {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`waitForInput() needs the input's name, a non-empty string such as waitForInput("approval", { ... }); got ${describeValue(name)}`);
    }
    outsideSteps(`waitForInput(${JSON.stringify(name)})`);
    if (!isPlainObject(options)) throw new ValidationError(`waitForInput(${JSON.stringify(name)}, options): options must be an object { prompt, schema, timeout }, got ${describeValue(options)}`, "");
    const { prompt, schema } = options;
    if (prompt !== undefined && typeof prompt !== "string") throw new ValidationError(`waitForInput(${JSON.stringify(name)}): prompt must be a string, got ${describeValue(prompt)}`, "prompt");
    if (schema !== undefined) {
      const problem = inputSchemaProblem(schema);
      if (problem) throw new ValidationError(`waitForInput(${JSON.stringify(name)}) was given a bad schema: ${problem}`, "schema");
    }
    const timeout = checkSeconds(options.timeout, `waitForInput(${JSON.stringify(name)}) timeout`);
    const stepName = `input:${name}`;
    const { occurrence, key, entry } = this.next(stepName, "input");
    if (entry?.status === "done") return StepJournal.value<T>(entry);
    if (entry?.status === "failed" && entry.attempt === this.attempt) throw replayedError(entry.error);
    let waitingFor: WaitingFor;
    if (entry?.status === "waiting" && entry.waitingFor?.kind === "input") {
      waitingFor = entry.waitingFor;
    } else {
      waitingFor = {
        kind: "input", name, prompt: typeof prompt === "string" ? prompt : null, schema: schema === undefined ? null : cloneJson(schema as InputSchema),
        timeoutAt: timeout === undefined ? null : new Date(this.sink.now() + timeout * 1000).toISOString(), step: key,
      };
      await this.write(this.waitingEntry(stepName, occurrence, "input", waitingFor));
    }
    await this.timedOut(stepName, occurrence, "input", entry, waitingFor, `waitForInput(${JSON.stringify(name)})`);
    this.sink.suspend(waitingFor);
    return never();
  }

  async waitForRuns(taskIds: unknown, options: unknown = {}): Promise<TaskDict[]> {
    if (!Array.isArray(taskIds) || taskIds.some((id) => typeof id !== "string")) {
      throw new TypeError(`waitForRuns() needs an array of task ids (what enqueue() resolved with), got ${describeValue(taskIds)}`);
    }
    outsideSteps("waitForRuns()");
    if (!isPlainObject(options)) throw new ValidationError(`waitForRuns(ids, options): options must be an object { timeout }, got ${describeValue(options)}`, "");
    const timeout = checkSeconds(options.timeout, "waitForRuns() timeout");
    const ids = [...taskIds] as string[];
    const { occurrence, key, entry } = this.next("runs", "runs");
    if (entry?.status === "done") return StepJournal.value<TaskDict[]>(entry);
    if (entry?.status === "failed" && entry.attempt === this.attempt) throw replayedError(entry.error);
    const startedAt = entry?.status === "waiting" ? entry.startedAt : this.isoNow();
    const finished = await this.sink.finishedRuns(ids);
    if (finished !== undefined) {
      await this.write(this.doneEntry("runs", occurrence, "runs", startedAt, finished, entry?.waitingFor ?? null));
      return cloneJson(finished);
    }
    let waitingFor: WaitingFor;
    if (entry?.status === "waiting" && entry.waitingFor?.kind === "runs") {
      waitingFor = entry.waitingFor;
    } else {
      waitingFor = { kind: "runs", taskIds: ids, timeoutAt: timeout === undefined ? null : new Date(this.sink.now() + timeout * 1000).toISOString(), step: key };
      await this.write(this.waitingEntry("runs", occurrence, "runs", waitingFor));
    }
    await this.timedOut("runs", occurrence, "runs", entry, waitingFor, `waitForRuns() of ${ids.length} run${ids.length === 1 ? "" : "s"}`);
    this.sink.suspend(waitingFor);
    return never();
  }

  /** Throws the WaitTimeoutError (recorded first) when the wait's timeout has passed. */
  private async timedOut(name: string, occurrence: number, kind: StepKind, entry: StepRecord | undefined, waitingFor: WaitingFor, what: string): Promise<void> {
    const timeoutAt = waitingFor.kind === "sleep" ? null : waitingFor.timeoutAt;
    if (timeoutAt === null || new Date(timeoutAt).getTime() > this.sink.now()) return;
    const error = new WaitTimeoutError(`${what} timed out at ${timeoutAt} before it was satisfied`);
    await this.write({
      name, occurrence, kind, status: "failed", attempt: this.attempt, startedAt: entry?.startedAt ?? this.isoNow(), endedAt: this.isoNow(),
      value: null, error: errorSummary(error), waitingFor,
    });
    throw error;
  }

  private waitingEntry(name: string, occurrence: number, kind: StepKind, waitingFor: WaitingFor): StepRecord {
    return { name, occurrence, kind, status: "waiting", attempt: this.attempt, startedAt: this.isoNow(), endedAt: null, value: null, error: null, waitingFor };
  }

  private doneEntry(name: string, occurrence: number, kind: StepKind, startedAt: string, value: unknown, waitingFor: WaitingFor | null): StepRecord {
    return { name, occurrence, kind, status: "done", attempt: this.attempt, startedAt, endedAt: this.isoNow(), value, error: null, waitingFor };
  }
}

/** Adds `entry` to `steps`, or replaces the entry of the same name and occurrence in place. */
export function putStep(steps: StepRecord[], entry: StepRecord): void {
  const index = steps.findIndex((s) => s.name === entry.name && s.occurrence === entry.occurrence);
  if (index >= 0) steps[index] = entry;
  else steps.push(entry);
}

/**
 * The entry a person's input completes: the waiting entry `waitingFor.step` names, now done with
 * `value`. Pure; the backend stores it.
 */
export function inputGiven(steps: readonly StepRecord[], waitingFor: WaitingFor, value: unknown, nowIso: string): StepRecord {
  const waiting = steps.find((s) => stepKey(s.name, s.occurrence) === waitingFor.step);
  const base = waiting ?? { name: `input:${waitingFor.kind === "input" ? waitingFor.name : ""}`, occurrence: 1, kind: "input" as const, attempt: 0, startedAt: nowIso };
  return { ...base, kind: "input", status: "done", endedAt: nowIso, value: cloneJson(value), error: null, waitingFor };
}
