import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { TYPES_RELATIVE_PATH } from "../../src/extension/taskModuleTemplate";

const root = path.join(__dirname, "..", "..");

describe("example workspace", () => {
  it("holds the same taskflow types that New Task Module copies from the extension", () => {
    const shipped = readFileSync(path.join(root, "src", "runtime", "taskflow.d.ts"), "utf8");
    const example = readFileSync(path.join(root, "examples", "workspace", TYPES_RELATIVE_PATH), "utf8");
    assert.equal(example, shipped, `copy src/runtime/taskflow.d.ts to examples/workspace/${TYPES_RELATIVE_PATH}`);
  });
});
