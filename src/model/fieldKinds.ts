/**
 * The kinds of task field (text, number, time, JSON, bytes, lines) and how each converts between
 * stored data, the record, the JSON form and its column. TASK_FIELDS in fields.ts is built from them.
 */
import { describeValue } from "./describe";
import { isTaskStatus, type TaskStatus } from "./status";

/** A value as an sql.js column holds it. */
export type ColumnValue = string | number | Uint8Array | null;

/**
 * One field. `D` is the stored data type, `R` the record's, `X` the JSON form's, `C` the column's.
 * `column` is undefined for a field stored apart (logs, in their own table).
 */
export interface Field<D, R = D, X = D, C extends ColumnValue = ColumnValue> {
  readonly column: string | undefined;
  /** SQLite type and constraint of the column, as the migration declares it. */
  readonly sqlType: string | undefined;
  /** Key in the JSON form; undefined when the field is not part of it. */
  readonly dictKey: string | undefined;
  /** The value of a new task. */
  initial(): D;
  toRecord(value: D): R;
  fromRecord(value: R): D;
  toDict(value: D): X;
  fromDict(value: X): D;
  toColumn(value: D): C;
  /** Reads a column value; throws a TypeError naming the column when it is not of the field's type. */
  fromColumn(value: ColumnValue): D;
  /** A deep copy, so a store never shares state with its callers. */
  copy(value: D): D;
  /** Which conversions are the identity, so the per-save paths can skip calling them. */
  readonly same?: { readonly record?: boolean; readonly column?: boolean; readonly copy?: boolean };
}

/** A field of any types, for code that walks TASK_FIELDS by key and so cannot name them. */
export type AnyField = Field<any, any, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function wrongColumn(column: string, expected: string, got: unknown): never {
  throw new TypeError(`column ${column}: expected ${expected}, got ${describeValue(got)}`);
}

const identity = <T>(value: T): T => value;

/**
 * A deep copy of a JSON value (the engine checks args, kwargs and results are JSON). Faster than
 * structuredClone for the small values tasks carry, which matters on the per-save path.
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = cloneJson((value as Record<string, unknown>)[key]);
  return out as T;
}

function plain<D>(column: string, sqlType: string, initial: () => D, check: (v: ColumnValue) => v is D & ColumnValue, expected: string): Field<D, D, D, D & ColumnValue> {
  return {
    column, sqlType, dictKey: undefined, initial,
    toRecord: identity, fromRecord: identity, toDict: identity, fromDict: identity, copy: identity,
    toColumn: (v) => v as D & ColumnValue,
    fromColumn: (v) => (check(v) ? v : wrongColumn(column, expected, v)),
    same: { record: true, column: true, copy: true },
  };
}

const isString = (v: ColumnValue): v is string => typeof v === "string";
const isStringOrNull = (v: ColumnValue): v is string | null => v === null || typeof v === "string";

/** A text column that is never null. */
export function text(column: string, initial = ""): Field<string, string, string, string> {
  return plain(column, "TEXT NOT NULL", () => initial, isString, "text");
}

/** A text column that may be null. */
export function textOrNull(column: string): Field<string | null, string | null, string | null, string | null> {
  return plain<string | null>(column, "TEXT", () => null, isStringOrNull, "text or null");
}

export function status(column: string): Field<TaskStatus, TaskStatus, TaskStatus, string> {
  return {
    ...plain<string>(column, "TEXT NOT NULL", () => "pending", isString, "a status"),
    initial: () => "pending",
    fromColumn: (v) => (isTaskStatus(v) ? v : wrongColumn(column, "a task status", v)),
  } as Field<TaskStatus, TaskStatus, TaskStatus, string>;
}

/** A number column (INTEGER holds whole numbers, REAL any). */
export function numeric(column: string, sqlType: "INTEGER NOT NULL" | "REAL NOT NULL", initial = 0): Field<number, number, number, number> {
  return {
    ...plain<number>(column, sqlType, () => initial, (v): v is number => typeof v === "number", "a number"),
    // SQLite hands back whole numbers as numbers, and big ones as strings with some drivers.
    fromColumn: (v) => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : wrongColumn(column, "a number", v)),
  };
}

/** A point in time: epoch ms in data and columns, a Date in the record, ISO 8601 UTC in JSON. */
export function time(column: string): Field<number, Date, string, number>;
export function time(column: string, nullable: true): Field<number | null, Date | null, string | null, number | null>;
export function time(column: string, nullable = false): AnyField {
  const fromColumn = (v: ColumnValue): number | null => {
    if (v === null && nullable) return null;
    const n = typeof v === "string" ? Number(v) : v;
    return typeof n === "number" && Number.isFinite(n) ? n : wrongColumn(column, nullable ? "epoch milliseconds or null" : "epoch milliseconds", v);
  };
  return {
    column, sqlType: nullable ? "INTEGER" : "INTEGER NOT NULL", dictKey: undefined,
    initial: () => (nullable ? null : 0),
    toRecord: (v: number | null) => (v === null ? null : new Date(v)),
    fromRecord: (v: Date | null) => (v === null ? null : v.getTime()),
    toDict: (v: number | null) => (v === null ? null : new Date(v).toISOString()),
    fromDict: (v: string | null) => (v === null ? null : Date.parse(v)),
    toColumn: identity,
    fromColumn,
    copy: identity,
    same: { column: true, copy: true },
  };
}

/** A JSON value kept as JSON text in its column. */
export function json<T>(column: string, initial: () => T, check: (value: unknown) => boolean, expected: string): Field<T, T, T, string> {
  return {
    column, sqlType: "TEXT NOT NULL", dictKey: undefined, initial,
    toRecord: identity, fromRecord: identity, copy: cloneJson,
    toDict: cloneJson, fromDict: cloneJson, same: { record: true },
    toColumn: (v) => JSON.stringify(v),
    fromColumn: (v) => {
      if (typeof v !== "string") return wrongColumn(column, `JSON text of ${expected}`, v);
      const parsed: unknown = JSON.parse(v);
      return check(parsed) ? (parsed as T) : wrongColumn(column, `JSON text of ${expected}`, parsed);
    },
  };
}

/** Bytes kept out of the JSON form; `dictKey` gets only whether they are present. */
export function secretBytes(column: string, dictKey: string): Field<Uint8Array | null, Uint8Array | null, boolean, Uint8Array | null> {
  return {
    column, sqlType: "BLOB", dictKey, initial: () => null,
    toRecord: identity, fromRecord: identity,
    toDict: (v) => v !== null,
    fromDict: () => null,
    toColumn: identity,
    fromColumn: (v) => (v === null ? null : v instanceof Uint8Array ? new Uint8Array(v) : wrongColumn(column, "bytes or null", v)),
    copy: (v) => (v === null ? null : v.slice()),
    same: { record: true, column: true },
  };
}

/** Lines kept in their own table, appended only. */
export function lines(): Field<string[], string[], string[], never> {
  return {
    column: undefined, sqlType: undefined, dictKey: undefined, initial: () => [],
    toRecord: identity, fromRecord: identity, copy: (v) => v.slice(), same: { record: true },
    toDict: (v) => v.slice(), fromDict: (v) => v.slice(),
    toColumn: () => { throw new TypeError("logs are stored in their own table, not as a column"); },
    fromColumn: () => [],
  };
}
