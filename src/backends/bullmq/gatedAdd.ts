/**
 * Adding a run is one Redis script: Taskflow's part runs at the head of BullMQ's own add script, so
 * the queue's maxSize check, the choice between BullMQ's plain wait list and its prioritized set,
 * the audit entry and the job itself land together, with one round trip. BullMQ builds the add's
 * keys and arguments (Job.addJob on a client that only takes them down); the script is BullMQ's
 * text for that add behind Taskflow's.
 *
 * Priorities: BullMQ serves its wait list before its prioritized set, so a queue whose runs all have
 * priority 0 keeps them on the wait list (BullMQ's cheapest path), and the first run with another
 * priority ranks the queue for good: its waiting runs move to the prioritized set in their order,
 * and every run it holds, delayed or running, is given priority 0's rank, so a retry or a wake-up
 * comes back ranked too. A queue is ranked also while its prioritized set holds a run (a schedule's).
 */
import { Job, type JobsOptions, type Queue } from "bullmq";
import { addDelayedJob, addPrioritizedJob, addStandardJob } from "bullmq/dist/cjs/scripts";
import { AUDIT_MAX_ENTRIES } from "../../model";
import { PRIORITY_ZERO, bullPriority, type JobPayload } from "./jobMapping";
import { PENDING_LUA } from "./queueRoom";
import { taskflowKeys, type RedisQueues } from "./redisQueues";
import { RedisScript, type ScriptArg, type ScriptCall } from "./redisScript";

/** A job about to be added, and the Taskflow priority of its run. */
export interface GatedJob {
  name: string;
  data: JobPayload;
  opts: JobsOptions & { jobId: string };
  priority: number;
}

/** What an add did: the id of the job (a debounced add's may be an earlier run's), or "full" when maxSize refused it. */
export type GatedOutcome = { jobId: string } | "full";

/** The script's own replies; BullMQ's errors are small negative numbers. */
const FULL = -1000;
const RANKED = -1001;

const BULLMQ_ADDS = new Map([addStandardJob, addPrioritizedJob, addDelayedJob].map((s) => [s.name, s]));

/**
 * Taskflow's head of an add script, its arguments after BullMQ's three. ARGV: the queue, its key
 * prefix, the backend's prefix (Taskflow's keys are made from it here, as BullMQ makes its job keys
 * from the queue's key prefix in its scripts), the audit entry ("" for none), PRIORITY_ZERO. A plain
 * add is refused (RANKED) in a ranked queue; a ranked add ranks the queue.
 */
function headLua(ranked: boolean, checkMaxSize = true): string {
  const rank = `
  if redis.call('SISMEMBER', rankedSet, queue) == 0 then
    local zero = tonumber(ARGV[8])
    local function ranked(id)
      if (tonumber(redis.call('HGET', prefix .. id, 'priority')) or 0) == 0 then redis.call('HSET', prefix .. id, 'priority', zero) end
    end
    local waiting = redis.call('LRANGE', prefix .. 'wait', 0, -1)
    if #waiting > 0 then redis.call('DEL', prefix .. 'wait') end
    for i = #waiting, 1, -1 do
      redis.call('ZADD', prefix .. 'prioritized', zero * 0x100000000 + redis.call('INCR', prefix .. 'pc') % 0x100000000, waiting[i])
      redis.call('HSET', prefix .. waiting[i], 'priority', zero)
    end
    for _, id in ipairs(redis.call('ZRANGE', prefix .. 'delayed', 0, -1)) do ranked(id) end
    for _, id in ipairs(redis.call('LRANGE', prefix .. 'active', 0, -1)) do ranked(id) end
    redis.call('SADD', rankedSet, queue)
  end`;
  return `do
  local queue, prefix, root = ARGV[4], ARGV[5], ARGV[6]
  local rankedSet = root .. '${SUFFIX.ranked}'
  ${PENDING_LUA}
  ${ranked ? "" : `if redis.call('SISMEMBER', rankedSet, queue) == 1 or redis.call('ZCARD', prefix .. 'prioritized') > 0 then return ${RANKED} end`}
  ${checkMaxSize ? `local maxSize = redis.call('HGET', root .. '${SUFFIX.maxSizes}', queue)
  if maxSize and pendingIn(prefix .. 'wait', prefix .. 'prioritized', prefix .. 'delayed', prefix .. 'waiting-children', root .. '${SUFFIX.waiting}:' .. queue) >= tonumber(maxSize) then return ${FULL} end` : ""}
  ${ranked ? rank : ""}
  if ARGV[7] ~= '' and redis.call('LPUSH', root .. '${SUFFIX.audit}', ARGV[7]) > ${AUDIT_MAX_ENTRIES} then
    redis.call('LTRIM', root .. '${SUFFIX.audit}', 0, ${AUDIT_MAX_ENTRIES - 1})
  end
end
`;
}

/** Taskflow's keys without the backend's prefix, for the scripts to put it in front. */
const SUFFIX = taskflowKeys("");

/**
 * BullMQ's "added" event, which its add scripts write beside "waiting" or "delayed" (each with the
 * job id): Taskflow announces an add from those, so the add scripts here leave it out, one stream
 * entry less per run to write and for every manager to read.
 */
const ADDED_EVENT = `rcall("XADD", eventsKey, "*", "event", "added", "jobId", jobId, "name", name)`;

function withoutAddedEvent(command: string, lua: string): string {
  if (!lua.includes(ADDED_EVENT)) throw new Error(`Expected BullMQ's ${command} script to write its "added" event as ${ADDED_EVENT}, found no such line: this BullMQ version is not supported`);
  return lua.replace(ADDED_EVENT, "");
}

