/**
 * How a Taskflow run is a BullMQ job, both ways, derived from the model's field list. The fields
 * in JOB_OWNED come from the job's own fields (id, name, state, timestamps, attempts, return value,
 * failedReason, stacktrace, progress, logs, queue); every other field of TASK_FIELDS is carried in
 * the job's data under its JSON-form key, so a field added to the model is carried without a change
 * here: so `steps` and `waitingFor` are kept with the job, and the job's own state says whether the
 * wait is on (delayed: waiting). The data also holds the retry config and the outcomes BullMQ has
 * no state for (cancelled, interrupted) as `outcome`.
 */
import type { Job, JobState } from "bullmq";
import {
  FIELD_NAMES, TASK_FIELDS, dictKey,
  type DictKeyOf, type Field, type TaskConfig, type TaskData, type TaskField, type TaskProgress, type TaskStatus,
} from "../../model";

type AnyField = Field<any, any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The part of a task's config a job carries, so whichever worker runs it backs off and requeues alike. */
export type JobConfig = Pick<TaskConfig, "retries" | "delay" | "backoff" | "maxDelay" | "jitter" | "timeout" | "requeueOnInterrupt">;

/** A finish BullMQ has no state for, written onto the job's data by whoever caused it. */
export interface JobOutcome {
  status: "cancelled" | "interrupted";
  /** Epoch ms of the cancel or interruption. */
  at: number;
  error: string;
}

/** The fields BullMQ's own job fields carry; every other field travels in the job's data. */
export const JOB_OWNED = [
  "taskId", "funcName", "status", "createdAt", "startTime", "endTime", "retriesUsed", "error", "logs", "stacktrace", "result", "queue", "progress",
] as const satisfies readonly TaskField[];

/** A field BullMQ's own job fields carry. */
export type JobOwnedField = (typeof JOB_OWNED)[number];

/** A field carried in the job's data. */
export type PayloadField = Exclude<TaskField, JobOwnedField>;

/** The fields carried in the job's data, in the model's order. */
export const PAYLOAD_FIELDS: readonly PayloadField[] = FIELD_NAMES.filter((k): k is PayloadField => !(JOB_OWNED as readonly string[]).includes(k));

/** A field's value as JSON: bytes as base64, everything else as stored data already is. */
type JsonOf<V> = V extends Uint8Array ? string : V;

/**
 * A job's data: the payload fields under their JSON-form keys (the encrypted payload as `encrypted`,
 * the Fernet token in base64), each left out at its initial value (no arguments, no tags, null,
 * priority 0): each job's data is written to Redis, its AOF and every read of the job, and readers
 * fill the initial values in.
 */
export type JobPayload = { [K in PayloadField as DictKeyOf<K>]?: JsonOf<TaskData[K]> } & {
  /** Always written: workers of earlier versions read it without a default. */
  config: JobConfig;
  outcome?: JobOutcome;
  /** BullMQ's stalledCounter when a worker last took the job on after a stall that interrupted nothing (see reachedWait). */
  stallsSeen?: number;
  /** A run of a function with `debounce`: its key, and the epoch ms its window ends (after its last add). */
  debounce?: { key: string; untilMs: number };
};

function toJson(key: TaskField, value: unknown): unknown {
  return TASK_FIELDS[key].sqlType === "BLOB" && value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value;
}

function fromJson(key: TaskField, value: unknown): unknown {
  return TASK_FIELDS[key].sqlType === "BLOB" && typeof value === "string" ? Uint8Array.from(Buffer.from(value, "base64")) : value;
}

const INITIAL_JSON = new Map(FIELD_NAMES.map((k) => [k, JSON.stringify(toJson(k, (TASK_FIELDS[k] as AnyField).initial()))]));

/**
 * Whether a field's JSON value writes as its initial value's JSON. The usual values (null, an
 * empty list or object, a number) are told apart without writing them: the job's data is
 * written as JSON once more when it is added.
 */
function atInitial(key: TaskField, value: unknown): boolean {
  const initial = INITIAL_JSON.get(key);
  if (value === null) return initial === "null";
  // A list with items never writes as an initial value (null, 0, "...", [] or {}).
  if (Array.isArray(value)) return value.length === 0 ? initial === "[]" : false;
  if (typeof value === "object" && Object.keys(value).length === 0 && Object.getPrototypeOf(value) === Object.prototype) return initial === "{}";
  return JSON.stringify(value) === initial;
}

/** The job's data of a task: its payload fields not at their initial values, and `config`. */
export function payloadOf(task: TaskData, config: JobConfig): JobPayload {
  const out: Record<string, unknown> = { config };
  for (const key of PAYLOAD_FIELDS) {
    const value = toJson(key, task[key]);
    if (!atInitial(key, value)) out[dictKey(key)] = value;
  }
  return out as JobPayload;
}

/** The payload fields of a job's data; one left out (at its initial value, or written before the field existed) gets its initial value. */
export function payloadFields(payload: JobPayload): Pick<TaskData, PayloadField> {
  const data = payload as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of PAYLOAD_FIELDS) {
    const value = data[dictKey(key)];
    out[key] = value === undefined || value === null ? (TASK_FIELDS[key] as AnyField).initial() : fromJson(key, value);
  }
  return out as Pick<TaskData, PayloadField>;
}

