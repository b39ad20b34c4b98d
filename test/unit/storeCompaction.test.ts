import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { newTaskData } from "../../src/model";
import { SqlJsStore } from "../../src/store";
import { worthCompacting } from "../../src/store/compaction";
import { MIGRATIONS, migrate } from "../../src/store/schema";
import { loadSqlJs } from "../../src/store/sqlJsLoader";

describe("store file compaction", () => {
  let dir: string;
  let dbPath: string;
  let warnings: string[];

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-compaction-"));
    dbPath = path.join(dir, "tasks.db");
    warnings = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function open(): Promise<SqlJsStore> {
    const store = new SqlJsStore({ dbPath, onWarning: (m) => warnings.push(m) });
    await store.open();
    return store;
  }

  /** Closes a store holding `n` finished runs with random ids (as the engine gives them) and a log line each. */
  async function fill(n: number): Promise<string[]> {
    const store = await open();
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const taskId = randomUUID();
      ids.push(taskId);
      store.saveTask(newTaskData({ taskId, funcName: `f${i % 7}`, status: "success", createdAt: 1_700_000_000_000 + i, startTime: 1, endTime: 2, tags: { i: String(i) } }));
      store.appendLogs(taskId, [`2026-12-07T00:00:00.000Z line ${i} ${"x".repeat(200)}`]);
    }
    await store.close();
    return ids;
  }

  /** Pages on the free list, and the size VACUUM packs the file's database to, in bytes. */
  async function fileShape(): Promise<{ freePages: number; packedBytes: number; bytes: number }> {
    const SQL = await loadSqlJs();
    const db = new SQL.Database(readFileSync(dbPath));
    try {
      const freePages = Number(db.exec("PRAGMA freelist_count")[0].values[0][0]);
      db.run("VACUUM");
      return { freePages, packedBytes: db.export().length, bytes: statSync(dbPath).size };
    } finally {
      db.close();
    }
  }

  it("writes the file of a database that grew as packed as VACUUM makes it, with its runs and logs", async () => {
    const ids = await fill(4000);
    const shape = await fileShape();
    assert.ok(shape.bytes > 1024 * 1024, `expected over 1 MB of runs, got ${shape.bytes} bytes`);
    assert.equal(shape.freePages, 0);
    assert.equal(shape.bytes, shape.packedBytes, "the file is already as small as VACUUM makes it");
    const store = await open();
    assert.equal(store.countTasks(), 4000);
    assert.deepEqual(store.getTask(ids[1234])?.logs, [`2026-12-07T00:00:00.000Z line 1234 ${"x".repeat(200)}`]);
    assert.deepEqual(store.listTasks({ limit: 2 }).map((t) => t.taskId), [ids[3999], ids[3998]]);
    await store.close();
    assert.deepEqual(warnings, []);
  });

  it("packs a database that grew over its session at close, though the journal's folds rewrote the file meanwhile", async () => {
    const store = new SqlJsStore({ dbPath, journalFoldBytes: 64 * 1024, onWarning: (m) => warnings.push(m) });
    await store.open();
    for (let i = 0; i < 4000; i++) {
      const taskId = randomUUID();
      store.saveTask(newTaskData({ taskId, funcName: `f${i % 7}`, status: "success", createdAt: 1_700_000_000_000 + i, startTime: 1, endTime: 2 }));
      store.appendLogs(taskId, [`line ${i} ${"x".repeat(200)}`]);
      if (i % 200 === 199) await store.flush();
    }
    await store.close();
    const shape = await fileShape();
    assert.ok(shape.bytes > 1024 * 1024, `expected over 1 MB of runs, got ${shape.bytes} bytes`);
    assert.equal(shape.bytes, shape.packedBytes, "the file is as small as VACUUM makes it");
    assert.deepEqual(warnings, []);
  });

  it("gives the space of cleared runs back: the file shrinks at the close after clearFinished", async () => {
    await fill(4000);
    const full = statSync(dbPath).size;
    const store = await open();
    assert.equal(store.clearFinished(), 4000);
    await store.close();
    const shape = await fileShape();
    assert.equal(shape.freePages, 0);
    assert.ok(shape.bytes < full / 10, `expected the file to shrink from ${full} bytes to a tenth at most, got ${shape.bytes}`);
    const reopened = await open();
    assert.equal(reopened.countTasks(), 0);
    await reopened.close();
    assert.deepEqual(warnings, []);
  });

  it("gives back the pages of the default queue's index entries at the first close after the upgrade to schema v8", async () => {
    const SQL = await loadSqlJs();
    const old = new SQL.Database();
    migrate(old, MIGRATIONS.slice(0, 7));
    old.run(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
      INSERT INTO tasks (task_id, func_name, status, args, kwargs, created_at, retries_used, tags, search_text)
      SELECT printf('00000000-0000-4000-8000-%012d', i), 'f', 'pending', '[]', '{}', i, 0, '{}', '' FROM n`);
    writeFileSync(dbPath, old.export());
    old.close();
    const before = statSync(dbPath).size;

    const store = await open();
    assert.equal(store.countTasks({ queue: "default" }), 20000);
    await store.close();
    const shape = await fileShape();
    assert.equal(shape.freePages, 0);
    assert.ok(shape.bytes < before * 0.9, `expected the file to shrink from ${before} bytes by a tenth at least, got ${shape.bytes}`);
    assert.deepEqual(warnings, []);
  });

  it("compacts a database of 256 pages or more once its free pages and an eighth of the pages it grew or shrank by reach a 32nd of it", () => {
    assert.equal(worthCompacting({ pages: 255, freePages: 255 }, 0), false, "too small to matter");
    assert.equal(worthCompacting({ pages: 3200, freePages: 0 }, 2401), false, "grew by 799 pages");
    assert.equal(worthCompacting({ pages: 3200, freePages: 0 }, 2400), true, "grew by 800 pages");
    assert.equal(worthCompacting({ pages: 3200, freePages: 0 }, 4000), true, "shrank by 800 pages");
    assert.equal(worthCompacting({ pages: 3200, freePages: 99 }, 3200), false, "99 free pages");
    assert.equal(worthCompacting({ pages: 3200, freePages: 100 }, 3200), true, "100 free pages, as a migration that drops an index leaves");
    assert.equal(worthCompacting({ pages: 3200, freePages: 50 }, 2800), true, "50 free and 400 more");
  });
});
