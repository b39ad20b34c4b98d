import * as assert from "node:assert/strict";
import {
  CancelTask,
  ClearHistory,
  DASHBOARD_INBOUND,
  ExportTasks,
  OpenFrame,
  ProtocolError,
  QueryTasks,
  Ready,
  RetryTask,
  RetryTasks,
  ShowTask,
  TASK_PANEL_INBOUND,
  TaskSnapshot,
  isResponseMessage,
  parseTaskId,
  parseTaskQuery,
  toTaskRow,
  TASK_ROW_FIELDS,
} from "../../src/protocol";
import { ALL_STATUSES, SORT_FIELDS, TaskRecord } from "../../src/model";

const ID = "3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b";
const validQuery = { statuses: ["failed"], funcName: "sendEmail", tag: "env=dev", search: "boom", sort: { by: "duration", order: "desc" }, limit: 25, offset: 50 };

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ProtocolError, `expected a ProtocolError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

describe("protocol: descriptors", () => {
  it("declares every inbound method once per panel", () => {
    for (const list of [TASK_PANEL_INBOUND, DASHBOARD_INBOUND]) {
      const methods = list.map((d) => d.method);
      assert.equal(new Set(methods).size, methods.length, `duplicate method in ${methods.join(", ")}`);
    }
  });

  it("is() recognises only its own kind and method", () => {
    assert.equal(RetryTask.is(RetryTask.create(1, { taskId: ID })), true);
    assert.equal(RetryTask.is(CancelTask.create(1, { taskId: ID })), false);
    assert.equal(RetryTask.is({ kind: "command", method: "retryTask", params: { taskId: ID } }), false);
    assert.equal(Ready.is(Ready.create({})), true);
    assert.equal(Ready.is("ready"), false);
    assert.equal(Ready.is(null), false);
    assert.equal(TaskSnapshot.is(TaskSnapshot.create({ taskId: ID, task: null })), true);
    assert.equal(TaskSnapshot.is({ kind: "notification", method: "taskSnapshot" }), false);
  });

  it("a request needs a positive integer id", () => {
    for (const id of [0, -1, 1.5, "1", null, undefined, Number.MAX_SAFE_INTEGER + 1]) {
      assert.equal(RetryTask.is({ kind: "request", id, method: "retryTask", params: { taskId: ID } }), false, `id ${String(id)}`);
    }
  });

  it("recognises well-formed responses only", () => {
    assert.equal(isResponseMessage({ kind: "response", id: 3, ok: true, result: null }), true);
    assert.equal(isResponseMessage({ kind: "response", id: 3, ok: false, error: "no" }), true);
    assert.equal(isResponseMessage({ kind: "response", id: 3, ok: false }), false);
    assert.equal(isResponseMessage({ kind: "response", id: 3, ok: true }), false);
    assert.equal(isResponseMessage({ kind: "response", id: 0, ok: true, result: 1 }), false);
  });
});

describe("protocol: validation of webview input", () => {
  it("accepts a UUID v4 task id and lower-cases it", () => {
    assert.equal(parseTaskId(ID.toUpperCase()), ID);
  });

  it("rejects task ids that are not UUID v4 strings, saying what it got", () => {
    rejects(() => parseTaskId("../../etc/passwd"), /^taskId must be a task id \(UUID v4\), got the string "\.\.\/\.\.\/etc\/passwd"$/);
    rejects(() => parseTaskId(42), /got the number 42/);
    rejects(() => parseTaskId(undefined), /got undefined/);
    rejects(() => parseTaskId("3f2b8c1e-9a4d-1e6f-8b2a-1c3d5e7f9a0b"), /UUID v4/); // version 1
    rejects(() => parseTaskId(`${ID} `), /UUID v4/);
    rejects(() => parseTaskId("nope", "taskIds[3]"), /^taskIds\[3\] must be a task id/);
  });

  it("rejects params that are not objects, lack a field or carry unknown fields", () => {
    rejects(() => RetryTask.parse([ID]), /^params must be an object like \{ taskId: "<task id>" \}, got an array$/);
    rejects(() => RetryTask.parse({}), /^params "taskId" is missing: params must be an object like \{ taskId/);
    rejects(() => RetryTask.parse({ taskId: ID, force: true }), /^params has an unknown key "force"\. Known keys: taskId$/);
    rejects(() => ShowTask.parse(null), /^params must be an object like .*, got null$/);
    rejects(() => Ready.parse({ x: 1 }), /unknown key "x"/);
    assert.deepEqual(Ready.parse(undefined), {});
  });

  it("checks a frame's path and 1-based line and column", () => {
    assert.deepEqual(OpenFrame.parse({ path: "/w/a.ts", line: 3 }), { path: "/w/a.ts", line: 3, column: 1 });
    rejects(() => OpenFrame.parse({ path: "", line: 3 }), /params "path" must be a non-empty path, got the string ""/);
    rejects(() => OpenFrame.parse({ path: "/w/a.ts", line: 0 }), /params "line" must be a whole number from 1 to 10000000, got the number 0/);
    rejects(() => OpenFrame.parse({ path: "/w/a.ts", line: 2.5 }), /"line".*got the number 2\.5/);
    rejects(() => OpenFrame.parse({ path: "/w/a.ts", line: "3" }), /"line" .*got the string "3"/);
    rejects(() => OpenFrame.parse({ path: "/w/a.ts", line: 3, column: 0 }), /"column"/);
    rejects(() => OpenFrame.parse({ path: "x".repeat(5000), line: 1 }), /at most 1000 characters, got a string of 5000 characters/);
  });

  it("validates a dashboard query field by field", () => {
    assert.deepEqual(parseTaskQuery(validQuery), validQuery);
    const unset = parseTaskQuery({ ...validQuery, funcName: "", tag: null, search: undefined });
    assert.deepEqual([unset.funcName, unset.tag, unset.search], [null, null, null]);
    rejects(() => parseTaskQuery({ ...validQuery, statuses: ["done"] }), /params "statuses\.0" must be one of running, waiting, pending, failed, interrupted, rejected, cancelled, success, got the string "done"/);
    rejects(() => parseTaskQuery({ ...validQuery, statuses: "failed" }), /"statuses" must be an array of statuses/);
    rejects(() => parseTaskQuery({ ...validQuery, sort: { by: "logs", order: "asc" } }), /"sort\.by" must be one of createdAt, duration, funcName, status, got the string "logs"/);
    rejects(() => parseTaskQuery({ ...validQuery, sort: { by: "retriesUsed", order: "asc" } }), /"sort\.by"/);
    rejects(() => parseTaskQuery({ ...validQuery, sort: { by: "status", order: "up" } }), /"sort\.order" must be asc or desc, got the string "up"/);
    rejects(() => parseTaskQuery({ ...validQuery, sort: "duration" }), /"sort" must be an object like \{ by: "createdAt", order: "desc" \}, got the string "duration"/);
    rejects(() => parseTaskQuery({ ...validQuery, limit: 0 }), /"limit" must be a whole number from 1 to 500, got the number 0/);
    rejects(() => parseTaskQuery({ ...validQuery, limit: 10_000 }), /"limit"/);
    rejects(() => parseTaskQuery({ ...validQuery, offset: -1 }), /"offset" must be a whole number >= 0, got the number -1/);
    rejects(() => parseTaskQuery({ ...validQuery, funcName: 7 }), /"funcName" must be a string of at most 1000 characters, got the number 7/);
    rejects(() => QueryTasks.parse({ ...validQuery, sql: "1=1" }), /unknown key "sql"/);
  });

  it("offers every status of the model and sorts by the model's fields", () => {
    for (const status of ALL_STATUSES) assert.deepEqual(parseTaskQuery({ ...validQuery, statuses: [status] }).statuses, [status]);
    for (const by of SORT_FIELDS) assert.equal(parseTaskQuery({ ...validQuery, sort: { by, order: "asc" } }).sort.by, by);
  });

  it("removes duplicate statuses", () => {
    assert.deepEqual(parseTaskQuery({ ...validQuery, statuses: ["failed", "failed"] }).statuses, ["failed"]);
  });

  it("bounds bulk retry to 1..500 valid ids", () => {
    assert.deepEqual(RetryTasks.parse({ taskIds: [ID, ID.toUpperCase()] }), { taskIds: [ID] });
    rejects(() => RetryTasks.parse({ taskIds: [] }), /"taskIds" must be an array of 1 to 500 task ids/);
    rejects(() => RetryTasks.parse({ taskIds: new Array(501).fill(ID) }), /"taskIds" must be an array of 1 to 500/);
    rejects(() => RetryTasks.parse({ taskIds: [ID, "nope"] }), /"taskIds\.1" must be a task id \(UUID v4\), got the string "nope"/);
  });

  it("accepts clear-history ages as whole seconds up to ten years", () => {
    assert.deepEqual(ClearHistory.parse({ olderThanSeconds: 3600 }), { olderThanSeconds: 3600 });
    assert.deepEqual(ClearHistory.parse({ olderThanSeconds: 0 }), { olderThanSeconds: 0 });
    rejects(() => ClearHistory.parse({ olderThanSeconds: -5 }), /"olderThanSeconds" must be a whole number from 0 to 315360000, got the number -5/);
    rejects(() => ClearHistory.parse({ olderThanSeconds: "3600" }), /"olderThanSeconds" .*got the string "3600"/);
    rejects(() => ClearHistory.parse({ olderThanSeconds: 1e12 }), /"olderThanSeconds"/);
  });

  it("validates an export's format and filters, without paging fields", () => {
    const { limit: _l, offset: _o, ...query } = validQuery;
    assert.deepEqual(ExportTasks.parse({ query, format: "csv" }), { query, format: "csv" });
    rejects(() => ExportTasks.parse({ query, format: "xlsx" }), /"format" must be csv or json, got the string "xlsx"/);
    rejects(() => ExportTasks.parse({ query: validQuery, format: "json" }), /params "query" has an unknown key "limit"/);
    rejects(() => ExportTasks.parse({ query: { ...query, statuses: undefined }, format: "json" }), /params "query\.statuses"/);
  });
});

describe("protocol: the dashboard row", () => {
  it("is the model's task JSON narrowed to the table's fields, without logs or arguments", () => {
    const dict = new TaskRecord({ taskId: ID, funcName: "f", createdAt: new Date(Date.UTC(2026, 0, 1)), args: [1], logs: ["l"], tags: { env: "dev" } }).toDict();
    const row = toTaskRow(dict);
    assert.deepEqual(Object.keys(row), [...TASK_ROW_FIELDS]);
    assert.deepEqual(row, { taskId: ID, funcName: "f", status: "pending", createdAt: "2026-01-01T00:00:00.000Z", duration: null, retriesUsed: 0, error: null, tags: { env: "dev" } });
  });
});
