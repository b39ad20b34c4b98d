import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import { waitFor } from "../lib/waitFor";

const extensionId = "taskflow.vscode-taskflow";

/** The parts of the extension's exported engine API this suite uses. */
interface TaskflowApi {
  attached: boolean;
  task(config: { name: string; retries?: number }, fn: (...args: unknown[]) => unknown): unknown;
  addTask(handleOrName: unknown, args?: unknown[], options?: { tags?: Record<string, string> }): Promise<string>;
  waitFor(taskId: string): Promise<{ status: string }>;
}

function tabs(label: string): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.label === label);
}

function allLabels(): string[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).map((tab) => tab.label);
}

/** Resolves once a tab labelled `label` exists, woken by tab events. */
function tabOpened(label: string, timeoutMs = 10_000): Promise<vscode.Tab> {
  return new Promise((resolve, reject) => {
    const found = tabs(label)[0];
    if (found) return resolve(found);
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`expected a tab labelled "${label}" within ${timeoutMs} ms, got tabs: ${JSON.stringify(allLabels())}`));
    }, timeoutMs);
    const subscription = vscode.window.tabGroups.onDidChangeTabs(() => {
      const tab = tabs(label)[0];
      if (tab) {
        clearTimeout(timer);
        subscription.dispose();
        resolve(tab);
      }
    });
  });
}

function viewTypeOf(tab: vscode.Tab): string {
  assert.ok(tab.input instanceof vscode.TabInputWebview, `expected a webview tab, got ${tab.input?.constructor.name}`);
  return tab.input.viewType;
}

describe("Taskflow panels (extension host)", () => {
  let api: TaskflowApi;

  before(async function () {
    this.timeout(60_000);
    const extension = vscode.extensions.getExtension<TaskflowApi>(extensionId);
    assert.ok(extension, `expected the extension ${extensionId} to be loaded`);
    api = await extension.activate();
    await waitFor(() => api.attached, { what: "the Taskflow manager to be attached to the workspace", timeoutMs: 45_000 });
  });

  afterEach(async () => {
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  it("opens the dashboard through its command and reuses it when opened again", async () => {
    await vscode.commands.executeCommand("taskflow.openDashboard");
    const tab = await tabOpened("Taskflow Dashboard");
    assert.match(viewTypeOf(tab), /taskflow\.dashboard$/);
    await vscode.commands.executeCommand("taskflow.openDashboard");
    assert.equal(tabs("Taskflow Dashboard").length, 1, `expected one dashboard tab, got tabs: ${JSON.stringify(allLabels())}`);
  });

  it("opens one task panel per task through Show Task, titled <function> · <short id>", async () => {
    api.task({ name: "panelsProbeFailure" }, async () => {
      throw new Error("probe failure for the panels suite");
    });
    const first = await api.addTask("panelsProbeFailure", [], { tags: { suite: "panels" } });
    const second = await api.addTask("panelsProbeFailure");
    assert.equal((await api.waitFor(first)).status, "failed");
    assert.equal((await api.waitFor(second)).status, "failed");

    await vscode.commands.executeCommand("taskflow.showTask", first);
    const firstLabel = `panelsProbeFailure · ${first.slice(0, 8)}`;
    const tab = await tabOpened(firstLabel);
    assert.match(viewTypeOf(tab), /taskflow\.taskPanel$/);

    await vscode.commands.executeCommand("taskflow.showTask", first);
    assert.equal(tabs(firstLabel).length, 1, `expected the panel to be reused, got tabs: ${JSON.stringify(allLabels())}`);

    await vscode.commands.executeCommand("taskflow.showTask", second);
    await tabOpened(`panelsProbeFailure · ${second.slice(0, 8)}`);
    assert.equal(tabs(firstLabel).length, 1);
  });

  it("opens no panel for a task id that does not exist", async () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    // The command wrapper reports the error to the user; whether it also rejects is its business.
    await Promise.resolve(vscode.commands.executeCommand("taskflow.showTask", missing)).catch(() => undefined);
    assert.deepEqual(allLabels().filter((l) => l.includes(missing.slice(0, 8))), []);
  });
});
