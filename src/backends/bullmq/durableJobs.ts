/**
 * Durable runs on BullMQ, with BullMQ's own mechanisms: a run's steps and what it waits for are
 * kept in its job's data (each change a compare-and-set, see jobData.ts); a waiting run is a
 * delayed job, moved there by its worker with moveToDelayed (and DelayedError, see jobRunner.ts)
 * until its wake time, and promoted early when its input arrives or the runs it waits for finish.
 * A delayed job lives in Redis alone, so a wait outlasts every worker and manager.
 */
import type { Job } from "bullmq";
import { jsonProblem } from "../../core/jsonCheck";
import { inputGiven, putStep } from "../../core/stepJournal";
import {
  TaskRecord, TaskStateError, UnknownTaskError, ValidationError, checkInput, describeValue, describeWait, isFinished, stepsToResume, wakeTime,
  type RetryOptions, type StepRecord, type TaskData, type TaskDict, type WaitingFor,
} from "../../model";
import type { Clock } from "../../core/types";
import { changeJobData } from "./jobData";
import type { JobHistory } from "./jobHistory";
import { statusOf, type JobPayload } from "./jobMapping";
import type { RedisQueues } from "./redisQueues";

/**
 * The longest a waiting job is delayed, in milliseconds (365 days). A wait without a wake time (an
 * input or runs without a timeout) or one further off is woken after this long, finds its wait
 * still open and is delayed again: BullMQ scores a delayed job by its time × 4096, which must stay
 * below 2^53 (September 2039).
 */
export const MAX_DELAY_MS = 365 * 24 * 3600 * 1000;

/** Milliseconds the jobs a worker settles are gathered before the runs waiting for them are looked up. */
const SETTLED_BATCH_MS = 20;

/** The steps of a job's data, in the order recorded. */
export function stepsOf(payload: JobPayload): StepRecord[] {
  return payload.steps ?? [];
}

/** Whether the run's last entry is a wait attempt `attempt` reached and that is still open: the run was stopping to wait. */
export function reachedWait(payload: JobPayload, attempt: number): boolean {
  const steps = stepsOf(payload);
  const last = steps[steps.length - 1];
  return last?.status === "waiting" && last.attempt === attempt;
}

/** The steps a retry starts with: none, or with `resume` or `fromStep` the original's done ones (stepsToResume). */
export function stepsForRetry(original: TaskData, options: RetryOptions): StepRecord[] {
  if (options.fromStep === undefined && options.resume !== true) return [];
  if (options.fromStep !== undefined && typeof options.fromStep !== "string") {
    throw new ValidationError(`fromStep must be a step's name and occurrence such as "fetch#2", got ${describeValue(options.fromStep)}`, "fromStep");
  }
  const steps = stepsToResume(original.steps, options.fromStep);
  if (typeof steps === "string") throw new ValidationError(`Cannot retry task ${original.taskId} from a step: ${steps}`, "fromStep");
  return steps;
}

export class DurableJobs {
  constructor(private readonly queues: RedisQueues, private readonly history: JobHistory, private readonly clock: Clock) {}

  /** The set of runs waiting for `taskId` (other than its parent, named in its data). */
  private awaitedKey(taskId: string): string {
    return `${this.queues.keys.awaitedBy}:${taskId}`;
  }

  /** Adds or replaces `entry` among the job's steps; resolves once Redis has it. */
  async recordStep(job: Job, entry: StepRecord): Promise<void> {
    await changeJobData(this.queues.redis, job, (payload) => {
      const steps = [...stepsOf(payload)];
      putStep(steps, entry);
      return { ...payload, steps };
    });
  }

  /** Forgets the wait of a job that runs again (or is settled): it is not waiting from now on. */
  async clearWait(job: Job): Promise<void> {
    await this.queues.redis.srem(`${this.queues.keys.waiting}:${job.queueName}`, String(job.id));
    await changeJobData(this.queues.redis, job, (payload) => {
      if (payload.waitingFor === undefined) return undefined;
      const { waitingFor: _done, ...rest } = payload;
      return rest;
    });
  }

  /** Notes that the job's stalls up to `stalls` interrupted nothing (it had reached a wait), so they do not count as interruptions later. */
  async stallSeen(job: Job, stalls: number): Promise<void> {
    await changeJobData(this.queues.redis, job, (payload) => ({ ...payload, stallsSeen: stalls }));
  }

