import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { TYPES_RELATIVE_PATH } from "../../src/extension/commands/taskModuleTemplate";
import { generatedTaskflowTypes } from "../fixtures/modules/taskflowTypes";

const root = path.join(__dirname, "..", "..");

describe("example workspace", function () {
  this.timeout(30000); // generating the types builds a TypeScript program

  it("holds the same taskflow types that New Task Module copies from the extension", async () => {
    const shipped = await generatedTaskflowTypes();
    const example = readFileSync(path.join(root, "examples", "workspace", TYPES_RELATIVE_PATH), "utf8");
    assert.equal(example, shipped, `regenerate it: node scripts/generateTaskflowTypes.mjs examples/workspace/${TYPES_RELATIVE_PATH}`);
  });
});
