/**
 * The "taskflow" module as task modules see it (built to dist/taskflow.js; scripts/generateTaskflowTypes.mjs
 * writes its types, dist/taskflow.d.ts, from this file and the model). It runs inside task workers,
 * where the worker has installed the runtime that carries the task's context and forwards logs to the engine.
 */
import type { SleepArgument, StepJournal, WaitForInputOptions, WaitForRunsOptions } from "../core/stepJournal";
import { describeValue } from "../model/describe";
import type { LogLevel } from "../model/events";
import { checkProgress } from "../model/progress";
import { parseTaskConfig, type AddTaskOptions, type TaskConfig } from "../model/schemas";
import type { TaskContext } from "../model/taskFunction";
import { HANDLE_KEY, currentRuntime, handleInfo, type TaskHandleInfo, type WorkerRuntime } from "./runtimeGlobals";

/** Options of taskLog. */
export interface TaskLogOptions {
  /** @default "info" */
  level?: LogLevel;
  /** Structured data forwarded with the log event (not written to the stored line). JSON-serialisable. */
  extra?: Record<string, unknown>;
}

/** The model's check, with fields given as undefined left out so the config stays plain data. */
function plainTaskConfig(config: unknown): TaskConfig {
  const parsed = parseTaskConfig(config === undefined ? {} : config);
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) if (value !== undefined) plain[key] = value;
  return plain;
}

/**
 * Declares a task. Export the result from a `*.tasks.ts` (or .js, .mjs, .cjs, .mts, .cts) module.
 * The task runs in a worker thread with `fn(...args)`, or `fn(...args, kwargs)` when kwargs is not
 * empty; arguments and the return value must be JSON-serialisable.
 * @example export const cleanCache = task(async () => { taskLog("cleaning"); });
 */
export function task<F extends (...args: never[]) => unknown>(fn: F): F;
/** @example export const sendEmail = task({ retries: 3, delay: 1, backoff: 2 }, async (address: string) => { ... }); */
export function task<F extends (...args: never[]) => unknown>(config: TaskConfig, fn: F): F;
export function task<F extends (...args: never[]) => unknown>(fn: F, config: TaskConfig): F;
export function task(a: unknown, b?: unknown): (...args: unknown[]) => unknown {
  const [fn, config] = typeof a === "function" ? [a, b] : [b, a];
  let info: TaskHandleInfo;
  try {
    if (typeof fn !== "function") {
      throw new TypeError(`task() expects a function: task(fn), task(config, fn) or task(fn, config); got ${describeValue(a)} and ${describeValue(b)}`);
    }
    info = { fn: fn as TaskHandleInfo["fn"], config: plainTaskConfig(config), callSite: "" };
  } catch (error) {
    // Restart the stack at the caller, so its top frame (and the Problem the host reports) is the task(...) line.
    if (error instanceof Error) Error.captureStackTrace(error, task);
    throw error;
  }
  // Without the task() frame the top frame is the declaring line, which the task list links to.
  const site: { stack?: string } = {};
  Error.captureStackTrace(site, task);
  info.callSite = site.stack ?? "";
  const handle = (...args: unknown[]): unknown => info.fn(...args);
  Object.defineProperty(handle, HANDLE_KEY, { value: info });
  Object.defineProperty(handle, "name", { value: (fn as (...args: unknown[]) => unknown).name || "task" });
  return handle;
}

const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warning", "error"];

/** Appends a line to the running task's logs (shown live in the task panel). Outside a task it goes to the Taskflow output. */
export function taskLog(message: string, options: TaskLogOptions = {}): void {
  const level = options.level ?? "info";
  if (!LOG_LEVELS.includes(level)) throw new TypeError(`taskLog level must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(level)}`);
  const runtime = currentRuntime();
  if (runtime) runtime.log(String(message), level, options.extra ?? {});
  else (level === "error" ? console.error : console.log)(`[taskflow] ${String(message)}`);
}

