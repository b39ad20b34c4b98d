/**
 * One attempt of a task, the same on every backend: the task's async scope (context, taskLog,
 * reportProgress, enqueue), its log lines under the per-task cap with their markers, its timeout,
 * its stop on cancel or shutdown, and the capture of what it returned or threw. A backend gives
 * the attempt a port for where those go and decides what its outcome does to the run.
 */
import { retryMarker } from "../model/logMarkers";
import { backoffDelayMs } from "./backoff";
import { TimeoutError, toError } from "./errors";
import { jsonProblem } from "./jsonCheck";
import type { LogCap } from "./logCap";
import { noop } from "./noop";
import { Stopper } from "./stopper";
import { StepJournal, type JournalSink } from "./stepJournal";
import { runInTaskScope, type DurableScope, type TaskScope } from "./taskContext";
import {
  cloneJson, isNonRetryableError,
  type AddTaskOptions, type Clock, type LogLevel, type RandomSource, type StepRecord, type TaskConfig, type TaskContext, type TaskDict, type TaskFunction,
  type TaskHandle, type TaskProgress, type WaitingFor,
} from "./types";

/** What is backend-specific about an attempt: where its log lines, progress and children go. */
export interface AttemptPort {
  readonly clock: Clock;
  /** Stores one log line the cap admitted; a `marker` line is stored verbatim, without a timestamp. */
  log(message: string, level: LogLevel, extra: Record<string, unknown>, marker: boolean): void;
  /** Records progress of the running attempt, already checked. */
  progress(progress: TaskProgress): void;
  /** enqueue() inside the attempt: adds a run whose parentId is this task; resolves with its id. */
  enqueueChild(task: TaskHandle | string, args: unknown[], options: AddTaskOptions): Promise<string>;
  /**
   * Stores a step or wait entry on the run (adding it, or replacing the one of its name and
   * occurrence); resolves once stored, durably unless `durable` is false (an entry a replay would
   * write again the same, such as a sleep whose time has passed).
   */
  recordStep(entry: StepRecord, durable?: boolean): Promise<void>;
  /** The runs' dicts, in order, once every one is finished; undefined while any is not. Rejects with UnknownTaskError for an unknown id. */
  finishedRuns(taskIds: readonly string[]): Promise<TaskDict[] | undefined>;
}

/** What runAttempt resolves with when the task reached a wait whose condition does not hold: the run waits. */
export class Suspended {
  constructor(readonly waitingFor: WaitingFor) {}
}

/** The task an attempt runs: the same object for every attempt of one run. */
export interface AttemptTask {
  readonly taskId: string;
  readonly funcName: string;
  /** The record's tags, frozen: the context hands this object to the task. */
  readonly tags: Readonly<Record<string, string>>;
  readonly fn: TaskFunction;
  /** The call arguments: the positional ones, then the keyword object when there is one (see callArguments). */
  readonly args: readonly unknown[];
  /** Seconds an attempt may run before it fails with a TimeoutError. @default no limit */
  readonly timeoutSeconds: number | undefined;
  /** Stopped on cancel or shutdown: ends the attempt at once with the stop's reason. */
  readonly stopper: Stopper;
  /** The task's log cap, kept across its attempts. */
  readonly logCap: LogCap;
  /** The steps the run has recorded, read when an attempt first calls a step or a wait. */
  recordedSteps(): readonly StepRecord[];
}

/** A task's call arguments: the positional ones, then the keyword object when it has keys. */
export function callArguments(resolved: { args: readonly unknown[]; kwargs: Record<string, unknown> }): unknown[] {
  return Object.keys(resolved.kwargs).length > 0 ? [...resolved.args, resolved.kwargs] : [...resolved.args];
}

/**
 * Reason given when an attempt's timer is released. A preallocated value: `abort()` without a reason
 * builds a DOMException (with a stack) on every call, which dominated the cost of a short task.
 */
const ATTEMPT_ENDED = Object.freeze({ attemptEnded: true });

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/**
 * Runs attempt `attempt` (0-based; a retry writes its `--- Retry N ---` marker first) of `task` in
 * the task's async scope. Resolves with the return value as a record keeps it (a copy, null for
 * undefined), or with a Suspended when the task reached a wait that does not hold yet (`resumed`: the
 * attempt goes on after a wait, so no retry marker); rejects with an Error (whatever was thrown, see toError) on failure, timeout, stop, or a
 * value JSON cannot carry. Log lines the cap refused are reported in one marker line as it ends.
 */
