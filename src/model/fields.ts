/**
 * A task's fields, declared once. Every other shape of a task is derived from TASK_FIELDS:
 *
 * - `TaskData`: plain data as stores keep it (times in epoch milliseconds);
 * - the `TaskRecord` class (times as Date), and `TaskDict`, its JSON form for the API and webviews;
 * - the `tasks` table's columns and `JournalRow`, a stored row as the journal writes it.
 *
 * Adding a field is one entry here plus a migration in src/store/schema.ts that adds its column; a
 * unit test compares the migrated table with this list.
 */
import { describeValue } from "./describe";
import type { StepRecord, WaitingFor } from "./durable";
import {
  json, lines, numeric, secretBytes, status, text, textOrNull, time, type AnyField, type ColumnValue, type Field,
} from "./fieldKinds";

export { cloneJson, type ColumnValue, type Field } from "./fieldKinds";

/** Progress a running task reported: a fraction done and an optional message. */
export interface TaskProgress {
  /** The fraction done, 0..1. */
  fraction: number;
  /** What the task said it is doing; null for nothing. */
  message: string | null;
}

const isArray = (v: unknown): boolean => Array.isArray(v);
const isObject = (v: unknown): boolean => typeof v === "object" && v !== null && !Array.isArray(v);
const isProgress = (v: unknown): boolean => v === null || (isObject(v) && typeof (v as TaskProgress).fraction === "number");

/** The queue a run joins when neither its task's config nor addTask names one. */
export const DEFAULT_QUEUE = "default";

/**
 * The fields of a task, in the order of its JSON form. Each one's doc comment shows on hover over
 * the field of a TaskRecord, TaskData or TaskDict. Times are epoch ms in TaskData, Dates in a
 * TaskRecord and ISO 8601 UTC text in TaskDict.
 */
export const TASK_FIELDS = {
  /** The run's id, a UUID v4; a retry or re-run gets a new one. */
  taskId: text("task_id"),
  /** The registered name of the task function this run calls. */
  funcName: text("func_name"),
  /** Where the run is in its lifecycle (see TaskStatus). @default "pending" */
  status: status("status"),
  /** Positional arguments, JSON; empty when they are stored encrypted. @default [] */
  args: json<unknown[]>("args", () => [], isArray, "an array"),
  /** Keyword arguments, passed as the last argument when not empty; JSON; empty when encrypted. @default {} */
  kwargs: json<Record<string, unknown>>("kwargs", () => ({}), isObject, "an object"),
  /** When the run was added. */
  createdAt: time("created_at"),
  /** When its first attempt started; null until then. */
  startTime: time("start_time", true),
  /** When it finished (success, failed, cancelled, interrupted, rejected); null until then. */
  endTime: time("end_time", true),
  /** Retries spent: attempts started after the first. @default 0 */
  retriesUsed: numeric("retries_used", "INTEGER NOT NULL"),
  /** The last failure as "Name: message" (or why it was cancelled, interrupted or rejected); null on success. */
  error: textOrNull("error"),
  /** Log lines, each "<ISO time> <text>", with retry markers; kept in their own table. @default [] */
  logs: lines(),
  /** The stack of the last failure; null when there was none. */
  stacktrace: textOrNull("stacktrace"),
  /** While a run with this key is not failed, interrupted or rejected, adding with the key returns it; null for none. */
  idempotencyKey: textOrNull("idempotency_key"),
  /** String labels shown with the run and forwarded with every event. @default {} */
  tags: json<Record<string, string>>("tags", () => ({}), isObject, "an object of strings"),
  /** What the task returned, JSON; null until it succeeds. */
  result: json<unknown>("result", () => null, () => true, "a JSON value"),
  /** The id of the run whose task enqueued this one; null when added from outside a task. */
  parentId: textOrNull("parent_id"),
  /** The queue the run waits in. @default DEFAULT_QUEUE */
  queue: text("queue", DEFAULT_QUEUE),
  /** Within its queue, higher runs first, then first in first out; may be negative. @default 0 */
  priority: numeric("priority", "INTEGER NOT NULL"),
  /** The earliest time the run may start (from addTask's runAt or delay); null to start when its turn comes. */
  runAt: time("run_at", true),
  /** The id of the schedule that fired this run; null when it was not fired by a schedule. */
  scheduleId: textOrNull("schedule_id"),
  /** The last progress the task reported; null until it reports. */
  progress: json<TaskProgress | null>("progress", () => null, isProgress, "{ fraction, message } or null"),
  /** The steps and waits the run recorded (see StepRecord), in the order it first reached them; replayed on resume. @default [] */
  steps: json<StepRecord[]>("steps", () => [], isArray, "an array of steps"),
  /** What the run waits for while its status is waiting; null otherwise. */
  waitingFor: json<WaitingFor | null>("waiting_for", () => null, (v) => v === null || isObject(v), "{ kind, ... } or null"),
  /** The Fernet token of (args, kwargs) when arguments are encrypted, else null; never in TaskDict, which says `encrypted`. */
  encryptedPayload: secretBytes("encrypted_payload", "encrypted"),
} as const;

