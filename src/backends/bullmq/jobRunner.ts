/**
 * Runs one BullMQ job as a Taskflow attempt: the registered function inside the task's async scope
 * (so taskLog, reportProgress and enqueue work), logs onto the job's logs, progress through
 * updateProgress, the return value as the job's, and the outcomes BullMQ has no state for
 * (cancelled, interrupted) as data on the job before it is failed for good. Steps go into the job's
 * data as they are recorded; an attempt that reaches a wait delays its job (see durableJobs.ts).
 */
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { ArgumentCipher } from "../../core/argumentCipher";
import { Suspended, callArguments, runAttempt, shouldRetry, type AttemptPort, type AttemptTask } from "../../core/attempt";
import { CancelledError, ShutdownError, errorSummary, toError } from "../../core/errors";
import { LogCap } from "../../core/logCap";
import type { TaskRegistry } from "../../core/taskRegistry";
import { TaskRecord, type AddTaskOptions, type LogEvent, type TaskFunction, type TaskHandle } from "../../model";
import type { Clock } from "../../core/types";
import { logLine } from "../../model/logMarkers";
import type { JobOutcome, JobPayload } from "./jobMapping";
import { Stopper } from "../../core/stopper";
import { reachedWait, stepsOf, type DurableJobs } from "./durableJobs";
import { changeJobData } from "./jobData";

/** Milliseconds a job of a function this worker does not have waits before another worker may take it. */
export const HAND_BACK_MS = 1000;

/** What the runner needs of the manager around it. */
export interface RunnerHost {
  readonly registry: TaskRegistry;
  readonly cipher: ArgumentCipher;
  readonly clock: Clock;
  readonly redis: Redis;
  /** Steps and waits kept with the jobs. */
  readonly durable: DurableJobs;
  /** Log lines kept per task; later lines are counted in one marker line. */
  readonly maxLogLinesPerTask: number;
  /** enqueue() inside a task: a run whose parentId is the task's id. */
  enqueueChild(parent: { taskId: string; funcName: string }, task: TaskHandle | string, args: unknown[], options: AddTaskOptions): Promise<string>;
  /** Tells every manager's onLog of a line. */
  publishLog(queue: string, event: LogEvent): void;
  /** Tells this manager's onLifecycle that the job's attempt starts (the job is active in Redis). */
  started(job: Job): void;
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

/** An error whose message is the record's `error` form (`Name: message`) and whose stack is the original's. */
function finalError(error: Error, unrecoverable: boolean): Error {
  const out = unrecoverable ? new UnrecoverableError(errorSummary(error)) : new Error(errorSummary(error));
  out.stack = error.stack ?? out.stack;
  return out;
}

/** Settles a job that must not run (again) with an outcome BullMQ has no state for (a cancel already written wins). */
async function settleWith(host: RunnerHost, job: Job, outcome: JobOutcome): Promise<never> {
  const stored = await changeJobData(host.redis, job, (payload) => (payload.outcome ? undefined : { ...payload, outcome }));
  throw new UnrecoverableError((stored.outcome ?? outcome).error);
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
    // A waiting run whose delay ended or that was promoted (given its input, or cancelled) is taken: its wait is over.
    if (payload.waitingFor) await host.durable.clearWait(job);
    if (payload.outcome) throw new UnrecoverableError(payload.outcome.error);
    if (runs.closing) {
      await job.moveToDelayed(host.clock.now(), token);
      throw new DelayedError();
    }
    if (runs.cancelledEarly(taskId)) {
      await settleWith(host, job, { status: "cancelled", at: host.clock.now(), error: `CancelledError: task ${taskId} was cancelled` });
    }
    const registration = host.registry.get(job.name);
    if (!registration) {
      // Another worker may run this function; hand the job back without spending an attempt.
      await job.moveToDelayed(host.clock.now() + HAND_BACK_MS, token);
      throw new DelayedError();
    }
    // BullMQ counts the times a job's worker died under it (its lock expired); it is then waiting again.
    const stalls = job.stalledCounter ?? 0;
    if (stalls > (payload.stallsSeen ?? 0) && payload.config.requeueOnInterrupt !== true) {
      // A run cut off after it had reached a wait was about to wait: it replays up to the wait, which holds or not.
      if (reachedWait(payload, job.attemptsMade)) await host.durable.stallSeen(job, stalls);
      else await settleWith(host, job, { status: "interrupted", at: host.clock.now(), error: `Interrupted: the worker running task ${taskId} stopped (its lock expired) and requeueOnInterrupt is off` });
    }
    // A debounced run that starts leaves its key free: the next add of the key is a new run.
    if (payload.debounce) await job.removeDeduplicationKey().catch(() => false);
    const run = new Stopper();
    runs.byId.set(taskId, run);
    host.started(job);
    let outcome: unknown;
    try {
      outcome = await runJobAttempt(host, job, registration.fn, run);
    } catch (thrown) {
      const reason = run.stopped ? run.reason : undefined;
      if (reason instanceof ShutdownError) {
        if (payload.config.requeueOnInterrupt === true) {
          await job.moveToDelayed(host.clock.now(), token);
          throw new DelayedError();
        }
        return settleWith(host, job, { status: "interrupted", at: host.clock.now(), error: `Interrupted: ${reason.message}` });
      }
      if (reason instanceof CancelledError) {
        return settleWith(host, job, { status: "cancelled", at: host.clock.now(), error: errorSummary(reason) });
      }
      const error = toError(thrown);
      // BullMQ retries a plain Error itself while attempts are left, after the "taskflow" backoff strategy's delay.
      throw finalError(error, !shouldRetry(payload.config, job.attemptsMade, error));
    } finally {
      runs.byId.delete(taskId);
    }
    if (!(outcome instanceof Suspended)) return outcome;
    // The wait holds no worker: the job is delayed until it wakes, without spending an attempt.
    if (!(await host.durable.suspend(job, token, outcome.waitingFor))) {
      throw new UnrecoverableError((job.data as JobPayload).outcome?.error ?? `CancelledError: task ${taskId} was cancelled`);
    }
    throw new DelayedError();
  }
}