/**
 * BullMQ priorities run lowest first, from 1 to 2^21; Taskflow's run highest first and default 0.
 * In a ranked queue (see gatedAdd.ts) Taskflow priority p becomes PRIORITY_ZERO - p, so 0 sits
 * mid-range and every job is prioritized (BullMQ keeps FIFO among equal priorities).
 */
export const PRIORITY_ZERO = 2 ** 20;
/** The largest Taskflow priority magnitude BullMQ can order. */
export const MAX_PRIORITY = PRIORITY_ZERO - 1;

export function bullPriority(priority: number): number {
  const p = Math.round(priority);
  return PRIORITY_ZERO - Math.max(-MAX_PRIORITY, Math.min(MAX_PRIORITY, p));
}

/**
 * A job's Taskflow status from its BullMQ state and its data's outcome. A waiting run is a delayed
 * job whose data says what it waits for; once it is promoted (or its delay ends) it is pending again.
 */
export function statusOf(state: JobState | "unknown" | "waiting-children" | "prioritized", payload: JobPayload): TaskStatus {
  if (payload.outcome) return payload.outcome.status;
  switch (state) {
    case "active": return "running";
    case "completed": return "success";
    case "failed": return "failed";
    case "delayed": return payload.waitingFor ? "waiting" : "pending";
    default: return "pending";
  }
}

function progressOf(value: unknown): TaskProgress | null {
  if (typeof value !== "object" || value === null) return null;
  const { fraction, message } = value as Partial<TaskProgress>;
  return typeof fraction === "number" ? { fraction, message: typeof message === "string" ? message : null } : null;
}

/** A job's state as jobToTaskData takes it. */
export type JobStateOf = JobState | "unknown" | "prioritized" | "waiting-children";

/** The fields of a task its lifecycle events carry, from its job in `state`, without the rest of the mapping. */
export function jobLifecycleOf(job: Job, state: JobStateOf): Pick<TaskData, "taskId" | "funcName" | "status" | "startTime" | "endTime" | "retriesUsed" | "error" | "stacktrace" | "tags" | "waitingFor"> {
  const payload = job.data as JobPayload;
  const status = statusOf(state, payload);
  const attemptsMade = job.attemptsMade ?? 0;
  // BullMQ counts a finished attempt in attemptsMade as it settles; a wait (moveToDelayed skipping
  // the attempt) and a hand-back count none, while attemptsStarted counts every start.
  const retriesUsed = status === "pending" || status === "running" || status === "waiting" ? attemptsMade : Math.max(0, attemptsMade - 1);
  const outcome = payload.outcome;
  const stack = job.stacktrace?.length ? job.stacktrace[job.stacktrace.length - 1] : null;
  const failedReason = job.failedReason ? job.failedReason : null;
  return {
    taskId: String(job.id),
    funcName: job.name,
    status,
    startTime: job.processedOn ?? (outcome ? outcome.at : null),
    endTime: outcome ? outcome.at : status === "success" || status === "failed" ? (job.finishedOn ?? null) : null,
    retriesUsed,
    error: outcome ? outcome.error : status === "success" ? null : failedReason,
    stacktrace: status === "success" || outcome?.status === "cancelled" ? null : stack,
    tags: payload.tags ?? {},
    // The data keeps the last wait until the job runs again; it is what the run waits for only while it waits.
    waitingFor: status === "waiting" ? (payload.waitingFor ?? null) : null,
  };
}

/** The task a job is, in `state`, with `logs` (empty when not read). */
export function jobToTaskData(job: Job, state: JobStateOf, logs: string[]): TaskData {
  const { tags: _tags, waitingFor: _waitingFor, ...lifecycle } = jobLifecycleOf(job, state);
  const { status } = lifecycle;
  const owned: Pick<TaskData, JobOwnedField> = {
    ...lifecycle,
    createdAt: job.timestamp,
    logs,
    result: status === "success" ? (job.returnvalue ?? null) : null,
    queue: job.queueName,
    progress: progressOf(job.progress),
  };
  const fields = payloadFields(job.data as JobPayload);
  if (status !== "waiting") fields.waitingFor = null;
  return { ...owned, ...fields };
}

/**
 * A rejected run (never a job: it never runs) as the JSON kept in the rejected hash, and back: every
 * field but logs under its own name, bytes as base64.
 */
export function rejectedToJson(task: TaskData): string {
  const out: Record<string, unknown> = {};
  for (const key of FIELD_NAMES) if (key !== "logs") out[key] = toJson(key, task[key]);
  return JSON.stringify(out);
}

/** A rejected run read back; a field missing (written before it existed) gets its initial value. */
export function rejectedFromJson(text: string): TaskData {
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of FIELD_NAMES) {
    const value = key === "logs" ? undefined : parsed[key];
    out[key] = value === undefined ? (TASK_FIELDS[key] as AnyField).initial() : fromJson(key, value);
  }
  return out as TaskData;
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