  /**
   * Ends the attempt of an active job as waiting: `waitingFor` into its data, then delayed until its
   * wake time (token: the worker's lock). Resolves false, changing nothing, when the run was cancelled
   * meanwhile (the caller settles it). The caller then throws DelayedError.
   */
  async suspend(job: Job, token: string | undefined, waitingFor: WaitingFor): Promise<boolean> {
    const { redis } = this.queues;
    const stored = await changeJobData(redis, job, (payload) => (payload.outcome ? undefined : { ...payload, waitingFor }));
    if (stored.outcome) return false;
    const pipeline = redis.pipeline().sadd(`${this.queues.keys.waiting}:${job.queueName}`, String(job.id));
    if (waitingFor.kind === "runs") for (const id of waitingFor.taskIds) pipeline.sadd(this.awaitedKey(id), String(job.id));
    await pipeline.exec();
    const now = this.clock.now();
    const wake = wakeTime(waitingFor);
    await job.moveToDelayed(Math.min(wake === null ? Infinity : Date.parse(wake), now + MAX_DELAY_MS), token);
    // An input, a cancel or the last run finishing that came before the job was delayed found nothing to promote.
    if (await this.wokenMeanwhile(job, waitingFor)) await job.promote().catch(() => undefined);
    return true;
  }

  private async wokenMeanwhile(job: Job, waitingFor: WaitingFor): Promise<boolean> {
    const raw = await this.queues.redis.hget(`${job.queueQualifiedName}:${job.id}`, "data");
    if (raw === null) return false;
    const payload = JSON.parse(raw) as JobPayload;
    if (payload.outcome || payload.waitingFor?.step !== waitingFor.step) return true;
    return waitingFor.kind === "runs" && (await this.runsReady(waitingFor.taskIds));
  }

  /** Whether a wait for these runs would go on: all finished, or one unknown (the wait then fails). */
  private async runsReady(taskIds: readonly string[]): Promise<boolean> {
    try {
      return (await this.finishedRuns(taskIds)) !== undefined;
    } catch {
      return true;
    }
  }

  /** The runs' dicts, in order, once every one is finished; undefined while any is not. */
  async finishedRuns(taskIds: readonly string[]): Promise<TaskDict[] | undefined> {
    const out: TaskDict[] = [];
    for (const id of taskIds) {
      const data = await this.history.get(id);
      if (data === undefined) throw new UnknownTaskError(id, `waitForRuns() was given task id "${id}", which no run has: pass the ids enqueue() resolved with`);
      if (!isFinished(data.status)) return undefined;
      out.push(TaskRecord.fromData(data).toDict());
    }
    return out;
  }

  /**
   * Called on the worker that settled `job`: promotes the runs waiting for it (its parent, and any
   * run whose waitForRuns names it) once everything each of them waits for is finished.
   */
  async finished(job: Job): Promise<void> {
    await this.wake(job, await this.queues.redis.smembers(this.awaitedKey(String(job.id))));
  }

  /**
   * As finished, for the jobs a worker settles one after another: the sets of runs waiting for
   * them are read together, in one round trip per {@link SETTLED_BATCH_MS}, instead of one each.
   * `failed` is told of a job whose waiting runs could not be woken.
   */
  finishedSoon(job: Job, failed: (job: Job, error: Error) => void): void {
    this.settled.push({ job, failed });
    this.settledTimer ??= setTimeout(() => void this.wakeSettled(), SETTLED_BATCH_MS);
  }

  private readonly settled: { job: Job; failed: (job: Job, error: Error) => void }[] = [];
  private settledTimer: NodeJS.Timeout | undefined;

  /** Wakes the runs waiting for the jobs settled so far (also at shutdown, before the connection closes). */
  async wakeSettled(): Promise<void> {
    clearTimeout(this.settledTimer);
    this.settledTimer = undefined;
    const batch = this.settled.splice(0);
    if (batch.length === 0) return;
    let anyAwaited: boolean;
    try {
      // Most runs are awaited by none: one EXISTS over the batch says so, and only a batch where one is looks further.
      anyAwaited = (await this.queues.redis.exists(...batch.map(({ job }) => this.awaitedKey(String(job.id))))) > 0;
    } catch (error) {
      for (const { job, failed } of batch) failed(job, error as Error);
      return;
    }
    for (const { job, failed } of batch) {
      if (!anyAwaited && typeof (job.data as JobPayload).parentId !== "string") continue;
      await this.finished(job).catch((error: Error) => failed(job, error));
    }
  }

