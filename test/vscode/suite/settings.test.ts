import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { TaskflowApi } from "../../../src/extension/extension";
import { activateTaskflow, nextRestart, waitUntil } from "./taskflowApi";

describe("Taskflow settings (extension host)", function () {
  // A restart reopens the database and compiles every module again, on two shared cores.
  this.timeout(90_000);
  let api: TaskflowApi;

  before(async () => {
    api = await activateTaskflow();
  });

  after(async () => {
    const restarted = nextRestart(api);
    await vscode.workspace.getConfiguration("taskflow").update("maxConcurrentTasks", undefined, vscode.ConfigurationTarget.Workspace);
    await restarted;
  });

  it("applies taskflow.maxConcurrentTasks without a reload, keeping the history", async () => {
    const before = await api.addTask("hello", ["before the restart"]);
    await api.waitFor(before);
    const restarted = nextRestart(api);
    await vscode.workspace.getConfiguration("taskflow").update("maxConcurrentTasks", 1, vscode.ConfigurationTarget.Workspace);
    await restarted;
    assert.equal((await api.getTask(before))?.status, "success", "the history survives the engine restart (it is on disk)");
    await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().functions.some((f) => f.name === "slowCount") ? true : undefined), "the modules to load again", 60_000);

    const first = await api.addTask("slowCount", [100, 100]);
    const second = await api.addTask("slowCount", [100, 100]);
    await waitUntil(api.onLog, async () => ((await api.getTask(first))?.logs.length ? true : undefined), "the first slow task to start");
    assert.equal((await api.getTask(second))?.status, "pending", "with one slot, the second task waits");
    await api.cancelTask(first);
    await waitUntil(api.onLog, async () => ((await api.getTask(second))?.logs.length ? true : undefined), "the second task to start once the first is cancelled");
    await api.cancelTask(second);
    assert.equal((await api.waitFor(second)).status, "cancelled");
  });

  it("applies taskflow.modules at once: only the files its globs match stay loaded", async () => {
    const folder = vscode.workspace.workspaceFolders![0];
    const hello = vscode.Uri.joinPath(folder.uri, "hello.tasks.ts").fsPath;
    const config = () => vscode.workspace.getConfiguration("taskflow");
    try {
      await config().update("modules", "hello.tasks.ts", vscode.ConfigurationTarget.Workspace);
      await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().modules.join() === hello ? true : undefined), "only hello.tasks.ts to be loaded", 60_000);
      assert.deepEqual(api.taskFunctions().functions.map((f) => f.name), ["hello"]);
      assert.ok(!api.registeredTasks().some((t) => t.name === "slowCount"), "the other modules' tasks are unregistered");
    } finally {
      await config().update("modules", undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().functions.some((f) => f.name === "slowCount") ? true : undefined), "the other modules to load again", 60_000);
  });
});
