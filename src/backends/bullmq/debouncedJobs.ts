/**
 * Debounce per key on BullMQ, through BullMQ's own deduplication. The first add of a key is a
 * delayed job holding the deduplication id `debounce:<funcName>:<key>`; a later add while that job
 * is still delayed and never started is deduplicated by BullMQ to it, and BullMQ's `reschedule`
 * restarts its delay in the same script, so the run keeps its id. The new input then replaces the
 * job's data in a second script, only while the job is still delayed and never started; when it is
 * not (it was promoted, started, or is waiting for a retry), the deduplication key is dropped and
 * the add starts a new run instead.
 */
import type { Job } from "bullmq";
import {
  ValidationError, describeValue, keyOf, parseKeyPath,
  type FlowHold, type KeyInfo, type KeyInput, type TaskConfig, type TaskRecord,
} from "../../model";
import { gatedAdd, type GatedJob } from "./gatedAdd";
import { gatedJobOf, type EnqueueHost } from "./jobEnqueue";
import type { JobPayload } from "./jobMapping";
import type { RedisQueues } from "./redisQueues";
import { logLine } from "../../model/logMarkers";

/** The job-hash field counting the adds a debounced run has taken; absent means one. */
const ADDS_FIELD = "tfAdds";

/** Tries of an add whose deduplicated run had just left the delayed set (each try adds anew). */
const MAX_TRIES = 5;

/**
 * KEYS: the job's hash, the queue's delayed set, the deduplication key, the job's log list.
 * ARGV: the job id, the new data, the log line's text before and after the add count.
 * Returns the run's add count after this add, or 0 when the run is no longer delayed and unstarted
 * (then the deduplication key is dropped if it still names the run).
 */
const MERGE_SCRIPT = `
local started = tonumber(redis.call('HGET', KEYS[1], 'ats') or '0')
if started == 0 and redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('HSET', KEYS[1], 'data', ARGV[2])
  local adds = tonumber(redis.call('HGET', KEYS[1], '${ADDS_FIELD}') or '1') + 1
  redis.call('HSET', KEYS[1], '${ADDS_FIELD}', adds)
  redis.call('RPUSH', KEYS[4], ARGV[3] .. adds .. ARGV[4])
  return adds
end
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
return 0`;

/** The BullMQ deduplication id of a debounced function's key. */
export function debounceId(funcName: string, key: string): string {
  return `debounce:${funcName}:${key}`;
}

/** A debounced add as it lands: the run's id and the adds it has taken (1 for a new run). */
export interface DebouncedAdd {
  taskId: string;
  adds: number;
}

/** What a debounced add needs besides the job: its key, window and the log line's time. */
export interface DebounceContext {
  funcName: string;
  key: string;
  seconds: number;
  /** Epoch ms of the add (the engine's clock). */
  nowMs: number;
  /** Epoch ms the run may start: the add's time plus `seconds`, or its own runAt when later. */
  untilMs: number;
}

/**
 * Adds the job, or folds it into the pending run of its key: that run takes the job's data and
 * waits its window again. The job's options must carry its own id (`jobId`) and the window as `delay`.
 */
export async function addDebounced(queues: RedisQueues, queueName: string, job: GatedJob, context: DebounceContext): Promise<DebouncedAdd | "full"> {
  const { redis } = queues;
  const queue = queues.get(queueName);
  const id = debounceId(context.funcName, context.key);
  const dedupKey = `${queue.keys.de}:${id}`;
  const text = JSON.stringify(job.data);
  const before = logLine(new Date(context.nowMs).toISOString(), "Debounced: add ");
  const after = ` for key ${JSON.stringify(context.key)} replaced the input; the run waits ${context.seconds} s again (until ${new Date(context.untilMs).toISOString()})`;
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    const added = await gatedAdd(queues, queueName, { ...job, opts: { ...job.opts, deduplication: { id, reschedule: true } } });
    if (added === "full") return added;
    const taskId = added.jobId;
    if (taskId === job.opts.jobId) return { taskId, adds: 1 };
    const jobKey = queue.toKey(taskId);
    const adds = Number(await redis.eval(MERGE_SCRIPT, 4, jobKey, queue.keys.delayed, dedupKey, `${jobKey}:logs`, taskId, text, before, after));
    if (adds > 0) return { taskId, adds };
  }
  throw new Error(`Could not add a run of "${context.funcName}" for key ${JSON.stringify(context.key)}: its debounced run kept leaving the delayed set while being replaced (${MAX_TRIES} tries); add it again`);
}

