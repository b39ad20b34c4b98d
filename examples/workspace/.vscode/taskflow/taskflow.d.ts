/**
 * Types of the "taskflow" module that workspace task modules import. The extension provides the
 * module itself; nothing is installed in the workspace. This file is an ambient declaration (a
 * script, not a module): bring it into a project with `/// <reference path="<extension>/dist/taskflow.d.ts" />`
 * at the top of a task module, or list it in tsconfig.json `"files"` / `"include"`. A tsconfig
 * `"paths"` mapping does not work for it.
 *
 * Generated at build time from Taskflow's sources; edits here are overwritten.
 */
declare module "taskflow" {
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

  export type LogLevel = "debug" | "info" | "warning" | "error";

  /** Options of `addTask`. */
  export interface AddTaskOptions {
    /** Keyword arguments: the task is called as `fn(...args, kwargs)` when not empty. JSON-serialisable. */
    kwargs?: Record<string, unknown>;
    /** While a task with this key exists and is not failed, interrupted or rejected, adding returns its id. */
    idempotencyKey?: string;
    /** String labels shown with the task and forwarded with every event. */
    tags?: { [x: string]: string; };
    /** The queue the run joins. @default the task's config `queue`, else "default" */
    queue?: string;
    /** Within its queue, higher runs first, then first in first out. May be negative. @default the task's config `priority`, else 0 */
    priority?: number;
    /** Seconds to wait before the run may start; the task is pending until then and kept across restarts. Not with `runAt`. @default 0 */
    delay?: number;
    /**
     * When the run may start: a Date or an ISO 8601 time like "2026-12-24T09:00:00Z". Pending until
     * then, kept across restarts whatever `persist` says, run once; a time in the past runs now. Not with `delay`.
     */
    runAt?: string | Date;
  }

  /** Per task function configuration. Every field is optional. */
  export interface TaskConfig {
    /** Display and lookup name, unique in a workspace. @default the export name (the function's name on a manager) */
    name?: string;
    /** Attempts allowed after the first failure. @default 0 */
    retries?: number;
    /** Seconds before the first retry. @default 0 */
    delay?: number;
    /** Multiplier on the delay per retry: the wait before retry n (1-based) is `delay * backoff^(n-1)` seconds. @default 1 */
    backoff?: number;
    /** Upper bound, in seconds, on any single backoff wait. @default no bound */
    maxDelay?: number;
    /** Random spread on each wait, 0..1: the wait is multiplied by a factor in `[1 - jitter, 1]`. @default 0 */
    jitter?: number;
    /** Seconds an attempt may run; then its signal aborts and it fails with a timeout error (a failure for retries). @default no timeout */
    timeout?: number;
    /** A pending task of this function survives shutdown (a window reload) and runs on the next start. @default false */
    persist?: boolean;
    /** A task running at shutdown goes back to pending instead of interrupted. Only for tasks safe to restart. @default false */
    requeueOnInterrupt?: boolean;
    /** Shown in pickers. */
    description?: string;
    /** The queue its runs join, unless addTask says otherwise. Queues are set up with `manager.configureQueue`. @default "default" */
    queue?: string;
    /** Priority of its runs, unless addTask says otherwise: within a queue, higher runs first, then first in first out. May be negative. @default 0 */
    priority?: number;
    /**
     * Runs it by itself: `{ every: 300 }` (seconds) or `{ cron: "0 9 * * 1-5", timezone: "Europe/Berlin" }`
     * (5 fields, or 6 with seconds first; IANA time zone, default the engine's local one). The manager
     * keeps one schedule for the task in step with this: created when the task registers, updated when
     * it changes, removed when it is removed. @default no schedule
     */
    schedule?: { every: number; } | { cron: string; timezone?: string; };
    /**
     * At most `limit` runs of one key in progress at once; the key is the value at `key` (a path into
     * the run's input: "args[0]", "args[1].userId", "kwargs.tenant", "tags.tenant"). A run held by its
     * key stays pending and starts when its key has room, in priority then FIFO order; runs of other
     * keys start as usual. A run waiting (durable waits) does not count. @default no limit per key
     */
    concurrency?: { key: string; limit: number; };
    /**
     * At most `max` starts of one key in any `perSeconds` seconds (a sliding window on the engine's
     * clock); a run over the limit stays pending until the window has room. @default no limit per key
     */
    rateLimit?: { key: string; max: number; perSeconds: number; };
    /**
     * Adding a run whose key already has a pending, not yet started run of this function replaces that
     * run's input with the new one and restarts its wait of `seconds`; addTask returns that run's id.
     * A run starts `seconds` after the last add of its key. @default no debounce
     */
    debounce?: { key: string; seconds: number; };
  }

  /** What `getTaskContext()` returns inside a running task. */
  export interface TaskContext {
    /** The task's id (UUID v4). */
    readonly taskId: string;
    /** The task's registered name. */
    readonly funcName: string;
    /** 0-based attempt number: 0 on the first run, 1 on the first retry. */
    readonly attempt: number;
    /** Tags given when the task was enqueued. */
    readonly tags: Readonly<Record<string, string>>;
    /** Aborted when the task is cancelled or its attempt times out; shortly after, the task is stopped. */
    readonly signal: AbortSignal;
  }

