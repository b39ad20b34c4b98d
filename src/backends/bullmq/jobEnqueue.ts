/**
 * Adding runs as BullMQ jobs: the job's id is the task's id, Taskflow's retries are BullMQ attempts
 * with the "taskflow" backoff strategy (src/core/backoff.ts), delay and runAt are BullMQ's delay,
 * priority is BullMQ's (inverted, see gatedAdd.ts). Idempotency keys are claimed in a Redis hash by compare-and-set.
 */
import type { JobsOptions } from "bullmq";
import {
  QueueFullError, TaskRecord, holdsIdempotencyKey,
  type TaskConfig, type TaskData,
} from "../../model";
import { queueFullError, queueFullReason } from "../../core/queueFull";
import { bullPriority, jobConfig, payloadOf, rejectedToJson, statusOf, type JobPayload } from "./jobMapping";
import type { RedisQueues } from "./redisQueues";
import { maxSizeOf } from "./queueSettings";
import { gatedAdd, gatedAddAll, type GatedJob } from "./gatedAdd";

/** BullMQ's name of the custom backoff strategy every worker registers. */
export const BACKOFF_TYPE = "taskflow";

/** Sets the hash field KEYS[1][ARGV[1]] to ARGV[3] only while it still holds ARGV[2] ("" for none); returns what it holds after. */
const CLAIM_SCRIPT = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur == false then cur = '' end
if cur == ARGV[2] then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) return ARGV[3] end
return cur`;

/** Milliseconds a key claimed for a job not visible yet still counts as held (the claimer is adding it). */
const CLAIM_GRACE_MS = 10_000;

export interface EnqueueHost {
  queues: RedisQueues;
  nowMs(): number;
  /** Finished records BullMQ keeps per queue and state. */
  maxRecords: number;
}

/** The job's data and options of a record about to be added. */
export function jobOf(record: TaskRecord, config: TaskConfig, host: EnqueueHost): { name: string; data: JobPayload; opts: JobsOptions } {
  const runAtMs = record.runAt?.getTime() ?? null;
  const data = payloadOf(record.toData(), jobConfig(config));
  const attempts = (config.retries ?? 0) + 1;
  // A number is BullMQ's short form of { count }; it is stored in every job's options.
  const opts: JobsOptions = {
    jobId: record.taskId,
    timestamp: record.createdAt.getTime(),
    priority: bullPriority(record.priority),
    attempts,
    removeOnComplete: host.maxRecords,
    removeOnFail: host.maxRecords,
  };
  // BullMQ asks for a backoff only before a retry; a job with one attempt never has one.
  if (attempts > 1) opts.backoff = { type: BACKOFF_TYPE };
  if (runAtMs !== null) opts.delay = Math.max(0, runAtMs - host.nowMs());
  return { name: record.funcName, data, opts };
}

/** Whether the task `taskId` still holds its key; a claim whose job is not visible yet counts for a moment. */
async function stillHolds(host: EnqueueHost, value: string): Promise<boolean> {
  const [taskId, claimedAt] = value.split("|");
  for (const name of await host.queues.names()) {
    const job = await host.queues.get(name).getJob(taskId);
    if (job) return holdsIdempotencyKey(statusOf(await job.getState(), job.data as JobPayload));
  }
  if (await host.queues.redis.hexists(host.queues.keys.rejected, taskId)) return false;
  return host.nowMs() - Number(claimedAt) < CLAIM_GRACE_MS;
}

/**
 * Claims `key` for `taskId`; resolves with undefined when claimed, or with the id of the task that
 * holds it (then nothing is to be enqueued).
 */
export async function claimKey(host: EnqueueHost, key: string, taskId: string): Promise<string | undefined> {
  const { redis, keys } = host.queues;
  const mine = `${taskId}|${host.nowMs()}`;
  for (;;) {
    const current = (await redis.hget(keys.idempotency, key)) ?? "";
    if (current !== "" && await stillHolds(host, current)) return current.split("|")[0];
    const after = (await redis.eval(CLAIM_SCRIPT, 1, keys.idempotency, key, current, mine)) as string;
    if (after === mine) return undefined;
  }
}

/** Hands a retried run's key to the new run (the old one, being retryable, released it). */
export async function passKey(host: EnqueueHost, key: string, taskId: string): Promise<void> {
  await host.queues.redis.hset(host.queues.keys.idempotency, key, `${taskId}|${host.nowMs()}`);
}

/** The record's job as gatedAdd adds it. */
export function gatedJobOf(record: TaskRecord, config: TaskConfig, host: EnqueueHost): GatedJob {
  const { name, data, opts } = jobOf(record, config, host);
  return { name, data, opts: { ...opts, jobId: record.taskId }, priority: record.priority };
}

/**
 * Adds the record's job in one script with `audit`, the JSON of its audit entry ("" for none);
 * when its queue's maxSize leaves no place, stores the run rejected and throws the QueueFullError.
 */
export async function addRecord(host: EnqueueHost, record: TaskRecord, config: TaskConfig, audit = ""): Promise<void> {
  if (!host.queues.isAnnounced(record.queue)) await host.queues.announce(record.queue);
  if ((await gatedAdd(host.queues, record.queue, gatedJobOf(record, config, host), audit)) === "full") throw await storeRejected(host, record);
}

/**
 * Adds the records' jobs to `queue` in one pipeline, each while the queue's maxSize leaves a place,
 * first come first in; the others are stored rejected.
 */
export async function addRecords(host: EnqueueHost, queue: string, entries: { record: TaskRecord; config: TaskConfig }[]): Promise<void> {
  await host.queues.announce(queue);
  const outcomes = await gatedAddAll(host.queues, queue, entries.map((e) => gatedJobOf(e.record, e.config, host)));
  for (const [i, outcome] of outcomes.entries()) if (outcome === "full") await storeRejected(host, entries[i].record);
}

/**
 * Adds new runs of one function (`config`) in bulk, one pipeline per queue: a run whose
 * idempotency key is held (by a stored task or an earlier run of the list) is not added, and its
 * place in the ids is the holder's. Resolves with an id per record, in order.
 */
export async function addInBulk(host: EnqueueHost, config: TaskConfig, records: readonly TaskRecord[]): Promise<string[]> {
  const ids: string[] = [];
  const byQueue = new Map<string, { record: TaskRecord; config: TaskConfig }[]>();
  const keys = new Map<string, string>();
  for (const record of records) {
    const key = record.idempotencyKey;
    const held = key === null ? undefined : keys.get(key) ?? (await claimKey(host, key, record.taskId));
    if (key !== null) keys.set(key, held ?? record.taskId);
    if (held !== undefined) {
      ids.push(held);
      continue;
    }
    ids.push(record.taskId);
    const entries = byQueue.get(record.queue);
    if (entries) entries.push({ record, config });
    else byQueue.set(record.queue, [{ record, config }]);
  }
  for (const [queue, entries] of byQueue) await addRecords(host, queue, entries);
  return ids;
}

/** Stores a run refused by its full queue as rejected; returns the error for addTask to throw. */
export async function storeRejected(host: EnqueueHost, record: TaskRecord): Promise<QueueFullError> {
  const maxSize = (await maxSizeOf(host.queues, record.queue)) ?? 0;
  const now = new Date(host.nowMs());
  const data: TaskData = { ...record.toData(), status: "rejected", endTime: now.getTime(), error: queueFullReason(record.queue, maxSize) };
  await host.queues.redis.hset(host.queues.keys.rejected, record.taskId, rejectedToJson(data));
  return queueFullError(record.taskId, record.queue, maxSize);
}
