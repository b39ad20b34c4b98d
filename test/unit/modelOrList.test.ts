import * as assert from "node:assert/strict";
import { CANCELLABLE_STATUSES, RESUMABLE_STATUSES, RETRYABLE_STATUSES, orList } from "../../src/model";

describe("model: orList", () => {
  it("says nothing for no words and the word alone for one", () => {
    assert.equal(orList([]), "");
    assert.equal(orList(["failed"]), "failed");
  });

  it("joins two words with or", () => {
    assert.equal(orList(["pending", "running"]), "pending or running");
  });

  it("joins three or more with commas and a last or", () => {
    assert.equal(orList(["a", "b", "c", "d"]), "a, b, c or d");
  });

  it("names the statuses the retry and cancel rules accept", () => {
    assert.equal(orList(RETRYABLE_STATUSES), "failed, interrupted or rejected");
    assert.equal(orList(CANCELLABLE_STATUSES), "pending, running or waiting");
    assert.equal(orList(RESUMABLE_STATUSES), "failed, interrupted or cancelled");
  });
});
