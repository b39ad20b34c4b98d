import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import fc from "fast-check";
import { newTaskData, type TaskData } from "../../src/model";
import { MemoryStore, SqlJsStore } from "../../src/store";
import { searchableText } from "../../src/store/taskQuery";
import { fuzzParameters, fuzzTimeout } from "./helpers/fuzz";

/** Text as SQLite stores it unchanged: well-formed unicode without NUL, plus what JSON and lower() treat specially. */
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "grapheme", maxLength: 8 }),
  fc.constantFrom("\n", "\"", "\\", "\t", "ẞ", "İ", "Σ", "ÉCOLE", "Straße", "🙂", "a\nb", "{\"k\":\"v\"}", "X".repeat(40)),
).filter((s) => !s.includes("\u0000"));

const task = (i: number): fc.Arbitrary<TaskData> => fc.record({
  funcName: text.filter((s) => s !== ""),
  error: fc.option(text, { nil: null }),
  tags: fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== "__proto__"), text, { maxKeys: 3 }),
}).map((fields) => newTaskData({ taskId: `T-${i}`, status: "success", createdAt: 1000 + i, ...fields }));

const tasks = fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => task(i))));

/** Needles: pieces of a task's searchable text in another case, or any text. */
function needles(all: TaskData[]): fc.Arbitrary<string[]> {
  const piece = fc.tuple(fc.nat({ max: all.length - 1 }), fc.nat(), fc.nat({ max: 12 }), fc.constantFrom("same", "upper", "ascii-upper"))
    .map(([which, start, length, casing]) => {
      const haystack = searchableText(all[which]);
      const from = start % Math.max(1, haystack.length);
      const slice = haystack.slice(from, from + length);
      return casing === "same" ? slice : casing === "upper" ? slice.toUpperCase() : slice.replace(/[a-z]/g, (c) => c.toUpperCase());
    });
  // A slice can cut a surrogate pair: SQLite stores text as UTF-8, which has no lone surrogates.
  return fc.array(fc.oneof(piece, text).filter((s) => !/\p{Cs}/u.test(s)), { minLength: 1, maxLength: 6 });
}

describe("search over stored tasks, property", function () {
  this.timeout(fuzzTimeout(60_000));
  let dir: string;
  let sqlJs: SqlJsStore;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-search-"));
    sqlJs = new SqlJsStore({ dbPath: path.join(dir, "tasks.db"), onWarning: (m) => assert.fail(m) });
    await sqlJs.open();
  });
  after(async () => {
    await sqlJs.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("finds in the sql.js store, with or without search_text kept, the tasks the in-memory store finds", async () => {
    await fc.assert(fc.asyncProperty(tasks.chain((all) => fc.tuple(fc.constant(all), needles(all))), async ([all, searches]) => {
      const memory = new MemoryStore({});
      await memory.open();
      sqlJs.clearFinished();
      for (const t of all) {
        memory.saveTask(t);
        sqlJs.saveTask(t);
      }
      for (const search of searches) {
        const expected = memory.listTasks({ search, withLogs: false }).map((t) => t.taskId);
        assert.deepEqual(sqlJs.listTasks({ search, withLogs: false }).map((t) => t.taskId), expected, `search ${JSON.stringify(search)}`);
        assert.equal(sqlJs.countTasks({ search }), expected.length, `count of search ${JSON.stringify(search)}`);
      }
    }), fuzzParameters(0.5));
  });
});
