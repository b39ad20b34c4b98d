import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { activateTaskflow, assertRejects } from "../taskflowApi";

// Runs in the instance with Workspace Trust on, where the test workspace is untrusted.
describe("Taskflow in an untrusted workspace (extension host)", () => {
  it("activates without compiling or loading any task module", async () => {
    assert.equal(vscode.workspace.isTrusted, false);
    const api = await activateTaskflow();
    assert.deepEqual(api.taskFunctions(), { modules: [], functions: [], problems: [] });
    assert.deepEqual(api.registeredTasks(), []);
    const folder = vscode.workspace.workspaceFolders![0];
    assert.deepEqual(vscode.languages.getDiagnostics(vscode.Uri.joinPath(folder.uri, "hello.tasks.ts")), []);
  });

  it("refuses to run a task and says the workspace must be trusted", async () => {
    await activateTaskflow();
    await assertRejects(vscode.commands.executeCommand("taskflow.runTask", "hello"), /Restricted Mode: trust this workspace to run tasks/);
  });

  it("still shows the task history views and the dashboard", async () => {
    const api = await activateTaskflow();
    assert.deepEqual(await api.tasksView(), []);
    assert.equal((await api.metrics()).total, 0);
    await vscode.commands.executeCommand("taskflow.tasks.focus");
  });
});
