import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { TaskflowApi } from "../../../src/extension/extension";
import { activateTaskflow, nextRestart, waitUntil } from "./taskflowApi";

// Its top level runs once per load of the module: on a warm worker once for many runs, with "fresh" once per run.
const LOAD_ID_MODULE = 'import { task } from "taskflow";\n\nconst loadId = Math.random().toString(36).slice(2);\n\nexport const moduleLoadId = task(async () => loadId);\n';

describe("Taskflow isolation (extension host)", function () {
  // A rebuilt runtime compiles every module again with esbuild-wasm, on two shared cores.
  this.timeout(90_000);
  let api: TaskflowApi;
  let uri: vscode.Uri;

  const listed = () =>
    waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().functions.some((f) => f.name === "moduleLoadId") ? true : undefined), "moduleLoadId to be listed", 60_000);

  /** Runs moduleLoadId to the end and gives what it returned. */
  async function loadIdOfOneRun(): Promise<unknown> {
    const record = await api.waitFor(await vscode.commands.executeCommand<string>("taskflow.runTask", "moduleLoadId"));
    assert.equal(record.status, "success", record.error ?? "");
    return record.result;
  }

  before(async () => {
    api = await activateTaskflow();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, "expected a workspace folder");
    uri = vscode.Uri.joinPath(folder.uri, "loadId.tasks.ts");
    const create = new vscode.WorkspaceEdit();
    create.createFile(uri, { contents: Buffer.from(LOAD_ID_MODULE) });
    assert.ok(await vscode.workspace.applyEdit(create), "the edit creating loadId.tasks.ts was refused");
    await listed();
  });

  after(async () => {
    const config = vscode.workspace.getConfiguration("taskflow");
    if (config.inspect("isolation")?.workspaceValue !== undefined) {
      const restarted = nextRestart(api);
      await config.update("isolation", undefined, vscode.ConfigurationTarget.Workspace);
      await restarted;
    }
    const remove = new vscode.WorkspaceEdit();
    remove.deleteFile(uri, { ignoreIfNotExists: true });
    await vscode.workspace.applyEdit(remove);
  });

  it("runs tasks on a warm worker by default: what the module's top level set is still there on the next run", async () => {
    assert.equal(vscode.workspace.getConfiguration("taskflow").get("isolation"), "warm");
    const first = await loadIdOfOneRun();
    assert.equal(typeof first, "string");
    assert.equal(await loadIdOfOneRun(), first, "the second run was on the worker that loaded the module for the first");
  });

  it("with taskflow.isolation \"fresh\", set without a reload, loads the module anew for every run", async () => {
    const warm = await loadIdOfOneRun();
    const restarted = nextRestart(api);
    await vscode.workspace.getConfiguration("taskflow").update("isolation", "fresh", vscode.ConfigurationTarget.Workspace);
    await restarted;
    await listed();
    const first = await loadIdOfOneRun();
    const second = await loadIdOfOneRun();
    assert.equal(typeof first, "string");
    assert.notEqual(second, first, "each run loads the module in a worker of its own");
    assert.notEqual(first, warm);
  });
});
