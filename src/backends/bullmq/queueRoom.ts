/**
 * A queue's maxSize on BullMQ, kept by every producer at once. BullMQ adds a job in a Lua script of
 * its own, which another script cannot call, so the place is claimed first: one script counts the
 * queue's pending runs and the places claimed by adds under way, and claims places only while
 * they stay within maxSize. A claim is dropped, inside that same script, as soon as its job
 * exists (BullMQ creates the job and lists it as pending in one script, so a place is never
 * counted twice or not at all), when the add is over (a debounced add may fold into a run
 * already there), or when it is older than {@link CLAIM_MS} (its producer died mid-add).
 */
import type { RedisQueues } from "./redisQueues";
import { RedisScript } from "./redisScript";

/** Milliseconds a claimed place is kept for an add that has not created its job yet. */
export const CLAIM_MS = 60_000;

/** The prefix of the ids BullMQ's job schedulers give the jobs they make. */
const SCHEDULER_JOB_PREFIX = "repeat:";

/**
 * Lua: the queue's pending runs, given its wait list, prioritized, delayed and waiting-children
 * sets and the set of its runs delayed for a wait. A schedule's next slot is a delayed job of its
 * job scheduler, the schedule's next run rather than a pending one (the history leaves it out too);
 * a run delayed for a wait is not pending either (as on the local engine).
 */
const PENDING_LUA = `
local function pendingIn(wait, prioritized, delayed, waitingChildren, waitingSet)
  local n = redis.call('LLEN', wait) + redis.call('ZCARD', prioritized) + redis.call('ZCARD', delayed) + redis.call('ZCARD', waitingChildren)
  for _, id in ipairs(redis.call('ZRANGE', delayed, 0, -1)) do
    if string.sub(id, 1, ${SCHEDULER_JOB_PREFIX.length}) == '${SCHEDULER_JOB_PREFIX}' then n = n - 1 end
  end
  for _, id in ipairs(redis.call('SMEMBERS', waitingSet)) do
    if redis.call('ZSCORE', delayed, id) then n = n - 1 end
  end
  return n
end`;

/** KEYS: wait, prioritized, delayed, waiting-children, the waiting set. Returns the pending count. */
const PENDING_SCRIPT = new RedisScript(`${PENDING_LUA}
return pendingIn(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])`);

/**
 * KEYS: the five of PENDING_SCRIPT, the maxSize hash, the queue's claims (sorted set: task id ->
 * epoch ms the claim lapses). ARGV: the queue's name, its job key prefix, CLAIM_MS, then the ids
 * of the runs to add. Claims places for the first ids that fit and returns how many, and 1 (0
 * when nothing was claimed: without a maxSize every id fits and nothing is claimed). Redis's own clock dates the claims, so producers
 * on machines whose clocks differ agree on when one lapses.
 */
const CLAIM_SCRIPT = new RedisScript(`${PENDING_LUA}
local wanted = #ARGV - 3
local maxSize = redis.call('HGET', KEYS[6], ARGV[1])
if not maxSize then return {wanted, 0} end
local time = redis.call('TIME')
local nowMs = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', nowMs)
for _, id in ipairs(redis.call('ZRANGE', KEYS[7], 0, -1)) do
  if redis.call('EXISTS', ARGV[2] .. id) == 1 then redis.call('ZREM', KEYS[7], id) end
end
local room = tonumber(maxSize) - pendingIn(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]) - redis.call('ZCARD', KEYS[7])
local granted = math.max(0, math.min(room, wanted))
for i = 1, granted do redis.call('ZADD', KEYS[7], nowMs + tonumber(ARGV[3]), ARGV[3 + i]) end
return {granted, 1}`);

function pendingKeys(queues: RedisQueues, name: string): string[] {
  const { keys } = queues.get(name);
  return [keys.wait, keys.prioritized, keys.delayed, keys["waiting-children"], `${queues.keys.waiting}:${name}`];
}

/** Runs pending in the queue, counted in one script as CLAIM_SCRIPT counts them. */
export async function pendingCount(queues: RedisQueues, name: string): Promise<number> {
  return (await PENDING_SCRIPT.run(queues.redis, pendingKeys(queues, name), [])) as number;
}

/** The places an add was given: how many of its runs, from the first, have one, and whether any claim was written. */
export interface Places {
  granted: number;
  /** False when the queue has no maxSize: every run has a place and there is nothing to release. */
  claimed: boolean;
}

/**
 * Claims places in the queue for the runs `taskIds`, in one step however many producers add at
 * once. When `claimed` says so, release them with {@link releasePlaces} once the add is over,
 * whatever its outcome.
 */
export async function claimPlaces(queues: RedisQueues, name: string, taskIds: readonly string[]): Promise<Places> {
  if (taskIds.length === 0) return { granted: 0, claimed: false };
  const keys = [...pendingKeys(queues, name), queues.keys.maxSizes, `${queues.keys.claims}:${name}`];
  const jobPrefix = `${queues.get(name).keys[""]}`;
  const [granted, claimed] = (await CLAIM_SCRIPT.run(queues.redis, keys, [name, jobPrefix, String(CLAIM_MS), ...taskIds])) as [number, number];
  return { granted, claimed: claimed === 1 };
}

/** Drops the claims of these runs (their jobs exist now, or will not). */
export async function releasePlaces(queues: RedisQueues, name: string, taskIds: readonly string[]): Promise<void> {
  if (taskIds.length > 0) await queues.redis.zrem(`${queues.keys.claims}:${name}`, ...taskIds);
}
