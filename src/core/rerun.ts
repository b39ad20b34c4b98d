/**
 * The re-run rule: which fields a new run takes from the run it repeats. retryTask and retryFailed
 * on both backends (and so bulk retry over HTTP and in the dashboard, and `taskflow retry`), and the
 * task panel's Run Again and Edit and Run all build their new run here, so they agree.
 */
import { FIELD_NAMES, TASK_FIELDS, TaskRecord, type AddTaskOptions, type Field, type TaskData, type TaskField } from "../model";

type AnyField = Field<any, any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Whether each field of the model carries over to a re-run. Every field of TASK_FIELDS is listed,
 * so a field added to the model does not compile until it is decided here.
 *
 * Carried: what the run was asked to do and where. The function and its arguments (encrypted ones
 * as the same token, never opened on the way), tags, so the re-run is found and grouped with the
 * original; queue and priority, so it waits where the original did (a queue's limits and pause
 * apply to it); and the idempotency key, so the re-run holds the key the original released by
 * failing, and an addTask with that key finds the re-run instead of starting yet another run.
 *
 * Not carried: the original's identity and outcome (id, status, times, retries used, error, stack,
 * logs, result, progress), since a re-run is a new run that starts from scratch; parentId and
 * scheduleId, since a person or a caller asked for the re-run, not the parent task or the schedule,
 * and it does not count among their runs; runAt, since the original's start time has passed and a
 * re-run may start at once.
 */
export const CARRIES_OVER = {
  taskId: false,
  funcName: true,
  status: false,
  args: true,
  kwargs: true,
  createdAt: false,
  startTime: false,
  endTime: false,
  retriesUsed: false,
  error: false,
  logs: false,
  stacktrace: false,
  idempotencyKey: true,
  tags: true,
  result: false,
  parentId: false,
  queue: true,
  priority: true,
  runAt: false,
  scheduleId: false,
  progress: false,
  // A plain re-run starts from scratch; retryTask's resume and fromStep copy the done steps themselves.
  steps: false,
  waitingFor: false,
  encryptedPayload: true,
} as const satisfies { readonly [K in TaskField]: boolean };

/** A field a re-run takes from the original. */
export type RerunField = { [K in TaskField]: (typeof CARRIES_OVER)[K] extends true ? K : never }[TaskField];

/** The fields a re-run takes from the original, in the model's order. */
export const RERUN_FIELDS: readonly RerunField[] = FIELD_NAMES.filter((key): key is RerunField => CARRIES_OVER[key]);

/** What a re-run takes from the original. A TaskRecord and a TaskData both are one. */
export type RerunFields = Pick<TaskData, RerunField>;

/** The fields a re-run of `original` takes, copied so the two runs share no arrays or objects. */
export function rerunFields(original: RerunFields): RerunFields {
  const out: Partial<Record<RerunField, unknown>> = {};
  for (const key of RERUN_FIELDS) out[key] = (TASK_FIELDS[key] as AnyField).copy(original[key]);
  return out as RerunFields;
}

/** A re-run of `original` with id `taskId`, created at `nowMs` (epoch ms); every field not carried at its initial value. */
export function rerunRecord(original: RerunFields, taskId: string, nowMs: number): TaskRecord {
  return new TaskRecord({ taskId, createdAt: new Date(nowMs), ...rerunFields(original) });
}

/** A re-run as an addTask call: the function, its positional arguments and addTask's options. */
export interface RerunCall {
  funcName: string;
  args: unknown[];
  options: AddTaskOptions & Required<Pick<AddTaskOptions, "kwargs" | "tags" | "queue" | "priority">>;
}

/**
 * A re-run of `original` as an addTask call, for callers that start runs only through addTask (the
 * task panel's Run Again, and Edit and Run with `replace`, its edited arguments). Adding with the
 * carried idempotency key returns the key's holder when there is one, as any addTask with a key does.
 * Throws when the original's arguments are encrypted: addTask takes them only in the clear, so such a
 * run is re-run with retryTask.
 */
export function rerunCall(original: RerunFields, replace?: { args: unknown[]; kwargs: Record<string, unknown> }): RerunCall {
  const carried = rerunFields(original);
  if (carried.encryptedPayload !== null) {
    throw new Error(`A run of ${carried.funcName} with encrypted arguments cannot be re-run through addTask, which takes arguments in the clear: retry it instead`);
  }
  const { funcName, args, kwargs, tags, queue, priority, idempotencyKey } = carried;
  return {
    funcName,
    args: replace ? replace.args : args,
    options: { kwargs: replace ? replace.kwargs : kwargs, tags, queue, priority, ...(idempotencyKey === null ? {} : { idempotencyKey }) },
  };
}
