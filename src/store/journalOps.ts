/**
 * The journal's operations and how they are applied to a database. The store and the fold worker
 * share this code, so a database rebuilt from file + journal equals the one the store holds.
 *
 * Every operation is idempotent (upsert, delete, log lines at explicit positions), so replaying a
 * journal that was already folded into the file changes nothing.
 */
import type { Database, Statement } from "sql.js";
import {
  COLUMN_FIELDS, TASK_COLUMNS, TASK_FIELDS, journalRowProblem, journalRowToColumns, type AuditEntry, type JournalRow, type ScheduleData,
} from "../model";
import { INSERT_AUDIT_SQL, auditProblem, auditValues, trimAudit } from "./auditRows";
import { deleteSchedule, scheduleProblem, upsertSchedule } from "./scheduleRows";
import { searchText } from "./taskQuery";

/** One line of the journal. A save row written before a field existed lacks it: it reads as the field's initial value. */
export type JournalOp =
  | { op: "save"; row: JournalRow }
  /** Lines stored at positions seq, seq + 1, ... of the task's logs. */
  | { op: "logs"; taskId: string; seq: number; lines: string[] }
  | { op: "delete"; taskIds: string[] }
  /** Inserts or replaces a schedule. */
  | { op: "saveSchedule"; schedule: ScheduleData }
  | { op: "deleteSchedule"; scheduleId: string }
  /** An audit entry at position seq of the trail. */
  | { op: "audit"; seq: number; entry: AuditEntry };

const OP_NAMES = new Set(["save", "logs", "delete", "saveSchedule", "deleteSchedule", "audit"]);

/** Parses one journal line; throws when it is not a well-formed operation. */
export function parseJournalLine(line: string): JournalOp {
  const op = JSON.parse(line) as JournalOp;
  if (typeof op !== "object" || op === null || !OP_NAMES.has(op.op)) {
    throw new Error(`expected a journal operation {"op": "save" | "logs" | "delete" | "saveSchedule" | "deleteSchedule" | "audit", ...}, got ${line.slice(0, 80)}`);
  }
  if (op.op === "save") {
    const problem = journalRowProblem(op.row);
    if (problem !== null) throw new Error(`a save operation whose row is not a task row: ${problem}`);
  }
  if (op.op === "logs" && (typeof op.taskId !== "string" || !Number.isInteger(op.seq) || !Array.isArray(op.lines) || !op.lines.every((l) => typeof l === "string"))) {
    throw new Error(`expected a logs operation {"op": "logs", "taskId": "...", "seq": 0, "lines": ["..."]} with text lines, got ${line.slice(0, 80)}`);
  }
  if (op.op === "delete" && !Array.isArray(op.taskIds)) throw new Error("a delete operation without task ids");
  if (op.op === "saveSchedule") {
    const problem = scheduleProblem(op.schedule);
    if (problem !== null) throw new Error(`a saveSchedule operation whose schedule is not a schedule: ${problem}`);
  }
  if (op.op === "deleteSchedule" && typeof op.scheduleId !== "string") throw new Error("a deleteSchedule operation without schedule id");
  if (op.op === "audit") {
    const problem = auditProblem(op.seq, op.entry);
    if (problem !== null) throw new Error(`an audit operation whose entry is not an audit entry: ${problem}`);
  }
  return op;
}

/**
 * The search_text of a journal row read back from a file (the store computes it from the task when it
 * saves). A row from before a field existed may lack error or tags.
 */
export function searchTextOfRow(row: Pick<JournalRow, "taskId" | "funcName"> & Partial<JournalRow>): string {
  const tags = row.tags === undefined || row.tags === "{}" ? {} : (JSON.parse(row.tags) as Record<string, string>);
  return searchText({ funcName: row.funcName, taskId: row.taskId, error: row.error ?? null, tags });
}

/** Fields a save line always carries; the others are left out while they hold their initial value. */
const ALWAYS_WRITTEN = new Set<string>(["taskId", "funcName", "status", "createdAt"]);
const OMITTABLE: ReadonlyArray<{ key: string; initial: unknown }> = COLUMN_FIELDS.filter((key) => !ALWAYS_WRITTEN.has(key)).map((key) => {
  const field = TASK_FIELDS[key] as { toColumn(value: unknown): unknown; initial(): unknown };
  return { key, initial: field.toColumn(field.initial()) };
});

