import type { TaskData, TaskDict, TaskStatus } from "./types";

function toDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

function toMs(date: Date | null): number | null {
  return date === null ? null : date.getTime();
}

/** A task run, live or loaded from the store. Field names and meanings are design section 2's. */
export class TaskRecord {
  taskId: string;
  funcName: string;
  status: TaskStatus;
  args: unknown[];
  kwargs: Record<string, unknown>;
  createdAt: Date;
  /** Start of the first attempt of this run. */
  startTime: Date | null;
  endTime: Date | null;
  retriesUsed: number;
  /** `Name: message` of the final failure. */
  error: string | null;
  logs: string[];
  /** The final failed attempt's stack; null on success. */
  stacktrace: string | null;
  idempotencyKey: string | null;
  tags: Record<string, string>;
  /** The Fernet token (UTF-8 bytes) holding `{ args, kwargs }` when arguments are encrypted. */
  encryptedPayload: Uint8Array | null;

  constructor(fields: Pick<TaskRecord, "taskId" | "funcName" | "createdAt"> & Partial<TaskRecord>) {
    this.taskId = fields.taskId;
    this.funcName = fields.funcName;
    this.status = fields.status ?? "pending";
    this.args = fields.args ?? [];
    this.kwargs = fields.kwargs ?? {};
    this.createdAt = fields.createdAt;
    this.startTime = fields.startTime ?? null;
    this.endTime = fields.endTime ?? null;
    this.retriesUsed = fields.retriesUsed ?? 0;
    this.error = fields.error ?? null;
    this.logs = fields.logs ?? [];
    this.stacktrace = fields.stacktrace ?? null;
    this.idempotencyKey = fields.idempotencyKey ?? null;
    this.tags = fields.tags ?? {};
    this.encryptedPayload = fields.encryptedPayload ?? null;
  }

  /** Seconds from startTime to endTime; null until both are set. */
  get duration(): number | null {
    if (this.startTime === null || this.endTime === null) return null;
    return (this.endTime.getTime() - this.startTime.getTime()) / 1000;
  }

  get encrypted(): boolean {
    return this.encryptedPayload !== null;
  }

  static fromData(data: TaskData): TaskRecord {
    return new TaskRecord({
      ...data,
      args: [...data.args],
      kwargs: { ...data.kwargs },
      logs: [...data.logs],
      tags: { ...data.tags },
      createdAt: new Date(data.createdAt),
      startTime: toDate(data.startTime),
      endTime: toDate(data.endTime),
    });
  }

  toData(): TaskData {
    return {
      taskId: this.taskId,
      funcName: this.funcName,
      status: this.status,
      args: this.args,
      kwargs: this.kwargs,
      createdAt: this.createdAt.getTime(),
      startTime: toMs(this.startTime),
      endTime: toMs(this.endTime),
      retriesUsed: this.retriesUsed,
      error: this.error,
      logs: this.logs,
      stacktrace: this.stacktrace,
      idempotencyKey: this.idempotencyKey,
      tags: this.tags,
      encryptedPayload: this.encryptedPayload,
    };
  }

  /** The JSON shape for API consumers and webviews. Never includes the encrypted payload. */
  toDict(): TaskDict {
    return {
      taskId: this.taskId,
      funcName: this.funcName,
      status: this.status,
      args: [...this.args],
      kwargs: { ...this.kwargs },
      createdAt: this.createdAt.toISOString(),
      startTime: this.startTime?.toISOString() ?? null,
      endTime: this.endTime?.toISOString() ?? null,
      duration: this.duration,
      retriesUsed: this.retriesUsed,
      error: this.error,
      logs: [...this.logs],
      stacktrace: this.stacktrace,
      idempotencyKey: this.idempotencyKey,
      tags: { ...this.tags },
      encrypted: this.encrypted,
    };
  }
}
