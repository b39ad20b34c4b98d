import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Database, SqlValue } from "sql.js";
import { newTaskData, type ListTasksQuery } from "../../src/model";
import { SqlJsStore } from "../../src/store";

/** A statement the store ran, and which product call ran it. */
interface Query {
  what: string;
  sql: string;
}

/**
 * How a product call may read the tasks: through `index` (a search, or a scan in the index's order
 * that its LIMIT cuts short), or by a full scan for the reason given, where no index can help.
 */
type Expectation = { index: string } | { scan: string };

interface ProductCall {
  what: string;
  call: (store: SqlJsStore) => unknown;
  expect: Expectation;
}

/**
 * Every query the store makes for the product's reads (the engine's recovery and idempotency, the
 * tree views, the dashboard, the HTTP API's list filters), each called through the store as the
 * product calls it, so the SQL checked is the SQL run.
 */
function productCalls(): ProductCall[] {
  // The fourth element, when given, is what countTasks of the query may do instead.
  const lists: Array<[string, ListTasksQuery, Expectation, Expectation?]> = [
    ["newest first (tree, dashboard, GET /tasks)", {}, { index: "tasks_created_at" }],
    ["one status (tree view node)", { status: "failed" }, { index: "tasks_status" }],
    ["several statuses (GET /tasks?status=)", { status: ["failed", "success"] }, { index: "tasks_status" }],
    ["one function (last runs, GET /tasks?funcName=)", { funcName: "f", limit: 1, withLogs: false }, { index: "tasks_func_name" }],
    ["one function, settled (last runs)", { funcName: "f", status: ["failed", "success"], limit: 1, withLogs: false }, { index: "tasks_func_name" }],
    ["children of a run (tree, task panel)", { parentId: "p" }, { index: "tasks_parent_id" }],
    ["a queue (GET /tasks?queue=)", { queue: "q" }, { index: "tasks_queue" }],
    ["the default queue (GET /tasks?queue=default)", { queue: "default" }, { index: "tasks_created_at" },
      { scan: "tasks_queue leaves out the default queue, which most runs are in: 2.3 MB of entries for 100,000 runs" }],
    ["a schedule's runs (schedule item)", { scheduleId: "s" }, { index: "tasks_schedule_id" }],
    ["created before (GET /tasks?createdBefore=)", { createdBefore: 5 }, { index: "tasks_created_at" }],
    ["a tag key (GET /tasks?tag=)", { tag: "k" }, { scan: "tags are JSON in the row; an index on them would cost every tagged save for a rare filter" }],
    ["a tag key=value (GET /tasks?tag=)", { tag: "k=v" }, { scan: "as the tag key" }],
    ["search text (GET /tasks?search=)", { search: "needle" }, { scan: "a substring can be anywhere in the text" }],
  ];
  const calls: ProductCall[] = [];
  for (const [what, query, expect, countExpect] of lists) {
    calls.push({ what: `listTasks: ${what}`, call: (s) => s.listTasks(query), expect });
    calls.push({ what: `countTasks: ${what}`, call: (s) => s.countTasks(query), expect: countExpect ?? ("index" in expect && what.startsWith("newest") ? { scan: "counting every task reads every entry of the smallest index" } : expect) });
  }
  calls.push(
    { what: "listTasks sorted by createdAt", call: (s) => s.listTasks({ sort: { by: "createdAt", order: "asc" } }), expect: { index: "tasks_created_at" } },
    { what: "listTasks sorted by funcName", call: (s) => s.listTasks({ sort: { by: "funcName", order: "asc" } }), expect: { index: "tasks_func_name" } },
    { what: "listTasks sorted by duration", call: (s) => s.listTasks({ sort: { by: "duration", order: "asc" } }), expect: { scan: "duration is computed from two columns" } },
    { what: "listTasks sorted by status", call: (s) => s.listTasks({ sort: { by: "status", order: "asc" } }), expect: { scan: "statuses sort by their rank, not their name" } },
    // getTask, retention's bound, log reads and the journal's upsert and delete: statements the store prepares at open and again after an export.
    { what: "prepared statements", call: (s) => (s as unknown as { exportImage(): Uint8Array }).exportImage(), expect: { index: "SEARCH" } },
    { what: "tasksWithStatus (recovery at start)", call: (s) => s.tasksWithStatus(["running"]), expect: { index: "tasks_status" } },
    { what: "findByIdempotencyKey (addTask with a key)", call: (s) => s.findByIdempotencyKey("key"), expect: { index: "tasks_idempotency_key" } },
    { what: "clearFinished", call: (s) => s.clearFinished(5), expect: { index: "tasks_status" } },
    { what: "funcNames (GET /tasks/functions)", call: (s) => s.funcNames(), expect: { index: "tasks_func_name" } },
    { what: "throughput (dashboard)", call: (s) => s.throughput({ startMs: 0, bucketMs: 60_000, count: 60 }), expect: { index: "tasks_end_time" } },
    { what: "throughput of one function", call: (s) => s.throughput({ startMs: 0, bucketMs: 60_000, count: 60, funcName: "f" }), expect: { index: "tasks_end_time" } },
  );
  return calls;
}

