import * as assert from "node:assert/strict";
import { TaskStatus } from "../../src/engine/types";

describe("toolchain", () => {
  it("runs TypeScript tests against the sources", () => {
    assert.equal(TaskStatus.Interrupted, "interrupted");
  });
});
