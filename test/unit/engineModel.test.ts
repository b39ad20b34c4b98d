import * as assert from "node:assert/strict";
import { TaskRecord } from "../../src";
import { toError } from "../../src/core/errors";
import { jsonProblem } from "../../src/core/jsonCheck";

describe("engine: TaskRecord", () => {
  const record = new TaskRecord({
    taskId: "id-1",
    funcName: "job",
    status: "success",
    args: [1],
    kwargs: { a: 2 },
    createdAt: new Date(Date.UTC(2026, 0, 1)),
    startTime: new Date(Date.UTC(2026, 0, 1, 0, 0, 1)),
    endTime: new Date(Date.UTC(2026, 0, 1, 0, 0, 3, 500)),
    tags: { env: "dev" },
    encryptedPayload: Uint8Array.from([1, 2, 3]),
  });

  it("derives duration in seconds, null until start and end are both set", () => {
    assert.equal(record.duration, 2.5);
    assert.equal(new TaskRecord({ taskId: "x", funcName: "f", createdAt: new Date(0), startTime: new Date(0) }).duration, null);
  });

  it("round-trips through the stored shape with epoch milliseconds", () => {
    const data = record.toData();
    assert.equal(data.startTime, Date.UTC(2026, 0, 1, 0, 0, 1));
    assert.equal(data.endTime, Date.UTC(2026, 0, 1, 0, 0, 3, 500));
    const back = TaskRecord.fromData(data);
    assert.deepEqual(back.toData(), data);
    assert.ok(back.startTime instanceof Date);
  });

  it("gives a JSON dict with ISO times, that never includes the encrypted payload", () => {
    const dict = record.toDict();
    assert.equal(dict.createdAt, "2026-01-01T00:00:00.000Z");
    assert.equal(dict.duration, 2.5);
    assert.equal(dict.encrypted, true);
    assert.ok(!("encryptedPayload" in dict));
    assert.deepEqual(JSON.parse(JSON.stringify(dict)), dict);
  });

  it("defaults to a fresh pending record", () => {
    const fresh = new TaskRecord({ taskId: "x", funcName: "f", createdAt: new Date(0) });
    assert.deepEqual(
      [fresh.status, fresh.args, fresh.kwargs, fresh.retriesUsed, fresh.logs, fresh.error, fresh.stacktrace, fresh.encrypted],
      ["pending", [], {}, 0, [], null, null, false],
    );
  });
});

describe("engine: error normalisation and JSON checks", () => {
  it("keeps Errors and gives a stack to an error that has none", () => {
    const e = new RangeError("r");
    assert.equal(toError(e), e);
    const bare = new Error("no stack");
    bare.stack = undefined;
    assert.match(toError(bare).stack ?? "", /^Error: no stack\n/);
    const foreign = { name: "WorkerError", message: "from elsewhere" };
    const converted = toError(foreign);
    assert.equal(`${converted.name}: ${converted.message}`, "WorkerError: from elsewhere");
  });

  it("accepts plain JSON data and an absent return value", () => {
    assert.equal(jsonProblem({ a: [1, "x", null, true, { b: {} }] }, "v"), null);
    assert.equal(jsonProblem(undefined, "the return value", true), null);
    assert.equal(jsonProblem(Object.create(null), "v"), null);
  });

  it("names the path of the first value JSON cannot carry", () => {
    class Point {}
    assert.equal(jsonProblem({ p: new Point() }, "args"), "args.p is a Point instance, which would not survive JSON unchanged: pass a plain object or array");
    assert.equal(jsonProblem([Infinity], "args"), "args[0] is Infinity, which JSON cannot represent: use null or a string");
    const shared = { x: 1 };
    assert.equal(jsonProblem([shared, shared], "args"), null, "a repeated (not circular) object is fine");
  });
});