  /** The JSON Schema subset `waitForInput` takes. */
  export interface InputSchema {
    type?: InputSchemaType;
    properties?: Record<string, InputSchema>;
    required?: string[];
    items?: InputSchema;
    enum?: unknown[];
    const?: unknown;
    title?: string;
    description?: string;
    default?: unknown;
    minimum?: number;
    maximum?: number;
    minLength?: number;
    maxLength?: number;
    pattern?: string;
  }

  /** The JSON types a schema's `type` may name. */
  export type InputSchemaType = "object" | "array" | "string" | "number" | "integer" | "boolean" | "null";

  /** Options of taskLog. */
  export interface TaskLogOptions {
    /** @default "info" */
    level?: LogLevel;
    /** Structured data forwarded with the log event (not written to the stored line). JSON-serialisable. */
    extra?: Record<string, unknown>;
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

  /** Appends a line to the running task's logs (shown live in the task panel). Outside a task it goes to the Taskflow output. */
  export function taskLog(message: string, options?: TaskLogOptions): void;

  /** The running task's context, or undefined outside a task (for example at the module's top level). */
  export function getTaskContext(): TaskContext | undefined;

  /**
   * Throw it from a task to fail at once: no retries are spent on it, whatever the task's `retries`.
   * The task's record keeps the message and the stack like any failure.
   * @example if (!row.email) throw new NonRetryableError(`row ${row.id} has no email: fix the input`);
   */
  export class NonRetryableError extends Error {
    readonly name = "NonRetryableError";
  }

  /**
   * Enqueues another task from inside a running one; resolves with the new task's id. `task` is a
   * handle this module exports (or one with a `name` in its config) or a registered task name. The new
   * task's `parentId` is the running task, so the task panel and `listTasks({ parentId })` show it as a
   * child. `options` are those of addTask (AddTaskOptions). Rejects with a clear error for an unknown
   * task or arguments that are not JSON-serialisable.
   * @example const childId = await enqueue(sendEmail, ["ada@example.com"], { tags: { batch: "7" } });
   */
  export function enqueue(task: ((...args: never[]) => unknown) | string, args?: unknown[], options?: AddTaskOptions): Promise<string>;

  /**
   * Records how far the running task is: `fraction` from 0 to 1, and an optional message such as
   * "row 400 of 1000". Shown live in the task panel and sent to onProgress listeners; saved with the
   * task at most every 250 ms, and always with its final value. Throws a RangeError for a fraction
   * outside 0..1.
   * @example reportProgress(done / total, `row ${done} of ${total}`);
   */
  export function reportProgress(fraction: number, message?: string | null): void;

  /**
   * Thrown inside a task by `waitForInput` or `waitForRuns` when its `timeout` passed before the input
   * came or the runs finished. Catch it to go another way; uncaught, it fails the attempt like any throw.
   * @example try { await waitForInput("approval", { timeout: 86400 }); } catch (e) { if (e instanceof WaitTimeoutError) return "expired"; throw e; }
   */
  export class WaitTimeoutError extends Error {
    readonly name = "WaitTimeoutError";
  }

  /**
   * Runs `fn` once and records what it returns (JSON) under `name` and its occurrence in the run
   * (`fetch#1`, `fetch#2`), before the code goes on. When the run resumes or is retried, the recorded
   * value is returned at once instead. Side effects belong in steps: code outside them runs again on
   * every resume. At least once: a step whose process died before its value was recorded runs again.
   * @example const account = await step("create account", () => createAccount(user));
   */
  export function step<T>(name: string, fn: () => T | Promise<T>): Promise<Awaited<T>>;

  /**
   * Waits `seconds` (or until `{ until }`) without holding a worker. The run becomes waiting, survives
   * restarts, and resumes from the top when the time has come, its earlier steps replayed.
   * @example await sleep(3600); await sleep({ until: "2026-12-24T09:00:00Z" });
   */
  export function sleep(time: SleepArgument): Promise<void>;

  /**
   * Waits for a person's input named `name`, checked against `schema` (a JSON Schema subset), without
   * holding a worker. Resolves with the value given through `client.provideInput`, `taskflow input`,
   * `POST /tasks/{id}/input` or the task panel's form. With `timeout` (seconds) it throws a
   * WaitTimeoutError when no input came in time.
   * @example const answer = await waitForInput<{ approve: boolean }>("approval", { prompt: "Approve?", schema: { type: "object", properties: { approve: { type: "boolean" } }, required: ["approve"] } });
   */
  export function waitForInput<T = unknown>(name: string, options?: WaitForInputOptions): Promise<T>;

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
  export function waitForRuns(taskIds: string[], options?: WaitForRunsOptions): Promise<FinishedRun[]>;
}
