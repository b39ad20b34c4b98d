import * as assert from "node:assert/strict";
import { resolveLocalImport } from "../../src/runtime/wasmEsbuild";
import { Workspace } from "../fixtures/modules/harness";

// How the default (WebAssembly) compiler finds the local files a task module imports.
describe("runtime: resolving local imports for the WebAssembly compiler", () => {
  let workspace: Workspace;
  before(() => {
    workspace = new Workspace({
      "lib/plain.ts": "", "lib/esm.mts": "", "lib/legacy.js": "", "lib/widget.tsx": "", "lib/folder/index.ts": "", "lib/data.json": "{}",
    });
  });
  after(() => workspace.dispose());

  it("tries the source extensions, TypeScript for a .js specifier, then index files", () => {
    const dir = workspace.file("lib");
    assert.equal(resolveLocalImport("./plain", dir), workspace.file("lib/plain.ts"));
    assert.equal(resolveLocalImport("./plain.js", dir), workspace.file("lib/plain.ts"));
    assert.equal(resolveLocalImport("./esm.mjs", dir), workspace.file("lib/esm.mts"));
    assert.equal(resolveLocalImport("./legacy.js", dir), workspace.file("lib/legacy.js"));
    assert.equal(resolveLocalImport("./widget.jsx", dir), workspace.file("lib/widget.tsx"));
    assert.equal(resolveLocalImport("./folder", dir), workspace.file("lib/folder/index.ts"));
    assert.equal(resolveLocalImport("../lib/data.json", dir), workspace.file("lib/data.json"));
    assert.equal(resolveLocalImport(workspace.file("lib/plain"), "/"), workspace.file("lib/plain.ts"));
    assert.equal(resolveLocalImport("./missing", dir), undefined);
  });
});
