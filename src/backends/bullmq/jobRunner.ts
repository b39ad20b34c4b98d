/**
 * Runs one BullMQ job as a Taskflow attempt: the registered function inside the task's async scope
 * (so taskLog, reportProgress and enqueue work), logs onto the job's logs, progress through
 * updateProgress, the return value as the job's, and the outcomes BullMQ has no state for
 * (cancelled, interrupted) as data on the job before it is failed for good.
 */
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { ArgumentCipher } from "../../core/argumentCipher";
import { CancelledError, ShutdownError, TimeoutError, errorSummary, toError } from "../../core/errors";
import { jsonProblem } from "../../core/jsonCheck";
import { runInTaskScope, type TaskScope } from "../../core/taskContext";
import type { TaskRegistry } from "../../core/taskRegistry";
import {
  TaskRecord, cloneJson, isNonRetryableError,
  type AddTaskOptions, type LogEvent, type LogLevel, type TaskHandle, type TaskProgress,
} from "../../model";
import type { Clock } from "../../core/types";
import type { JobOutcome, JobPayload } from "./jobMapping";
import { Stopper } from "../../core/stopper";

/** Milliseconds a job of a function this worker does not have waits before another worker may take it. */
export const HAND_BACK_MS = 1000;

/** What the runner needs of the manager around it. */
export interface RunnerHost {
  readonly registry: TaskRegistry;
  readonly cipher: ArgumentCipher;
  readonly clock: Clock;
  /** Log lines kept per task; later lines are counted in one marker line. */
  readonly maxLogLinesPerTask: number;
  /** enqueue() inside a task: a run whose parentId is the task's id. */
  enqueueChild(parent: { taskId: string; funcName: string }, task: TaskHandle | string, args: unknown[], options: AddTaskOptions): Promise<string>;
  /** Tells every manager's onLog of a line. */
  publishLog(queue: string, event: LogEvent): void;
}

/** Why an active run was stopped from outside its attempt. */
export type StopReason = CancelledError | ShutdownError;

/** The runs this process has active, by task id, and cancels that arrived before their run started. */
export class ActiveRuns {
  readonly byId = new Map<string, Stopper>();
  private readonly early = new Set<string>();
  /** Set at shutdown: a job fetched from then on is handed back at once. */
  closing = false;

  /** Aborts the run of `taskId`; remembers the cancel when the run has not started here yet. */
  cancel(taskId: string): void {
    const run = this.byId.get(taskId);
    if (run) run.stop(new CancelledError(`task ${taskId} was cancelled`));
    else {
      this.early.add(taskId);
      // The set only bridges the moment between a worker fetching a job and starting it.
      if (this.early.size > 10_000) this.early.delete(this.early.values().next().value as string);
    }
  }

  cancelledEarly(taskId: string): boolean {
    return this.early.delete(taskId);
  }

  private readonly inFlight = new Set<Promise<unknown>>();

  /** Aborts every active run with `reason` (shutdown). */
  abortAll(reason: StopReason): void {
    for (const run of this.byId.values()) run.stop(reason);
  }

  /** Keeps `processing` until it settles, so shutdown can wait for every job to be handed back or settled. */
  track<T>(processing: Promise<T>): Promise<T> {
    this.inFlight.add(processing);
    const forget = (): void => void this.inFlight.delete(processing);
    processing.then(forget, forget);
    return processing;
  }

