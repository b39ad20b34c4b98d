/**
 * The database layout and its migrations. The schema version lives in `schema_version`; opening a
 * database runs every migration above its version, in order, in one transaction. A new version is
 * one more function appended to MIGRATIONS.
 */
import type { Database } from "sql.js";
import { CREATE_AUDIT_SQL } from "./auditRows";
import { CREATE_SCHEDULES_SQL } from "./scheduleRows";
import { NAMED_QUEUE_SQL, searchableTextSql } from "./sqlQueries";
import { ALL_STATUSES, FINISHED_STATUSES, TASK_FIELDS, type ColumnField, type ColumnValue } from "../model";

/** Statuses as an SQL list literal, e.g. `('success','failed')`. The values are our own constants. */
export const FINISHED_SQL = `(${FINISHED_STATUSES.map((s) => `'${s}'`).join(",")})`;

function v1(db: Database): void {
  db.run(`
    CREATE TABLE tasks (
      task_id TEXT PRIMARY KEY NOT NULL,
      func_name TEXT NOT NULL,
      status TEXT NOT NULL,
      args TEXT NOT NULL,
      kwargs TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      start_time INTEGER,
      end_time INTEGER,
      retries_used INTEGER NOT NULL,
      error TEXT,
      stacktrace TEXT,
      idempotency_key TEXT,
      tags TEXT NOT NULL,
      encrypted_payload BLOB,
      -- Lower-cased function name, id, error and tag values, one per line, for the text filter.
      -- Lower-cased in JavaScript, since SQLite's lower() folds only ASCII.
      search_text TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX tasks_status ON tasks(status, created_at);
    CREATE INDEX tasks_func_name ON tasks(func_name, created_at);
    CREATE INDEX tasks_created_at ON tasks(created_at, task_id);
    CREATE INDEX tasks_idempotency_key ON tasks(idempotency_key, created_at) WHERE idempotency_key IS NOT NULL;

    CREATE TABLE logs (
      task_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      line TEXT NOT NULL,
      PRIMARY KEY (task_id, seq)
    ) WITHOUT ROWID;

    -- Queryable copy of tasks.tags, kept in step by the triggers below (dropped by v6).
    CREATE TABLE tags (
      task_id TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      PRIMARY KEY (task_id, key)
    ) WITHOUT ROWID;
    CREATE INDEX tags_key_value ON tags(key, value);

    -- Per status counts and duration sums, kept in step by triggers, so metrics and retention
    -- never scan the tasks table.
    CREATE TABLE status_counts (
      status TEXT PRIMARY KEY NOT NULL,
      n INTEGER NOT NULL,
      duration_n INTEGER NOT NULL,
      duration_sum_ms INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TRIGGER tasks_after_insert AFTER INSERT ON tasks BEGIN
      UPDATE status_counts SET n = n + 1,
        duration_n = duration_n + (NEW.start_time IS NOT NULL AND NEW.end_time IS NOT NULL),
        duration_sum_ms = duration_sum_ms + coalesce(NEW.end_time - NEW.start_time, 0)
        WHERE status = NEW.status;
    END;
    CREATE TRIGGER tasks_after_insert_tags AFTER INSERT ON tasks WHEN NEW.tags <> '{}' BEGIN
      INSERT INTO tags (task_id, key, value) SELECT NEW.task_id, key, value FROM json_each(NEW.tags);
    END;
    CREATE TRIGGER tasks_after_update_tags AFTER UPDATE OF tags ON tasks WHEN OLD.tags IS NOT NEW.tags BEGIN
      DELETE FROM tags WHERE task_id = OLD.task_id;
      INSERT INTO tags (task_id, key, value) SELECT NEW.task_id, key, value FROM json_each(NEW.tags);
    END;
    CREATE TRIGGER tasks_after_update_status AFTER UPDATE OF status, start_time, end_time ON tasks
      WHEN OLD.status IS NOT NEW.status OR OLD.start_time IS NOT NEW.start_time OR OLD.end_time IS NOT NEW.end_time BEGIN
      UPDATE status_counts SET
        n = n + (status = NEW.status) - (status = OLD.status),
        duration_n = duration_n
          + (status = NEW.status AND NEW.start_time IS NOT NULL AND NEW.end_time IS NOT NULL)
          - (status = OLD.status AND OLD.start_time IS NOT NULL AND OLD.end_time IS NOT NULL),
        duration_sum_ms = duration_sum_ms
          + iif(status = NEW.status, coalesce(NEW.end_time - NEW.start_time, 0), 0)
          - iif(status = OLD.status, coalesce(OLD.end_time - OLD.start_time, 0), 0)
        WHERE status IN (OLD.status, NEW.status);
    END;
    CREATE TRIGGER tasks_after_delete AFTER DELETE ON tasks BEGIN
      DELETE FROM tags WHERE task_id = OLD.task_id;
      DELETE FROM logs WHERE task_id = OLD.task_id;
      UPDATE status_counts SET n = n - 1,
        duration_n = duration_n - (OLD.start_time IS NOT NULL AND OLD.end_time IS NOT NULL),
        duration_sum_ms = duration_sum_ms - coalesce(OLD.end_time - OLD.start_time, 0)
        WHERE status = OLD.status;
    END;
  `);
  // The statuses of round 1, written out: later statuses are added by the migration that brings them.
  seedStatusCounts(db, ["pending", "running", "success", "failed", "interrupted", "cancelled"]);
}