/**
 * The journal line saving `row`, without the fields at their initial value: a replay reads a
 * missing field as its initial value (as for a row written before the field existed), and a no-op
 * task's line is a third of the full row.
 */
export function saveLine(row: JournalRow): string {
  const source = row as unknown as Record<string, unknown>;
  const compact: Record<string, unknown> = { taskId: row.taskId, funcName: row.funcName, status: row.status, createdAt: row.createdAt };
  for (const { key, initial } of OMITTABLE) {
    const value = source[key];
    if (value !== initial) compact[key] = value;
  }
  return JSON.stringify({ op: "save", row: compact });
}

const UPSERT_COLUMNS = [...TASK_COLUMNS, "search_text"];
const UPSERT_SQL = `INSERT INTO tasks (${UPSERT_COLUMNS.join(", ")})
  VALUES (${UPSERT_COLUMNS.map(() => "?").join(", ")})
  ON CONFLICT (task_id) DO UPDATE SET ${UPSERT_COLUMNS.filter((c) => c !== "task_id").map((c) => `${c} = excluded.${c}`).join(", ")}`;

/** Prepared statements that apply journal operations to one database. Call free() when done. */
export class JournalApplier {
  private readonly upsert: Statement;
  private readonly insertLogs: Statement;
  private readonly deleteByIds: Statement;
  private readonly lastSeq: Statement;
  private readonly insertAudit: Statement;
  /** An audit entry was inserted since the last trimAudit(). */
  private auditAdded = false;

  constructor(private readonly db: Database) {
    this.upsert = db.prepare(UPSERT_SQL);
    this.insertLogs = db.prepare(`
      INSERT OR REPLACE INTO logs (task_ref, seq, line)
      SELECT t.task_ref, ?2 + j.key, j.value FROM tasks t, json_each(?3) j WHERE t.task_id = ?1`);
    this.deleteByIds = db.prepare("DELETE FROM tasks WHERE task_id IN (SELECT value FROM json_each(?))");
    this.lastSeq = db.prepare("SELECT max(seq) FROM logs WHERE task_ref = (SELECT task_ref FROM tasks WHERE task_id = ?)");
    this.insertAudit = db.prepare(INSERT_AUDIT_SQL);
  }

  apply(op: JournalOp): void {
    if (op.op === "save") this.save(op.row);
    else if (op.op === "logs") this.appendLogs(op.taskId, op.seq, op.lines);
    else if (op.op === "delete") this.delete(op.taskIds);
    else if (op.op === "saveSchedule") upsertSchedule(this.db, op.schedule);
    else if (op.op === "audit") this.appendAudit(op.seq, op.entry);
    else deleteSchedule(this.db, op.scheduleId);
  }

  /** Upserts a row; `search` is its search_text, computed from the row when not given. */
  save(row: JournalRow, search: string = searchTextOfRow(row)): void {
    const values = journalRowToColumns(row);
    values.push(search);
    this.upsert.run(values);
  }

  appendLogs(taskId: string, seq: number, lines: string[]): void {
    this.insertLogs.run([taskId, seq, JSON.stringify(lines)]);
  }

  /** Writes an audit entry; trimAudit() drops the old ones afterwards, once for a whole batch. */
  appendAudit(seq: number, entry: AuditEntry): void {
    this.insertAudit.run(auditValues(seq, entry));
    this.auditAdded = true;
  }

  /** Keeps the newest AUDIT_MAX_ENTRIES audit entries, if any was added since the last call. */
  trimAudit(): void {
    if (!this.auditAdded) return;
    trimAudit(this.db);
    this.auditAdded = false;
  }

  /** Returns how many tasks were deleted (their logs go with them). */
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
      this.trimAudit();
      this.db.run("COMMIT");
    } catch (err) {
      this.db.run("ROLLBACK");
      throw err;
    }
    return bad;
  }

  free(): void {
    for (const s of [this.upsert, this.insertLogs, this.deleteByIds, this.lastSeq, this.insertAudit]) s.free();
  }
}
