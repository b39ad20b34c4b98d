import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { activateTaskflow, waitUntil } from "./taskflowApi";
import { viewText } from "./workbenchUi";

const extensionId = "taskflow.vscode-taskflow";

/** Resolves with the first tab labelled `label`, waiting on tab events rather than polling. */
function tabLabelled(label: string, timeoutMs = 10_000): Promise<vscode.Tab> {
  const find = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).find((tab) => tab.label === label);
  return new Promise((resolve, reject) => {
    const found = find();
    if (found) {
      return resolve(found);
    }
    const timer = setTimeout(() => {
      subscription.dispose();
      const labels = vscode.window.tabGroups.all.flatMap((group) => group.tabs).map((tab) => tab.label);
      reject(new Error(`expected a tab labelled "${label}" within ${timeoutMs} ms, got tabs: ${JSON.stringify(labels)}`));
    }, timeoutMs);
    const subscription = vscode.window.tabGroups.onDidChangeTabs(() => {
      const tab = find();
      if (tab) {
        clearTimeout(timer);
        subscription.dispose();
        resolve(tab);
      }
    });
  });
}

describe("Taskflow activation (extension host)", () => {
  before(async () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension, `expected the extension ${extensionId} to be loaded, got: ${vscode.extensions.all.map((e) => e.id).filter((id) => !id.startsWith("vscode.")).join(", ")}`);
    await extension.activate();
  });

  it("opens the test workspace", () => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1, `expected one workspace folder, got ${folders.length}`);
    const expected = process.env.TASKFLOW_TEST_WORKSPACE;
    if (expected) {
      assert.equal(folders[0].uri.fsPath, expected);
    }
  });

  it("activates the extension", () => {
    assert.equal(vscode.extensions.getExtension(extensionId)?.isActive, true);
  });

  it("registers the Taskflow commands", async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ["taskflow.runTask", "taskflow.openDashboard", "taskflow.refresh"]) {
      assert.ok(commands.includes(id), `expected command ${id} to be registered, got taskflow commands: ${commands.filter((c) => c.startsWith("taskflow.")).join(", ")}`);
    }
  });

  it("shows the Tasks and Task Functions views", async () => {
    const api = await activateTaskflow();
    // The focus commands exist only for contributed views, and reveal them (resolving their providers).
    await vscode.commands.executeCommand("taskflow.tasks.focus");
    const groups = (await api.tasksView()).map((g) => g.group.label);
    const tasks = await viewText("Tasks", groups.length > 0 ? groups : ["No tasks have run in this workspace yet"]);
    for (const label of groups) assert.ok(tasks.includes(label), `expected the Tasks view to show the group ${label}, got ${JSON.stringify(tasks)}`);
    await vscode.commands.executeCommand("taskflow.functions.focus");
    const names = await waitUntil(api.onDidChangeTaskFunctions, () => {
      const found = api.taskFunctions().functions.map((f) => f.name);
      return found.length > 0 ? found : undefined;
    }, "the example modules to load");
    await viewText("Task Functions", names);
  });

  it("opens the dashboard webview", async () => {
    await vscode.commands.executeCommand("taskflow.openDashboard");
    const tab = await tabLabelled("Taskflow Dashboard");
    assert.ok(tab.input instanceof vscode.TabInputWebview, `expected a webview tab, got ${tab.input?.constructor.name}`);
    assert.match(tab.input.viewType, /taskflow\.dashboard/);
    // Tab objects are snapshots: close the current one with that label.
    const current = vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((t) => t.label === "Taskflow Dashboard");
    await vscode.window.tabGroups.close(current);
  });
});
