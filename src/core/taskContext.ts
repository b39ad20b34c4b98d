import { AsyncLocalStorage } from "node:async_hooks";
import type { JournalSink, SleepArgument, StepJournal, WaitForInputOptions, WaitForRunsOptions } from "./stepJournal";
import { checkProgress, type AddTaskOptions, type LogLevel, type StepRecord, type TaskContext, type TaskDict, type TaskHandle, type TaskProgress } from "./types";

/** A running attempt's steps and waits: its journal, and what a task worker needs to keep its own. */
export interface DurableScope {
  readonly journal: StepJournal;
  /** The run's steps as the attempt began. */
  readonly steps: readonly StepRecord[];
  readonly attempt: number;
  /** Where the attempt's steps go (a worker's journal records through it too). */
  readonly sink: JournalSink;
}

/** What a running task's async scope carries: its context, and where its log lines, children and progress go. */
export interface TaskScope {
  context: TaskContext;
  log(message: string, level: LogLevel, extra: Record<string, unknown>): void;
  /** Adds a run whose parentId is this task; resolves with its id. */
  enqueue(task: TaskHandle | string, args: unknown[], options: AddTaskOptions): Promise<string>;
  /** Records progress that has been checked already. */
  progress(progress: TaskProgress): void;
  /** The attempt's steps and waits, made on first use. */
  durable(): DurableScope;
  /**
   * Calls `stopped` with the reason once the attempt is stopped (cancelled, timed out, shut down), at
   * once if it has been; returns what stops following. Unlike `context.signal` it makes no AbortSignal.
   */
  onStop(stopped: (reason: unknown) => void): () => void;
}

type OutsideSink = (message: string, level: LogLevel) => void;

interface SharedState {
  storage: AsyncLocalStorage<TaskScope>;
  /** Task functions called in a scope that have not settled yet; the storage is on only while one has not. */
  inScope?: number;
  /** Managers' onOutsideLog, newest last: taskLog outside a task reports to the newest. */
  outsideSinks: OutsideSink[];
}

// The engine is bundled more than once (dist/engine.js, the extension, the "taskflow" module that task
// modules import). Every copy must see the same async scope, or getTaskContext() in a task module would
// read an empty store of its own; hence one instance per process, reached through a global symbol.
const SHARED_KEY = Symbol.for("taskflow.engine.taskContext.v1");
function shared(): SharedState {
  const holder = globalThis as unknown as Record<symbol, SharedState | undefined>;
  let state = holder[SHARED_KEY];
  if (!state) {
    state = { storage: new AsyncLocalStorage<TaskScope>(), outsideSinks: [] };
    holder[SHARED_KEY] = state;
  }
  return state;
}

/**
 * Runs `fn(scope)` inside a task's scope; everything it awaits sees `scope`. The storage's async hook
 * (which every promise of the process pays while it is on) is on only while a task function called
 * here has not settled: once the last one has, it is turned off until the next task starts.
 */