/** A debounced job still in its window: delayed and never started. */
function inWindow(job: Job): boolean {
  return (job.data as JobPayload).debounce !== undefined && (job.attemptsStarted ?? 0) === 0;
}

/** The pending runs held by their debounce window, by task id, in every queue. */
export async function debounceHolds(queues: RedisQueues): Promise<Record<string, FlowHold>> {
  const { redis } = queues;
  const holds: Record<string, FlowHold> = {};
  for (const queue of (await queues.names()).map((n) => queues.get(n))) {
    const jobs = (await queue.getJobs(["delayed"], 0, -1)).filter(inWindow);
    if (jobs.length === 0) continue;
    const counts = await Promise.all(jobs.map((j) => redis.hget(queue.toKey(String(j.id)), ADDS_FIELD)));
    jobs.forEach((job, i) => {
      const { key, untilMs } = (job.data as JobPayload).debounce!;
      holds[String(job.id)] = { rule: "debounce", key, until: new Date(untilMs).toISOString(), adds: Number(counts[i] ?? 1) };
    });
  }
  return holds;
}

/** listKeys' default `limit`. */
const DEFAULT_KEY_LIMIT = 20;

/**
 * The keys of `funcName`'s debounced runs pending or running in every queue, busiest first
 * (running, then held, then pending), at most `limit`. A run in its window counts as held.
 */
export async function debounceKeys(queues: RedisQueues, funcName: string, limit: unknown = DEFAULT_KEY_LIMIT): Promise<KeyInfo[]> {
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) {
    throw new ValidationError(`listKeys limit must be a whole number >= 1, got ${describeValue(limit)}`, "limit");
  }
  const byKey = new Map<string, KeyInfo>();
  for (const queue of (await queues.names()).map((n) => queues.get(n))) {
    for (const state of ["active", "delayed", "waiting", "prioritized"] as const) {
      for (const job of await queue.getJobs([state], 0, -1)) {
        const debounce = (job.data as JobPayload).debounce;
        if (job.name !== funcName || !debounce || (job.data as JobPayload).outcome) continue;
        const info = byKey.get(debounce.key) ?? { key: debounce.key, running: 0, pending: 0, held: 0, recentStarts: 0 };
        if (state === "active") info.running++;
        else {
          info.pending++;
          if (state === "delayed" && inWindow(job)) info.held++;
        }
        byKey.set(debounce.key, info);
      }
    }
  }
  return [...byKey.values()]
    .sort((a, b) => b.running - a.running || b.held - a.held || b.pending - a.pending || a.key.localeCompare(b.key))
    .slice(0, limit);
}

/**
 * Adds the job of `record` folded into the pending run of its key (`config` has `debounce`; the
 * key is read from `input`, the input before encryption). Sets the run's runAt to the end of its
 * window. Resolves with "full" when the queue's maxSize refused it.
 */
export async function enqueueDebounced(host: EnqueueHost, record: TaskRecord, config: Readonly<TaskConfig>, input: KeyInput): Promise<DebouncedAdd | "full"> {
  await host.queues.announce(record.queue);
  const rule = config.debounce;
  if (!rule) throw new Error(`Expected a function with debounce, got "${record.funcName}" without one`);
  const path = parseKeyPath(rule.key);
  if (typeof path === "string") throw new ValidationError(`debounce.key ${path}`, "debounce.key");
  const key = keyOf(path, input);
  const nowMs = host.nowMs();
  const untilMs = Math.max(record.runAt?.getTime() ?? 0, nowMs + rule.seconds * 1000);
  record.runAt = new Date(untilMs);
  const job = gatedJobOf(record, config, host);
  job.data.debounce = { key, untilMs };
  return addDebounced(host.queues, record.queue, job, { funcName: record.funcName, key, seconds: rule.seconds, nowMs, untilMs });
}
