import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { COLUMN_FIELDS, TASK_COLUMNS, TASK_FIELDS, newTaskData } from "../../src/model";
import { SqlJsStore } from "../../src/store";
import { foldJournals } from "../../src/store/fold";
import { parseJournalLine } from "../../src/store/journalOps";
import { MIGRATIONS, SCHEMA_VERSION, addColumnSql, migrate, schemaVersion } from "../../src/store/schema";
import { loadSqlJs } from "../../src/store/sqlJsLoader";

/** A save line exactly as round 1 wrote it, before result, parentId, queue, priority, runAt, scheduleId and progress. */
function roundOneSaveLine(taskId: string): string {
  return JSON.stringify({
    op: "save",
    row: {
      taskId, funcName: "seedDb", status: "failed", args: "[1,\"two\"]", kwargs: "{\"dry\":true}", createdAt: 1_700_000_000_000,
      startTime: 1_700_000_000_100, endTime: 1_700_000_000_600, retriesUsed: 1, error: "Connection refused",
      stacktrace: "Error: Connection refused", idempotencyKey: "k1", tags: "{\"env\":\"Prod\"}", encryptedPayload: "AAEC/w==",
    },
  });
}

/** The round-2 fields of a task, as a task from before them must read. */
const INITIAL_ROUND_TWO = { result: null, parentId: null, queue: "default", priority: 0, runAt: null, scheduleId: null, progress: null };

