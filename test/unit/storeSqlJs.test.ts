import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Database } from "sql.js";
import { newTaskData, type TaskData, type Timers } from "../../src/model";
import { SchemaTooNewError, SqlJsStore, type SqlJsStoreOptions } from "../../src/store";
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from "../../src/store/schema";
import { loadSqlJs } from "../../src/store/sqlJsLoader";

function task(taskId: string, overrides: Partial<TaskData> = {}): TaskData {
  return newTaskData({ taskId, funcName: "seed", status: "success", args: [1], createdAt: 1000, startTime: 1000, endTime: 2000, ...overrides });
}

/** Timers the test fires by hand. */
class ManualTimers implements Timers {
  readonly pending: Array<{ callback: () => void; ms: number }> = [];
  setTimeout(callback: () => void, ms: number): unknown {
    const entry = { callback, ms };
    this.pending.push(entry);
    return entry;
  }
  clearTimeout(handle: unknown): void {
    const i = this.pending.indexOf(handle as { callback: () => void; ms: number });
    if (i >= 0) this.pending.splice(i, 1);
  }
  fireAll(): void {
    for (const entry of this.pending.splice(0)) entry.callback();
  }
}

/** Resolves once the condition holds, checking after each turn of the event loop (no fixed sleep). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail(`gave up waiting until ${what}`);
}

async function openDbFile(file: string): Promise<Database> {
  const SQL = await loadSqlJs();
  return new SQL.Database(readFileSync(file));
}

describe("SqlJsStore on disk", () => {
  let dir: string;
  let dbPath: string;
  let warnings: string[];
  const stores: SqlJsStore[] = [];

  async function open(options: Partial<SqlJsStoreOptions> = {}): Promise<SqlJsStore> {
    const store = new SqlJsStore({ dbPath, onWarning: (m) => warnings.push(m), ...options });
    await store.open();
    stores.push(store);
    return store;
  }

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-sqljs-"));
    dbPath = path.join(dir, "nested", "tasks.db");
    warnings = [];
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates the folder and a database at the current schema version with its indexes", async () => {
    const store = await open();
    await store.close();
    const db = await openDbFile(dbPath);
    assert.equal(schemaVersion(db), SCHEMA_VERSION);
    const names = db.exec("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")[0].values.flat();
    for (const name of ["tasks", "logs", "status_counts", "tasks_status", "tasks_func_name", "tasks_created_at", "tasks_idempotency_key", "tasks_end_time"]) {
      assert.ok(names.includes(name), `expected ${name} in ${names.join(", ")}`);
    }
    db.close();
  });

  it("runs only the migrations above the database's version, in order", async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    assert.equal(migrate(db), 0);
    const ran: number[] = [];
    const next = (d: Database): void => {
      ran.push(SCHEMA_VERSION + 1);
      d.run("ALTER TABLE tasks ADD COLUMN later_field TEXT");
    };
    assert.equal(migrate(db, [...MIGRATIONS, next]), SCHEMA_VERSION);
    assert.equal(migrate(db, [...MIGRATIONS, next]), SCHEMA_VERSION + 1);
    assert.deepEqual(ran, [SCHEMA_VERSION + 1]);
    assert.equal(schemaVersion(db), SCHEMA_VERSION + 1);
    assert.deepEqual(db.exec("SELECT later_field FROM tasks"), []);
    db.close();
  });

  it("refuses a database from a newer schema and leaves the file untouched", async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.run("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (99);");
    const bytes = db.export();
    db.close();
    mkdirSync(path.dirname(dbPath), { recursive: true });
    writeFileSync(dbPath, bytes);
    await assert.rejects(new SqlJsStore({ dbPath, onWarning: (m) => warnings.push(m) }).open(), (err: Error) => {
      assert.ok(err instanceof SchemaTooNewError, `expected a SchemaTooNewError, got ${err.name}`);
      assert.match(err.message, new RegExp(`schema version 99, newer than ${SCHEMA_VERSION} .*update the extension`));
      return true;
    });
    assert.deepEqual(new Uint8Array(readFileSync(dbPath)), bytes);
  });

  it("moves a corrupt database file aside with a warning and starts a fresh one", async () => {
    const garbage = Buffer.from("this is not a database at all, just some garbage bytes ".repeat(100));
    mkdirSync(path.dirname(dbPath), { recursive: true });
    writeFileSync(dbPath, garbage);
    const store = await open();
    const aside = readdirSync(path.dirname(dbPath)).filter((n) => n.startsWith("tasks.db.corrupt-"));
    assert.equal(aside.length, 1);
    assert.deepEqual(readFileSync(path.join(path.dirname(dbPath), aside[0])), garbage, "nothing deleted");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /could not be read .* moved to .*tasks\.db\.corrupt-\d+ and a new, empty database was started/);
    assert.equal(store.countTasks(), 0);
    store.saveTask(task("t1"));
    await store.close();
    const reopened = await open();
    assert.equal(reopened.getTask("t1")?.taskId, "t1");
  });

  it("skips unreadable journal lines with a warning, keeps them aside and applies the rest", async () => {
    const first = await open();
    first.saveTask(task("before"));
    await first.flush();
    first.saveTask(task("after"));
    await first.flush();
    const journal = `${dbPath}.journal`;
    const [before, after] = readFileSync(journal, "utf8").trimEnd().split("\n");
    writeFileSync(journal, `${before}\n{not json\n{"op":"bogus"}\n${after}\n`);
    // first is abandoned here, as after a crash; its lock, stale once its process is dead, is let go by hand.
    await (first as unknown as { lock?: { release(): Promise<void> } }).lock?.release();
    const second = new SqlJsStore({ dbPath, onWarning: (m) => warnings.push(m) });
    await second.open();
    stores.push(second);
    assert.deepEqual(second.listTasks().map((t) => t.taskId).sort(), ["after", "before"]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /Skipped 2 unreadable line\(s\) of 4 in the task journal .*kept in .*corrupt-/);
    const aside = readdirSync(path.dirname(dbPath)).filter((n) => n.includes(".journal") && n.includes(".corrupt-"));
    assert.equal(aside.length, 1);
    assert.equal(readFileSync(path.join(path.dirname(dbPath), aside[0]), "utf8"), '{not json\n{"op":"bogus"}\n');
    await (first as unknown as { journal?: { close(): Promise<void> } }).journal?.close();
  });

  it("writes the database file atomically at close: a valid file, no temporary or journal file left", async () => {
    const store = await open();
    for (let i = 0; i < 50; i++) store.saveTask(task(`t${i}`, { createdAt: i }));
    await store.close();
    assert.deepEqual(readdirSync(path.dirname(dbPath)), ["tasks.db"]);
    const db = await openDbFile(dbPath);
    assert.equal(db.exec("SELECT count(*) FROM tasks")[0].values[0][0], 50);
    assert.equal(db.exec("PRAGMA integrity_check")[0].values[0][0], "ok");
    db.close();
  });

  it("writes each change to the journal when the flush timer fires, without flush()", async () => {
    const timers = new ManualTimers();
    const store = await open({ timers, flushIntervalMs: 150 });
    store.saveTask(task("durable"));
    store.appendLogs("durable", ["a line"]);
    assert.deepEqual(timers.pending.map((t) => t.ms), [150], "one write scheduled within flushIntervalMs");
    const journal = `${dbPath}.journal`;
    assert.equal(readFileSync(journal, "utf8"), "", "nothing written before the timer fires");
    timers.fireAll();
    await until(() => readFileSync(journal, "utf8").includes("a line"), "the journal holds the change");
    assert.match(readFileSync(journal, "utf8"), /"taskId":"durable"/);
  });

  it("journals a task added, run and finished within one flush interval as one line of its final state, audit entries between its saves included", async () => {
    const timers = new ManualTimers();
    const store = await open({ timers });
    const db = (store as unknown as { db: Database }).db;
    const statements: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = (sql, params) => {
      statements.push(sql);
      return prepare(sql, params);
    };
    const changesBefore = Number(db.exec("SELECT total_changes()")[0].values[0][0]);
    store.saveTask(task("short", { status: "pending", startTime: null, endTime: null }));
    store.appendAudit({ at: new Date(1000).toISOString(), action: "run", taskId: "short", actor: "api", detail: "seed" });
    store.saveTask(task("short", { status: "running", endTime: null }));
    store.appendLogs("short", ["one"]);
    store.appendAudit({ at: new Date(2000).toISOString(), action: "cancel", taskId: "other", actor: "api", detail: null });
    store.saveTask(task("short"));
    store.appendLogs("short", ["two"]);
    assert.deepEqual(store.getTask("short")?.logs, ["one", "two"], "getTask sees the buffered row and lines");
    assert.equal(Number(db.exec("SELECT total_changes()")[0].values[0][0]), changesBefore, "nothing written to the database before the timer");
    assert.deepEqual(statements, [], "no statement prepared before the timer");
    timers.fireAll();
    const journal = `${dbPath}.journal`;
    await until(() => readFileSync(journal, "utf8").includes("cancel"), "the journal holds the batch");
    const ops = readFileSync(journal, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { op: string; row?: { status: string } });
    assert.deepEqual(ops.map((op) => op.op), ["save", "logs", "audit", "audit"]);
    assert.equal(ops[0].row?.status, "success", "the one save line holds the final state");
    // One upsert and the status count its trigger keeps, one insert per log line and per audit entry.
    assert.equal(Number(db.exec("SELECT total_changes()")[0].values[0][0]) - changesBefore, 2 + 2 + 2);
    assert.deepEqual(store.listAudit({ limit: 10, offset: 0 }).map((e) => e.action), ["cancel", "run"]);
  });

  it("writes each task once, in its final state, when adds outrun the flush timer: finished rows go early, unfinished ones wait for their next change", async () => {
    const timers = new ManualTimers();
    const store = await open({ timers });
    const db = (store as unknown as { db: Database }).db;
    const count = 1500;
    const pending = (i: number): TaskData => task(`t${i}`, { status: "pending", startTime: null, endTime: null, createdAt: 1000 + i });
    for (let i = 0; i < count; i++) store.saveTask(pending(i));
    store.saveTask(task("logger", { status: "running", endTime: null }));
    store.appendLogs("logger", ["while running"]);
    const rowsInDb = (): number => Number(db.exec("SELECT count(*) FROM tasks")[0].values[0][0]);
    assert.equal(rowsInDb(), 0, "unfinished rows stay buffered while nothing else piles up");
    for (let i = 0; i < count; i++) {
      store.saveTask(task(`t${i}`, { createdAt: 1000 + i }));
      if (i === 1100) store.appendAudit({ at: new Date(1000).toISOString(), action: "run", taskId: "t0", actor: "api", detail: null });
    }
    assert.ok(rowsInDb() >= 1024, `the finished rows were applied before the timer, got ${rowsInDb()} rows`);
    assert.equal(Number(db.exec("SELECT count(*) FROM tasks WHERE status <> 'success'")[0].values[0][0]), 1, "only the logging task's row went early unfinished, with its lines");
    assert.equal(store.getTask("t1499")?.status, "success", "a buffered row reads as saved");
    assert.deepEqual(store.getTask("logger")?.logs, ["while running"]);
    assert.equal(timers.pending.length, 1, "the flush timer never fired");
    await store.flush();
    const saves = readFileSync(`${dbPath}.journal`, "utf8").trim().split("\n")
      .map((line) => JSON.parse(line) as { op: string; row?: { taskId: string; status: string } })
      .filter((op) => op.op === "save" && op.row?.taskId !== "logger");
    assert.equal(saves.length, count, "one save line per task");
    assert.ok(saves.every((op) => op.row?.status === "success"), "each the task's final state");
    assert.equal(store.countTasks({ status: "success" }), count);
  });

  it("journals an unfinished task at the flush timer but writes its row to the database once, when it has finished", async () => {
    const timers = new ManualTimers();
    const store = await open({ timers });
    const db = (store as unknown as { db: Database }).db;
    const journal = `${dbPath}.journal`;
    const rowsInDb = (): number => Number(db.exec("SELECT count(*) FROM tasks")[0].values[0][0]);
    const changes = (): number => Number(db.exec("SELECT total_changes()")[0].values[0][0]);
    const saves = (): Array<{ taskId: string; status: string }> => readFileSync(journal, "utf8").trim().split("\n").filter(Boolean)
      .map((line) => JSON.parse(line) as { op: string; row: { taskId: string; status: string } }).filter((op) => op.op === "save").map((op) => op.row);
    const changesAtStart = changes();
    store.saveTask(task("slow", { status: "pending", startTime: null, endTime: null }));
    timers.fireAll();
    await until(() => saves().length === 1, "the pending row is journalled");
    assert.deepEqual(saves(), [{ ...saves()[0], taskId: "slow", status: "pending" }]);
    assert.equal(rowsInDb(), 0, "the unfinished row is not in the database");
    assert.equal(store.getTask("slow")?.status, "pending", "getTask reads it from the buffer");
    timers.fireAll();
    assert.equal(saves().length, 1, "a row journalled as it is is not journalled again");
    store.saveTask(task("slow", { status: "running", endTime: null }));
    timers.fireAll();
    await until(() => saves().length === 2, "the running row is journalled");
    assert.equal(rowsInDb(), 0, "still not in the database while it runs");
    assert.equal(changes(), changesAtStart, "nothing written to the database for it yet");
    store.saveTask(task("slow"));
    timers.fireAll();
    await until(() => saves().length === 3, "the finished row is journalled");
    assert.deepEqual(saves().map((row) => row.status), ["pending", "running", "success"]);
    assert.equal(rowsInDb(), 1, "written once, in its final state");
    assert.equal(Number(db.exec("SELECT count(*) FROM tasks WHERE status = 'success'")[0].values[0][0]), 1);
    // A query applies what is buffered: an unfinished task's row goes in without another journal line.
    store.saveTask(task("other", { status: "pending", startTime: null, endTime: null }));
    timers.fireAll();
    await until(() => saves().length === 4, "the other pending row is journalled");
    assert.equal(store.countTasks({ status: "pending" }), 1);
    await store.flush();
    assert.equal(saves().length, 4);
  });

  it("writes the journal file at an early apply, without waiting for the flush timer a busy thread cannot reach", async () => {
    const timers = new ManualTimers();
    const store = await open({ timers });
    const journal = `${dbPath}.journal`;
    for (let i = 0; i < 1023; i++) store.saveTask(task(`t${i}`));
    assert.equal(readFileSync(journal, "utf8"), "", "below the early-apply size, the timer writes");
    store.saveTask(task("t1023"));
    const lines = readFileSync(journal, "utf8").trim().split("\n");
    assert.equal(lines.length, 1024, "every acknowledged task is in the file, with no turn of the event loop");
    assert.equal(timers.pending.length, 1, "the flush timer never fired");
    store.saveTask(task("after"));
    await store.flush();
    assert.match(readFileSync(journal, "utf8"), /"taskId":"after"/, "later writes go on after the written bytes");
    assert.equal(readFileSync(journal, "utf8").trim().split("\n").length, 1025);
  });

  it("reads a live task saved several times once, when it writes it, and getTask and the journal see its last state", async () => {
    const timers = new ManualTimers();
    const store = await open({ timers });
    let reads = 0;
    const live = {
      data: task("live", { status: "pending", startTime: null, endTime: null }),
      get taskId() { return this.data.taskId; },
      get status() { return this.data.status; },
      toData() {
        reads++;
        return this.data;
      },
    };
    store.saveLive([live]);
    live.data = { ...live.data, status: "running", startTime: 1000 };
    store.saveLive([live]);
    live.data = { ...live.data, status: "success", endTime: 2000, result: { answer: 42 } };
    store.saveLive([live]);
    assert.equal(reads, 0, "nothing read while the task is buffered");
    const got = store.getTask("live");
    assert.ok(got);
    assert.equal(got.status, "success");
    assert.deepEqual(got.result, { answer: 42 });
    Object.assign(got.result as object, { answer: 0 });
    assert.deepEqual(store.getTask("live")?.result, { answer: 42 }, "getTask hands out a copy");
    reads = 0;
    timers.fireAll();
    await store.flush();
    assert.equal(reads, 1, "read once when written");
    const saves = readFileSync(`${dbPath}.journal`, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { op: string; row: { status: string; result: string } });
    assert.deepEqual(saves.map((op) => [op.op, op.row.status, op.row.result]), [["save", "success", '{"answer":42}']]);
    assert.equal(store.countTasks({ status: "success" }), 1);
  });

  it("lists and counts buffered tasks and audit entries before the flush timer fires", async () => {
    const store = await open({ timers: new ManualTimers() });
    store.saveTask(task("a", { status: "pending", startTime: null, endTime: null, createdAt: 1 }));
    store.saveTask(task("b", { createdAt: 2 }));
    store.appendAudit({ at: new Date(1000).toISOString(), action: "run", taskId: "a", actor: "api", detail: null });
    assert.deepEqual(store.listTasks().map((t) => t.taskId), ["b", "a"]);
    assert.equal(store.countTasks({ status: "pending" }), 1);
    assert.equal(store.metrics().total, 2);
    assert.deepEqual(store.listAudit({ limit: 10, offset: 0 }).map((e) => e.taskId), ["a"]);
  });

  it("does not read the logs table for a list without logs", async () => {
    const store = await open();
    store.saveTask(task("t1"));
    store.appendLogs("t1", ["line"]);
    store.listTasks();
    const db = (store as unknown as { db: Database }).db;
    const prepared: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = (sql, params) => {
      prepared.push(sql);
      return prepare(sql, params);
    };
    assert.deepEqual(store.listTasks({ withLogs: false }).map((t) => t.logs), [[]]);
    assert.equal(prepared.length, 1, `one statement: ${prepared.join("; ")}`);
    assert.doesNotMatch(prepared[0], /\blogs\b/);
    store.listTasks();
    assert.match(prepared.slice(1).join("; "), /\bJOIN logs\b/, "a list with logs does read them");
  });

  it("stores search_text only for a task whose text has characters beyond ASCII, and finds both kinds alike, replayed or not", async () => {
    const store = await open();
    store.saveTask(task("ascii-1", { funcName: "SyncOrders", error: "Connection REFUSED", tags: { env: "Prod", team: "Data" } }));
    store.saveTask(task("wide-1", { funcName: "École", error: null, tags: { city: "ZÜRICH" } }));
    store.saveTask(task("quoted", { tags: { note: 'Say "Hi" at C:\\Temp' } }));
    const finds = (s: SqlJsStore, search: string): string[] => s.listTasks({ search }).map((t) => t.taskId).sort();
    const check = (s: SqlJsStore): void => {
      assert.deepEqual(finds(s, "syncorders"), ["ascii-1"], "function name, any case");
      assert.deepEqual(finds(s, "refused"), ["ascii-1"], "error");
      assert.deepEqual(finds(s, "prod\ndata"), ["ascii-1"], "tag values, one per line, in their order");
      assert.deepEqual(finds(s, "env"), [], "tag keys are not searched");
      assert.deepEqual(finds(s, "ASCII-1\nconn"), ["ascii-1"], "id then error");
      assert.deepEqual(finds(s, "école"), ["wide-1"]);
      assert.deepEqual(finds(s, "zürich"), ["wide-1"], "non-ASCII folded");
      assert.deepEqual(finds(s, "-1"), ["ascii-1", "wide-1"]);
      assert.deepEqual(finds(s, '"hi" at c:\\'), ["quoted"], "a needle JSON would escape, in a tag value");
      assert.deepEqual(finds(s, "note"), [], "nor is a key found through the tags JSON");
      assert.equal(s.countTasks({ search: "DATA" }), 1);
    };
    check(store);
    const db = (store as unknown as { db: Database }).db;
    assert.deepEqual(db.exec("SELECT task_id, search_text FROM tasks ORDER BY task_id")[0].values, [["ascii-1", ""], ["quoted", ""], ["wide-1", "école\nwide-1\n\nzürich"]]);
    await store.flush();
    // Abandoned as after a crash: the next open replays the journal.
    await (store as unknown as { lock?: { release(): Promise<void> } }).lock?.release();
    await (store as unknown as { journal?: { close(): Promise<void> } }).journal?.close();
    stores.length = 0;
    const replayed = await open();
    check(replayed);
  });

  it("rejects a flush interval above 200 ms", () => {
    assert.throws(() => new SqlJsStore({ dbPath, flushIntervalMs: 500 }), /flushIntervalMs must be between 0 and 200 ms, got 500/);
  });

  it("keeps changes in memory when the journal cannot be written, warns, and writes them at the next flush", async () => {
    const store = await open();
    const internals = store as unknown as { journal: { handle: { write: (...args: unknown[]) => Promise<unknown> } } };
    const handle = internals.journal.handle;
    const realWrite = handle.write.bind(handle);
    let failures = 1;
    handle.write = (...args: unknown[]) => {
      if (failures-- > 0) return Promise.reject(Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }));
      return realWrite(...args);
    };
    store.saveTask(task("kept"));
    await assert.rejects(store.flush(), /ENOSPC/);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /Could not write the task journal .*ENOSPC.* 1 change\(s\) are kept in memory and written again every 50 ms until it works; new tasks are refused meanwhile. Free some disk space/);
    assert.equal(store.getTask("kept")?.taskId, "kept", "still readable");
    await store.flush();
    const crashCopy = new SqlJsStore({ dbPath: path.join(dir, "copy.db") });
    writeFileSync(`${crashCopy["dbPath"]}.journal`, readFileSync(`${dbPath}.journal`));
    await crashCopy.open();
    stores.push(crashCopy);
    assert.equal(crashCopy.getTask("kept")?.taskId, "kept", "the retried write reached the file");
  });

  it("replays saved and deleted schedules from the journal alone, as after a crash", async () => {
    const store = await open();
    const schedule = {
      scheduleId: "s1", funcName: "report", every: 60, cron: null, timezone: null, args: [], kwargs: {}, tags: {}, runOnStart: false,
      nextRunAt: "2026-01-01T00:01:00.000Z", lastRunAt: null, lastTaskId: null, paused: false, source: "api" as const,
    };
    store.saveSchedule(schedule);
    store.saveSchedule({ ...schedule, scheduleId: "s2" });
    store.saveSchedule({ ...schedule, lastTaskId: "t1" });
    store.deleteSchedule("s2");
    await store.flush();
    const crashCopy = new SqlJsStore({ dbPath: path.join(dir, "copy.db") });
    writeFileSync(`${crashCopy["dbPath"]}.journal`, readFileSync(`${dbPath}.journal`));
    await crashCopy.open();
    stores.push(crashCopy);
    assert.deepEqual(crashCopy.listSchedules(), [{ ...schedule, lastTaskId: "t1" }]);
  });

  it("journals a save without the fields at their initial value, and a replay of the journal alone gives the same tasks", async () => {
    const store = await open();
    const plain = task("plain");
    const full = task("full", {
      status: "failed", kwargs: { to: "x" }, retriesUsed: 2, error: "Error: no", stacktrace: "Error: no\n    at f", idempotencyKey: "k",
      tags: { env: "prod" }, result: null, parentId: "p", queue: "mail", priority: -3, runAt: 1500, scheduleId: "s",
      progress: { fraction: 0.5, message: null }, steps: [{
        name: "a", occurrence: 1, kind: "step", status: "done", attempt: 0, startedAt: "2026-01-01T00:00:00.000Z", endedAt: "2026-01-01T00:00:01.000Z",
        value: 1, error: null, waitingFor: null,
      }],
      waitingFor: null, encryptedPayload: new Uint8Array([1, 2, 3]),
    });
    store.saveTasks([plain, full]);
    await store.flush();
    const [plainLine, fullLine] = readFileSync(`${dbPath}.journal`, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { row: Record<string, unknown> });
    assert.deepEqual(Object.keys(plainLine.row), ["taskId", "funcName", "status", "createdAt", "args", "startTime", "endTime"]);
    assert.deepEqual(fullLine.row.priority, -3);
    const crashCopy = new SqlJsStore({ dbPath: path.join(dir, "copy.db") });
    writeFileSync(`${crashCopy["dbPath"]}.journal`, readFileSync(`${dbPath}.journal`));
    await crashCopy.open();
    stores.push(crashCopy);
    for (const id of ["plain", "full"]) assert.deepEqual(crashCopy.getTask(id), store.getTask(id), `task ${id} replayed`);
    assert.equal(crashCopy.listTasks({ search: "prod" }).length, 1, "search_text computed from the replayed row");
  });

  it("folds the journal into the database file in a worker once it passes journalFoldBytes", async () => {
    const store = await open({ journalFoldBytes: 1000 });
    for (let i = 0; i < 20; i++) store.saveTask(task(`t${i}`, { createdAt: i, error: "x".repeat(100) }));
    await store.flush();
    const internals = store as unknown as { journal: { folding?: Promise<void> } };
    assert.ok(internals.journal.folding, "a fold started");
    await internals.journal.folding;
    assert.deepEqual(warnings, []);
    const names = readdirSync(path.dirname(dbPath));
    assert.ok(!names.some((n) => n.includes(".fold-")), `rotated journal removed: ${names.join(", ")}`);
    const db = await openDbFile(dbPath);
    assert.equal(db.exec("SELECT count(*) FROM tasks")[0].values[0][0], 20);
    db.close();
    store.saveTask(task("later"));
    await store.close();
    const reopened = await open();
    assert.equal(reopened.countTasks(), 21);
  });

  it("replays a journal that was already folded (crash before its removal) without duplicating anything", async () => {
    const store = await open();
    store.saveTask(task("t1"));
    store.appendLogs("t1", ["one", "two"]);
    store.saveTask(task("gone"));
    store.deleteTasks(["gone"]);
    await store.flush();
    const leftover = readFileSync(`${dbPath}.journal`);
    await store.close();
    writeFileSync(`${dbPath}.journal.fold-000000000000001-000000`, leftover);
    const reopened = await open();
    assert.deepEqual(reopened.getTask("t1")?.logs, ["one", "two"]);
    assert.equal(reopened.getTask("gone"), undefined);
    assert.equal(reopened.countTasks(), 1);
    assert.deepEqual(warnings, []);
  });

  it("reads a task saved since the last batch with its latest fields and every log line, and retention still applies", async () => {
    const store = await open({ maxRecords: 2 });
    store.saveTask(task("a", { status: "running", createdAt: 1 }));
    store.appendLogs("a", ["one"]);
    assert.equal(store.countTasks(), 1);
    store.saveTask(task("a", { createdAt: 1, result: { n: 1 } }));
    store.appendLogs("a", ["two"]);
    const read = store.getTask("a")!;
    assert.deepEqual([read.status, read.result, read.logs], ["success", { n: 1 }, ["one", "two"]]);
    read.logs.push("mutated");
    assert.deepEqual(store.getTask("a")!.logs, ["one", "two"]);
    store.saveTask(task("b", { createdAt: 2 }));
    store.saveTask(task("c", { createdAt: 3 }));
    assert.equal(store.getTask("c")?.status, "success");
    assert.equal(store.getTask("a"), undefined, "the oldest finished task beyond maxRecords is gone as soon as it is read");
  });

  it("reads buffered tasks of a full store without applying the buffer, unless retention could delete the task read", async () => {
    const timers = new ManualTimers();
    const store = await open({ maxRecords: 3, timers });
    for (let i = 0; i < 3; i++) store.saveTask(task(`old${i}`, { createdAt: i }));
    await store.flush();
    const db = (store as unknown as { db: Database }).db;
    const changes = (): number => Number(db.exec("SELECT total_changes()")[0].values[0][0]);
    const before = changes();
    store.saveTask(task("new", { status: "pending", startTime: null, endTime: null, createdAt: 10 }));
    assert.equal(store.getTask("new")?.status, "pending");
    store.saveTask(task("new", { createdAt: 10 }));
    assert.equal(store.getTask("new")?.status, "success", "finished, but newer than the stored task retention deletes first");
    assert.equal(store.getTask("old2")?.status, "success", "a stored task newer than the one the buffer pushes out");
    assert.equal(changes(), before, "the buffer stayed whole");
    assert.equal(store.getTask("old0"), undefined, "the oldest finished task is gone as soon as it is read");
    assert.ok(changes() > before, "reading it applied the buffer");
    assert.deepEqual(store.listTasks().map((t) => t.taskId), ["new", "old2", "old1"]);
  });

  it("applies a lowered maxRecords at open", async () => {
    const store = await open({ maxRecords: 10 });
    for (let i = 0; i < 10; i++) store.saveTask(task(`t${i}`, { createdAt: i }));
    await store.close();
    const reopened = await open({ maxRecords: 4 });
    assert.deepEqual(reopened.listTasks().map((t) => t.taskId), ["t9", "t8", "t7", "t6"]);
    await reopened.close();
    const again = await open({ maxRecords: 4 });
    assert.equal(again.countTasks(), 4, "the deletions were persisted");
  });
});
