/**
 * Reads the history back from Redis: every job of every queue, by BullMQ state, as task data, plus
 * the rejected runs (a schedule's next slot, not started yet, is left out). BullMQ indexes jobs by state and time only, so filters, search and sort run
 * here over the jobs read (bounded by the retention: `maxRecords` finished jobs per queue).
 */
import type { Job, JobType } from "bullmq";
import {
  MetricsAccumulator, isFinished,
  type ListTasksQuery, type Metrics, type TaskData,
} from "../../model";
import { comparatorFor, matchesQuery, resolveQuery } from "../../store/taskQuery";
import { jobToTaskData, rejectedFromJson } from "./jobMapping";
import type { RedisQueues } from "./redisQueues";

/** BullMQ's job lists, each read in full; `paused` and `waiting` are the same list under different names. */
const STATES: readonly JobType[] = ["active", "waiting", "prioritized", "delayed", "waiting-children", "completed", "failed"];

export class JobHistory {
  constructor(private readonly queues: RedisQueues) {}

  /** Every task, without logs. */
  async all(): Promise<TaskData[]> {
    const names = await this.queues.names();
    const perQueue = await Promise.all(names.map((name) => this.ofQueue(name)));
    const rejected = await this.queues.redis.hvals(this.queues.keys.rejected);
    return [...perQueue.flat(), ...rejected.map(rejectedFromJson)];
  }

  private async ofQueue(name: string): Promise<TaskData[]> {
    const queue = this.queues.get(name);
    const lists = await Promise.all(STATES.map(async (state) => ({ state, jobs: await queue.getJobs([state], 0, -1) })));
    const seen = new Set<string>();
    const out: TaskData[] = [];
    for (const { state, jobs } of lists) {
      for (const job of jobs) {
        // A job that moved between two reads can show up twice; its first (earlier) state wins.
        if (!job || seen.has(String(job.id))) continue;
        seen.add(String(job.id));
        // A schedule's next slot waits as a delayed job of BullMQ's job scheduler: it is the schedule's
        // "next run" (listSchedules), not a run anyone started, as in the local engine.
        if (state === "delayed" && (job as Job).repeatJobKey) continue;
        out.push(jobToTaskData(job as Job, state as Parameters<typeof jobToTaskData>[1], []));
      }
    }
    return out;
  }

  /** The task with its logs, or undefined. */
  async get(taskId: string): Promise<TaskData | undefined> {
    let found = await this.job(taskId);
    if (found) {
      const state = await found.getState();
      // The job was read before its state: when it finished in between, its fields are read again.
      if ((state === "completed" || state === "failed") && !found.finishedOn) found = (await this.queues.get(found.queueName).getJob(taskId)) ?? found;
      return jobToTaskData(found, state, await this.logs(found.queueName, taskId));
    }
    const rejected = await this.queues.redis.hget(this.queues.keys.rejected, taskId);
    return rejected === null ? undefined : rejectedFromJson(rejected);
  }

  /**
   * The task of a job in `queue`, without its logs (a lifecycle event's fields), or undefined
   * when the job is gone.
   */
  async peek(queue: string, taskId: string): Promise<TaskData | undefined> {
    const q = this.queues.get(queue);
    let found = await q.getJob(taskId);
    if (!found) return undefined;
    const state = await found.getState();
    if ((state === "completed" || state === "failed") && !found.finishedOn) found = (await q.getJob(taskId)) ?? found;
    return jobToTaskData(found, state, []);
  }

  /** The job of a task, in whichever queue holds it. */
  async job(taskId: string): Promise<Job | undefined> {
    const names = await this.queues.names();
    const jobs = await Promise.all(names.map((name) => this.queues.get(name).getJob(taskId)));
    return jobs.find((j): j is Job => j !== undefined && j !== null);
  }

  async logs(queue: string, taskId: string): Promise<string[]> {
    const { logs } = await this.queues.get(queue).getJobLogs(taskId, 0, -1, true);
    return logs;
  }

  async list(query?: ListTasksQuery): Promise<TaskData[]> {
    const resolved = resolveQuery(query ?? {});
    const all = (await this.all()).filter((t) => matchesQuery(t, resolved));
    all.sort(comparatorFor(resolved.sort));
    const page = all.slice(resolved.offset, resolved.offset + resolved.limit);
    if (resolved.withLogs) {
      await Promise.all(page.map(async (t) => {
        if (t.status !== "rejected") t.logs = await this.logs(t.queue, t.taskId);
      }));
    }
    return page;
  }

  async count(query?: ListTasksQuery): Promise<number> {
    const resolved = resolveQuery(query ?? {});
    return (await this.all()).filter((t) => matchesQuery(t, resolved)).length;
  }

  async metrics(): Promise<Metrics> {
    const acc = new MetricsAccumulator();
    for (const t of await this.all()) acc.add(t.status, t.startTime, t.endTime);
    return acc.result();
  }

  async funcNames(): Promise<string[]> {
    const names = new Set((await this.all()).map((t) => t.funcName));
    return [...names].sort();
  }

  /** Finished tasks, oldest first (retryFailed, clearHistory). */
  async finished(): Promise<TaskData[]> {
    const all = (await this.all()).filter((t) => isFinished(t.status));
    return all.sort(comparatorFor({ by: "createdAt", order: "asc" }));
  }
}
