import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { newTaskData, type Timers } from "../../src/model";
import { SqlJsStore } from "../../src/store";
import type { Database } from "sql.js";
import { ApplyBatches } from "../../src/store/applyBatches";
import { loadSqlJs } from "../../src/store/sqlJsLoader";

/** A clock that moves `stepMs` forward each time it is read, so every apply takes `stepMs`. */
function steppingClock(stepMs: number): () => number {
  let t = 0;
  return () => (t += stepMs);
}

/** A buffer of `size` entries that an apply empties. */
function buffer(size: number): { size: number } {
  return { size };
}

let db: Database;

/** Whether `db` is inside a transaction: BEGIN fails there. */
function transactionOpen(): boolean {
  try {
    db.run("BEGIN");
  } catch {
    return true;
  }
  db.run("ROLLBACK");
  return false;
}

function applyAll(batches: ApplyBatches, entries: number): void {
  const b = buffer(entries);
  batches.apply(db, b, true, () => { b.size = 0; });
}

/** Timers that never fire: only early applies happen. */
const stoppedTimers: Timers = { setTimeout: () => ({}), clearTimeout: () => undefined };

describe("apply batches", () => {
  before(async () => {
    db = new (await loadSqlJs()).Database();
    db.run("CREATE TABLE t (n INTEGER)");
  });
  after(() => db.close());

  it("waits for 1,024 entries while applies are cheap", () => {
    const batches = new ApplyBatches({ budgetMs: 8, minPages: 0, now: steppingClock(1) });
    applyAll(batches, 1024);
    assert.equal(batches.limit, 1024);
  });

  it("lowers the entries one early apply waits for to what fits the budget, learning from each apply", () => {
    const batches = new ApplyBatches({ budgetMs: 8, minPages: 0, now: steppingClock(80) });
    applyAll(batches, 1000); // 0.08 ms an entry
    assert.equal(batches.limit, 100);
    applyAll(batches, 400); // 0.2 ms an entry: the running cost moves 0.3 of the way, to 0.116
    assert.equal(batches.limit, 68);
    for (let i = 0; i < 40; i++) applyAll(batches, 400);
    assert.equal(batches.limit, 40);
    applyAll(batches, 50); // 1.6 ms an entry
    assert.equal(batches.limit, 32, "never below 32, where a transaction's own cost would dominate");
  });

  it("waits for 1,024 entries on a database under minPages pages, however slow applies are", () => {
    const batches = new ApplyBatches({ budgetMs: 8, minPages: 1_000_000, now: steppingClock(80) });
    applyAll(batches, 1000);
    assert.equal(batches.limit, 1024);
  });

  it("learns nothing from applies of under 16 entries, whose time is mostly the transaction's", () => {
    const batches = new ApplyBatches({ budgetMs: 8, minPages: 0, now: steppingClock(1000) });
    applyAll(batches, 15);
    assert.equal(batches.limit, 1024);
  });

  it("keeps early applies in one transaction until a full apply commits it, or until it holds 1,024 entries", () => {
    const batches = new ApplyBatches({ now: steppingClock(0) });
    const insert = (values: number[], commit: boolean): void => {
      const b = buffer(values.length);
      batches.apply(db, b, commit, () => {
        for (const v of values) db.run("INSERT INTO t (n) VALUES (?)", [v]);
        b.size = 0;
      });
    };
    insert([1, 2], false);
    assert.equal(transactionOpen(), true);
    insert([3], true);
    assert.equal(transactionOpen(), false);
    batches.apply(db, buffer(0), false, () => assert.fail("nothing to apply"));
    assert.equal(transactionOpen(), false);
    insert(Array.from({ length: 1000 }, (_, i) => 10 + i), false);
    assert.equal(transactionOpen(), true);
    insert(Array.from({ length: 24 }, (_, i) => 2000 + i), false);
    assert.equal(transactionOpen(), false, "committed at 1,024 entries");
    insert([5000], false);
    batches.apply(db, buffer(0), true, () => assert.fail("nothing to apply"));
    assert.equal(transactionOpen(), false, "a full apply commits even with nothing to apply");
    assert.equal(Number(db.exec("SELECT count(*) FROM t")[0].values[0][0]), 1028);
  });

  it("rolls back only a failing apply's own changes, commits the applies before it, and rethrows", () => {
    db.run("DELETE FROM t");
    const batches = new ApplyBatches();
    batches.apply(db, buffer(1), false, () => db.run("INSERT INTO t (n) VALUES (1)"));
    assert.throws(() => batches.apply(db, buffer(1), false, () => {
      db.run("INSERT INTO t (n) VALUES (2)");
      throw new Error("boom");
    }), /boom/);
    assert.equal(transactionOpen(), false);
    assert.deepEqual(db.exec("SELECT n FROM t")[0].values, [[1]]);
  });

  it("has the store apply early at the budget's limit once applies are slow", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "taskflow-budget-"));
    const store = new SqlJsStore({ dbPath: path.join(dir, "tasks.db"), timers: stoppedTimers });
    try {
      await store.open();
      const internals = store as unknown as { batches: ApplyBatches; pending: { settledSize: number } };
      // Every apply takes 80 ms: 1,024 entries teach 0.078 ms an entry, so 102 fit in 8 ms.
      internals.batches = new ApplyBatches({ budgetMs: 8, minPages: 0, now: steppingClock(80) });
      const storeDb = (store as unknown as { db: Database }).db;
      const run = storeDb.run.bind(storeDb);
      let commits = 0;
      storeDb.run = (sql, params) => {
        if (sql === "COMMIT") commits++;
        return run(sql, params);
      };
      let n = 0;
      const save = (): void => store.saveTask(newTaskData({ taskId: `t${n}`, funcName: "f", status: "success", createdAt: n++ }));
      while (n < 1024) save();
      assert.equal(internals.pending.settledSize, 0, "the first early apply at 1,024 entries");
      assert.equal(commits, 1, "1,024 entries are committed at once");
      while (n < 1024 + 101) save();
      assert.equal(internals.pending.settledSize, 101);
      save();
      assert.equal(internals.pending.settledSize, 0, "the next one at 102");
      while (n < 1024 + 10 * 102) save();
      assert.equal(commits, 1, "ten applies of 102 entries share one transaction");
      while (n < 1024 + 11 * 102) save();
      assert.equal(commits, 2, "committed once it holds 1,024 entries");
      while (n < 1024 + 12 * 102) save();
      assert.equal(store.countTasks(), 1024 + 12 * 102, "a read sees every applied entry");
      assert.equal(commits, 3, "and commits the open transaction");
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
