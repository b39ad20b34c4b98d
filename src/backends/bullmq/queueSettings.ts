/**
 * Taskflow queue settings on BullMQ's own: concurrency as the queue's global concurrency, the rate
 * limit as its global rate limit, pause as the queue's pause, all kept in Redis and shared by every
 * worker. BullMQ has no queue size limit, so maxSize is a hash entry that adds claim places under
 * (see queueRoom).
 */
import type { QueueInfo, QueueOptions } from "../../model";
import type { RedisQueues } from "./redisQueues";
import { pendingCount } from "./queueRoom";

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