/** Adds a status_counts row, all zero, for each status that has none. */
function seedStatusCounts(db: Database, statuses: readonly string[]): void {
  const seed = db.prepare("INSERT OR IGNORE INTO status_counts (status, n, duration_n, duration_sum_ms) VALUES (?, 0, 0, 0)");
  try {
    for (const status of statuses) seed.run([status]);
  } finally {
    seed.free();
  }
}

function sqlLiteral(value: ColumnValue): string {
  if (value === null) return "NULL";
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return `'${value.replaceAll("'", "''")}'`;
  throw new TypeError(`a column default must be text, a number or NULL, got ${value.length} bytes`);
}

/**
 * The `ADD COLUMN` definition of a field: its column, its declared SQL type and, for a NOT NULL
 * column, a DEFAULT of the field's initial value, which rows written before the column existed take.
 */
export function addColumnSql(key: ColumnField): string {
  const field = TASK_FIELDS[key];
  const definition = `${field.column} ${field.sqlType}`;
  if (!field.sqlType!.includes("NOT NULL")) return definition;
  const initial = (field.toColumn as (value: unknown) => ColumnValue)(field.initial());
  return `${definition} DEFAULT ${sqlLiteral(initial)}`;
}

/** Round 2: results, parent tasks, queues and priority, delayed runs, schedules, progress, and the rejected status. */
function v2(db: Database): void {
  const added: ColumnField[] = ["result", "parentId", "queue", "priority", "runAt", "scheduleId", "progress"];
  for (const key of added) db.run(`ALTER TABLE tasks ADD COLUMN ${addColumnSql(key)}`);
  db.run(`
    CREATE INDEX tasks_parent_id ON tasks(parent_id, created_at) WHERE parent_id IS NOT NULL;
    CREATE INDEX tasks_queue ON tasks(queue, status, priority, created_at);
    CREATE INDEX tasks_schedule_id ON tasks(schedule_id, created_at) WHERE schedule_id IS NOT NULL;
  `);
  seedStatusCounts(db, ALL_STATUSES);
}

/** Round 2: schedules, each a row of their own. */
function v3(db: Database): void {
  db.run(CREATE_SCHEDULES_SQL);
}

/** Round 2: the audit trail, and an index on end_time for throughput. */
function v4(db: Database): void {
  db.run(CREATE_AUDIT_SQL);
  db.run("CREATE INDEX tasks_end_time ON tasks(end_time) WHERE end_time IS NOT NULL");
}

/** Round 3: durable runs, their recorded steps and what a waiting run waits for, and the waiting status. */
function v5(db: Database): void {
  const added: ColumnField[] = ["steps", "waitingFor"];
  for (const key of added) db.run(`ALTER TABLE tasks ADD COLUMN ${addColumnSql(key)}`);
  seedStatusCounts(db, ["waiting"]);
}

/**
 * Round 4: only the indexes a query uses (test/unit/storeQueryPlans.test.ts checks each). The tag
 * filter reads tasks.tags with json_each, so the tags table, its index and its two triggers go; the
 * queue filter needs (queue, created_at), not the status and priority the engine keeps in memory; no
 * query looks schedules up by function.
 */
