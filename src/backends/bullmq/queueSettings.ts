/**
 * Taskflow queue settings on BullMQ's own: concurrency as the queue's global concurrency, the rate
 * limit as its global rate limit, pause as the queue's pause, all kept in Redis and shared by every
 * worker. BullMQ has no queue size limit, so maxSize is a hash entry that addTask checks.
 */
import type { QueueInfo, QueueOptions } from "../../model";
import type { RedisQueues } from "./redisQueues";

/** BullMQ lists a pending run can be in. */
const PENDING_TYPES = ["waiting", "prioritized", "delayed", "waiting-children"] as const;

/** The prefix of the ids BullMQ's job schedulers give the jobs they make. */
const SCHEDULER_JOB_PREFIX = "repeat:";

/** How many members of the set KEYS[1] are in the sorted set KEYS[2]. */
const COUNT_IN = `
local n = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('ZSCORE', KEYS[2], id) then n = n + 1 end
end
return n`;

/**
 * Runs pending in the queue. A schedule's next slot waits as a delayed job of its job scheduler; it
 * is the schedule's next run, not a pending run (as the history leaves it out, see JobHistory). A
 * waiting run is a delayed job too, and is not pending either (as on the local engine).
 */
export async function pendingCount(queues: RedisQueues, name: string): Promise<number> {
  const queue = queues.get(name);
  const [counts, slots, waiting] = await Promise.all([
    queue.getJobCounts(...PENDING_TYPES), nextSlots(queues, name),
    queues.redis.eval(COUNT_IN, 2, `${queues.keys.waiting}:${name}`, queue.keys.delayed) as Promise<number>,
  ]);
  return PENDING_TYPES.reduce((sum, type) => sum + (counts[type] ?? 0), 0) - slots - waiting;
}

/** Delayed jobs of job schedulers (their ids only are read). */
async function nextSlots(queues: RedisQueues, name: string): Promise<number> {
  const ids = await queues.get(name).getRanges(["delayed"], 0, -1);
  return ids.filter((id) => id.startsWith(SCHEDULER_JOB_PREFIX)).length;
}

export async function maxSizeOf(queues: RedisQueues, name: string): Promise<number | null> {
  const value = await queues.redis.hget(queues.keys.maxSizes, name);
  return value === null ? null : Number(value);
}

export async function applyQueueOptions(queues: RedisQueues, name: string, options: QueueOptions): Promise<void> {
  const queue = await queues.announce(name);
  if (options.concurrency !== undefined) {
    if (options.concurrency === null) await queue.removeGlobalConcurrency();
    else await queue.setGlobalConcurrency(options.concurrency);
  }
  if (options.rateLimit !== undefined) {
    if (options.rateLimit === null) await queue.removeGlobalRateLimit();
    else await queue.setGlobalRateLimit(options.rateLimit.max, Math.round(options.rateLimit.perSeconds * 1000));
  }
  if (options.maxSize !== undefined) {
    if (options.maxSize === null) await queues.redis.hdel(queues.keys.maxSizes, name);
    else await queues.redis.hset(queues.keys.maxSizes, name, String(options.maxSize));
  }
}

export async function queueInfo(queues: RedisQueues, name: string): Promise<QueueInfo> {
  const queue = queues.get(name);
  const [counts, pending, paused, concurrency, rate, maxSize] = await Promise.all([
    queue.getJobCounts("active"), pendingCount(queues, name), queue.isPaused(), queue.getGlobalConcurrency(), queue.getGlobalRateLimit(), maxSizeOf(queues, name),
  ]);
  return {
    name,
    concurrency: concurrency ?? null,
    maxSize,
    paused,
    rateLimit: rate ? { max: rate.max, perSeconds: rate.duration / 1000 } : null,
    pending,
    running: counts.active ?? 0,
  };
}
