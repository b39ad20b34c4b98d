import { backoffDelayMs } from "../core/backoff";
import { TimeoutError, errorSummary, toError } from "../core/errors";
import { jsonProblem } from "../core/jsonCheck";
import { runInTaskScope, type TaskScope } from "../core/taskContext";
import type { TaskRecord } from "./taskRecord";
import {
  cloneJson, isNonRetryableError,
  type AddTaskOptions, type Clock, type LogLevel, type RandomSource, type TaskConfig, type TaskFunction, type TaskHandle, type TaskProgress, type TaskStatus,
} from "../core/types";

/** One execution of a task (all its attempts) in this process. */
export class TaskRun {
  /** Aborted when the task is cancelled or the engine shuts down; cuts attempts and backoff waits short. */
  readonly controller = new AbortController();
  /**
   * Set when the manager has taken the record over (cancel, shutdown): from then on the run changes
   * nothing, and whatever the task function eventually returns or throws is ignored.
   */
  detached = false;
  /** 0-based number of the attempt in progress. */
  attempt = 0;
  /** Log lines refused by the per-task cap, reported in one marker line when the task finishes. */
  droppedLogLines = 0;

  constructor(
    readonly record: TaskRecord,
    /** The function the run started with; a module reload mid-run does not change it. */
    readonly fn: TaskFunction,
    readonly config: Readonly<TaskConfig>,
  ) {}
}

/** What the executor needs from the manager. */
export interface RunHost {
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Applies a status change with its field changes: persists it and emits the lifecycle event. */
  transition(run: TaskRun, status: TaskStatus, changes: Partial<TaskRecord>): void;
  /** Appends a log line (a `marker` line is stored verbatim, without a timestamp). */
  log(run: TaskRun, message: string, level: LogLevel, extra: Record<string, unknown>, marker?: boolean): void;
  /** enqueue() inside the run: adds a task whose parentId is the run's task; resolves with its id. */
  enqueueChild(run: TaskRun, task: TaskHandle | string, args: unknown[], options: AddTaskOptions): Promise<string>;
  /** reportProgress() inside the run, already checked. */
  reportProgress(run: TaskRun, progress: TaskProgress): void;
  /** The call arguments, decrypted when the record holds an encrypted payload; throws a clear Error when it cannot. */
  resolveArguments(record: TaskRecord): { args: unknown[]; kwargs: Record<string, unknown> };
}

function noop(): void {}

/**
 * Reason given when an attempt's timer is released. A preallocated value: `abort()` without a reason
 * builds a DOMException (with a stack) on every call, which dominated the cost of a short task.
 */
const ATTEMPT_ENDED = Object.freeze({ attemptEnded: true });

/**
 * Runs one attempt inside the task's async scope; resolves with its return value as the record keeps
 * it (a copy, null for undefined), rejects on failure, timeout, abort or a value JSON cannot carry.
 */