function captureQueries(db: Database, what: () => string, into: Query[]): void {
  const prepare = db.prepare.bind(db);
  db.prepare = (sql, params) => {
    into.push({ what: what(), sql });
    return prepare(sql, params);
  };
  const exec = db.exec.bind(db);
  db.exec = (sql, params) => {
    if (!/^\s*EXPLAIN/i.test(sql)) into.push({ what: what(), sql });
    return exec(sql, params);
  };
}

function plan(db: Database, sql: string): string[] {
  const params = (sql.match(/\?\d*/g) ?? []).map((): SqlValue => null);
  const result = db.exec(`EXPLAIN QUERY PLAN ${sql}`, params);
  return (result[0]?.values ?? []).map((row) => String(row[3]));
}

describe("store query plans", () => {
  let dir: string;
  let store: SqlJsStore;
  let db: Database;
  const queries: Query[] = [];
  const calls = productCalls();

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-plans-"));
    store = new SqlJsStore({ dbPath: path.join(dir, "tasks.db"), onWarning: () => undefined });
    await store.open();
    store.saveTask(newTaskData({ taskId: "a", funcName: "f", status: "success", args: [], createdAt: 1, startTime: 1, endTime: 2, tags: { k: "v" } }));
    await store.flush();
    db = (store as unknown as { db: Database }).db;
    let current = "";
    captureQueries(db, () => current, queries);
    for (const { what, call } of calls) {
      current = what;
      call(store);
    }
    current = "retention after a batch with a finished task";
    store.saveTask(newTaskData({ taskId: "b", funcName: "f", status: "success", args: [], createdAt: 3, startTime: 3, endTime: 4 }));
    await store.flush();
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads the tasks of each product call through the index expected, or scans only where no index can help", () => {
    const problems: string[] = [];
    for (const { what, expect } of calls) {
      const plans = queries.filter((q) => q.what === what).map((q) => plan(db, q.sql));
      const tasksSteps = plans.flat().filter((step) => /^(SCAN|SEARCH) (t|tasks)\b/.test(step));
      if (tasksSteps.length === 0) {
        problems.push(`${what}: no step reads the tasks table (${plans.flat().join(" / ")})`);
        continue;
      }
      if ("index" in expect) {
        const through = tasksSteps.filter((step) => step.includes(expect.index) && (step.startsWith("SEARCH") || !step.includes("TEMP B-TREE")));
        if (through.length < (what === "prepared statements" ? tasksSteps.length : 1)) problems.push(`${what}: expected it to use ${expect.index}, got ${tasksSteps.join(" / ")}`);
      } else if (!tasksSteps.some((step) => step.startsWith("SCAN"))) {
        problems.push(`${what}: expected a scan (${expect.scan}), got ${tasksSteps.join(" / ")}: move it to the index expectations`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it("has no index that no query of the product uses", () => {
    const used = new Set(queries.flatMap((q) => plan(db, q.sql)).flatMap((step) => [...step.matchAll(/USING (?:COVERING )?INDEX (\w+)/g)].map((m) => m[1])));
    const indexes = db.exec("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'")[0].values.flat().map(String);
    const unused = indexes.filter((name) => !used.has(name));
    assert.deepEqual(unused, [], `indexes no query uses, each costing a write per saved row: drop them in a migration (src/store/schema.ts) or add the query to this test's list`);
  });

  it("keeps no trigger beyond the status counts and the logs of deleted tasks", () => {
    const triggers = db.exec("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")[0].values.flat().map(String);
    assert.deepEqual(triggers, ["tasks_after_delete", "tasks_after_insert", "tasks_after_update_status"]);
  });
});
