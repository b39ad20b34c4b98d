import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { newTaskData, type Timers } from "../../src/model";
import { SqlJsStore } from "../../src/store";
import { ApplyBudget } from "../../src/store/applyBudget";

/** A clock that moves `stepMs` forward each time it is read, so every apply takes `stepMs`. */
function steppingClock(stepMs: number): () => number {
  let t = 0;
  return () => (t += stepMs);
}

/** A buffer of `size` entries that an apply empties. */
function buffer(size: number): { size: number } {
  return { size };
}

function applyAll(budget: ApplyBudget, entries: number): void {
  const b = buffer(entries);
  budget.time(b, () => { b.size = 0; });
}

/** Timers that never fire: only early applies happen. */
const stoppedTimers: Timers = { setTimeout: () => ({}), clearTimeout: () => undefined };

describe("apply budget", () => {
  it("waits for 1,024 entries while applies are cheap", () => {
    const budget = new ApplyBudget({ budgetMs: 8, now: steppingClock(1) });
    applyAll(budget, 1024);
    assert.equal(budget.limit, 1024);
  });

  it("lowers the entries one early apply waits for to what fits the budget, learning from each apply", () => {
    const budget = new ApplyBudget({ budgetMs: 8, now: steppingClock(80) });
    applyAll(budget, 1000); // 0.08 ms an entry
    assert.equal(budget.limit, 100);
    applyAll(budget, 400); // 0.2 ms an entry: the running cost moves 0.3 of the way, to 0.116
    assert.equal(budget.limit, 68);
    for (let i = 0; i < 40; i++) applyAll(budget, 400);
    assert.equal(budget.limit, 40);
    applyAll(budget, 50); // 1.6 ms an entry
    assert.equal(budget.limit, 32, "never below 32, where a transaction's own cost would dominate");
  });

  it("learns nothing from applies of under 16 entries, whose time is mostly the transaction's", () => {
    const budget = new ApplyBudget({ budgetMs: 8, now: steppingClock(1000) });
    applyAll(budget, 15);
    assert.equal(budget.limit, 1024);
  });

  it("has the store apply early at the budget's limit once applies are slow", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "taskflow-budget-"));
    const store = new SqlJsStore({ dbPath: path.join(dir, "tasks.db"), timers: stoppedTimers });
    try {
      await store.open();
      const internals = store as unknown as { budget: ApplyBudget; pending: { settledSize: number } };
      // Every apply takes 80 ms: 1,024 entries teach 0.078 ms an entry, so 102 fit in 8 ms.
      internals.budget = new ApplyBudget({ budgetMs: 8, now: steppingClock(80) });
      let n = 0;
      const save = (): void => store.saveTask(newTaskData({ taskId: `t${n}`, funcName: "f", status: "success", createdAt: n++ }));
      while (n < 1024) save();
      assert.equal(internals.pending.settledSize, 0, "the first early apply at 1,024 entries");
      while (n < 1024 + 101) save();
      assert.equal(internals.pending.settledSize, 101);
      save();
      assert.equal(internals.pending.settledSize, 0, "the next one at 102");
      assert.equal(store.countTasks(), 1024 + 102);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
