import * as assert from "node:assert/strict";
import { serializeError, userStack } from "../../src/runtime/workerProtocol";

const WORKER = "/ext/dist/worker.js";
const STACK = [
  "Error: row 3 of 3 is malformed",
  "    at Object.fn (/ws/import.tasks.ts:6:9)",
  "    at helper (/ws/lib/rows.ts:12:3)",
  `    at Tn (${WORKER}:696:5957)`,
  `    at Object.<anonymous> (${WORKER}:696:8000)`,
  "    at Module._compile (node:internal/modules/cjs/loader:1521:14)",
  "    at node:internal/main/worker_thread:192:26",
].join("\n");

describe("runtime: the stack a task failure shows", () => {
  it("keeps the user's frames and drops the runtime's and Node's internal ones", () => {
    assert.equal(
      userStack(STACK, WORKER),
      ["Error: row 3 of 3 is malformed", "    at Object.fn (/ws/import.tasks.ts:6:9)", "    at helper (/ws/lib/rows.ts:12:3)"].join("\n"),
    );
  });

  it("leaves a stack alone when nothing but runtime frames would remain", () => {
    const onlyRuntime = ["TimeoutError: task timed out", `    at Tn (${WORKER}:1:1)`, "    at node:internal/x:1:1"].join("\n");
    assert.equal(userStack(onlyRuntime, WORKER), onlyRuntime);
  });

  it("trims the stack of a serialised Error from the worker", () => {
    const error = new Error("row 3 of 3 is malformed");
    error.stack = STACK;
    const wire = serializeError(error, WORKER);
    assert.equal(wire.message, "row 3 of 3 is malformed");
    assert.ok(!wire.stack.includes(WORKER), wire.stack);
    assert.ok(wire.stack.includes("/ws/import.tasks.ts:6:9"));
  });
});