function v6(db: Database): void {
  db.run(`
    DROP TRIGGER tasks_after_insert_tags;
    DROP TRIGGER tasks_after_update_tags;
    DROP TRIGGER tasks_after_delete;
    DROP TABLE tags;
    DROP INDEX schedules_func_name;
    DROP INDEX tasks_queue;
    CREATE INDEX tasks_queue ON tasks(queue, created_at);
    CREATE TRIGGER tasks_after_delete AFTER DELETE ON tasks BEGIN
      DELETE FROM logs WHERE task_id = OLD.task_id;
      UPDATE status_counts SET n = n - 1,
        duration_n = duration_n - (OLD.start_time IS NOT NULL AND OLD.end_time IS NOT NULL),
        duration_sum_ms = duration_sum_ms - coalesce(OLD.end_time - OLD.start_time, 0)
        WHERE status = OLD.status;
    END;
  `);
}

/** The definition of each column of a table, as `CREATE TABLE` takes it, from the table as it is. */
function columnDefinitions(db: Database, table: string): string[] {
  const rows = db.exec(`SELECT name, type, "notnull", dflt_value FROM pragma_table_info('${table}') ORDER BY cid`)[0].values;
  return rows.map(([name, type, notNull, initial]) => `${String(name)} ${String(type)}${notNull ? " NOT NULL" : ""}${initial === null ? "" : ` DEFAULT ${String(initial)}`}`);
}

/**
 * Round 4: the size of 100,000 stored runs. The tasks table gets an integer key, task_ref (the rowid,
 * declared so VACUUM keeps it): every index entry then carries it instead of the 36-character
 * task id, and log lines are keyed by it too. The task id is looked up through its own unique index.
 * Order by creation needs no task id in its index: ties on created_at are few and sorted as read.
 * search_text is kept only where the query cannot derive it with lower() (see searchText).
 * Both tables are rebuilt, oldest task first, so task_ref follows creation order.
 */
function v7(db: Database): void {
  const columns = columnDefinitions(db, "tasks");
  const names = columns.map((c) => c.split(" ")[0]).join(", ");
  db.run(`
    DROP TRIGGER tasks_after_insert;
    DROP TRIGGER tasks_after_update_status;
    DROP TRIGGER tasks_after_delete;
    ALTER TABLE tasks RENAME TO tasks_v6;
    ALTER TABLE logs RENAME TO logs_v6;
    CREATE TABLE tasks (task_ref INTEGER PRIMARY KEY, ${columns.join(", ")}, UNIQUE (task_id));
    INSERT INTO tasks (${names}) SELECT ${names} FROM tasks_v6 ORDER BY created_at, task_id;
    UPDATE tasks SET search_text = '' WHERE search_text = ${searchableTextSql("tasks")};
    CREATE TABLE logs (
      task_ref INTEGER NOT NULL,
      seq INTEGER NOT NULL,
      line TEXT NOT NULL,
      PRIMARY KEY (task_ref, seq)
    ) WITHOUT ROWID;
    INSERT INTO logs (task_ref, seq, line) SELECT t.task_ref, l.seq, l.line FROM logs_v6 l JOIN tasks t ON t.task_id = l.task_id ORDER BY t.task_ref, l.seq;
    DROP TABLE logs_v6;
    DROP TABLE tasks_v6;
    CREATE INDEX tasks_status ON tasks(status, created_at);
    CREATE INDEX tasks_func_name ON tasks(func_name, created_at);
    CREATE INDEX tasks_created_at ON tasks(created_at);
    CREATE INDEX tasks_idempotency_key ON tasks(idempotency_key, created_at) WHERE idempotency_key IS NOT NULL;
    CREATE INDEX tasks_parent_id ON tasks(parent_id, created_at) WHERE parent_id IS NOT NULL;
    CREATE INDEX tasks_queue ON tasks(queue, created_at);
    CREATE INDEX tasks_schedule_id ON tasks(schedule_id, created_at) WHERE schedule_id IS NOT NULL;
    CREATE INDEX tasks_end_time ON tasks(end_time) WHERE end_time IS NOT NULL;
    CREATE TRIGGER tasks_after_insert AFTER INSERT ON tasks BEGIN
      UPDATE status_counts SET n = n + 1,
        duration_n = duration_n + (NEW.start_time IS NOT NULL AND NEW.end_time IS NOT NULL),
        duration_sum_ms = duration_sum_ms + coalesce(NEW.end_time - NEW.start_time, 0)
        WHERE status = NEW.status;
    END;
    CREATE TRIGGER tasks_after_update_status AFTER UPDATE OF status, start_time, end_time ON tasks
      WHEN OLD.status IS NOT NEW.status OR OLD.start_time IS NOT NEW.start_time OR OLD.end_time IS NOT NEW.end_time BEGIN
      UPDATE status_counts SET
        n = n + (status = NEW.status) - (status = OLD.status),
        duration_n = duration_n
          + (status = NEW.status AND NEW.start_time IS NOT NULL AND NEW.end_time IS NOT NULL)
          - (status = OLD.status AND OLD.start_time IS NOT NULL AND OLD.end_time IS NOT NULL),
        duration_sum_ms = duration_sum_ms
          + iif(status = NEW.status, coalesce(NEW.end_time - NEW.start_time, 0), 0)
          - iif(status = OLD.status, coalesce(OLD.end_time - OLD.start_time, 0), 0)
        WHERE status IN (OLD.status, NEW.status);
    END;
    CREATE TRIGGER tasks_after_delete AFTER DELETE ON tasks BEGIN
      DELETE FROM logs WHERE task_ref = OLD.task_ref;
      UPDATE status_counts SET n = n - 1,
        duration_n = duration_n - (OLD.start_time IS NOT NULL AND OLD.end_time IS NOT NULL),
        duration_sum_ms = duration_sum_ms - coalesce(OLD.end_time - OLD.start_time, 0)
        WHERE status = OLD.status;
    END;
  `);
}