/**
 * The port of one job's attempt: log lines onto the job's logs (and onLog), progress through
 * updateProgress. Their writes are collected so the processor returns only once they landed.
 */
function jobPort(host: RunnerHost, job: Job, attempt: number, tags: Readonly<Record<string, string>>, writes: Promise<unknown>[]): AttemptPort {
  const taskId = String(job.id);
  const funcName = job.name;
  const write = (line: string): void => {
    writes.push(job.log(line).catch(() => undefined));
  };
  return {
    clock: host.clock,
    log: (message, level, extra, marker) => {
      if (marker) return write(message);
      const timestamp = new Date(host.clock.now()).toISOString();
      const line = logLine(timestamp, message);
      write(line);
      host.publishLog(job.queueName, { taskId, funcName, message, level, timestamp, attempt, tags: { ...tags }, extra, line });
    },
    progress: (progress) => {
      writes.push(job.updateProgress(progress).catch(() => undefined));
    },
    enqueueChild: (task, args, options) => host.enqueueChild({ taskId, funcName }, task, args, options),
    recordStep: (entry) => host.durable.recordStep(job, entry),
    finishedRuns: (taskIds) => host.durable.finishedRuns(taskIds),
  };
}

/** Runs the job's attempt with the job's arguments; resolves with the return value as the job keeps it. */
async function runJobAttempt(host: RunnerHost, job: Job, fn: TaskFunction, stopper: Stopper): Promise<unknown> {
  const payload = job.data as JobPayload;
  const taskId = String(job.id);
  const funcName = job.name;
  const attempt = job.attemptsMade;
  const tags = Object.freeze({ ...payload.tags });
  const writes: Promise<unknown>[] = [];
  try {
    const resolved = payload.encrypted ? host.cipher.open(new TaskRecord({
      taskId, funcName, createdAt: new Date(job.timestamp), encryptedPayload: Uint8Array.from(Buffer.from(payload.encrypted, "base64")),
    })) : { args: payload.args ?? [], kwargs: payload.kwargs ?? {} };
    const task: AttemptTask = {
      taskId, funcName, tags, fn, args: callArguments(resolved), timeoutSeconds: payload.config.timeout, stopper,
      // BullMQ keeps no count of a job's lines this side of Redis, so each attempt has the whole cap.
      logCap: new LogCap(host.maxLogLinesPerTask),
      recordedSteps: () => stepsOf(job.data as JobPayload),
    };
    // An attempt that recorded steps before goes on after a wait (or a hand-back): no retry marker.
    const resumed = stepsOf(payload).some((s) => s.attempt === attempt);
    return await runAttempt(jobPort(host, job, attempt, tags, writes), task, attempt, resumed);
  } finally {
    if (writes.length > 0) await Promise.all(writes);
  }
}