describe("store schema migrations", () => {
  let dir: string;
  let dbPath: string;
  let warnings: string[];
  const stores: SqlJsStore[] = [];

  async function open(): Promise<SqlJsStore> {
    const store = new SqlJsStore({ dbPath, onWarning: (m) => warnings.push(m) });
    await store.open();
    stores.push(store);
    return store;
  }

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-migrations-"));
    dbPath = path.join(dir, "tasks.db");
    warnings = [];
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives the tasks table exactly the model's columns, with the SQL types the fields declare", async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    migrate(db);
    const info = db.exec("PRAGMA table_info(tasks)")[0];
    const col = (name: string) => info.columns.indexOf(name);
    const declared = new Map(info.values.map((r) => [String(r[col("name")]), `${String(r[col("type")])}${r[col("notnull")] ? " NOT NULL" : ""}`]));
    db.close();
    COLUMN_FIELDS.forEach((key) => {
      const field = TASK_FIELDS[key];
      assert.ok(declared.has(field.column!), `The field ${key} has no column ${field.column} in the tasks table: append a migration to MIGRATIONS in src/store/schema.ts that runs ALTER TABLE tasks ADD COLUMN ${addColumnSql(key)}`);
      assert.equal(declared.get(field.column!), field.sqlType, `column ${field.column} of field ${key}: the table declares ${declared.get(field.column!)}, the model ${field.sqlType}; migrate the column or fix the field`);
    });
    const extra = [...declared.keys()].filter((c) => c !== "search_text" && c !== "task_ref" && !TASK_COLUMNS.includes(c));
    assert.deepEqual(extra, [], `columns no field of TASK_FIELDS declares: ${extra.join(", ")}; add the field to src/model/fields.ts or drop the column`);
    assert.equal(declared.size, TASK_COLUMNS.length + 2, "TASK_COLUMNS plus search_text and the integer key task_ref");
  });

  it("opens a database file written by schema version 1, keeping its rows and reading the new fields at their initial values", async () => {
    const SQL = await loadSqlJs();
    const old = new SQL.Database();
    migrate(old, MIGRATIONS.slice(0, 1));
    old.run(`INSERT INTO tasks (task_id, func_name, status, args, kwargs, created_at, start_time, end_time, retries_used, error,
      stacktrace, idempotency_key, tags, encrypted_payload, search_text) VALUES
      ('t1', 'seedDb', 'success', '[1]', '{"a":2}', 1000, 1000, 3000, 0, NULL, NULL, 'k1', '{"env":"prod"}', x'00ff', 'seeddb\nt1\n\nprod'),
      ('t2', 'sync', 'pending', '[]', '{}', 2000, NULL, NULL, 0, NULL, NULL, NULL, '{}', NULL, 'sync\nt2\n')`);
    old.run("INSERT INTO logs (task_id, seq, line) VALUES ('t1', 0, 'one'), ('t1', 1, 'two')");
    assert.equal(schemaVersion(old), 1);
    writeFileSync(dbPath, old.export());
    old.close();

    const store = await open();
    assert.deepEqual(store.getTask("t1"), newTaskData({
      taskId: "t1", funcName: "seedDb", status: "success", args: [1], kwargs: { a: 2 }, createdAt: 1000, startTime: 1000, endTime: 3000,
      idempotencyKey: "k1", tags: { env: "prod" }, encryptedPayload: new Uint8Array([0, 255]), logs: ["one", "two"], ...INITIAL_ROUND_TWO,
    }));
    assert.deepEqual(store.listTasks({ queue: "default" }).map((t) => t.taskId), ["t2", "t1"]);
    assert.deepEqual(store.listTasks({ tag: "env=prod", search: "SEED" }).map((t) => t.taskId), ["t1"], "tags and search_text kept");
    store.saveTask(newTaskData({ taskId: "t3", funcName: "sync", status: "rejected", createdAt: 3000, queue: "emails" }));
    assert.deepEqual({ ...store.metrics() }, {
      total: 3, pending: 1, running: 0, success: 1, failed: 0, interrupted: 0, cancelled: 0, rejected: 1, waiting: 0, successRate: 1, avgDuration: 2,
    }, "the migration counts rejected tasks");
    await store.close();
    stores.length = 0;

    const migrated = new SQL.Database(readFileSync(dbPath));
    assert.equal(schemaVersion(migrated), SCHEMA_VERSION);
    migrated.close();
    const reopened = await open();
    assert.equal(reopened.getTask("t3")?.queue, "emails");
    assert.equal(reopened.countTasks(), 3);
    assert.deepEqual(warnings, []);
  });

  it("opens a database file written by schema version 2 with no schedules, keeping its tasks, and stores schedules in it", async () => {
    const SQL = await loadSqlJs();
    const old = new SQL.Database();
    migrate(old, MIGRATIONS.slice(0, 2));
    assert.equal(schemaVersion(old), 2);
    writeFileSync(dbPath, old.export());
    old.close();
    const store = await open();
    store.saveTask(newTaskData({ taskId: "t1", funcName: "sync", createdAt: 1000 }));
    assert.deepEqual(store.listSchedules(), []);
    const schedule = {
      scheduleId: "s1", funcName: "sync", every: null, cron: "*/5 * * * *", timezone: "UTC", args: [], kwargs: {}, tags: {}, runOnStart: false,
      nextRunAt: null, lastRunAt: null, lastTaskId: null, paused: true, source: "module" as const,
    };
    store.saveSchedule(schedule);
    await store.close();
    stores.length = 0;
    const reopened = await open();
    assert.equal(reopened.countTasks(), 1);
    assert.deepEqual(reopened.listSchedules(), [schedule]);
  });

  it("opens a database file written by schema version 3 with no audit trail, keeping its schedules, and keeps audit entries in it", async () => {
    const SQL = await loadSqlJs();
    const old = new SQL.Database();
    migrate(old, MIGRATIONS.slice(0, 3));
    assert.equal(schemaVersion(old), 3);
    old.run(`INSERT INTO schedules (schedule_id, func_name, every_seconds, args, kwargs, tags, run_on_start, paused, source)
      VALUES ('s1', 'sync', 60, '[]', '{}', '{}', 0, 0, 'api')`);
    writeFileSync(dbPath, old.export());
    old.close();
    const store = await open();
    assert.deepEqual(store.listSchedules().map((s) => s.scheduleId), ["s1"]);
    assert.deepEqual(store.listAudit({ limit: 10, offset: 0 }), []);
    const entry = { at: "2026-12-02T10:00:00.000Z", action: "unschedule" as const, taskId: null, actor: "cli" as const, detail: "schedule s1" };
    store.appendAudit(entry);
    await store.close();
    stores.length = 0;
    const reopened = await open();
    assert.deepEqual(reopened.listAudit({ limit: 10, offset: 0 }), [entry]);
  });

  it("opens a database file written by schema version 5 with tagged tasks, filters them by tag from the row, and keeps counts and log deletion", async () => {
    const SQL = await loadSqlJs();
    const old = new SQL.Database();
    migrate(old, MIGRATIONS.slice(0, 5));
    old.run(`INSERT INTO tasks (task_id, func_name, status, args, kwargs, created_at, start_time, end_time, retries_used, error,
      stacktrace, idempotency_key, tags, encrypted_payload, search_text) VALUES
      ('t1', 'seedDb', 'success', '[1]', '{}', 1000, 1000, 3000, 0, NULL, NULL, NULL, '{"env":"prod"}', NULL, 'seeddb\nt1\n\nprod'),
      ('t2', 'seedDb', 'failed', '[2]', '{}', 2000, 2000, 2500, 0, 'boom', NULL, NULL, '{"env":"dev","team":"data"}', NULL, 'seeddb\nt2\nboom\ndev\ndata'),
      ('t3', 'sync', 'pending', '[]', '{}', 3000, NULL, NULL, 0, NULL, NULL, NULL, '{}', NULL, 'sync\nt3\n')`);
    old.run("INSERT INTO logs (task_id, seq, line) VALUES ('t2', 0, 'one')");
    assert.equal(Number(old.exec("SELECT count(*) FROM tags")[0].values[0][0]), 3, "version 5 keeps tags in their own table");
    writeFileSync(dbPath, old.export());
    old.close();
    const store = await open();
    assert.deepEqual(store.listTasks({ tag: "env" }).map((t) => t.taskId), ["t2", "t1"]);
    assert.deepEqual(store.listTasks({ tag: "env=dev" }).map((t) => t.taskId), ["t2"]);
    assert.equal(store.countTasks({ tag: "team=data" }), 1);
    assert.equal(store.countTasks({ tag: "team=ops" }), 0);
    assert.equal(store.deleteTasks(["t2"]), 1);
    await store.close();
    stores.length = 0;
    const db = new SQL.Database(readFileSync(dbPath));
    assert.equal(schemaVersion(db), SCHEMA_VERSION);
    assert.deepEqual(db.exec("SELECT name FROM sqlite_master WHERE name IN ('tags', 'tags_key_value', 'schedules_func_name')"), []);
    assert.equal(Number(db.exec("SELECT count(*) FROM logs")[0].values[0][0]), 0, "the deleted task's log lines went with it");
    assert.deepEqual(db.exec("SELECT status, n FROM status_counts WHERE n > 0 ORDER BY status")[0].values, [["pending", 1], ["success", 1]]);
    db.close();
  });

  it("opens a database file written by schema version 6, keying tasks and log lines by an integer in creation order, with every row, log line and count kept", async () => {
    const SQL = await loadSqlJs();
    const old = new SQL.Database();
    migrate(old, MIGRATIONS.slice(0, 6));
    old.run(`INSERT INTO tasks (task_id, func_name, status, args, kwargs, created_at, start_time, end_time, retries_used, error,
      stacktrace, idempotency_key, tags, encrypted_payload, search_text, queue) VALUES
      ('t2', 'seedDb', 'failed', '[2]', '{}', 2000, 2000, 2500, 0, 'boom', NULL, 'k2', '{"env":"dev"}', NULL, 'seeddb\nt2\nboom\ndev', 'emails'),
      ('t1', 'seedDb', 'success', '[1]', '{}', 1000, 1000, 3000, 0, NULL, NULL, NULL, '{}', NULL, 'seeddb\nt1\n', 'default'),
      ('t3', 'sync', 'pending', '[]', '{}', 3000, NULL, NULL, 0, NULL, NULL, NULL, '{}', NULL, 'sync\nt3\n', 'default')`);
    old.run("INSERT INTO logs (task_id, seq, line) VALUES ('t2', 1, 'second'), ('t2', 0, 'first'), ('t1', 0, 'only'), ('gone', 0, 'orphan')");
    writeFileSync(dbPath, old.export());
    old.close();

    const store = await open();
    assert.deepEqual(store.listTasks().map((t) => [t.taskId, t.logs]), [["t3", []], ["t2", ["first", "second"]], ["t1", ["only"]]]);
    assert.deepEqual(store.getTask("t2")?.logs, ["first", "second"]);
    assert.equal(store.findByIdempotencyKey("k2")?.taskId, "t2");
    assert.deepEqual(store.listTasks({ queue: "emails", search: "BOOM", tag: "env=dev" }).map((t) => t.taskId), ["t2"]);
    assert.deepEqual({ ...store.metrics() }, {
      total: 3, pending: 1, running: 0, success: 1, failed: 1, interrupted: 0, cancelled: 0, rejected: 0, waiting: 0, successRate: 0.5, avgDuration: 1.25,
    });
    store.appendLogs("t2", ["third"]);
    assert.deepEqual(store.getTask("t2")?.logs, ["first", "second", "third"], "new lines go after the migrated ones");
    assert.equal(store.deleteTasks(["t1"]), 1);
    await store.close();
    stores.length = 0;

    const db = new SQL.Database(readFileSync(dbPath));
    assert.equal(schemaVersion(db), SCHEMA_VERSION);
    assert.deepEqual(db.exec("SELECT task_id, task_ref FROM tasks ORDER BY task_ref")[0].values, [["t2", 2], ["t3", 3]], "task_ref in creation order");
    assert.deepEqual(db.exec("SELECT search_text FROM tasks")[0].values, [[""], [""]], "no search_text kept where lower() of the columns gives it");
    assert.deepEqual(db.exec("SELECT task_ref, seq, line FROM logs ORDER BY task_ref, seq")[0].values, [[2, 0, "first"], [2, 1, "second"], [2, 2, "third"]],
      "the deleted task's and the orphan's lines are gone");
    const indexed = db.exec("SELECT i.name, c.name FROM sqlite_master i, pragma_index_info(i.name) c WHERE i.type = 'index' AND i.tbl_name = 'tasks' AND i.name NOT LIKE 'sqlite_autoindex_%'")[0].values;
    assert.deepEqual(indexed.filter(([, column]) => column === "task_id"), [], "no secondary index carries the task id");
    db.close();
  });

  it("opens a database file written by schema version 7, indexing only the runs of named queues and filtering every queue as before", async () => {
    const SQL = await loadSqlJs();
    const old = new SQL.Database();
    migrate(old, MIGRATIONS.slice(0, 7));
    old.run(`INSERT INTO tasks (task_id, func_name, status, args, kwargs, created_at, retries_used, tags, search_text, queue) VALUES
      ('t1', 'seedDb', 'pending', '[]', '{}', 1000, 0, '{}', '', 'default'),
      ('t2', 'seedDb', 'pending', '[]', '{}', 2000, 0, '{}', '', 'emails'),
      ('t3', 'sync', 'pending', '[]', '{}', 3000, 0, '{}', '', 'default')`);
    writeFileSync(dbPath, old.export());
    old.close();

    const store = await open();
    store.saveTask(newTaskData({ taskId: "t4", funcName: "sync", createdAt: 4000, queue: "emails" }));
    assert.deepEqual(store.listTasks({ queue: "default" }).map((t) => t.taskId), ["t3", "t1"]);
    assert.deepEqual(store.listTasks({ queue: "emails" }).map((t) => t.taskId), ["t4", "t2"]);
    assert.deepEqual([store.countTasks({ queue: "default" }), store.countTasks({ queue: "emails" }), store.countTasks({ queue: "none" })], [2, 2, 0]);
    await store.close();
    stores.length = 0;

    const db = new SQL.Database(readFileSync(dbPath));
    assert.equal(schemaVersion(db), SCHEMA_VERSION);
    assert.deepEqual(db.exec("SELECT count(*) FROM tasks INDEXED BY tasks_queue WHERE queue <> 'default'")[0].values, [[2]]);
    assert.match(String(db.exec("SELECT sql FROM sqlite_master WHERE name = 'tasks_queue'")[0].values[0][0]), /WHERE queue <> 'default'$/);
    db.close();
  });

  it("replays a journal written before the round-2 fields existed, giving them their initial values", async () => {
    writeFileSync(`${dbPath}.journal`, `${roundOneSaveLine("old")}\n${JSON.stringify({ op: "logs", taskId: "old", seq: 0, lines: ["a"] })}\n`);
    const store = await open();
    assert.deepEqual(warnings, []);
    assert.deepEqual(store.getTask("old"), newTaskData({
      taskId: "old", funcName: "seedDb", status: "failed", args: [1, "two"], kwargs: { dry: true }, createdAt: 1_700_000_000_000,
      startTime: 1_700_000_000_100, endTime: 1_700_000_000_600, retriesUsed: 1, error: "Connection refused",
      stacktrace: "Error: Connection refused", idempotencyKey: "k1", tags: { env: "Prod" }, encryptedPayload: new Uint8Array([0, 1, 2, 255]),
      logs: ["a"], ...INITIAL_ROUND_TWO,
    }));
    assert.deepEqual(store.listTasks({ search: "prod" }).map((t) => t.taskId), ["old"], "search_text computed from the replayed row");
  });

  it("folds a round-1 journal into a version-1 database file in the fold worker's code path", async () => {
    const SQL = await loadSqlJs();
    const old = new SQL.Database();
    migrate(old, MIGRATIONS.slice(0, 1));
    writeFileSync(dbPath, old.export());
    old.close();
    const journal = `${dbPath}.journal.fold-1`;
    writeFileSync(journal, `${roundOneSaveLine("old")}\n`);
    assert.equal((await foldJournals(SQL, { dbPath, journalPaths: [journal] })).skippedLines, 0);
    const folded = new SQL.Database(readFileSync(dbPath));
    assert.equal(schemaVersion(folded), SCHEMA_VERSION);
    assert.deepEqual(folded.exec("SELECT queue, priority, result, progress, parent_id FROM tasks")[0].values, [["default", 0, "null", "null", null]]);
    folded.close();
  });

  it("refuses a journal save row whose field does not have the model's type, naming the column", () => {
    const line = JSON.parse(roundOneSaveLine("bad")) as { row: Record<string, unknown> };
    line.row.progress = JSON.stringify({ fraction: "half" });
    assert.throws(() => parseJournalLine(JSON.stringify(line)), /a save operation whose row is not a task row: column progress: expected JSON text of \{ fraction, message \} or null/);
    line.row.progress = "null";
    line.row.priority = "high";
    assert.throws(() => parseJournalLine(JSON.stringify(line)), /column priority: expected a number, got the string "high"/);
    delete line.row.priority;
    assert.equal(parseJournalLine(JSON.stringify(line)).op, "save");
  });
});
