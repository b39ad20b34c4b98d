/**
 * What changes runs already in Redis: retry, retry-failed, cancel, delete and clear, and queue
 * settings. A cancel is data on the job (BullMQ has no cancelled state) plus a message on the
 * cancel channel, which the worker running the job observes and aborts the task's signal.
 */
import { randomUUID } from "node:crypto";
import { rerunRecord } from "../../core/rerun";
import { retryFailed, retryableOf } from "../../core/retryFailed";
import {
  CANCELLABLE_STATUSES, RESUMABLE_STATUSES, RETRYABLE_STATUSES, TaskRecord, TaskStateError, UnknownTaskError,
  isCancellable, isFinished, isResumable, isRetryable, orList, parseQueueName, parseQueueOptions,
  type ClearHistoryOptions, type QueueInfo, type QueueOptions, type RetryFailedOptions, type RetryOptions, type ThroughputBucket, type ThroughputQuery,
} from "../../model";
import { throughputOf } from "./auditTrail";
import type { BackendCore, Connected } from "./backendCore";
import { stepsForRetry } from "./durableJobs";
import { changeJobData } from "./jobData";
import { addRecord, passKey, type EnqueueHost } from "./jobEnqueue";
import { statusOf, type JobPayload } from "./jobMapping";
import { applyQueueOptions, queueInfo } from "./queueSettings";
import { isKnownTask, knownTask, resolveTask } from "./resolveTask";

const RETRYABLE_LIST = orList(RETRYABLE_STATUSES);
const RESUMABLE_LIST = orList(RESUMABLE_STATUSES);
const CANCELLABLE_LIST = orList(CANCELLABLE_STATUSES);

export class HistoryOperations {
  constructor(private readonly core: BackendCore, private readonly connected: Connected, private readonly host: EnqueueHost) {}

  /**
   * A new run of a failed, interrupted or rejected task, carrying what the re-run rule (core/rerun.ts)
   * carries; with `resume` or `fromStep` (of a failed, interrupted or cancelled task) it starts with
   * the original's done steps, so it replays them.
   */
  async retry(taskId: string, options: RetryOptions = {}): Promise<string> {
    const original = await this.connected.history.get(taskId);
    if (!original) throw new UnknownTaskError(taskId);
    const resume = options.resume === true || options.fromStep !== undefined;
    if (resume ? !isResumable(original.status) : !isRetryable(original.status)) {
      const allowed = resume ? `Only ${RESUMABLE_LIST} tasks can be resumed` : `Only ${RETRYABLE_LIST} tasks can be retried`;
      throw new TaskStateError(taskId, original.status, `${allowed}; task ${taskId} is ${original.status}`);
    }
    const registration = await resolveTask(this.core, original.funcName);
    const record = rerunRecord(original, randomUUID(), this.core.clock.now());
    record.steps = stepsForRetry(original, options);
    if (record.idempotencyKey !== null) await passKey(this.host, record.idempotencyKey, record.taskId);
    await addRecord(this.host, record, registration.config);
    return record.taskId;
  }

  /** Retries every retryable task that matches, oldest first; tasks of functions neither registered here nor run by a live worker are skipped. */
  async retryFailed(options: RetryFailedOptions | undefined, retry: (taskId: string) => Promise<string>): Promise<string[]> {
    await this.connected.catalog.refresh();
    return retryFailed({
      retryable: async (filter) => retryableOf(await this.connected.history.finished(), filter),
      lookup: (name) => knownTask(this.core, name),
      isRegistered: (name) => isKnownTask(this.core, name),
      retryTask: retry,
      report: this.core.outsideLog,
    }, options);
  }

  /**
   * Cancels a pending, running or waiting task: its data says cancelled at once; a worker running it
   * aborts the attempt, and a delayed (waiting) job is promoted so a worker settles it.
   */
  async cancel(taskId: string): Promise<void> {
    const { history, queues, events } = this.connected;
    const job = await history.job(taskId);
    if (!job) {
      const rejected = await history.get(taskId);
      if (!rejected) throw new UnknownTaskError(taskId);
      throw new TaskStateError(taskId, rejected.status, `Task ${taskId} is already ${rejected.status}; only ${CANCELLABLE_LIST} tasks can be cancelled`);
    }
    const state = await job.getState();
    await changeJobData(queues.redis, job, (payload: JobPayload) => {
      const status = statusOf(state, payload);
      if (!isCancellable(status)) {
        throw new TaskStateError(taskId, status, `Task ${taskId} is already ${status}; only ${CANCELLABLE_LIST} tasks can be cancelled`);
      }
      return { ...payload, outcome: { status: "cancelled", at: this.core.clock.now(), error: `CancelledError: task ${taskId} was cancelled` } };
    });
    await queues.redis.publish(queues.keys.cancel, taskId);
    // A delayed job (runAt, a retry's backoff, or a wait) is made ready so a worker settles it now.
    if (state === "delayed") await job.promote().catch(() => undefined);
    await events.publishChanged(job.queueName, taskId);
  }

  /** Deletes finished tasks; others and unknown ids are skipped. */
  async delete(taskIds: string[]): Promise<number> {
    const { history, queues } = this.connected;
    let count = 0;
    for (const taskId of taskIds) {
      const job = await history.job(taskId);
      if (job) {
        if (!isFinished(statusOf(await job.getState(), job.data as JobPayload))) continue;
        await job.remove();
        count++;
      } else {
        count += await queues.redis.hdel(queues.keys.rejected, taskId);
      }
    }
    return count;
  }

  async clear(options: ClearHistoryOptions): Promise<number> {
    const before = options.olderThan?.getTime();
    const ids = (await this.connected.history.finished()).filter((t) => before === undefined || t.createdAt < before).map((t) => t.taskId);
    return this.delete(ids);
  }

  async configureQueue(name: string, options: QueueOptions): Promise<QueueInfo> {
    const queue = parseQueueName(name);
    await applyQueueOptions(this.connected.queues, queue, parseQueueOptions(options));
    return queueInfo(this.connected.queues, queue);
  }

  /** Pauses or resumes the BullMQ queue for every worker. */
  async setQueuePaused(name: string, paused: boolean): Promise<void> {
    const queue = await this.connected.queues.announce(parseQueueName(name));
    if (paused) await queue.pause();
    else await queue.resume();
  }

  async listQueues(): Promise<QueueInfo[]> {
    const names = await this.connected.queues.names();
    return Promise.all(names.map((n) => queueInfo(this.connected.queues, n)));
  }

  async throughput(query: ThroughputQuery): Promise<ThroughputBucket[]> {
    return throughputOf(await this.connected.history.all(), query, this.core.clock.now());
  }

  /** Resolves once the task finishes; `record` is its current state (undefined: unknown). */
  async waitFor(taskId: string, record: TaskRecord | undefined): Promise<TaskRecord> {
    if (!record) throw new UnknownTaskError(taskId);
    if (isFinished(record.status)) return record;
    return this.connected.events.whenFinished(taskId);
  }
}
