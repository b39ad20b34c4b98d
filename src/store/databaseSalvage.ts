import type { Database, SqlJsStatic, SqlValue } from "sql.js";
import { applyPragmas, migrate } from "./schema";

/**
 * Tables copied from a damaged database, parents first, each with its primary key. The others
 * (status_counts) are derived from tasks by triggers and rebuilt as the rows are inserted.
 */
const COPIED: ReadonlyArray<{ table: string; key: string; label: string }> = [
  { table: "tasks", key: "task_id", label: "tasks" },
  { table: "logs", key: "task_ref, seq", label: "log lines" },
  { table: "schedules", key: "schedule_id", label: "schedules" },
  { table: "audit", key: "seq", label: "audit entries" },
];

/** What salvageDatabase kept, and the database holding it. */
export interface Salvage {
  db: Database;
  /** One clause per table, e.g. "190 of 200 tasks kept (10 lost)", for the warning. */
  summary: string;
}

/**
 * The file's bytes, padded to whole pages with its header's page count lowered to match when the
 * file is shorter than the header says (cut off by a crash or a full disk): SQLite refuses such a
 * file outright, while this way the pages that are there stay readable and the missing ones read as
 * damage. Returns `bytes` itself when they agree.
 */
export function fitToLength(bytes: Buffer): Buffer {
  if (bytes.length < 100) return bytes;
  const rawSize = bytes.readUInt16BE(16);
  const pageSize = rawSize === 1 ? 65536 : rawSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return bytes;
  const pages = Math.ceil(bytes.length / pageSize);
  if (bytes.readUInt32BE(28) <= pages && bytes.length % pageSize === 0) return bytes;
  const fitted = Buffer.alloc(pages * pageSize);
  bytes.copy(fitted);
  fitted.writeUInt32BE(pages, 28);
  return fitted;
}

/**
 * The problem PRAGMA quick_check finds in the database (its first message), or null when there is
 * none. Catches damage anywhere in the file, which reading only the schema does not.
 */
export function damageOf(db: Database): string | null {
  try {
    const rows = db.exec("PRAGMA quick_check(1)");
    const first = String(rows[0]?.values[0]?.[0] ?? "no answer from quick_check");
    return first === "ok" ? null : first.replace(/\*\*\* in database main \*\*\*/, "").replace(/\s+/g, " ").trim();
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Copies every row still readable from a damaged database (at the current schema) into a new one:
 * each table is read in key order forwards until the damage, then backwards until it, so only the
 * rows stored in the damaged pages are lost. Log lines are kept only for tasks that were kept.
 */
export function salvageDatabase(SQL: SqlJsStatic, damaged: Database): Salvage {
  const db = new SQL.Database();
  const clauses: string[] = [];
  try {
    applyPragmas(db);
    migrate(db);
    db.run("BEGIN");
    for (const { table, key, label } of COPIED) {
      const columns = db.exec(`SELECT name FROM pragma_table_info('${table}')`)[0].values.map((row) => String(row[0]));
      const { rows, hitDamage } = readAround(damaged, table, columns, key);
      // Log lines name their task by task_ref, copied with the task.
      const guard = table === "logs" ? " WHERE EXISTS (SELECT 1 FROM tasks WHERE task_ref = ?1)" : "";
      const insert = db.prepare(`INSERT OR IGNORE INTO ${table} (${columns.join(", ")}) SELECT ${columns.map((_, i) => `?${i + 1}`).join(", ")}${guard}`);
      let kept = 0;
      try {
        for (const row of rows) {
          try {
            insert.run(row);
            kept += db.getRowsModified();
          } catch {
            // A row garbled by the damage without making the read fail: it counts as lost.
          }
        }
      } finally {
        insert.free();
      }
      const lost = hitDamage || kept < rows.length;
      if (lost || kept > 0) clauses.push(describeTable(damaged, table, label, kept, lost));
    }
    db.run("COMMIT");
    return { db, summary: clauses.join(", ") };
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Rows of a table readable from either end, by their key; `hitDamage` when a read failed. */
function readAround(db: Database, table: string, columns: string[], key: string): { rows: SqlValue[][]; hitDamage: boolean } {
  const byKey = new Map<string, SqlValue[]>();
  const keyCount = key.split(",").length;
  let hitDamage = false;
  for (const direction of ["ASC", "DESC"]) {
    const order = key.split(",").map((k) => `${k.trim()} ${direction}`).join(", ");
    const keyColumns = key.split(",").map((k) => k.trim());
    let statement;
    try {
      statement = db.prepare(`SELECT ${[...keyColumns, ...columns].join(", ")} FROM ${table} ORDER BY ${order}`);
      while (statement.step()) {
        const values = statement.get();
        const id = JSON.stringify(values.slice(0, keyCount));
        if (direction === "DESC" && byKey.has(id)) break;
        byKey.set(id, values.slice(keyCount));
      }
    } catch {
      hitDamage = true;
    } finally {
      statement?.free();
    }
    if (!hitDamage) break;
  }
  return { rows: [...byKey.values()], hitDamage };
}

/** "190 of 200 tasks kept (10 lost)" when the damaged database still tells how many there were. */
function describeTable(damaged: Database, table: string, label: string, kept: number, lost: boolean): string {
  if (!lost) return `all ${kept} ${label} kept`;
  if (table === "tasks") {
    try {
      const total = Number(damaged.exec("SELECT coalesce(sum(n), 0) FROM status_counts")[0].values[0][0]);
      if (total >= kept) return `${kept} of ${total} ${label} kept (${total - kept} lost)`;
    } catch {
      // The counts were in the damaged part too.
    }
  }
  const whose = table === "logs" ? "those of the lost tasks and any" : "any";
  return `${kept} ${label} kept (${whose} stored in the damaged part lost)`;
}
