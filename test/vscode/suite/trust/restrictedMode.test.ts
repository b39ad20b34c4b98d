import * as assert from "node:assert/strict";
import * as vscode from "vscode";

// Files in this folder run in the code-server instance started with Workspace Trust on, where the
// test workspace has never been trusted. This one checks that the instance is what it claims to be.
describe("the Workspace Trust instance", () => {
  it("opens the test workspace in restricted mode", () => {
    assert.equal(vscode.workspace.getConfiguration("security.workspace.trust").get("enabled"), true);
    assert.equal(vscode.workspace.isTrusted, false, "expected the test workspace to start untrusted");
    assert.equal(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, process.env.TASKFLOW_TEST_WORKSPACE);
  });
});
