// CodeLens above each task function: Run, Debug, Run with arguments... and, once it has run, the
// last outcome, which opens that run; all of it off with taskflow.codeLens.enabled.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { TaskflowApi } from "../../../src/extension/extension";
import { activateTaskflow, waitUntil } from "./taskflowApi";

const MODULE = `import { task } from "taskflow";

export const lensSucceeds = task(async () => "fine");

export const lensFails = task({ retries: 0 }, async () => {
  throw new Error("lens failure");
});
`;

interface LensRow {
  /** 0-based. */
  line: number;
  title: string;
  command: string;
  arguments: unknown[];
}

async function taskflowLenses(uri: vscode.Uri): Promise<LensRow[]> {
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>("vscode.executeCodeLensProvider", uri, 100);
  return lenses
    .filter((lens) => lens.command?.command.startsWith("taskflow."))
    .map((lens) => ({ line: lens.range.start.line, title: lens.command!.title, command: lens.command!.command, arguments: lens.command!.arguments ?? [] }));
}

/** Asks for the lenses after each change of the task functions or a run's status, until `check` accepts them. */
function lensesWhen(api: TaskflowApi, uri: vscode.Uri, check: (rows: LensRow[]) => boolean, what: string): Promise<LensRow[]> {
  const changes = (listener: (e: unknown) => void): vscode.Disposable => {
    const a = api.onDidChangeTaskFunctions(listener);
    const b = api.onLifecycle(listener);
    return new vscode.Disposable(() => { a.dispose(); b.dispose(); });
  };
  // The provider redraws at most twice a second after a change: ask again on a later change too.
  return waitUntil(changes, async () => {
    const rows = await taskflowLenses(uri);
    return check(rows) ? rows : undefined;
  }, what, 45_000);
}

describe("Taskflow CodeLens (extension host)", function () {
  this.timeout(90_000);
  let api: TaskflowApi;
  let uri: vscode.Uri;

  before(async () => {
    api = await activateTaskflow();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, "expected a workspace folder");
    uri = vscode.Uri.joinPath(folder.uri, "lens.tasks.ts");
    const create = new vscode.WorkspaceEdit();
    create.createFile(uri, { contents: Buffer.from(MODULE) });
    assert.ok(await vscode.workspace.applyEdit(create), "the edit creating lens.tasks.ts was refused");
    await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().functions.some((f) => f.name === "lensFails") ? true : undefined), "lens.tasks.ts to load", 45_000);
    await vscode.window.showTextDocument(uri);
  });

  after(async () => {
    await vscode.workspace.getConfiguration("taskflow").update("codeLens.enabled", undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    await vscode.workspace.fs.delete(uri).then(undefined, () => undefined);
  });

  it("puts Run, Debug and Run with arguments... on the line of each task() call, each with its command", async () => {
    const rows = await lensesWhen(api, uri, (r) => r.length >= 6, "three lenses above each of the two tasks");
    const succeeds = api.taskFunctions().functions.find((f) => f.name === "lensSucceeds")!;
    const fails = api.taskFunctions().functions.find((f) => f.name === "lensFails")!;
    assert.deepEqual(rows.filter((r) => r.line === succeeds.line - 1).map((r) => r.title), ["Run", "Debug", "Run with arguments..."]);
    assert.deepEqual(rows.filter((r) => r.line === fails.line - 1).map((r) => r.title), ["Run", "Debug", "Run with arguments..."]);
    const [run, debug, withArgs] = rows.filter((r) => r.line === fails.line - 1);
    assert.deepEqual([run.command, run.arguments], ["taskflow.runFunction", [{ kind: "run", name: "lensFails" }]]);
    assert.deepEqual([debug.command, debug.arguments], ["taskflow.debugTask", ["lensFails"]]);
    assert.equal(withArgs.command, "taskflow.runFunction");
    assert.equal((withArgs.arguments[0] as { info: { name: string } }).info.name, "lensFails");
  });

  it("adds the last run's outcome above each task after a run, opening that run", async () => {
    const failedId = await vscode.commands.executeCommand<string>("taskflow.runTask", "lensFails");
    const succeededId = await vscode.commands.executeCommand<string>("taskflow.runTask", "lensSucceeds");
    assert.equal((await api.waitFor(failedId)).status, "failed");
    assert.equal((await api.waitFor(succeededId)).status, "success");
    const fails = api.taskFunctions().functions.find((f) => f.name === "lensFails")!;
    const succeeds = api.taskFunctions().functions.find((f) => f.name === "lensSucceeds")!;
    const rows = await lensesWhen(api, uri, (r) => r.length === 8, "an outcome lens above both tasks");
    const failedOutcome = rows.find((r) => r.line === fails.line - 1 && r.command === "taskflow.showTask");
    const succeededOutcome = rows.find((r) => r.line === succeeds.line - 1 && r.command === "taskflow.showTask");
    assert.match(failedOutcome?.title ?? "", /^✗ failed \d+ s ago$/);
    assert.deepEqual(failedOutcome?.arguments, [failedId]);
    assert.match(succeededOutcome?.title ?? "", /^✓ \d+ s ago$/);
    assert.deepEqual(succeededOutcome?.arguments, [succeededId]);
  });

  it("shows no lens while taskflow.codeLens.enabled is off", async () => {
    const config = () => vscode.workspace.getConfiguration("taskflow");
    await config().update("codeLens.enabled", false, vscode.ConfigurationTarget.Workspace);
    await waitUntil(vscode.workspace.onDidChangeConfiguration, async () => ((await taskflowLenses(uri)).length === 0 ? true : undefined), "the lenses to go with the setting off");
    await config().update("codeLens.enabled", undefined, vscode.ConfigurationTarget.Workspace);
    await waitUntil(vscode.workspace.onDidChangeConfiguration, async () => ((await taskflowLenses(uri)).length >= 6 ? true : undefined), "the lenses to come back with the setting on");
  });
});
