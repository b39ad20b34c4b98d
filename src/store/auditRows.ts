/**
 * The `audit` table: the audit trail, one row per entry, in the order entries were appended. Each
 * entry carries its position (`seq`), so replaying a journal that was already folded rewrites the
 * same rows, and the trim keeps the newest AUDIT_MAX_ENTRIES.
 */
import type { Database } from "sql.js";
import { AUDIT_ACTIONS, AUDIT_ACTORS, AUDIT_MAX_ENTRIES, type AuditEntry, type AuditQuery } from "../model";

/** Migration v4 creates it. `at` is ISO 8601 text, as AuditEntry holds it. */
export const CREATE_AUDIT_SQL = `
  CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    task_id TEXT,
    actor TEXT NOT NULL,
    detail TEXT
  );`;

/** The position the next entry takes. */
export function nextAuditSeq(db: Database): number {
  const rows = db.exec("SELECT coalesce(max(seq), 0) + 1 FROM audit");
  return Number(rows[0].values[0][0]);
}

/** Writes an entry: bind (seq, at, action, task_id, actor, detail). */
export const INSERT_AUDIT_SQL = "INSERT OR REPLACE INTO audit (seq, at, action, task_id, actor, detail) VALUES (?, ?, ?, ?, ?, ?)";

/** The values INSERT_AUDIT_SQL binds for the entry at `seq`. */
export function auditValues(seq: number, e: AuditEntry): Array<string | number | null> {
  return [seq, e.at, e.action, e.taskId, e.actor, e.detail];
}

/** Drops entries more than AUDIT_MAX_ENTRIES behind the newest. */
export function trimAudit(db: Database): void {
  db.run("DELETE FROM audit WHERE seq <= (SELECT max(seq) FROM audit) - ?", [AUDIT_MAX_ENTRIES]);
}

/** A page of entries, newest first. */
export function readAudit(db: Database, { limit, offset }: Required<AuditQuery>): AuditEntry[] {
  const result = db.exec("SELECT at, action, task_id, actor, detail FROM audit ORDER BY seq DESC LIMIT ? OFFSET ?", [limit, offset]);
  if (result.length === 0) return [];
  return result[0].values.map(([at, action, taskId, actor, detail]) => ({
    at: String(at), action: action as AuditEntry["action"], taskId: taskId === null ? null : String(taskId),
    actor: actor as AuditEntry["actor"], detail: detail === null ? null : String(detail),
  }));
}

/** What is wrong with an audit entry read from a journal line, or null. */
export function auditProblem(seq: unknown, value: unknown): string | null {
  if (!Number.isInteger(seq)) return "no position";
  if (typeof value !== "object" || value === null) return "not an object";
  const e = value as Partial<AuditEntry>;
  if (typeof e.at !== "string" || !(AUDIT_ACTIONS as readonly unknown[]).includes(e.action) || !(AUDIT_ACTORS as readonly unknown[]).includes(e.actor)) {
    return "no time, action or actor";
  }
  return null;
}
