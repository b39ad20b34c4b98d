import * as assert from "node:assert/strict";
import { RunProgressTracker } from "../../src/extension/commands/runProgressTracker";

describe("extension: run progress notification steps", () => {
  it("turns each reported fraction into the increment since the last one, with its message", () => {
    const tracker = new RunProgressTracker();
    assert.deepEqual(tracker.progress({ fraction: 0.25, message: "row 250 of 1000" }), { increment: 25, message: "row 250 of 1000", finished: false });
    assert.deepEqual(tracker.progress({ fraction: 0.6, message: null }), { increment: 35, message: "60%", finished: false });
  });

  it("shows a fraction going back as a message only, since the bar cannot go back", () => {
    const tracker = new RunProgressTracker();
    tracker.progress({ fraction: 0.5, message: null });
    assert.deepEqual(tracker.progress({ fraction: 0.2, message: "again" }), { increment: undefined, message: "again", finished: false });
    assert.deepEqual(tracker.progress({ fraction: 0.7, message: null }), { increment: 20, message: "70%", finished: false });
  });

  it("says when an attempt failed and a retry is due, and finishes on every final status", () => {
    const tracker = new RunProgressTracker();
    assert.deepEqual(tracker.lifecycle({ status: "running", retriesUsed: 0, error: null }), { finished: false });
    assert.deepEqual(tracker.lifecycle({ status: "pending", retriesUsed: 1, error: "HTTP 503" }), { message: "the attempt failed, retrying: HTTP 503", finished: false });
    assert.deepEqual(tracker.lifecycle({ status: "running", retriesUsed: 1, error: null }), { message: "retry 1", finished: false });
    for (const status of ["success", "failed", "cancelled", "interrupted", "rejected"] as const) {
      assert.deepEqual(tracker.lifecycle({ status, retriesUsed: 1, error: null }), { finished: true }, status);
    }
  });
});