/**
 * Round 4: tasks_queue keeps only the runs of named queues. Most runs are in the default queue, and
 * its 100,000 entries (2.3 MB) served only GET /tasks?queue=default, which now reads the tasks newest
 * first through tasks_created_at, as the unfiltered list does.
 */
function v8(db: Database): void {
  db.run(`DROP INDEX tasks_queue; CREATE INDEX tasks_queue ON tasks(queue, created_at) WHERE ${NAMED_QUEUE_SQL};`);
}

/** MIGRATIONS[i] takes a database from version i to version i + 1. */
export const MIGRATIONS: ReadonlyArray<(db: Database) => void> = [v1, v2, v3, v4, v5, v6, v7, v8];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Settings for a database that lives in sql.js memory: there is no disk under it to protect. */
export function applyPragmas(db: Database): void {
  db.run("PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;");
}

/** The schema version of a database; 0 for an empty one. Throws when the bytes are not a database. */
export function schemaVersion(db: Database): number {
  const hasTable = db.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  if (hasTable.length === 0) return 0;
  const rows = db.exec("SELECT version FROM schema_version");
  return rows.length === 0 ? 0 : Number(rows[0].values[0][0]);
}

/** The database was written by a later Taskflow, with a schema this code does not know. */
export class SchemaTooNewError extends Error {
  override readonly name = "SchemaTooNewError";
  constructor(readonly version: number, readonly supported: number) {
    super(`The task database has schema version ${version}, newer than ${supported} that this Taskflow understands: update the extension`);
  }
}

/**
 * Brings the database to the latest version (`migrations.length`). Returns the version it had.
 * Throws when the database is newer than this code (a later Taskflow wrote it): the caller must not
 * touch it then.
 */
export function migrate(db: Database, migrations: ReadonlyArray<(db: Database) => void> = MIGRATIONS): number {
  const target = migrations.length;
  const from = schemaVersion(db);
  if (from > target) {
    throw new SchemaTooNewError(from, target);
  }
  if (from === target) return from;
  db.run("BEGIN");
  try {
    if (from === 0) db.run("CREATE TABLE schema_version (version INTEGER NOT NULL)");
    for (let v = from; v < target; v++) migrations[v](db);
    db.run("DELETE FROM schema_version");
    db.run("INSERT INTO schema_version (version) VALUES (?)", [target]);
    db.run("COMMIT");
  } catch (err) {
    db.run("ROLLBACK");
    throw err;
  }
  return from;
}
