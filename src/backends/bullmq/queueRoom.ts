/**
 * A queue's pending runs as maxSize counts them, in Lua, so the count and the add it allows run in
 * one script (see gatedAdd.ts): BullMQ creates a job and lists it as pending in that same script,
 * so however many producers add at once, a place is never counted twice or not at all.
 */
import type { RedisQueues } from "./redisQueues";
import { RedisScript } from "./redisScript";

/** The prefix of the ids BullMQ's job schedulers give the jobs they make. */
const SCHEDULER_JOB_PREFIX = "repeat:";

/**
 * Lua: the queue's pending runs, given its wait list, prioritized, delayed and waiting-children
 * sets and the set of its runs delayed for a wait. A schedule's next slot is a delayed job of its
 * job scheduler, the schedule's next run rather than a pending one (the history leaves it out too);
 * a run delayed for a wait is not pending either (as on the local engine).
 */
export const PENDING_LUA = `
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

/** The keys pendingIn takes, in its order. */
function pendingKeys(queues: RedisQueues, name: string): string[] {
  const { keys } = queues.get(name);
  return [keys.wait, keys.prioritized, keys.delayed, keys["waiting-children"], `${queues.keys.waiting}:${name}`];
}

/** Runs pending in the queue, counted as an add's maxSize check counts them. */
export async function pendingCount(queues: RedisQueues, name: string): Promise<number> {
  return (await PENDING_SCRIPT.run(queues.redis, pendingKeys(queues, name), [])) as number;
}
