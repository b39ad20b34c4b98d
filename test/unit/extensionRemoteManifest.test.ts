import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";

interface Manifest {
  extensionKind?: string[];
  contributes: { configuration: { properties: Record<string, { scope?: string }> } };
}

const manifest = JSON.parse(readFileSync(path.join(__dirname, "../../package.json"), "utf8")) as Manifest;

describe("extension: package.json for remote windows and multi-root workspaces", () => {
  it("runs where the workspace is (SSH, WSL, containers), since it compiles and runs the workspace's task code", () => {
    assert.deepEqual(manifest.extensionKind, ["workspace"]);
  });

  it("reads taskflow.modules per workspace folder", () => {
    assert.equal(manifest.contributes.configuration.properties["taskflow.modules"]?.scope, "resource");
  });
});
