/**
 * Changes to a job's data that do not lose each other's writes. BullMQ's updateData replaces the
 * whole data with what one process holds, so a step recorded by the worker and a cancel or an input
 * written by another manager at the same moment would overwrite each other: here the data is read,
 * changed and written back only while Redis still holds what was read (compare-and-set in Lua),
 * and read again otherwise.
 */
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import type { JobPayload } from "./jobMapping";

/** Sets the job hash's `data` to ARGV[2] only while it still is ARGV[1]: 1 when set, 0 when it changed meanwhile, -1 when the job is gone. */
const SWAP_DATA = `
local cur = redis.call('HGET', KEYS[1], 'data')
if cur == false then return -1 end
if cur ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[2])
return 1`;

/** Thrown when the job was removed while its data was being changed. */
export class JobGoneError extends Error {
  constructor(taskId: string) {
    super(`task ${taskId} was deleted while it was being changed`);
    this.name = "JobGoneError";
  }
}

/** The Redis key of a job's hash. */
export function jobKey(job: Job): string {
  return `${job.queueQualifiedName}:${job.id}`;
}

/**
 * Applies `change` to the job's data as Redis holds it now, and writes the result back atomically
 * (again from a fresh read when another write came in between). `change` returns the new data, or
 * undefined to leave it as it is; it may throw to refuse (the error is passed on, nothing written).
 * Resolves with the data Redis holds afterwards, also kept as `job.data`.
 */
export async function changeJobData(redis: Redis, job: Job, change: (payload: JobPayload) => JobPayload | undefined): Promise<JobPayload> {
  const key = jobKey(job);
  for (;;) {
    const raw = await redis.hget(key, "data");
    if (raw === null) throw new JobGoneError(String(job.id));
    const current = JSON.parse(raw) as JobPayload;
    const next = change(current);
    if (next === undefined) {
      job.data = current;
      return current;
    }
    const written = JSON.stringify(next);
    const swapped = (await redis.eval(SWAP_DATA, 1, key, raw, written)) as number;
    if (swapped === -1) throw new JobGoneError(String(job.id));
    if (swapped === 1) {
      job.data = JSON.parse(written) as JobPayload;
      return job.data as JobPayload;
    }
  }
}
