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
} from "../../src/protocol";

const ID = "3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b";
const validQuery = { statuses: ["failed"], funcName: "sendEmail", tag: "env=dev", text: "boom", sort: "duration", descending: true, limit: 25, offset: 50 };

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
    rejects(() => parseTaskId("../../etc/passwd"), /taskId: expected a task id \(UUID v4\), got "\.\.\/\.\.\/etc\/passwd"/);
    rejects(() => parseTaskId(42), /got number 42/);
    rejects(() => parseTaskId(undefined), /got undefined/);
    rejects(() => parseTaskId("3f2b8c1e-9a4d-1e6f-8b2a-1c3d5e7f9a0b"), /UUID v4/); // version 1
    rejects(() => parseTaskId(`${ID} `), /UUID v4/);
  });

  it("rejects params that are not objects or carry unknown fields", () => {
    rejects(() => RetryTask.parse([ID]), /params: expected an object, got an array/);
    rejects(() => RetryTask.parse({ taskId: ID, force: true }), /unexpected field\(s\) force/);
    rejects(() => ShowTask.parse(null), /params: expected an object, got null/);
    rejects(() => Ready.parse({ x: 1 }), /unexpected field/);
    assert.deepEqual(Ready.parse(undefined), {});
  });

  it("checks a frame's path and 1-based line and column", () => {
    assert.deepEqual(OpenFrame.parse({ path: "/w/a.ts", line: 3 }), { path: "/w/a.ts", line: 3, column: 1 });
    rejects(() => OpenFrame.parse({ path: "", line: 3 }), /path: expected a non-empty string/);
    rejects(() => OpenFrame.parse({ path: "/w/a.ts", line: 0 }), /line: expected an integer from 1/);
    rejects(() => OpenFrame.parse({ path: "/w/a.ts", line: 2.5 }), /line/);
    rejects(() => OpenFrame.parse({ path: "/w/a.ts", line: "3" }), /line: .*got "3"/);
    rejects(() => OpenFrame.parse({ path: "x".repeat(5000), line: 1 }), /at most 1000 characters, got a string of 5000 characters/);
  });

  it("validates a dashboard query field by field", () => {
    assert.deepEqual(parseTaskQuery(validQuery), validQuery);
    assert.deepEqual(parseTaskQuery({ ...validQuery, funcName: "", tag: null, text: undefined }).funcName, null);
    rejects(() => parseTaskQuery({ ...validQuery, statuses: ["done"] }), /statuses\[0\]: expected one of pending, running, success, failed, interrupted, cancelled, got "done"/);
    rejects(() => parseTaskQuery({ ...validQuery, statuses: "failed" }), /statuses: expected an array/);
    rejects(() => parseTaskQuery({ ...validQuery, sort: "logs" }), /sort: expected one of createdAt/);
    rejects(() => parseTaskQuery({ ...validQuery, limit: 0 }), /limit: expected an integer from 1 to 500, got number 0/);
    rejects(() => parseTaskQuery({ ...validQuery, limit: 10_000 }), /limit/);
    rejects(() => parseTaskQuery({ ...validQuery, offset: -1 }), /offset/);
    rejects(() => parseTaskQuery({ ...validQuery, descending: "yes" }), /descending: expected a boolean/);
    rejects(() => parseTaskQuery({ ...validQuery, funcName: 7 }), /funcName: expected a string, got number 7/);
    rejects(() => QueryTasks.parse({ ...validQuery, sql: "1=1" }), /unexpected field\(s\) sql/);
  });

  it("removes duplicate statuses", () => {
    assert.deepEqual(parseTaskQuery({ ...validQuery, statuses: ["failed", "failed"] }).statuses, ["failed"]);
  });

  it("bounds bulk retry to 1..500 valid ids", () => {
    assert.deepEqual(RetryTasks.parse({ taskIds: [ID, ID.toUpperCase()] }), { taskIds: [ID] });
    rejects(() => RetryTasks.parse({ taskIds: [] }), /taskIds: expected an array of 1 to 500 task ids/);
    rejects(() => RetryTasks.parse({ taskIds: new Array(501).fill(ID) }), /taskIds/);
    rejects(() => RetryTasks.parse({ taskIds: [ID, "nope"] }), /taskIds\[1\]: expected a task id/);
  });

  it("accepts clear-history ages as whole seconds up to ten years", () => {
    assert.deepEqual(ClearHistory.parse({ olderThanSeconds: 3600 }), { olderThanSeconds: 3600 });
    assert.deepEqual(ClearHistory.parse({ olderThanSeconds: 0 }), { olderThanSeconds: 0 });
    rejects(() => ClearHistory.parse({ olderThanSeconds: -5 }), /olderThanSeconds/);
    rejects(() => ClearHistory.parse({ olderThanSeconds: "3600" }), /olderThanSeconds/);
    rejects(() => ClearHistory.parse({ olderThanSeconds: 1e12 }), /olderThanSeconds/);
  });

  it("validates an export's format and filters, without paging fields", () => {
    const { limit: _l, offset: _o, ...query } = validQuery;
    assert.deepEqual(ExportTasks.parse({ query, format: "csv" }), { query, format: "csv" });
    rejects(() => ExportTasks.parse({ query, format: "xlsx" }), /format: expected one of csv, json, got "xlsx"/);
    rejects(() => ExportTasks.parse({ query: validQuery, format: "json" }), /unexpected field\(s\) limit, offset/);
  });
});
