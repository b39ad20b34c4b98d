/**
 * Schedules: when a task function runs by itself. A schedule fires by enqueuing a normal task whose
 * `scheduleId` is the schedule's id. The shape is checked here; whether a cron expression or a time
 * zone parses is checked by the engine, which owns the cron library.
 */
import * as v from "valibot";
import { isPlainObject } from "./describe";

/** Where a schedule comes from: `manager.schedule()` ("api") or a task's `schedule` config ("module"). */
export type ScheduleSource = "api" | "module";

/** A schedule as `listSchedules` gives it. Times are ISO 8601 strings. */
export interface ScheduleInfo {
  scheduleId: string;
  funcName: string;
  /** Seconds between runs, or null for a cron schedule. */
  every: number | null;
  /** The cron expression, or null for an `every` schedule. */
  cron: string | null;
  /** IANA time zone of the cron expression; null: the engine's local time zone (or an `every` schedule). */
  timezone: string | null;
  /** The next slot; null while paused. */
  nextRunAt: string | null;
  /** When it last fired; null when it never did. */
  lastRunAt: string | null;
  /** The task it last enqueued, or null. */
  lastTaskId: string | null;
  paused: boolean;
  source: ScheduleSource;
}

/** A schedule as the store keeps it: its info and what each run is given. */
export interface ScheduleData extends ScheduleInfo {
  args: unknown[];
  kwargs: Record<string, unknown>;
  tags: Record<string, string>;
  runOnStart: boolean;
}

/** Options of `manager.schedule()`. */
export interface ScheduleOptions {
  /** Positional arguments of every run, JSON-serialisable. @default [] */
  args?: unknown[];
  /** Keyword arguments of every run. @default {} */
  kwargs?: Record<string, unknown>;
  /** Tags of every run. @default {} */
  tags?: Record<string, string>;
  /** Also fire once when the schedule is created and each time the engine starts. @default false */
  runOnStart?: boolean;
}

const EXPECTED_SPEC = "must be { every: seconds } or { cron: \"0 9 * * 1-5\", timezone?: \"Europe/Berlin\" }";

/** What is wrong with a plain object given as a ScheduleSpec: the bad key (null: the object) and the value there. */
function specProblem(value: Record<string, unknown>): { key: string | null; message: string; input: unknown } | null {
  const keys = Object.keys(value);
  if ("every" in value) {
    const extra = keys.filter((k) => k !== "every");
    if (extra.length > 0) return { key: extra[0], message: "is not a key of an every schedule: it takes only \"every\"", input: value[extra[0]] };
    const every = value.every;
    if (typeof every === "number" && Number.isFinite(every) && every > 0) return null;
    return { key: "every", message: "must be a number of seconds > 0", input: every };
  }
  if ("cron" in value) {
    const extra = keys.filter((k) => k !== "cron" && k !== "timezone");
    if (extra.length > 0) return { key: extra[0], message: "is not a key of a cron schedule: it takes \"cron\" and \"timezone\"", input: value[extra[0]] };
    if (typeof value.cron !== "string" || value.cron.trim() === "") {
      return { key: "cron", message: "must be a cron expression like \"0 9 * * 1-5\"", input: value.cron };
    }
    if (value.timezone !== undefined && typeof value.timezone !== "string") {
      return { key: "timezone", message: "must be an IANA time zone name like \"Europe/Berlin\"", input: value.timezone };
    }
    return null;
  }
  return { key: null, message: EXPECTED_SPEC, input: value };
}

/** The ScheduleSpec schema (a task's `schedule` config, `manager.schedule()`): its shape, not whether the cron parses. */
export const ScheduleSpecSchema = v.pipe(
  // Written out, not named, so the taskflow.d.ts of task modules shows the shape inside TaskConfig.
  v.custom<{ every: number } | { cron: string; timezone?: string }>(isPlainObject, EXPECTED_SPEC),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const value = dataset.value as Record<string, unknown>;
    const problem = specProblem(value);
    if (!problem) return;
    const path = problem.key === null ? undefined : [{ type: "object" as const, origin: "value" as const, input: value, key: problem.key, value: problem.input }];
    addIssue({ message: problem.message, input: problem.input, path: path as [v.ObjectPathItem] | undefined });
  }),
);

/**
 * When a schedule fires: `{ every: 300 }` every 300 seconds (> 0) from when it was created, or
 * `{ cron: "0 9 * * 1-5", timezone: "Europe/Berlin" }`: a cron expression of 5 fields (minute hour
 * day-of-month month day-of-week) or 6 with seconds first, read in an IANA time zone (default: the
 * engine's local time zone).
 */
export type ScheduleSpec = v.InferOutput<typeof ScheduleSpecSchema>;

/** Whether two specs describe the same schedule. */
export function sameScheduleSpec(a: ScheduleSpec, b: ScheduleSpec): boolean {
  if ("every" in a) return "every" in b && a.every === b.every;
  return "cron" in b && a.cron.trim() === b.cron.trim() && (a.timezone ?? null) === (b.timezone ?? null);
}

/** The spec of a stored schedule. */
export function specOf(schedule: Pick<ScheduleInfo, "every" | "cron" | "timezone">): ScheduleSpec {
  if (schedule.every !== null) return { every: schedule.every };
  return schedule.timezone === null ? { cron: schedule.cron ?? "" } : { cron: schedule.cron ?? "", timezone: schedule.timezone };
}

/** The listSchedules view of a stored schedule. */
export function scheduleInfo(data: ScheduleData): ScheduleInfo {
  const { scheduleId, funcName, every, cron, timezone, nextRunAt, lastRunAt, lastTaskId, paused, source } = data;
  return { scheduleId, funcName, every, cron, timezone, nextRunAt, lastRunAt, lastTaskId, paused, source };
}