type Fields = typeof TASK_FIELDS;
export type TaskField = keyof Fields;

type DataOf<F> = F extends Field<infer D, any, any, any> ? D : never; // eslint-disable-line @typescript-eslint/no-explicit-any
type RecordOf<F> = F extends Field<any, infer R, any, any> ? R : never; // eslint-disable-line @typescript-eslint/no-explicit-any
type DictOf<F> = F extends Field<any, any, infer X, any> ? X : never; // eslint-disable-line @typescript-eslint/no-explicit-any
type ColumnOf<F> = F extends Field<any, any, any, infer C> ? C : never; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Plain data of a task as stores keep it. Times are epoch milliseconds. */
export type TaskData = { [K in TaskField]: DataOf<Fields[K]> };

/** The fields of a TaskRecord. Times are Dates. */
export type TaskRecordFields = { [K in TaskField]: RecordOf<Fields[K]> };

/** Fields that are columns of the tasks table (every field but logs). */
export type ColumnField = { [K in TaskField]: [ColumnOf<Fields[K]>] extends [never] ? never : K }[TaskField];

/** The JSON key each field has in TaskDict (its own name unless the field says otherwise). */
export type DictKeyOf<K extends TaskField> = K extends "encryptedPayload" ? "encrypted" : K;

/**
 * JSON shape of a task, as given to API consumers and the webviews. Never holds the encrypted
 * payload: `encrypted` says whether there is one. `duration` is seconds from startTime to endTime,
 * null until both are set.
 */
export type TaskDict = { [K in TaskField as DictKeyOf<K>]: DictOf<Fields[K]> } & { duration: number | null };

/**
 * A stored row as the journal writes it: the column values, with the encrypted payload in base64 so
 * the line stays JSON.
 */
export type JournalRow = { [K in ColumnField]: ColumnOf<Fields[K]> extends Uint8Array | null ? string | null : ColumnOf<Fields[K]> };

/** Field names in JSON-form order. */
export const FIELD_NAMES = Object.keys(TASK_FIELDS) as TaskField[];

/** Fields stored as columns of the tasks table, in the order `TASK_COLUMNS` lists them. */
export const COLUMN_FIELDS = FIELD_NAMES.filter((k) => TASK_FIELDS[k].column !== undefined) as ColumnField[];

/** Column names in `COLUMN_FIELDS` order. */
export const TASK_COLUMNS: readonly string[] = COLUMN_FIELDS.map((k) => TASK_FIELDS[k].column as string);

/** The JSON form's key of each field. */
export function dictKey(field: TaskField): string {
  return TASK_FIELDS[field].dictKey ?? field;
}

/**
 * Conversions planned once per field: `undefined` where the conversion is the identity. The
 * per-save paths (record to data, data to journal row, copies) loop over these plans and fill an
 * object spread from a template, so every object they make has the same shape.
 */
interface Plan {
  key: TaskField;
  field: AnyField;
  fromRecord: ((value: unknown) => unknown) | undefined;
  toRecord: ((value: unknown) => unknown) | undefined;
  copy: ((value: unknown) => unknown) | undefined;
  toColumn: ((value: unknown) => unknown) | undefined;
  blob: boolean;
}

const PLANS: readonly Plan[] = FIELD_NAMES.map((key) => {
  const field = TASK_FIELDS[key] as AnyField;
  return {
    key, field,
    fromRecord: field.same?.record ? undefined : field.fromRecord,
    toRecord: field.same?.record ? undefined : field.toRecord,
    copy: field.same?.copy ? undefined : field.copy,
    toColumn: field.same?.column ? undefined : field.toColumn,
    blob: field.sqlType === "BLOB",
  };
});
const COLUMN_PLANS = PLANS.filter((p) => p.field.column !== undefined);

function template(keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, null]));
}
const DATA_TEMPLATE = template(FIELD_NAMES);
const ROW_TEMPLATE = template(COLUMN_FIELDS);

