/**
 * How a Taskflow run is a BullMQ job, both ways. The job's own fields carry what BullMQ has
 * (state, timestamps, attempts, return value, failedReason, stacktrace, progress, logs); the job's
 * data carries the rest (arguments, tags, key, parent, schedule, Taskflow's priority and the retry
 * config), and the outcomes BullMQ has no state for (cancelled, interrupted) as `outcome`.
 */
import type { Job, JobState } from "bullmq";
import { newTaskData, type TaskConfig, type TaskData, type TaskProgress, type TaskStatus } from "../../model";

/** The part of a task's config a job carries, so whichever worker runs it backs off and requeues alike. */
export type JobConfig = Pick<TaskConfig, "retries" | "delay" | "backoff" | "maxDelay" | "jitter" | "timeout" | "requeueOnInterrupt">;

/** A finish BullMQ has no state for, written onto the job's data by whoever caused it. */
export interface JobOutcome {
  status: "cancelled" | "interrupted";
  /** Epoch ms of the cancel or interruption. */
  at: number;
  error: string;
}

/**
 * A job's data: what a run needs beyond BullMQ's own fields. A field at its default (no arguments,
 * no tags, null, priority 0) is left out: each job's data is written to Redis, its AOF and every
 * read of the job, and readers fill the defaults in.
 */
export interface JobPayload {
  /** @default [] */
  args?: unknown[];
  /** @default {} */
  kwargs?: Record<string, unknown>;
  /** @default {} */
  tags?: Record<string, string>;
  /** @default null */
  idempotencyKey?: string | null;
  /** @default null */
  parentId?: string | null;
  /** @default null */
  scheduleId?: string | null;
  /** Taskflow's priority (higher runs first); the job's BullMQ priority is derived from it. @default 0 */
  priority?: number;
  /** Epoch ms the run may start. @default null */
  runAt?: number | null;
  /** The Fernet token of (args, kwargs), base64, when arguments are encrypted. @default null */
  encrypted?: string | null;
  /** Always written: workers of earlier versions read it without a default. */
  config: JobConfig;
  outcome?: JobOutcome;
}

/** The data of a job: `payload` without the fields at their defaults. */
export function compactPayload(payload: Required<Omit<JobPayload, "outcome">>): JobPayload {
  const out: JobPayload = { config: payload.config };
  if (payload.args.length > 0) out.args = payload.args;
  if (Object.keys(payload.kwargs).length > 0) out.kwargs = payload.kwargs;
  if (Object.keys(payload.tags).length > 0) out.tags = payload.tags;
  if (payload.idempotencyKey !== null) out.idempotencyKey = payload.idempotencyKey;
  if (payload.parentId !== null) out.parentId = payload.parentId;
  if (payload.scheduleId !== null) out.scheduleId = payload.scheduleId;
  if (payload.priority !== 0) out.priority = payload.priority;
  if (payload.runAt !== null) out.runAt = payload.runAt;
  if (payload.encrypted !== null) out.encrypted = payload.encrypted;
  return out;
}

/**
 * BullMQ priorities run lowest first, from 1 to 2^21; Taskflow's run highest first and default 0.
 * Taskflow priority p becomes PRIORITY_ZERO - p, so 0 sits mid-range and every job is prioritized
 * (BullMQ keeps FIFO among equal priorities).
 */
const PRIORITY_ZERO = 2 ** 20;
/** The largest Taskflow priority magnitude BullMQ can order. */
export const MAX_PRIORITY = PRIORITY_ZERO - 1;

export function bullPriority(priority: number): number {
  const p = Math.round(priority);
  return PRIORITY_ZERO - Math.max(-MAX_PRIORITY, Math.min(MAX_PRIORITY, p));
}

/** A job's Taskflow status from its BullMQ state and its data's outcome. */
export function statusOf(state: JobState | "unknown" | "waiting-children" | "prioritized", payload: JobPayload): TaskStatus {
  if (payload.outcome) return payload.outcome.status;
  switch (state) {
    case "active": return "running";
    case "completed": return "success";
    case "failed": return "failed";
    default: return "pending";
  }
}

function progressOf(value: unknown): TaskProgress | null {
  if (typeof value !== "object" || value === null) return null;
  const { fraction, message } = value as Partial<TaskProgress>;
  return typeof fraction === "number" ? { fraction, message: typeof message === "string" ? message : null } : null;
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, "base64"));
}

/** The task a job is, in `state`, with `logs` (empty when not read). */
export function jobToTaskData(job: Job, state: JobState | "unknown" | "prioritized" | "waiting-children", logs: string[]): TaskData {
  const payload = job.data as JobPayload;
  const status = statusOf(state, payload);
  const attemptsMade = job.attemptsMade ?? 0;
  const started = job.attemptsStarted ?? attemptsMade;
  const retriesUsed = status === "pending" ? attemptsMade : status === "running" ? Math.max(0, started - 1) : Math.max(0, attemptsMade - 1);
  const outcome = payload.outcome;
  const stack = job.stacktrace?.length ? job.stacktrace[job.stacktrace.length - 1] : null;
  const failedReason = job.failedReason ? job.failedReason : null;
  const endTime = outcome ? outcome.at : status === "success" || status === "failed" ? (job.finishedOn ?? null) : null;
  return newTaskData({
    taskId: String(job.id),
    funcName: job.name,
    status,
    args: payload.args ?? [],
    kwargs: payload.kwargs ?? {},
    createdAt: job.timestamp,
    startTime: job.processedOn ?? (outcome ? outcome.at : null),
    endTime,
    retriesUsed,
    error: outcome ? outcome.error : status === "success" ? null : failedReason,
    logs,
    stacktrace: status === "success" || outcome?.status === "cancelled" ? null : stack,
    idempotencyKey: payload.idempotencyKey ?? null,
    tags: payload.tags ?? {},
    result: status === "success" ? (job.returnvalue ?? null) : null,
    parentId: payload.parentId ?? null,
    queue: job.queueName,
    priority: payload.priority ?? 0,
    runAt: payload.runAt ?? null,
    scheduleId: payload.scheduleId ?? null,
    progress: progressOf(job.progress),
    encryptedPayload: payload.encrypted ? fromBase64(payload.encrypted) : null,
  });
}

/** A rejected run (never a job: it never runs) as the JSON kept in the rejected hash, and back. */
export function rejectedToJson(task: TaskData): string {
  const { encryptedPayload, logs: _logs, ...rest } = task;
  return JSON.stringify({ ...rest, encryptedPayload: encryptedPayload ? Buffer.from(encryptedPayload).toString("base64") : null });
}

export function rejectedFromJson(text: string): TaskData {
  const parsed = JSON.parse(text) as Omit<TaskData, "encryptedPayload" | "logs"> & { encryptedPayload: string | null };
  return newTaskData({ ...parsed, logs: [], encryptedPayload: parsed.encryptedPayload ? fromBase64(parsed.encryptedPayload) : null });
}

/** The job config of a task config. */
export function jobConfig(config: TaskConfig): JobConfig {
  const { retries, delay, backoff, maxDelay, jitter, timeout, requeueOnInterrupt } = config;
  const out: JobConfig = {};
  if (retries !== undefined) out.retries = retries;
  if (delay !== undefined) out.delay = delay;
  if (backoff !== undefined) out.backoff = backoff;
  if (maxDelay !== undefined) out.maxDelay = maxDelay;
  if (jitter !== undefined) out.jitter = jitter;
  if (timeout !== undefined) out.timeout = timeout;
  if (requeueOnInterrupt !== undefined) out.requeueOnInterrupt = requeueOnInterrupt;
  return out;
}