export function runInTaskScope<S extends TaskScope, R>(scope: S, fn: (scope: S) => R): R {
  const state = shared();
  state.inScope = (state.inScope ?? 0) + 1;
  const left = (): void => {
    if (--state.inScope! === 0) state.storage.disable();
  };
  let result: R;
  try {
    result = state.storage.run(scope, fn, scope);
  } catch (error) {
    left();
    throw error;
  }
  if (isPromiseLike(result)) result.then(left, left);
  else left();
  return result;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

/** The running task's scope, or undefined outside a task: what a task worker's host answers the worker's steps from. */
export function currentTaskScope(): TaskScope | undefined {
  return shared().storage.getStore();
}

/** Inside a running task: `{ taskId, funcName, attempt, tags, signal }`. Outside a task: undefined. */
export function getTaskContext(): TaskContext | undefined {
  return shared().storage.getStore()?.context;
}

export interface TaskLogOptions {
  /** @default "info" */
  level?: LogLevel;
  /** Structured data forwarded on the LogEvent (not written to the stored line). */
  extra?: Record<string, unknown>;
}

const LEVELS: readonly LogLevel[] = ["debug", "info", "warning", "error"];

/**
 * Appends `YYYY-MM-DDTHH:MM:SS message` to the current task's logs and emits a LogEvent. Outside a
 * task the message goes to the newest running manager's `onOutsideLog`, or the console.
 */
export function taskLog(message: string, options: TaskLogOptions = {}): void {
  const level = options.level ?? "info";
  if (!LEVELS.includes(level)) {
    throw new TypeError(`taskLog level must be one of ${LEVELS.join(", ")}, got ${JSON.stringify(level)}`);
  }
  const text = typeof message === "string" ? message : String(message);
  const scope = shared().storage.getStore();
  if (scope) {
    scope.log(text, level, options.extra ?? {});
    return;
  }
  const sinks = shared().outsideSinks;
  const sink = sinks[sinks.length - 1] ?? consoleSink;
  sink(text, level);
}

/**
 * Inside a running task: enqueues `task` like `manager.addTask`, with the new record's `parentId` set to
 * the running task; resolves with the new id. Rejects outside a task (use manager.addTask there), and
 * like addTask for an unknown task or bad arguments.
 */
export async function enqueue(task: TaskHandle | string, args: unknown[] = [], options: AddTaskOptions = {}): Promise<string> {
  const scope = shared().storage.getStore();
  if (!scope) {
    throw new Error("enqueue() was called outside a running task: it enqueues a child of the task that calls it. Outside a task use manager.addTask(task, args, options)");
  }
  return scope.enqueue(task, args, options);
}

/**
 * Inside a running task: records how far it is (`fraction` from 0 to 1, with an optional message) on
 * its record's `progress` and fires `onProgress`. Throws a RangeError for a fraction outside 0..1,
 * and an Error outside a task.
 */
export function reportProgress(fraction: number, message?: string | null): void {
  const progress = checkProgress(fraction, message);
  const scope = shared().storage.getStore();
  if (!scope) throw new Error("reportProgress() was called outside a running task: it records progress on the task that calls it");
  scope.progress(progress);
}

/** The running task's scope; throws, naming `what`, outside a task. */
function scopeFor(what: string): TaskScope {
  const scope = shared().storage.getStore();
  if (!scope) throw new Error(`${what} was called outside a running task: steps and waits belong to the task function that calls them`);
  return scope;
}

/**
 * Inside a running task: runs `fn` once and records what it returns (JSON) under `name` and its
 * occurrence in the run (`fetch#1`, `fetch#2`), before the code goes on. When the run resumes or is
 * retried, the recorded value is returned at once instead. Side effects belong in steps: code
 * outside them runs again on every resume. At least once: a step whose process died before its
 * value was recorded runs again.
 * @example const account = await step("create account", () => createAccount(user));
 */
export function step<T>(name: string, fn: () => T | Promise<T>): Promise<Awaited<T>> {
  return scopeFor("step()").durable().journal.step<Awaited<T>>(name, fn);
}

/**
 * Inside a running task: waits `seconds` (or until `{ until }`) without holding a worker. The run
 * becomes waiting, survives restarts, and resumes from the top when the time has come, its earlier
 * steps replayed.
 * @example await sleep(3600); await sleep({ until: "2026-12-24T09:00:00Z" });
 */
export function sleep(time: SleepArgument): Promise<void> {
  return scopeFor("sleep()").durable().journal.sleep(time);
}

/**
 * Inside a running task: waits for a person's input named `name`, checked against `schema` (a JSON
 * Schema subset), without holding a worker. Resolves with the value given through
 * `client.provideInput`, `taskflow input`, `POST /tasks/{id}/input` or the task panel's form. With
 * `timeout` (seconds) it throws a WaitTimeoutError when no input came in time.
 * @example const answer = await waitForInput("approval", { prompt: "Approve?", schema: { type: "boolean" } });
 */
export function waitForInput<T = unknown>(name: string, options?: WaitForInputOptions): Promise<T> {
  return scopeFor("waitForInput()").durable().journal.waitForInput<T>(name, options);
}

/**
 * Inside a running task: waits until every run in `taskIds` has finished, without holding a worker
 * or a slot, and resolves with their records' dicts in the same order. With `timeout` (seconds) it
 * throws a WaitTimeoutError when they have not all finished in time.
 * @example const runs = await waitForRuns(ids); const rows = runs.map((r) => r.result);
 */
export function waitForRuns(taskIds: string[], options?: WaitForRunsOptions): Promise<TaskDict[]> {
  return scopeFor("waitForRuns()").durable().journal.waitForRuns(taskIds, options);
}

/** Where messages go when no manager gave an `onOutsideLog`. */
export function consoleSink(message: string, level: LogLevel): void {
  if (level === "error") console.error(message);
  else if (level === "warning") console.warn(message);
  else console.log(message);
}

/** Makes `sink` the target of taskLog calls made outside any task; dispose to undo. */
export function addOutsideSink(sink: OutsideSink): { dispose(): void } {
  const state = shared();
  state.outsideSinks.push(sink);
  return {
    dispose: () => {
      const index = state.outsideSinks.lastIndexOf(sink);
      if (index >= 0) state.outsideSinks.splice(index, 1);
    },
  };
}