export async function runAttempt(port: AttemptPort, task: AttemptTask, attempt: number, resumed = false): Promise<unknown> {
  const { logCap } = task;
  if (attempt > 0 && !resumed && logCap.admit()) port.log(retryMarker(attempt), "info", {}, true);
  // Only an attempt that can time out needs a stop of its own; otherwise it is the run's, so a short
  // untimed task costs no object here. The timer's sleep is the only AbortController made.
  const seconds = task.timeoutSeconds;
  const stopper = seconds === undefined ? task.stopper : new Stopper();
  const unfollowRun = stopper === task.stopper ? noop : task.stopper.onStop((reason) => stopper.stop(reason));
  const timer = seconds === undefined ? undefined : new AbortController();
  let open = true;
  let suspend: (waitingFor: WaitingFor) => void = noop;
  let durable: DurableScope | undefined;
  let context: TaskContext | undefined;
  const scope: TaskScope = {
    // Getters, so the context is made only for a task that reads it, and its AbortSignal only when the task reads that.
    get context() {
      context ??= Object.freeze({ taskId: task.taskId, funcName: task.funcName, attempt, tags: task.tags, get signal() { return stopper.signal; } });
      return context;
    },
    log: (message, level, extra) => {
      // A line logged by an attempt that already ended (a timed-out task still running) is dropped.
      if (open && logCap.admit()) port.log(message, level, extra, false);
    },
    enqueue: (child, args, options) => {
      if (!open || stopper.stopped) {
        return Promise.reject(new Error(`enqueue() was called by attempt ${attempt} of task "${task.funcName}" (${task.taskId}) after that attempt had ended (timed out, cancelled or shut down): nothing was enqueued`));
      }
      return port.enqueueChild(child, args, options);
    },
    progress: (progress) => {
      if (open) port.progress(progress);
    },
    durable: () => {
      if (durable !== undefined) return durable;
      const sink: JournalSink = {
        now: () => port.clock.now(),
        // A step that settles after the attempt ended (another branch reached a wait, or it timed out) is not recorded: it runs again.
        record: (entry, durable) => (open && !stopper.stopped ? port.recordStep(entry, durable) : Promise.resolve()),
        suspend: (waitingFor) => suspend(waitingFor),
        finishedRuns: (ids) => port.finishedRuns(ids),
      };
      const steps = task.recordedSteps();
      durable = { journal: new StepJournal(steps, attempt, sink), steps, attempt, sink };
      return durable;
    },
    onStop: (stopped) => stopper.onStop(stopped),
  };
  let unfollowAttempt = noop;
  try {
    // Settles with the function's outcome or the attempt's stop, whichever comes first: one promise
    // instead of a Promise.race, since with the task context on every promise pays an async hook.
    const result = await new Promise<unknown>((resolve, reject) => {
      unfollowAttempt = stopper.onStop(reject);
      if (stopper.stopped) return;
      suspend = (waitingFor) => {
        if (open) resolve(new Suspended(waitingFor));
      };
      if (timer && seconds !== undefined) {
        port.clock.sleep(seconds * 1000, timer.signal).then(() => {
          stopper.stop(new TimeoutError(`task "${task.funcName}" timed out after ${seconds}s`));
        }, noop);
      }
      let value: unknown;
      try {
        value = runInTaskScope(scope, () => task.fn(...task.args));
      } catch (thrown) {
        reject(thrown);
        return;
      }
      // Not resolve(value): a promise handed to resolve locks this one to it, and a stop could no longer end it.
      if (isThenable(value)) value.then(resolve, reject);
      else resolve(value);
    });
    if (result instanceof Suspended) return result;
    const problem = jsonProblem(result, "the return value", true);
    if (problem) {
      throw new TypeError(`task "${task.funcName}" returned a value that is not JSON-serialisable: ${problem}`);
    }
    // A copy, so the task changing the value later cannot change its record.
    return result === undefined ? null : cloneJson(result);
  } catch (thrown) {
    throw toError(thrown);
  } finally {
    open = false;
    timer?.abort(ATTEMPT_ENDED);
    unfollowAttempt();
    unfollowRun();
    const dropped = logCap.takeMarker();
    if (dropped !== undefined) port.log(dropped, "warning", {}, true);
  }
}

/** What a failed attempt does to its run: another attempt after `delayMs`, or the run fails. */
export type RetryDecision = { retry: true; delayMs: number } | { retry: false };

/** Whether attempt `attempt` (0-based) that failed with `error` is retried: retries are left and it is not a NonRetryableError. Pure. */
export function shouldRetry(config: Pick<TaskConfig, "retries">, attempt: number, error: Error): boolean {
  return attempt < (config.retries ?? 0) && !isNonRetryableError(error);
}

/** shouldRetry with the wait before the next attempt (backoffDelayMs, drawing jitter from `random`). Pure. */
export function retryDecision(
  config: Pick<TaskConfig, "retries" | "delay" | "backoff" | "maxDelay" | "jitter">,
  attempt: number,
  error: Error,
  random: RandomSource,
): RetryDecision {
  return shouldRetry(config, attempt, error) ? { retry: true, delayMs: backoffDelayMs(config, attempt + 1, random) } : { retry: false };
}