/** Applies one of the plans' conversions to every field of `source`, into a fresh object of `shape`. */
function convert(source: Record<string, unknown>, plans: readonly Plan[], pick: (p: Plan) => ((v: unknown) => unknown) | undefined, shape: Record<string, unknown>): Record<string, unknown> {
  const out = { ...shape };
  for (const plan of plans) {
    const fn = pick(plan);
    const value = source[plan.key];
    out[plan.key] = fn === undefined ? value : fn(value);
  }
  return out;
}

const pickFromRecord = (p: Plan) => p.fromRecord;
const pickCopy = (p: Plan) => p.copy;

/** A record's fields as stored data (shares JSON values with the record). */
export function recordToData(record: TaskRecordFields): TaskData {
  return convert(record, PLANS, pickFromRecord, DATA_TEMPLATE) as TaskData;
}

/** Stored data as a record's fields, every JSON value copied. */
export function dataToRecordFields(data: TaskData): TaskRecordFields {
  const out = { ...DATA_TEMPLATE };
  for (const plan of PLANS) {
    const value = (data as unknown as Record<string, unknown>)[plan.key];
    const copied = plan.copy === undefined ? value : plan.copy(value);
    out[plan.key] = plan.toRecord === undefined ? copied : plan.toRecord(copied);
  }
  return out as unknown as TaskRecordFields;
}

/** Writes a record's fields onto `target`: those `given`, the rest at their initial values. */
export function assignRecordFields(target: object, given: Partial<TaskRecordFields>): void {
  const out = target as Record<string, unknown>;
  for (const plan of PLANS) {
    const value = (given as Record<string, unknown>)[plan.key];
    if (value !== undefined) out[plan.key] = value;
    else {
      const initial = plan.field.initial() as unknown;
      out[plan.key] = plan.toRecord === undefined ? initial : plan.toRecord(initial);
    }
  }
}

/** A task's data with every field at its initial value, then `given`. */
export function newTaskData(given: Pick<TaskData, "taskId" | "funcName" | "createdAt"> & Partial<TaskData>): TaskData {
  const data = { ...DATA_TEMPLATE };
  for (const plan of PLANS) {
    const value = (given as Record<string, unknown>)[plan.key];
    data[plan.key] = value === undefined ? plan.field.initial() : value;
  }
  return data as unknown as TaskData;
}

/** A deep copy of a task's data. */
export function copyTaskData(task: TaskData): TaskData {
  return convert(task, PLANS, pickCopy, DATA_TEMPLATE) as unknown as TaskData;
}

/** A task's data from a row read with `SELECT <TASK_COLUMNS>`; logs empty. */
export function fromColumns(row: readonly ColumnValue[]): TaskData {
  const data = { ...DATA_TEMPLATE };
  data.logs = [];
  for (let i = 0; i < COLUMN_PLANS.length; i++) data[COLUMN_PLANS[i].key] = COLUMN_PLANS[i].field.fromColumn(row[i]);
  return data as unknown as TaskData;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The journal form of a task's row. Serialising at save time is also the store's defensive copy. */
export function toJournalRow(task: TaskData): JournalRow {
  const row = { ...ROW_TEMPLATE };
  for (const plan of COLUMN_PLANS) {
    const raw = (task as unknown as Record<string, unknown>)[plan.key];
    const value = plan.toColumn === undefined ? raw : plan.toColumn(raw);
    row[plan.key] = plan.blob && value instanceof Uint8Array ? toBase64(value) : value;
  }
  return row as unknown as JournalRow;
}

/**
 * Column values of a journal row in `TASK_COLUMNS` order; a row written before a field existed gets
 * the field's initial value. Rows read back from a journal file are checked first with
 * journalRowProblem.
 */
export function journalRowToColumns(row: Record<string, unknown>): ColumnValue[] {
  return COLUMN_FIELDS.map((key) => {
    const field = TASK_FIELDS[key] as AnyField;
    const raw = row[key];
    if (raw === undefined) return field.toColumn(field.initial()) as ColumnValue;
    return field.sqlType === "BLOB" && typeof raw === "string" ? fromBase64(raw) : (raw as ColumnValue);
  });
}

/** Whether a journal row's fields are all valid; the reason when not. */
export function journalRowProblem(row: unknown): string | null {
  if (typeof row !== "object" || row === null || Array.isArray(row)) return `expected a row object, got ${describeValue(row)}`;
  for (const key of ["taskId", "funcName"] as const) {
    if (typeof (row as Record<string, unknown>)[key] !== "string") return `a row without ${key}`;
  }
  try {
    const columns = journalRowToColumns(row as Record<string, unknown>);
    COLUMN_FIELDS.forEach((key, i) => (TASK_FIELDS[key] as AnyField).fromColumn(columns[i]));
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