/** The add scripts made so far, plain and ranked, by BullMQ's command name. */
const scripts = { plain: new Map<string, AddScript>(), ranked: new Map<string, AddScript>() };

interface AddScript {
  script: RedisScript;
  /** How many of BullMQ's arguments are keys. */
  keys: number;
}

function scriptFor(command: string, ranked: boolean): AddScript {
  const made = (ranked ? scripts.ranked : scripts.plain).get(command);
  if (made) return made;
  const bullmq = BULLMQ_ADDS.get(command.split(":")[0]);
  if (!bullmq) throw new Error(`Expected BullMQ to add a job with addStandardJob, addPrioritizedJob or addDelayedJob, got ${command}: this BullMQ version is not supported`);
  const script = { script: new RedisScript(headLua(ranked) + withoutAddedEvent(bullmq.name, bullmq.content)), keys: bullmq.keys };
  (ranked ? scripts.ranked : scripts.plain).set(command, script);
  return script;
}

/** The keys and arguments BullMQ adds the job with, taken down without touching Redis. */
async function bullmqCall(queue: Queue, job: GatedJob, ranked: boolean): Promise<{ command: string; args: ScriptArg[] }> {
  const opts = { ...job.opts, priority: ranked ? bullPriority(job.priority) : 0 };
  let call: { command: string; args: ScriptArg[] } | undefined;
  const recorder = {
    runCommand: (command: string, args: ScriptArg[]) => {
      call = { command, args };
      return Promise.resolve(job.opts.jobId);
    },
  };
  await new Job(queue, job.name, job.data, opts, opts.jobId).addJob(recorder as never);
  if (!call) throw new Error(`Expected BullMQ to build the add of job ${job.opts.jobId}, it sent nothing: this BullMQ version is not supported`);
  return call;
}

/** The script call that adds `job` to `queueName`, plain or ranked, with `audit` ("" for none). */
async function gatedCall(queues: RedisQueues, queueName: string, job: GatedJob, ranked: boolean, audit: string): Promise<ScriptCall> {
  const queue = queues.get(queueName);
  const { command, args } = await bullmqCall(queue, job, ranked);
  const { script, keys } = scriptFor(command, ranked);
  return { script, keys: args.slice(0, keys) as string[], args: [...args.slice(keys), ...headArgs(queues, queueName, audit)] };
}

function outcomeOf(reply: unknown, jobId: string): GatedOutcome | "ranked" {
  if (reply instanceof Error) throw reply;
  if (reply === FULL) return "full";
  if (reply === RANKED) return "ranked";
  if (typeof reply === "number" && reply < 0) throw new Error(`BullMQ refused to add job ${jobId} (code ${reply})`);
  return { jobId: String(reply) };
}

/** Whether this process has seen the queue ranked (a queue never goes back to plain). */
function rankedHere(queues: RedisQueues, queueName: string, job: GatedJob): boolean {
  return job.priority !== 0 || queues.ranked.has(queueName);
}

/**
 * Adds `job` to `queueName` in one script, unless its maxSize is reached. `audit` is the JSON of an
 * audit entry written with it ("" for none).
 */
export async function gatedAdd(queues: RedisQueues, queueName: string, job: GatedJob, audit = ""): Promise<GatedOutcome> {
  const ranked = rankedHere(queues, queueName, job);
  const call = await gatedCall(queues, queueName, job, ranked, audit);
  const outcome = outcomeOf(await call.script.run(queues.redis, call.keys, call.args), job.opts.jobId);
  if (outcome !== "ranked") return outcome;
  queues.ranked.add(queueName);
  return gatedAdd(queues, queueName, job, audit);
}

/**
 * Adds the jobs to `queueName` in one pipeline, in order, each checked against maxSize as it lands;
 * resolves with each one's outcome.
 */
export async function gatedAddAll(queues: RedisQueues, queueName: string, jobs: readonly GatedJob[]): Promise<GatedOutcome[]> {
  const calls = await Promise.all(jobs.map((job) => gatedCall(queues, queueName, job, rankedHere(queues, queueName, job), "")));
  const outcomes = (await RedisScript.runAll(queues.redis, calls)).map((reply, i) => outcomeOf(reply, jobs[i].opts.jobId));
  const again = jobs.filter((_, i) => outcomes[i] === "ranked");
  if (again.length === 0) return outcomes as GatedOutcome[];
  queues.ranked.add(queueName);
  const retried = await gatedAddAll(queues, queueName, again);
  return outcomes.map((o) => (o === "ranked" ? retried.shift()! : o));
}

/** The arguments of headLua after BullMQ's. */
function headArgs(queues: RedisQueues, queueName: string, audit: string): ScriptArg[] {
  return [queueName, queues.get(queueName).keys[""], queues.options.prefix, audit, PRIORITY_ZERO];
}

/** ARGV as a ranked add's head takes them, BullMQ's three empty; ranks the queue. */
const RANK_SCRIPT = new RedisScript(`${headLua(true, false)}return 0`);

/** Ranks the queue now: for what adds jobs outside gatedAdd with BullMQ's priorities (a job scheduler). */
export async function rankQueue(queues: RedisQueues, queueName: string): Promise<void> {
  await RANK_SCRIPT.run(queues.redis, [], ["", "", "", ...headArgs(queues, queueName, "")]);
  queues.ranked.add(queueName);
}
