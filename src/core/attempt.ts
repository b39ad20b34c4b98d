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
  return hasOwnKeys(resolved.kwargs) ? [...resolved.args, resolved.kwargs] : [...resolved.args];
}

/** Whether `object` has an own enumerable key, without listing them. */
function hasOwnKeys(object: object): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return true;
  return false;
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
 * One attempt's task scope: what the task's calls (taskLog, enqueue, reportProgress, the steps and
 * waits) reach. Its calls are methods, so an attempt makes one object here rather than a closure each.
 */
class AttemptScope implements TaskScope {
  /** False once the attempt ended: later lines, progress and steps of the task are dropped. */
  open = true;
  /** Ends the attempt with a Suspended; set while the attempt is running. */
  suspend: (waitingFor: WaitingFor) => void = noop;
  private made: TaskContext | undefined;
  private steps: DurableScope | undefined;

  constructor(private readonly port: AttemptPort, private readonly task: AttemptTask, private readonly attempt: number, readonly stopper: Stopper) {}

  /** Made only for a task that reads it, and its AbortSignal only when the task reads that. */
  get context(): TaskContext {
    if (this.made === undefined) {
      const { task, stopper } = this;
      this.made = Object.freeze({ taskId: task.taskId, funcName: task.funcName, attempt: this.attempt, tags: task.tags, get signal() { return stopper.signal; } });
    }
    return this.made;
  }

  log(message: string, level: LogLevel, extra: Record<string, unknown>): void {
    // A line logged by an attempt that already ended (a timed-out task still running) is dropped.
    if (this.open && this.task.logCap.admit()) this.port.log(message, level, extra, false);
  }

  enqueue(child: TaskHandle | string, args: unknown[], options: AddTaskOptions): Promise<string> {
    if (!this.open || this.stopper.stopped) {
      const { attempt, task } = this;
      return Promise.reject(new Error(`enqueue() was called by attempt ${attempt} of task "${task.funcName}" (${task.taskId}) after that attempt had ended (timed out, cancelled or shut down): nothing was enqueued`));
    }
    return this.port.enqueueChild(child, args, options);
  }

  progress(progress: TaskProgress): void {
    if (this.open) this.port.progress(progress);
  }

  durable(): DurableScope {
    if (this.steps !== undefined) return this.steps;
    const { port, stopper } = this;
    const sink: JournalSink = {
      now: () => port.clock.now(),
      // A step that settles after the attempt ended (another branch reached a wait, or it timed out) is not recorded: it runs again.
      record: (entry, durable) => (this.open && !stopper.stopped ? port.recordStep(entry, durable) : Promise.resolve()),
      suspend: (waitingFor) => this.suspend(waitingFor),
      finishedRuns: (ids) => port.finishedRuns(ids),
    };
    const steps = this.task.recordedSteps();
    this.steps = { journal: new StepJournal(steps, this.attempt, sink), steps, attempt: this.attempt, sink };
    return this.steps;
  }

  onStop(stopped: (reason: unknown) => void): () => void {
    return this.stopper.onStop(stopped);
  }

  /** Calls the task function of `scope`; run it inside that scope (runInTaskScope). */
  static call(scope: AttemptScope): unknown {
    const { task } = scope;
    return task.fn(...task.args);
  }
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
  const scope = new AttemptScope(port, task, attempt, stopper);
  let unfollowAttempt = noop;
  try {
    // Settles with the function's outcome or the attempt's stop, whichever comes first: one promise
    // instead of a Promise.race, since with the task context on every promise pays an async hook.
    const result = await new Promise<unknown>((resolve, reject) => {
      unfollowAttempt = stopper.onStop(reject);
      if (stopper.stopped) return;
      scope.suspend = (waitingFor) => {
        if (scope.open) resolve(new Suspended(waitingFor));
      };
      if (timer && seconds !== undefined) {
        port.clock.sleep(seconds * 1000, timer.signal).then(() => {
          stopper.stop(new TimeoutError(`task "${task.funcName}" timed out after ${seconds}s`));
        }, noop);
      }
      let value: unknown;
      try {
        value = runInTaskScope(scope, AttemptScope.call);
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
    scope.open = false;
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