async function runAttempt(host: RunHost, run: TaskRun, callArgs: unknown[]): Promise<unknown> {
  const { record, config } = run;
  // Only an attempt that can time out needs a signal of its own; otherwise the attempt's signal is
  // the run's (cancel, shutdown). Each AbortController costs a measurable share of a short task.
  const timed = config.timeout !== undefined;
  const attemptController = timed ? new AbortController() : undefined;
  const cleanup = timed ? new AbortController() : undefined;
  const signal = attemptController?.signal ?? run.controller.signal;
  const forwardAbort = (): void => attemptController?.abort(run.controller.signal.reason);
  if (attemptController) {
    if (run.controller.signal.aborted) forwardAbort();
    else run.controller.signal.addEventListener("abort", forwardAbort, { once: true });
  }
  const attempt = run.attempt;
  let attemptOpen = true;
  const scope: TaskScope = {
    context: Object.freeze({
      taskId: record.taskId,
      funcName: record.funcName,
      attempt,
      tags: Object.freeze({ ...record.tags }),
      signal,
    }),
    log: (message, level, extra) => {
      // A line logged by an attempt that already ended (a timed-out task still running) is dropped.
      if (attemptOpen) host.log(run, message, level, extra);
    },
    enqueue: async (task, args, options) => {
      if (!attemptOpen || run.detached) {
        throw new Error(`enqueue() was called by attempt ${attempt} of task "${record.funcName}" (${record.taskId}) after that attempt had ended (timed out, cancelled or shut down): nothing was enqueued`);
      }
      return host.enqueueChild(run, task, args, options);
    },
    progress: (progress) => {
      if (attemptOpen) host.reportProgress(run, progress);
    },
  };
  let rejectOnAbort: (() => void) | undefined;
  try {
    const work = new Promise<unknown>((resolve) => resolve(runInTaskScope(scope, () => run.fn(...callArgs))));
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      else {
        rejectOnAbort = () => reject(signal.reason);
        signal.addEventListener("abort", rejectOnAbort, { once: true });
      }
    });
    const racers: Promise<unknown>[] = [work, aborted];
    if (attemptController && cleanup && config.timeout !== undefined) {
      const seconds = config.timeout;
      racers.push(
        host.clock.sleep(seconds * 1000, cleanup.signal).then(() => {
          attemptController.abort(new TimeoutError(`task "${record.funcName}" timed out after ${seconds}s`));
        }, noop),
      );
    }
    // The losers of the race settle later (or never); their outcome is deliberately ignored.
    work.catch(noop);
    aborted.catch(noop);
    const result = await Promise.race(racers);
    const problem = jsonProblem(result, "the return value", true);
    if (problem) {
      throw new TypeError(`task "${record.funcName}" returned a value that is not JSON-serialisable: ${problem}`);
    }
    // A copy, so the task changing the value later cannot change its record.
    return result === undefined ? null : cloneJson(result);
  } finally {
    attemptOpen = false;
    cleanup?.abort(ATTEMPT_ENDED);
    if (rejectOnAbort) signal.removeEventListener("abort", rejectOnAbort);
    if (attemptController) run.controller.signal.removeEventListener("abort", forwardAbort);
  }
}

/**
 * Runs a task to its end: attempts, `--- Retry n ---` markers, backoff waits, and the final status. A
 * NonRetryableError fails the task at once, whatever retries are left.
 * Returns early, changing nothing more, as soon as the run is detached (cancelled or shut down).
 */
export async function executeRun(host: RunHost, run: TaskRun): Promise<void> {
  const { record, config } = run;
  let callArgs: unknown[];
  try {
    const { args, kwargs } = host.resolveArguments(record);
    callArgs = Object.keys(kwargs).length > 0 ? [...args, kwargs] : [...args];
  } catch (thrown) {
    const error = toError(thrown);
    const now = new Date(host.clock.now());
    host.transition(run, "failed", { startTime: record.startTime ?? now, endTime: now, error: errorSummary(error), stacktrace: error.stack ?? null });
    return;
  }
  const retries = config.retries ?? 0;
  for (;;) {
    if (run.detached) return;
    const retryNumber = record.retriesUsed;
    run.attempt = retryNumber;
    if (retryNumber > 0) host.log(run, `--- Retry ${retryNumber} ---`, "info", {}, true);
    host.transition(run, "running", { startTime: record.startTime ?? new Date(host.clock.now()) });
    let failure: Error | undefined;
    let result: unknown = null;
    try {
      result = await runAttempt(host, run, callArgs);
    } catch (thrown) {
      failure = toError(thrown);
    }
    if (run.detached) return;
    if (!failure) {
      host.transition(run, "success", { endTime: new Date(host.clock.now()), error: null, stacktrace: null, result });
      return;
    }
    if (retryNumber < retries && !isNonRetryableError(failure)) {
      host.transition(run, "pending", { retriesUsed: retryNumber + 1, error: errorSummary(failure), stacktrace: failure.stack ?? null });
      try {
        await host.clock.sleep(backoffDelayMs(config, retryNumber + 1, host.random), run.controller.signal);
      } catch {
        return; // cancelled or shut down during the wait: the manager has already settled the record
      }
      continue;
    }
    host.transition(run, "failed", { endTime: new Date(host.clock.now()), error: errorSummary(failure), stacktrace: failure.stack ?? null });
    return;
  }
}
