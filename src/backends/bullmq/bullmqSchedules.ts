/**
 * Schedules as BullMQ job schedulers: BullMQ creates each slot's job exactly once however many
 * workers run, with the schedule's id in its data. What a job scheduler does not keep (paused, the
 * arguments as given, where it came from) is a JSON entry in a Redis hash beside it; pausing removes
 * the job scheduler and resuming puts it back, from the first slot after now.
 */
import { randomUUID } from "node:crypto";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { checkAddTaskInput } from "../../core/addTaskInput";
import { checkScheduleSpec } from "../../core/scheduleSlots";
import {
  ValidationError, sameScheduleSpec, scheduleInfo, specOf,
  type ScheduleData, type ScheduleInfo, type ScheduleOptions, type ScheduleSource, type ScheduleSpec, type TaskData,
} from "../../model";

/** What a job scheduler's jobs are made of: the job name, data and options of one run. */
export interface JobTemplate {
  queue: Queue;
  name: string;
  data: Record<string, unknown>;
  opts: Record<string, unknown>;
}

export interface ScheduleHost {
  redis: Redis;
  /** The hash of schedules. */
  key: string;
  nowMs(): number;
  /** The template of a run of `schedule`. */
  template(schedule: ScheduleData): JobTemplate;
  /** Readies the queue for jobs with BullMQ priorities, as a job scheduler's are (see gatedAdd.ts). */
  rank(queue: Queue): Promise<void>;
  /** Every task, to find each schedule's latest run. */
  tasks(): Promise<TaskData[]>;
}

/** The id of a task module's schedule: one per task name, shared by every worker that loads it. */
export function moduleScheduleId(funcName: string): string {
  return `module:${funcName}`;
}

export class BullmqSchedules {
  constructor(private readonly host: ScheduleHost) {}

  private async read(scheduleId: string): Promise<ScheduleData> {
    const text = await this.host.redis.hget(this.host.key, scheduleId);
    if (text === null) throw new ValidationError(`Unknown schedule ${JSON.stringify(scheduleId)}: see listSchedules() for the ids`, "scheduleId");
    return JSON.parse(text) as ScheduleData;
  }

  private async write(schedule: ScheduleData): Promise<void> {
    await this.host.redis.hset(this.host.key, schedule.scheduleId, JSON.stringify(schedule));
  }

  private async arm(schedule: ScheduleData): Promise<void> {
    const { queue, name, data, opts } = this.host.template(schedule);
    const spec = specOf(schedule);
    // An `every` schedule runs at its startDate, or at once without one (BullMQ refuses both with `immediately`).
    const repeat = "every" in spec
      ? { every: Math.round(spec.every * 1000), ...(schedule.runOnStart ? {} : { startDate: this.host.nowMs() + Math.round(spec.every * 1000) }) }
      : { pattern: spec.cron, ...(spec.timezone === undefined ? {} : { tz: spec.timezone }), immediately: schedule.runOnStart };
    await this.host.rank(queue);
    await queue.upsertJobScheduler(schedule.scheduleId, repeat, { name, data, opts });
  }

  /** Creates (or, for a module schedule, updates) a schedule; resolves with its id. */
  async create(funcName: string, specInput: ScheduleSpec, options: ScheduleOptions, source: ScheduleSource = "api", id?: string): Promise<string> {
    const spec = checkScheduleSpec(specInput);
    const input = checkAddTaskInput(funcName, options.args ?? [], { kwargs: options.kwargs, tags: options.tags });
    const scheduleId = id ?? randomUUID();
    const every = "every" in spec ? spec.every : null;
    const schedule: ScheduleData = {
      scheduleId, funcName, every, cron: "cron" in spec ? spec.cron : null, timezone: "cron" in spec ? spec.timezone ?? null : null,
      nextRunAt: null, lastRunAt: null, lastTaskId: null, paused: false, source,
      args: input.args, kwargs: input.kwargs, tags: input.tags, runOnStart: options.runOnStart ?? false,
    };
    await this.write(schedule);
    await this.arm(schedule);
    return scheduleId;
  }

  /** Keeps a task module's schedule in step with its config: created, changed or removed. */
  async declare(funcName: string, spec: ScheduleSpec | null, queue: (name: string) => Queue): Promise<void> {
    const scheduleId = moduleScheduleId(funcName);
    const text = await this.host.redis.hget(this.host.key, scheduleId);
    const existing = text === null ? undefined : (JSON.parse(text) as ScheduleData);
    if (spec === null) {
      if (existing) await this.remove(scheduleId, queue(existing.funcName));
      return;
    }
    if (existing && sameScheduleSpec(specOf(existing), spec)) return;
    await this.create(funcName, spec, {}, "module", scheduleId);
  }

  async setPaused(scheduleId: string, paused: boolean, queue: (funcName: string) => Queue): Promise<void> {
    const schedule = await this.read(scheduleId);
    if (schedule.paused === paused) return;
    schedule.paused = paused;
    await this.write(schedule);
    if (paused) await queue(schedule.funcName).removeJobScheduler(scheduleId);
    else await this.arm(schedule);
  }

  async remove(scheduleId: string, queue: Queue): Promise<void> {
    await this.read(scheduleId);
    await queue.removeJobScheduler(scheduleId);
    await this.host.redis.hdel(this.host.key, scheduleId);
  }

  /** The stored schedule (for runScheduleNow). */
  get(scheduleId: string): Promise<ScheduleData> {
    return this.read(scheduleId);
  }

  /** Every schedule, soonest next slot first, paused ones last. */
  async list(queue: (funcName: string) => Queue): Promise<ScheduleInfo[]> {
    const all = (await this.host.redis.hvals(this.host.key)).map((t) => JSON.parse(t) as ScheduleData);
    if (all.length === 0) return [];
    const latest = new Map<string, TaskData>();
    for (const t of await this.host.tasks()) {
      if (t.scheduleId === null) continue;
      const seen = latest.get(t.scheduleId);
      if (!seen || seen.createdAt < t.createdAt) latest.set(t.scheduleId, t);
    }
    const out = await Promise.all(all.map(async (s) => {
      const next = s.paused ? undefined : await queue(s.funcName).getJobScheduler(s.scheduleId);
      const last = latest.get(s.scheduleId);
      return scheduleInfo({
        ...s,
        nextRunAt: next?.next ? new Date(next.next).toISOString() : null,
        lastRunAt: last ? new Date(last.createdAt).toISOString() : null,
        lastTaskId: last?.taskId ?? null,
      });
    }));
    return out.sort((a, b) => Number(a.paused) - Number(b.paused) || (a.nextRunAt ?? "").localeCompare(b.nextRunAt ?? "") || a.scheduleId.localeCompare(b.scheduleId));
  }
}