/** The running task's context, or undefined outside a task (for example at the module's top level). */
export function getTaskContext(): TaskContext | undefined {
  return currentRuntime()?.context();
}

/**
 * Throw it from a task to fail at once: no retries are spent on it, whatever the task's `retries`.
 * The task's record keeps the message and the stack like any failure.
 * @example if (!row.email) throw new NonRetryableError(`row ${row.id} has no email: fix the input`);
 */
// Declared here rather than re-exported from the model, so the generated taskflow.d.ts stands alone;
// the engine tells it by its name, the same as the engine's own NonRetryableError.
export class NonRetryableError extends Error {
  override readonly name = "NonRetryableError";
}

/** The running task's worker runtime; throws, naming `what`, outside a task. */
function runningTask(what: string): WorkerRuntime {
  const runtime = currentRuntime();
  if (!runtime?.context()) {
    throw new Error(`${what} was called outside a running task (at the module's top level, or after the task returned): call it inside the task function`);
  }
  return runtime;
}

/**
 * Enqueues another task from inside a running one; resolves with the new task's id. `task` is a
 * handle this module exports (or one with a `name` in its config) or a registered task name. The new
 * task's `parentId` is the running task, so the task panel and `listTasks({ parentId })` show it as a
 * child. `options` are those of addTask (AddTaskOptions). Rejects with a clear error for an unknown
 * task or arguments that are not JSON-serialisable.
 * @example const childId = await enqueue(sendEmail, ["ada@example.com"], { tags: { batch: "7" } });
 */
export async function enqueue(task: ((...args: never[]) => unknown) | string, args: unknown[] = [], options: AddTaskOptions = {}): Promise<string> {
  // The frames of the caller, so an error the engine sends back points at the enqueue() line.
  const site: { stack?: string } = {};
  Error.captureStackTrace(site, enqueue);
  const runtime = runningTask("enqueue()");
  let name: string;
  if (typeof task === "string") {
    name = task;
  } else {
    const found = runtime.exportedTaskName(task) ?? handleInfo(task)?.config.name;
    if (found === undefined) {
      throw new TypeError(
        `enqueue() needs a task handle this module exports, or a task name; got ${handleInfo(task) ? "a task handle it does not export: pass the task's name as a string" : describeValue(task)}`,
      );
    }
    name = found;
  }
  try {
    return await runtime.enqueue(name, args, options);
  } catch (error) {
    if (error instanceof Error && site.stack) error.stack = `${error.name}: ${error.message}\n${site.stack.split("\n").slice(1).join("\n")}`;
    throw error;
  }
}

/**
 * Records how far the running task is: `fraction` from 0 to 1, and an optional message such as
 * "row 400 of 1000". Shown live in the task panel and sent to onProgress listeners; saved with the
 * task at most every 250 ms, and always with its final value. Throws a RangeError for a fraction
 * outside 0..1.
 * @example reportProgress(done / total, `row ${done} of ${total}`);
 */
export function reportProgress(fraction: number, message?: string | null): void {
  const progress = checkProgress(fraction, message);
  runningTask("reportProgress()").progress(progress);
}

/**
 * Thrown inside a task by `waitForInput` or `waitForRuns` when its `timeout` passed before the input
 * came or the runs finished. Catch it to go another way; uncaught, it fails the attempt like any throw.
 * @example try { await waitForInput("approval", { timeout: 86400 }); } catch (e) { if (e instanceof WaitTimeoutError) return "expired"; throw e; }
 */
// Declared here for the same reason as NonRetryableError; the wait's own error is rethrown as this one.
export class WaitTimeoutError extends Error {
  override readonly name = "WaitTimeoutError";
}

