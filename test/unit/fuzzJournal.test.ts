import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { newTaskData } from "../../src/model";
import { SqlJsStore } from "../../src/store";
import { JournalApplier, parseJournalLine } from "../../src/store/journalOps";
import { migrate } from "../../src/store/schema";
import { loadSqlJs } from "../../src/store/sqlJsLoader";
import { fuzzParameters, fuzzTimeout, hostileKey, hostileString, hostileValue } from "./helpers/fuzz";

const T0 = Date.UTC(2026, 0, 1);

/** Lines of a real journal: saves, log lines and a delete, as a store writes them. */
async function goodJournalLines(dir: string): Promise<string[]> {
  const dbPath = path.join(dir, "source.sqlite");
  const store = new SqlJsStore({ dbPath, onWarning: () => undefined });
  await store.open();
  store.saveTask(newTaskData({ taskId: "a", funcName: "echo", createdAt: T0, status: "success", args: [1, "x"], tags: { env: "dev" }, result: { ok: true } }));
  store.appendLogs("a", ["first line", "second line"]);
  store.saveTask(newTaskData({ taskId: "b", funcName: "boom", createdAt: T0 + 1, status: "failed", error: "boom", retriesUsed: 2 }));
  store.saveTask(newTaskData({ taskId: "c", funcName: "echo", createdAt: T0 + 2, status: "pending", kwargs: { k: "v" } }));
  store.deleteTasks(["c"]);
  store.saveTask(newTaskData({ taskId: "d", funcName: "echo", createdAt: T0 + 3 }));
  await store.flush();
  const lines = readFileSync(`${dbPath}.journal`, "utf8").split("\n").filter((l) => l !== "");
  await store.close();
  return lines;
}

