/**
 * The Redis side of the backend: one BullMQ Queue per Taskflow queue (created on first use and
 * named in a set so every process finds them), and Taskflow's own keys beside BullMQ's.
 */
import { Queue } from "bullmq";
import IORedis, { type Redis } from "ioredis";
import { DEFAULT_QUEUE } from "../../model";
import type { ResolvedBullmqOptions } from "./backendOptions";

/** Taskflow's keys under the prefix; BullMQ's own are `<prefix>:<queue>:...`. */
export function taskflowKeys(prefix: string) {
  const base = `${prefix}:taskflow`;
  return {
    /** Set of every queue name that ever held a job. */
    queues: `${base}:queues`,
    /** Hash: idempotency key -> id of the task holding it. */
    idempotency: `${base}:idempotency`,
    /** Hash: task id -> JSON of a rejected run (refused by a full queue, so never a job). */
    rejected: `${base}:rejected`,
    /** Hash: queue -> maxSize. */
    maxSizes: `${base}:max-sizes`,
    /** Set of the queues whose jobs are all prioritized, since one of their runs had a priority other than 0 (see gatedAdd). */
    ranked: `${base}:ranked`,
    /** Hash: schedule id -> JSON of the schedule (BullMQ's job scheduler holds its timing). */
    schedules: `${base}:schedules`,
    /** List of audit entries as JSON, newest first. */
    audit: `${base}:audit`,
    /** Prefix of sets `<waiting>:<queue>`: ids of the queue's jobs delayed for a wait (not pending: see pendingCount). */
    waiting: `${base}:waiting`,
    /** Prefix of sets `<awaitedBy>:<task id>`: ids of the runs whose waitForRuns names that task. */
    awaitedBy: `${base}:awaited-by`,
    /** Set of the ids of workers that published their task functions (see workerCatalog.ts). */
    workers: `${base}:workers`,
    /** Prefix of keys `<worker>:<worker id>`: JSON of a worker's task functions, with a TTL its heartbeat renews. */
    worker: `${base}:worker`,
    /** Pub/sub channel: ids of tasks to cancel, for the worker running them. */
    cancel: `${base}:cancel`,
  };
}
export type TaskflowKeys = ReturnType<typeof taskflowKeys>;

/** Milliseconds to wait for the first connection before saying Redis cannot be reached. */
const CONNECT_TIMEOUT_MS = 5000;

/** A connection BullMQ accepts for workers too (it requires maxRetriesPerRequest null). */
export function connect(url: string, lazy = false): Redis {
  return new IORedis(url, { maxRetriesPerRequest: null, lazyConnect: lazy });
}

/** Connects once without retrying; rejects with what to do when Redis does not answer. */
export async function probe(url: string): Promise<void> {
  const client = new IORedis(url, { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let cause: Error | undefined;
  client.on("error", (error: Error) => (cause ??= error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    const reason = (cause ?? (error as Error)).message;
    if (/^(NOAUTH|WRONGPASS)/.test(reason)) {
      throw new Error(
        `Redis at ${redactedUrl(url)} refused the connection (${reason}): give its password, in the URL for taskflow --redis and backend.connection (redis://:PASSWORD@host:port), or in VS Code with the command Taskflow: Set Redis Password`,
      );
    }
    throw new Error(
      `Cannot reach Redis at ${redactedUrl(url)} (${reason}): start redis-server there, or fix backend.connection (taskflow --redis URL, setting taskflow.backend)`,
    );
  } finally {
    client.disconnect();
  }
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(a URL that does not parse)";
  }
}

/** The Queue objects of this process, by Taskflow queue name. */
export class RedisQueues {
  private readonly queues = new Map<string, Queue>();
  private readonly announced = new Set<string>();
  /** Queues this process saw ranked (see gatedAdd); a queue is never unranked. */
  readonly ranked = new Set<string>();

  constructor(readonly redis: Redis, readonly options: ResolvedBullmqOptions, readonly keys: TaskflowKeys) {}

  get(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.redis, prefix: this.options.prefix });
      queue.on("error", () => undefined);
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Names the queue in the shared set (once per process) so every manager lists and works it. */
  /** Whether this process has named the queue in the set already (announce then writes nothing). */
  isAnnounced(name: string): boolean {
    return this.announced.has(name);
  }

  async announce(name: string): Promise<Queue> {
    if (!this.announced.has(name)) {
      await this.redis.sadd(this.keys.queues, name);
      this.announced.add(name);
    }
    return this.get(name);
  }

  /** Every queue any process used, "default" always, sorted. */
  async names(): Promise<string[]> {
    const names = new Set(await this.redis.smembers(this.keys.queues));
    names.add(DEFAULT_QUEUE);
    return [...names].sort();
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
    this.queues.clear();
  }
}