/** Runs `call` on the running attempt's journal; a wait's timeout comes out as this module's WaitTimeoutError. */
async function withJournal<T>(what: string, call: (journal: StepJournal) => Promise<T>): Promise<T> {
  const journal = await runningTask(what).journal();
  try {
    return await call(journal);
  } catch (error) {
    if (error instanceof Error && error.name === "WaitTimeoutError" && !(error instanceof WaitTimeoutError)) {
      throw Object.assign(new WaitTimeoutError(error.message), { stack: error.stack });
    }
    throw error;
  }
}

/**
 * Runs `fn` once and records what it returns (JSON) under `name` and its occurrence in the run
 * (`fetch#1`, `fetch#2`), before the code goes on. When the run resumes or is retried, the recorded
 * value is returned at once instead. Side effects belong in steps: code outside them runs again on
 * every resume. At least once: a step whose process died before its value was recorded runs again.
 * @example const account = await step("create account", () => createAccount(user));
 */
export function step<T>(name: string, fn: () => T | Promise<T>): Promise<Awaited<T>> {
  return withJournal("step()", (journal) => journal.step<Awaited<T>>(name, fn));
}

/**
 * Waits `seconds` (or until `{ until }`) without holding a worker. The run becomes waiting, survives
 * restarts, and resumes from the top when the time has come, its earlier steps replayed.
 * @example await sleep(3600); await sleep({ until: "2026-12-24T09:00:00Z" });
 */
export function sleep(time: SleepArgument): Promise<void> {
  return withJournal("sleep()", (journal) => journal.sleep(time));
}

/**
 * Waits for a person's input named `name`, checked against `schema` (a JSON Schema subset), without
 * holding a worker. Resolves with the value given through `client.provideInput`, `taskflow input`,
 * `POST /tasks/{id}/input` or the task panel's form. With `timeout` (seconds) it throws a
 * WaitTimeoutError when no input came in time.
 * @example const answer = await waitForInput<{ approve: boolean }>("approval", { prompt: "Approve?", schema: { type: "object", properties: { approve: { type: "boolean" } }, required: ["approve"] } });
 */
export function waitForInput<T = unknown>(name: string, options?: WaitForInputOptions): Promise<T> {
  return withJournal("waitForInput()", (journal) => journal.waitForInput<T>(name, options));
}

/**
 * A finished run as waitForRuns gives it: the run's record in its JSON form (toDict()), of which these
 * are the fields a parent usually reads. Times are ISO 8601 UTC.
 */
export interface FinishedRun {
  taskId: string;
  funcName: string;
  status: "success" | "failed" | "cancelled" | "interrupted" | "rejected";
  /** What the task returned, JSON; null unless it succeeded. */
  result: unknown;
  /** The last failure as "Name: message" (or why it was cancelled, interrupted or rejected); null on success. */
  error: string | null;
  args: unknown[];
  kwargs: Record<string, unknown>;
  tags: Record<string, string>;
  /** The run that enqueued it (the waiting task, for runs it enqueued). */
  parentId: string | null;
  createdAt: string;
  startTime: string | null;
  endTime: string | null;
  /** Seconds from startTime to endTime. */
  duration: number | null;
  retriesUsed: number;
}

/**
 * Waits until every run in `taskIds` (what enqueue() resolved with) has finished, without holding a
 * worker or a slot, and resolves with their records in the same order. With `timeout` (seconds) it
 * throws a WaitTimeoutError when they have not all finished in time. Enqueue the runs inside a step,
 * so a resumed run waits for the same ones instead of enqueuing new ones.
 * @example const ids = await step("fan out", () => Promise.all(files.map((f) => enqueue(importFile, [f])))); const runs = await waitForRuns(ids); const rows = runs.map((r) => r.result);
 */
export function waitForRuns(taskIds: string[], options?: WaitForRunsOptions): Promise<FinishedRun[]> {
  // Every run is finished, so its status is one of FinishedRun's.
  return withJournal("waitForRuns()", (journal) => journal.waitForRuns(taskIds, options) as Promise<FinishedRun[]>);
}