  /** Resolves once every processor call in flight has returned or thrown. */
  async drained(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}

function lineOf(nowMs: number, message: string): string {
  return `${new Date(nowMs).toISOString().slice(0, 19)} ${message}`;
}

/** An error whose message is the record's `error` form (`Name: message`) and whose stack is the original's. */
function finalError(error: Error, unrecoverable: boolean): Error {
  const out = unrecoverable ? new UnrecoverableError(errorSummary(error)) : new Error(errorSummary(error));
  out.stack = error.stack ?? out.stack;
  return out;
}

/** Settles a job that must not run (again) with an outcome BullMQ has no state for. */
async function settleWith(job: Job, outcome: JobOutcome): Promise<never> {
  const payload = job.data as JobPayload;
  if (!payload.outcome) await job.updateData({ ...payload, outcome });
  throw new UnrecoverableError(outcome.error);
}

/**
 * The BullMQ processor of every queue: one attempt of the job's task. It takes no third parameter:
 * BullMQ makes an AbortController per job for a processor that does, and aborts it only from
 * Worker.cancelJob, which Taskflow never calls (a cancel reaches the run through ActiveRuns).
 */
export function makeProcessor(host: RunnerHost, runs: ActiveRuns): (job: Job, token?: string) => Promise<unknown> {
  return (job, token) => runs.track(processJob(host, runs, job, token));
}

async function processJob(host: RunnerHost, runs: ActiveRuns, job: Job, token: string | undefined): Promise<unknown> {
  {
    const taskId = String(job.id);
    const payload = job.data as JobPayload;
    if (payload.outcome) throw new UnrecoverableError(payload.outcome.error);
    if (runs.closing) {
      await job.moveToDelayed(host.clock.now(), token);
      throw new DelayedError();
    }
    if (runs.cancelledEarly(taskId)) {
      await settleWith(job, { status: "cancelled", at: host.clock.now(), error: `CancelledError: task ${taskId} was cancelled` });
    }
    const registration = host.registry.get(job.name);
    if (!registration) {
      // Another worker may run this function; hand the job back without spending an attempt.
      await job.moveToDelayed(host.clock.now() + HAND_BACK_MS, token);
      throw new DelayedError();
    }
    // BullMQ counts the times a job's worker died under it (its lock expired); it is then waiting again.
    if ((job.stalledCounter ?? 0) > 0 && payload.config.requeueOnInterrupt !== true) {
      await settleWith(job, { status: "interrupted", at: host.clock.now(), error: `Interrupted: the worker running task ${taskId} stopped (its lock expired) and requeueOnInterrupt is off` });
    }
    const run = new Stopper();
    runs.byId.set(taskId, run);
    try {
      return await runAttempt(host, job, registration.fn, run);
    } catch (thrown) {
      const reason = run.stopped ? run.reason : undefined;
      if (reason instanceof ShutdownError) {
        if (payload.config.requeueOnInterrupt === true) {
          await job.moveToDelayed(host.clock.now(), token);
          throw new DelayedError();
        }
        return settleWith(job, { status: "interrupted", at: host.clock.now(), error: `Interrupted: ${reason.message}` });
      }
      if (reason instanceof CancelledError) {
        return settleWith(job, { status: "cancelled", at: host.clock.now(), error: errorSummary(reason) });
      }
      const error = toError(thrown);
      throw finalError(error, isNonRetryableError(error));
    } finally {
      runs.byId.delete(taskId);
    }
  }
}

async function runAttempt(host: RunnerHost, job: Job, fn: (...args: unknown[]) => unknown, run: Stopper): Promise<unknown> {
  const payload = job.data as JobPayload;
  const taskId = String(job.id);
  const funcName = job.name;
  const attempt = job.attemptsMade;
  const writes: Promise<unknown>[] = [];
  let lines = 0;
  let dropped = 0;
  let open = true;
  const write = (line: string): void => {
    writes.push(job.log(line).catch(() => undefined));
  };
  if (attempt > 0) write(`--- Retry ${attempt} ---`);
  const { args, kwargs } = payload.encrypted ? host.cipher.open(new TaskRecord({
    taskId, funcName, createdAt: new Date(job.timestamp), encryptedPayload: Uint8Array.from(Buffer.from(payload.encrypted, "base64")),
  })) : { args: payload.args ?? [], kwargs: payload.kwargs ?? {} };
  const callArgs = Object.keys(kwargs).length > 0 ? [...args, kwargs] : [...args];
  const tags = Object.freeze({ ...payload.tags });
  // The attempt's own stop: the run's (cancel, shutdown), and its timeout.
  const attemptStop = new Stopper();
  const unfollow = run.onStop((reason) => attemptStop.stop(reason));
  const scope: TaskScope = {
    // A getter, so the AbortSignal exists only for a task that reads it.
    context: Object.freeze({ taskId, funcName, attempt, tags, get signal() { return attemptStop.signal; } }),
    log: (message: string, level: LogLevel, extra: Record<string, unknown>) => {
      if (!open) return;
      if (lines >= host.maxLogLinesPerTask) {
        dropped++;
        return;
      }
      lines++;
      const now = host.clock.now();
      const line = lineOf(now, message);
      write(line);
      host.publishLog(job.queueName, { taskId, funcName, message, level, timestamp: new Date(now).toISOString(), attempt, tags: { ...tags }, extra, line });
    },
    enqueue: (task, childArgs, options) => {
      if (!open) return Promise.reject(new Error(`enqueue() was called by attempt ${attempt} of task "${funcName}" (${taskId}) after that attempt had ended: nothing was enqueued`));
      return host.enqueueChild({ taskId, funcName }, task, childArgs, options);
    },
    progress: (progress: TaskProgress) => {
      if (!open) return;
      writes.push(job.updateProgress(progress).catch(() => undefined));
    },
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    // Settles with the function's outcome or the attempt's stop, whichever comes first (one promise
    // instead of a Promise.race: with the task context on, every promise pays an async hook).
    const result = await new Promise<unknown>((resolve, reject) => {
      attemptStop.onStop(reject);
      const seconds = payload.config.timeout;
      if (seconds !== undefined) {
        timer = setTimeout(() => attemptStop.stop(new TimeoutError(`task "${funcName}" timed out after ${seconds}s`)), seconds * 1000);
      }
      Promise.resolve().then(() => runInTaskScope(scope, () => fn(...callArgs))).then(resolve, reject);
    });
    const problem = jsonProblem(result, "the return value", true);
    if (problem) throw new TypeError(`task "${funcName}" returned a value that is not JSON-serialisable: ${problem}`);
    return result === undefined ? null : cloneJson(result);
  } finally {
    open = false;
    if (timer) clearTimeout(timer);
    unfollow();
    if (dropped > 0) write(`--- ${dropped} log lines dropped (limit ${host.maxLogLinesPerTask} per task) ---`);
    if (writes.length > 0) await Promise.all(writes);
  }
}