  private async wake(job: Job, awaitedBy: readonly string[]): Promise<void> {
    const taskId = String(job.id);
    const key = this.awaitedKey(taskId);
    const waiters = new Set(awaitedBy);
    const parentId = (job.data as JobPayload).parentId;
    if (typeof parentId === "string") waiters.add(parentId);
    if (waiters.size === 0) return;
    const self = await this.history.job(taskId);
    if (!self || !isFinished(statusOf(await self.getState(), self.data as JobPayload))) return;
    for (const id of waiters) {
      const waiter = await this.history.job(id);
      if (!waiter || (await waiter.getState()) !== "delayed") continue;
      const waitingFor = (waiter.data as JobPayload).waitingFor;
      if (waitingFor?.kind !== "runs" || !waitingFor.taskIds.includes(taskId)) continue;
      if (await this.runsReady(waitingFor.taskIds)) await waiter.promote().catch(() => undefined);
    }
    await this.queues.redis.del(key);
  }

  /**
   * Promotes the queue's runs waiting for runs that have all finished. A worker does this as it
   * starts: the worker that settled the last of them may have died before it woke them (see finished).
   */
  async wakeFinishedWaits(queueName: string): Promise<void> {
    const { redis } = this.queues;
    const queue = this.queues.get(queueName);
    const ids = await redis.smembers(`${this.queues.keys.waiting}:${queueName}`);
    if (ids.length === 0) return;
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hget(queue.toKey(id), "data");
    const rows = (await pipeline.exec()) ?? [];
    for (const [index, [, raw]] of rows.entries()) {
      const waitingFor = typeof raw === "string" ? (JSON.parse(raw) as JobPayload).waitingFor : undefined;
      if (waitingFor?.kind !== "runs" || !(await this.runsReady(waitingFor.taskIds))) continue;
      const job = await queue.getJob(ids[index]);
      if (job && (await job.getState()) === "delayed") await job.promote().catch(() => undefined);
    }
  }

  /**
   * Gives the waiting run `taskId` the input `name` asks for: checked against the wait's schema,
   * recorded as the wait's value, the wait cleared, and the job promoted. Two managers giving it at
   * once: the compare-and-set lets one win, the other finds the run no longer waiting.
   */
  async provideInput(taskId: string, name: string, value: unknown): Promise<void> {
    if (typeof name !== "string" || name === "") throw new ValidationError(`provideInput needs the input's name, a non-empty string; got ${describeValue(name)}`, "name");
    const job = await this.history.job(taskId);
    if (!job) {
      const other = await this.history.get(taskId);
      if (!other) throw new UnknownTaskError(taskId);
      throw new TaskStateError(taskId, other.status, `Task ${taskId} is not waiting for input ${JSON.stringify(name)}: it is ${other.status}`);
    }
    const problem = jsonProblem(value, "the input", false);
    if (problem) throw new ValidationError(`the input ${JSON.stringify(name)} must be JSON: ${problem}`, "");
    const state = await job.getState();
    const nowIso = new Date(this.clock.now()).toISOString();
    await changeJobData(this.queues.redis, job, (payload) => {
      const status = statusOf(state, payload);
      const waitingFor = status === "waiting" ? payload.waitingFor : undefined;
      if (waitingFor?.kind !== "input" || waitingFor.name !== name) {
        const now = waitingFor ? `it is waiting, ${describeWait(waitingFor)}` : `it is ${status}`;
        throw new TaskStateError(taskId, status, `Task ${taskId} is not waiting for input ${JSON.stringify(name)}: ${now}`);
      }
      checkInput(waitingFor.schema, value, name);
      const steps = [...stepsOf(payload)];
      putStep(steps, inputGiven(steps, waitingFor, value, nowIso));
      const { waitingFor: _given, ...rest } = payload;
      return { ...rest, steps };
    });
    await this.queues.redis.srem(`${this.queues.keys.waiting}:${job.queueName}`, taskId);
    // Not delayed yet (its worker is between recording the wait and moveToDelayed): the worker promotes it (see suspend).
    await job.promote().catch(() => undefined);
  }
}

