/**
 * The journal's operations and how they are applied to a database. The store and the fold worker
 * share this code, so a database rebuilt from file + journal equals the one the store holds.
 *
 * Every operation is idempotent (upsert, delete, log lines at explicit positions), so replaying a
 * journal that was already folded into the file changes nothing.
 */
import type { Database, SqlValue, Statement } from "sql.js";
import type { TaskData, TaskStatus } from "../engine/types";
import { searchText } from "./taskQuery";

/**
 * A task row as applied to the database and written in the journal: TaskData without logs, with
 * args, kwargs and tags as JSON text and the payload in base64. Serialising at save time is also
 * the store's defensive copy.
 */
export interface JournalRow {
  taskId: string;
  funcName: string;
  status: TaskStatus;
  /** JSON text of the args array. */
  args: string;
  /** JSON text of the kwargs object. */
  kwargs: string;
  createdAt: number;
  startTime: number | null;
  endTime: number | null;
  retriesUsed: number;
  error: string | null;
  stacktrace: string | null;
  idempotencyKey: string | null;
  /** JSON text of the tags object. */
  tags: string;
  /** base64 of the encrypted payload. */
  encryptedPayload: string | null;
}

/** One line of the journal. */
export type JournalOp =
  | { op: "save"; row: JournalRow }
  /** Lines stored at positions seq, seq + 1, ... of the task's logs. */
  | { op: "logs"; taskId: string; seq: number; lines: string[] }
  | { op: "delete"; taskIds: string[] };

export function toJournalRow(task: TaskData): JournalRow {
  return {
    taskId: task.taskId,
    funcName: task.funcName,
    status: task.status,
    args: JSON.stringify(task.args),
    kwargs: JSON.stringify(task.kwargs),
    createdAt: task.createdAt,
    startTime: task.startTime,
    endTime: task.endTime,
    retriesUsed: task.retriesUsed,
    error: task.error,
    stacktrace: task.stacktrace,
    idempotencyKey: task.idempotencyKey,
    tags: JSON.stringify(task.tags),
    encryptedPayload: task.encryptedPayload ? Buffer.from(task.encryptedPayload).toString("base64") : null,
  };
}

const OP_NAMES = new Set(["save", "logs", "delete"]);

/** Parses one journal line; throws when it is not a well-formed operation. */
export function parseJournalLine(line: string): JournalOp {
  const op = JSON.parse(line) as JournalOp;
  if (typeof op !== "object" || op === null || !OP_NAMES.has(op.op)) {
    throw new Error(`expected a journal operation {"op": "save" | "logs" | "delete", ...}, got ${line.slice(0, 80)}`);
  }
  if (op.op === "save" && (typeof op.row?.taskId !== "string" || typeof op.row.funcName !== "string"
    || typeof op.row.args !== "string" || typeof op.row.kwargs !== "string" || typeof op.row.tags !== "string")) {
    throw new Error("a save operation without task id, function name, args, kwargs or tags");
  }
  if (op.op === "logs" && (typeof op.taskId !== "string" || !Number.isInteger(op.seq) || !Array.isArray(op.lines))) {
    throw new Error("a logs operation without task id, position or lines");
  }
  if (op.op === "delete" && !Array.isArray(op.taskIds)) throw new Error("a delete operation without task ids");
  return op;
}

/** Prepared statements that apply journal operations to one database. Call free() when done. */
export class JournalApplier {
  private readonly upsert: Statement;
  private readonly insertLogs: Statement;
  private readonly deleteByIds: Statement;
  private readonly lastSeq: Statement;

  constructor(private readonly db: Database) {
    this.upsert = db.prepare(`
      INSERT INTO tasks (task_id, func_name, status, args, kwargs, created_at, start_time, end_time,
        retries_used, error, stacktrace, idempotency_key, tags, encrypted_payload, search_text)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (task_id) DO UPDATE SET func_name = excluded.func_name, status = excluded.status,
        args = excluded.args, kwargs = excluded.kwargs, created_at = excluded.created_at,
        start_time = excluded.start_time, end_time = excluded.end_time, retries_used = excluded.retries_used,
        error = excluded.error, stacktrace = excluded.stacktrace, idempotency_key = excluded.idempotency_key,
        tags = excluded.tags, encrypted_payload = excluded.encrypted_payload,
        search_text = excluded.search_text`);
    this.insertLogs = db.prepare(`
      INSERT OR REPLACE INTO logs (task_id, seq, line)
      SELECT ?1, ?2 + key, value FROM json_each(?3) WHERE EXISTS (SELECT 1 FROM tasks WHERE task_id = ?1)`);
    this.deleteByIds = db.prepare("DELETE FROM tasks WHERE task_id IN (SELECT value FROM json_each(?))");
    this.lastSeq = db.prepare("SELECT max(seq) FROM logs WHERE task_id = ?");
  }

  apply(op: JournalOp): void {
    if (op.op === "save") this.save(op.row);
    else if (op.op === "logs") this.appendLogs(op.taskId, op.seq, op.lines);
    else this.delete(op.taskIds);
  }

  save(row: JournalRow): void {
    const blob: SqlValue = row.encryptedPayload === null ? null : new Uint8Array(Buffer.from(row.encryptedPayload, "base64"));
    const tags = row.tags === "{}" ? {} : (JSON.parse(row.tags) as Record<string, string>);
    this.upsert.run([
      row.taskId, row.funcName, row.status, row.args, row.kwargs, row.createdAt, row.startTime, row.endTime,
      row.retriesUsed, row.error, row.stacktrace, row.idempotencyKey, row.tags, blob,
      searchText({ funcName: row.funcName, taskId: row.taskId, error: row.error, tags }),
    ]);
  }

  appendLogs(taskId: string, seq: number, lines: string[]): void {
    this.insertLogs.run([taskId, seq, JSON.stringify(lines)]);
  }

  /** Returns how many tasks were deleted (their logs and tags go with them). */
  delete(taskIds: string[]): number {
    this.deleteByIds.run([JSON.stringify(taskIds)]);
    return this.db.getRowsModified();
  }

  /** The position the next log line of the task goes to. */
  nextSeq(taskId: string): number {
    this.lastSeq.bind([taskId]);
    try {
      this.lastSeq.step();
      const last = this.lastSeq.get()[0];
      return last === null ? 0 : Number(last) + 1;
    } finally {
      this.lastSeq.reset();
    }
  }

  /**
   * Applies a journal's text in one transaction. Lines that do not parse or apply are skipped and
   * returned with the reason, so the caller can keep them and warn.
   */
  applyText(text: string): Array<{ line: string; reason: string }> {
    const bad: Array<{ line: string; reason: string }> = [];
    this.db.run("BEGIN");
    try {
      for (const line of text.split("\n")) {
        if (line.trim() === "") continue;
        try {
          this.apply(parseJournalLine(line));
        } catch (err) {
          bad.push({ line, reason: err instanceof Error ? err.message : String(err) });
        }
      }
      this.db.run("COMMIT");
    } catch (err) {
      this.db.run("ROLLBACK");
      throw err;
    }
    return bad;
  }

  free(): void {
    for (const s of [this.upsert, this.insertLogs, this.deleteByIds, this.lastSeq]) s.free();
  }
}
