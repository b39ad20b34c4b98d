/**
 * The `schedules` table: how a schedule is written and read back. Schedules are few and change
 * once per slot, so each write is one statement, journalled like a task save.
 */
import type { Database } from "sql.js";
import type { ScheduleData, ScheduleSource } from "../model";

/** The columns of the schedules table, in the order the upsert binds them. */
const COLUMNS = [
  "schedule_id", "func_name", "every_seconds", "cron", "timezone", "args", "kwargs", "tags", "run_on_start",
  "next_run_at", "last_run_at", "last_task_id", "paused", "source",
] as const;

/** Migration v3 creates it. Times are ISO 8601 text, as ScheduleData holds them. */
export const CREATE_SCHEDULES_SQL = `
  CREATE TABLE schedules (
    schedule_id TEXT PRIMARY KEY,
    func_name TEXT NOT NULL,
    every_seconds REAL,
    cron TEXT,
    timezone TEXT,
    args TEXT NOT NULL,
    kwargs TEXT NOT NULL,
    tags TEXT NOT NULL,
    run_on_start INTEGER NOT NULL,
    next_run_at TEXT,
    last_run_at TEXT,
    last_task_id TEXT,
    paused INTEGER NOT NULL,
    source TEXT NOT NULL
  );
  CREATE INDEX schedules_func_name ON schedules(func_name);`;

const UPSERT_SQL = `INSERT INTO schedules (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})
  ON CONFLICT (schedule_id) DO UPDATE SET ${COLUMNS.filter((c) => c !== "schedule_id").map((c) => `${c} = excluded.${c}`).join(", ")}`;

/** A deep copy, so callers never share a schedule's arrays and objects with a store. */
export function copySchedule(schedule: ScheduleData): ScheduleData {
  return structuredClone(schedule);
}

/** Inserts or replaces the schedule. */
export function upsertSchedule(db: Database, s: ScheduleData): void {
  db.run(UPSERT_SQL, [
    s.scheduleId, s.funcName, s.every, s.cron, s.timezone, JSON.stringify(s.args), JSON.stringify(s.kwargs), JSON.stringify(s.tags),
    s.runOnStart ? 1 : 0, s.nextRunAt, s.lastRunAt, s.lastTaskId, s.paused ? 1 : 0, s.source,
  ]);
}

export function deleteSchedule(db: Database, scheduleId: string): void {
  db.run("DELETE FROM schedules WHERE schedule_id = ?", [scheduleId]);
}

/** Every schedule, by id. */
export function readSchedules(db: Database): ScheduleData[] {
  const result = db.exec(`SELECT ${COLUMNS.join(", ")} FROM schedules ORDER BY schedule_id`);
  if (result.length === 0) return [];
  return result[0].values.map((row) => {
    const text = (i: number): string | null => (row[i] === null ? null : String(row[i]));
    return {
      scheduleId: String(row[0]), funcName: String(row[1]), every: row[2] === null ? null : Number(row[2]), cron: text(3), timezone: text(4),
      args: JSON.parse(String(row[5])) as unknown[], kwargs: JSON.parse(String(row[6])) as Record<string, unknown>,
      tags: JSON.parse(String(row[7])) as Record<string, string>, runOnStart: row[8] === 1,
      nextRunAt: text(9), lastRunAt: text(10), lastTaskId: text(11), paused: row[12] === 1, source: String(row[13]) as ScheduleSource,
    };
  });
}

/** What is wrong with a schedule read from a journal line, or null. */
export function scheduleProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null) return "not an object";
  const s = value as Partial<ScheduleData>;
  if (typeof s.scheduleId !== "string" || typeof s.funcName !== "string") return "no schedule id or function name";
  if (!Array.isArray(s.args) || typeof s.kwargs !== "object" || typeof s.tags !== "object") return "no args, kwargs or tags";
  return null;
}
