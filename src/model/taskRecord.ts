import { FIELD_NAMES, TASK_FIELDS, assignRecordFields, dataToRecordFields, dictKey, newTaskData, recordToData, type TaskData, type TaskDict, type TaskField, type TaskRecordFields } from "./fields";
import type { AnyField } from "./fieldKinds";

/** What `new TaskRecord(...)` needs: an id, a function name and a creation time; the rest defaults. */
export type TaskRecordInit = Pick<TaskRecordFields, "taskId" | "funcName" | "createdAt"> & Partial<TaskRecordFields>;

// The fields come from TASK_FIELDS (see fields.ts), merged into the class so each is declared once.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface TaskRecord extends TaskRecordFields {}

/**
 * A task run, live or loaded from a store. Its fields and their meaning are the model's
 * (src/model/fields.ts); times are Dates.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class TaskRecord {
  constructor(fields: TaskRecordInit) {
    assignRecordFields(this, fields);
  }

  /** Seconds from startTime to endTime; null until both are set. */
  get duration(): number | null {
    if (this.startTime === null || this.endTime === null) return null;
    return (this.endTime.getTime() - this.startTime.getTime()) / 1000;
  }

  /** True when the arguments are stored encrypted (args and kwargs are then empty). */
  get encrypted(): boolean {
    return this.encryptedPayload !== null;
  }

  /** A record of stored data; arrays and objects are copied. */
  static fromData(data: TaskData): TaskRecord {
    return new TaskRecord(dataToRecordFields(data));
  }

  /** A record of its JSON form (a task read over the CLI's socket or the HTTP API); no payload. */
  static fromDict(dict: TaskDict): TaskRecord {
    const source = dict as unknown as Record<string, unknown>;
    const data = {} as Record<TaskField, unknown>;
    for (const key of FIELD_NAMES) {
      const field = TASK_FIELDS[key] as AnyField;
      const value = source[dictKey(key)];
      data[key] = value === undefined || field.dictKey !== undefined ? undefined : field.fromDict(value);
    }
    const init = newTaskData(data as unknown as TaskData);
    return TaskRecord.fromData(init);
  }

  /** The record as stored data. Shares arrays and objects with the record: stores copy what they keep. */
  toData(): TaskData {
    return recordToData(this);
  }

  /** The JSON shape for API consumers and webviews. Never includes the encrypted payload. */
  toDict(): TaskDict {
    const self = this as unknown as Record<TaskField, unknown>;
    const dict: Record<string, unknown> = {};
    for (const key of FIELD_NAMES) {
      const field = TASK_FIELDS[key] as AnyField;
      dict[field.dictKey ?? key] = field.toDict(field.fromRecord(self[key]));
      // Round 1's JSON put duration right after endTime; keep that order for readers who print it.
      if (key === "endTime") dict.duration = this.duration;
    }
    return dict as TaskDict;
  }
}
