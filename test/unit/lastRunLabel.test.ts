import * as assert from "node:assert/strict";
import { firstLine, outcomeTitle, shortAge, topUserFrame, type LastRun } from "../../src/extension/editor/lastRunLabel";

const NOW = Date.parse("2026-12-02T10:00:00Z");
const run = (status: LastRun["status"], agoMs: number): LastRun => ({ taskId: "t1", funcName: "greet", status, atMs: NOW - agoMs, error: null, stacktrace: null });

describe("editor: the last run's CodeLens text and failure line", () => {
  it("gives the age in whole seconds, minutes, hours or days, rounded down", () => {
    assert.equal(shortAge(0), "0 s");
    assert.equal(shortAge(59_999), "59 s");
    assert.equal(shortAge(60_000), "1 m");
    assert.equal(shortAge(3_599_999), "59 m");
    assert.equal(shortAge(3_600_000), "1 h");
    assert.equal(shortAge(49 * 3_600_000), "2 d");
    assert.equal(shortAge(-5_000), "0 s");
  });

  it("titles the outcome with its mark and age, and running without an age", () => {
    assert.equal(outcomeTitle(run("success", 125_000), NOW), "✓ 2 m ago");
    assert.equal(outcomeTitle(run("failed", 10_000), NOW), "✗ failed 10 s ago");
    assert.equal(outcomeTitle(run("running", 10_000), NOW), "⟳ running");
    assert.equal(outcomeTitle(run("pending", 10_000), NOW), "◷ pending");
    assert.equal(outcomeTitle(run("cancelled", 3_600_000), NOW), "⊘ cancelled 1 h ago");
    assert.equal(outcomeTitle(run("interrupted", 0), NOW), "✗ interrupted 0 s ago");
    assert.equal(outcomeTitle(run("rejected", 0), NOW), "✗ rejected 0 s ago");
  });

  it("keeps the first line of an error without a plain Error: prefix, and cuts it with an ellipsis", () => {
    assert.equal(firstLine("boom\n  at x"), "boom");
    assert.equal(firstLine("abcdefghij", 5), "abcd…");
    assert.equal(firstLine("Error: lens demo"), "lens demo");
    assert.equal(firstLine("TypeError: x is not a function"), "TypeError: x is not a function");
  });

  it("finds the top frame in the workspace, skipping node_modules and files outside it", () => {
    const stack = [
      "Error: boom",
      "    at helper (/ws/node_modules/lib/index.js:3:9)",
      "    at run (/elsewhere/dist/worker.js:10:2)",
      "    at Object.fn (/ws/failing.tasks.ts:8:9)",
      "    at caller (/ws/other.tasks.ts:2:1)",
    ].join("\n");
    assert.deepEqual(topUserFrame(stack, ["/ws"]), { file: "/ws/failing.tasks.ts", line: 8, column: 9 });
    assert.equal(topUserFrame("a bare string", ["/ws"]), undefined);
    assert.equal(topUserFrame(null, ["/ws"]), undefined);
    assert.equal(topUserFrame("Error\n    at f (/wsx/a.tasks.ts:1:1)", ["/ws"]), undefined);
  });
});