/** Opens a new database whose journal is `lines`; returns what it holds, its warnings and the lines it kept aside. */
async function replay(lines: string[]): Promise<{ tasks: string; warnings: string[]; aside: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), "taskflow-fuzz-journal-"));
  try {
    const dbPath = path.join(dir, "tasks.sqlite");
    writeFileSync(`${dbPath}.journal`, lines.map((l) => `${l}\n`).join(""));
    const warnings: string[] = [];
    const store = new SqlJsStore({ dbPath, onWarning: (m) => warnings.push(m) });
    await store.open();
    const tasks = JSON.stringify(store.listTasks({ limit: 100_000 }));
    await store.close();
    const asideFile = readdirSync(dir).find((n) => n.includes(".journal") && n.includes(".corrupt-"));
    const aside = asideFile === undefined ? [] : readFileSync(path.join(dir, asideFile), "utf8").split("\n").slice(0, -1);
    return { tasks, warnings, aside };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function refusedByParser(line: string): boolean {
  try {
    parseJournalLine(line);
    return false;
  } catch {
    return true;
  }
}

/** Sets `value` at a random place of a parsed journal line (a field of the op or of its row). */
function mutate(line: string, pick: number, key: string, value: unknown): string {
  const op = JSON.parse(line) as Record<string, unknown>;
  const target = typeof op.row === "object" && op.row !== null && pick % 2 === 0 ? (op.row as Record<string, unknown>) : op;
  const keys = Object.keys(target);
  const name = pick % 5 === 4 ? key : keys[pick % keys.length];
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  try {
    return JSON.stringify(op);
  } catch {
    return `${line.slice(0, 10)}{`;
  }
}

describe("fuzz: journal lines replayed into a real database file", function () {
  this.timeout(fuzzTimeout(180_000));
  let dir: string;
  let good: string[];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-fuzz-journal-src-"));
    good = await goodJournalLines(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Good lines with one to three damaged ones inserted, and the damaged ones. */
  function damagedJournal(): fc.Arbitrary<{ lines: string[]; inserted: string[] }> {
    const damaged = fc.oneof(
      { weight: 2, arbitrary: hostileString.map((s) => s.slice(0, 2000)) },
      { weight: 2, arbitrary: fc.tuple(fc.nat(), fc.nat()).map(([i, cut]) => { const l = good[i % good.length]; return l.slice(0, cut % l.length); }) },
      { weight: 2, arbitrary: fc.tuple(fc.nat(), fc.nat(), fc.string({ minLength: 1, maxLength: 3 })).map(([i, at, s]) => { const l = good[i % good.length]; const p = at % l.length; return l.slice(0, p) + s + l.slice(p + 1); }) },
      { weight: 3, arbitrary: fc.tuple(fc.nat(), fc.nat(), fc.oneof(fc.constantFrom("op", "row", "taskId", "seq", "lines", "taskIds"), hostileKey), hostileValue).map(([i, pick, key, value]) => mutate(good[i % good.length], pick, key, value)) },
      { weight: 1, arbitrary: hostileValue.map((v) => { try { return JSON.stringify(v) ?? "undefined"; } catch { return "{"; } }) },
      // As a file carries it: UTF-8 has no lone surrogates, and a line ends at a newline.
    ).map((line) => Buffer.from(line.replace(/\n/g, " "), "utf8").toString("utf8"));
    return fc.array(fc.tuple(fc.nat(), damaged), { minLength: 1, maxLength: 3 }).map((insertions) => {
      const lines = [...good];
      const inserted: string[] = [];
      for (const [at, line] of insertions) {
        if (line.trim() === "") continue;
        lines.splice(at % (lines.length + 1), 0, line);
        inserted.push(line);
      }
      return { lines, inserted };
    });
  }

  it("applies a journal's good lines and refuses each damaged or random line whole, inside one database", async () => {
    const SQL = await loadSqlJs();
    const apply = (lines: string[]) => {
      const db = new SQL.Database();
      try {
        migrate(db);
        const applier = new JournalApplier(db);
        const bad = applier.applyText(lines.join("\n"));
        applier.free();
        const rows = (sql: string) => JSON.stringify(db.exec(sql));
        return { bad, state: rows("SELECT * FROM tasks ORDER BY task_id") + rows("SELECT t.task_id, l.seq, l.line FROM logs l JOIN tasks t USING (task_ref) ORDER BY t.task_id, l.seq") };
      } finally {
        db.close();
      }
    };
    await fc.assert(fc.asyncProperty(damagedJournal(), async ({ lines, inserted }) => {
      const result = apply(lines);
      const refused = result.bad.map((b) => b.line);
      for (const line of inserted) if (refusedByParser(line)) assert.ok(refused.includes(line), `a line the parser refuses is refused: ${line.slice(0, 200)}`);
      for (const line of good) assert.ok(!refused.includes(line), "a good line is never refused");
      for (const b of result.bad) assert.match(b.reason, /expected|must|not a|without|JSON|Unexpected|Unterminated|Bad|position/, `the reason says what was wrong: ${b.reason}`);
      const reference = apply(lines.filter((l) => !refused.includes(l)));
      assert.deepEqual(reference.bad, [], "the lines that were applied apply alone without a refusal");
      assert.equal(result.state, reference.state, "a refused line changed the database: it was applied in part");
    }), fuzzParameters());
  });

  it("refuses a logs line whose lines are not all text, which was stored as a number or failed on a database constraint", async () => {
    for (const lines of ["[null]", "[1]", "[\"ok\", {\"a\": 1}]"]) {
      const line = `{"op":"logs","taskId":"a","seq":0,"lines":${lines}}`;
      assert.throws(() => parseJournalLine(line), /^Error: expected a logs operation \{"op": "logs", "taskId": "\.\.\.", "seq": 0, "lines": \["\.\.\."\]\} with text lines, got \{"op":"logs"/);
    }
    const result = await replay([good[0], '{"op":"logs","taskId":"a","seq":5,"lines":[42]}']);
    assert.equal(result.aside.length, 1);
    assert.deepEqual((JSON.parse(result.tasks) as Array<{ taskId: string; logs: unknown[] }>).find((t) => t.taskId === "a")?.logs, []);
  });

  it("keeps a damaged or random line of the journal file aside with a warning when a store opens, and applies the others whole", async () => {
    await fc.assert(fc.asyncProperty(damagedJournal(), async ({ lines, inserted }) => {
      const result = await replay(lines);
      for (const line of inserted) {
        if (refusedByParser(line)) assert.ok(result.aside.includes(line), `a line the parser refuses is kept aside: ${line.slice(0, 200)}`);
      }
      for (const line of good) assert.ok(!result.aside.includes(line), "a good line is never kept aside");
      if (result.aside.length > 0) {
        assert.equal(result.warnings.length, 1, result.warnings.join("\n"));
        assert.match(result.warnings[0], new RegExp(`^Skipped ${result.aside.length} unreadable line\\(s\\) of \\d+ in the task journal .*The skipped lines are kept in .*\\.corrupt-\\d+\\.$`, "s"));
      }
      // The lines applied must give exactly what they give without the ones kept aside: none was applied in part.
      const applied = lines.filter((l) => !result.aside.includes(l));
      const reference = await replay(applied);
      assert.deepEqual(reference.aside, [], "the lines that were applied apply alone without a refusal");
      assert.equal(result.tasks, reference.tasks, "a line kept aside changed the database");
    }), fuzzParameters(0.03));
  });
});
