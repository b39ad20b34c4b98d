import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { TaskflowApi } from "../../../src/extension/extension";
import { activateTaskflow, waitUntil } from "./taskflowApi";

const BROKEN = 'import { task } from "taskflow";\n\nexport const brokenTask = task(async () => {\n  return 1 +;\n});\n';
const FIXED = 'import { task } from "taskflow";\n\nexport const fixedTask = task(async () => 2);\n';

describe("Taskflow task modules (extension host)", function () {
  // Each load compiles with esbuild-wasm and runs the module in a worker, on two shared cores.
  this.timeout(60_000);
  let api: TaskflowApi;
  let uri: vscode.Uri;

  before(async () => {
    api = await activateTaskflow();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, "expected a workspace folder");
    uri = vscode.Uri.joinPath(folder.uri, "broken.tasks.ts");
  });

  after(async () => {
    await vscode.workspace.fs.delete(uri).then(undefined, () => undefined);
    const generated = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, "generated");
    await vscode.workspace.fs.delete(generated, { recursive: true }).then(undefined, () => undefined);
  });

  it("reports a module with a syntax error in the Problems panel and the Task Functions view", async () => {
    // Created as a person would in the editor (a workspace edit), so VS Code reports it at once.
    const create = new vscode.WorkspaceEdit();
    create.createFile(uri, { contents: Buffer.from(BROKEN) });
    assert.ok(await vscode.workspace.applyEdit(create), "the edit creating broken.tasks.ts was refused");
    const problem = await waitUntil(api.onDidChangeTaskFunctions, () => api.taskFunctions().problems.find((p) => p.file === uri.fsPath), "a problem for broken.tasks.ts");
    assert.equal(problem.line, 4);
    assert.equal(problem.severity, "error");
    const diagnostics = await waitUntil(vscode.languages.onDidChangeDiagnostics, () => {
      const list = vscode.languages.getDiagnostics(uri);
      return list.length > 0 ? list : undefined;
    }, "diagnostics for broken.tasks.ts");
    assert.equal(diagnostics[0].range.start.line, 3, "0-based line of `return 1 +;`'s error");
    assert.equal(diagnostics[0].severity, vscode.DiagnosticSeverity.Error);
    assert.equal(diagnostics[0].source, "Taskflow");
    assert.ok(api.taskFunctions().modules.includes(uri.fsPath));
    assert.ok(!api.taskFunctions().functions.some((f) => f.file === uri.fsPath));
  });

  it("reloads a module when it is saved, clearing its problems and listing its new tasks", async () => {
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, new vscode.Range(0, 0, document.lineCount, 0), FIXED);
    assert.ok(await vscode.workspace.applyEdit(edit), "the edit was refused");
    await document.save();
    await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().functions.some((f) => f.name === "fixedTask") ? true : undefined), "fixedTask to be listed after the save", 45_000);
    assert.deepEqual(api.taskFunctions().problems.filter((p) => p.file === uri.fsPath), []);
    // Taskflow's own: once TypeScript's server is up (an earlier suite opened a .ts file) it reports on the file too.
    const taskflowDiagnostics = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === "Taskflow");
    await waitUntil(vscode.languages.onDidChangeDiagnostics, () => (taskflowDiagnostics().length === 0 ? true : undefined), "Taskflow's diagnostics to clear");
    const taskId = await vscode.commands.executeCommand<string>("taskflow.runTask", "fixedTask");
    assert.equal((await api.waitFor(taskId)).status, "success");
    await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
  });

  it("drops a module's tasks when the file is deleted", async () => {
    const remove = new vscode.WorkspaceEdit();
    remove.deleteFile(uri);
    assert.ok(await vscode.workspace.applyEdit(remove), "the edit deleting broken.tasks.ts was refused");
    await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().modules.includes(uri.fsPath) ? undefined : true), "broken.tasks.ts to be dropped");
    assert.ok(!api.taskFunctions().functions.some((f) => f.name === "fixedTask"));
  });

  it("keeps a task name declared by two modules for the one loaded first and shows a Problem on the other's declaration", async () => {
    const folder = vscode.workspace.workspaceFolders![0];
    const first = vscode.Uri.joinPath(folder.uri, "dupFirst.tasks.ts");
    const second = vscode.Uri.joinPath(folder.uri, "dupSecond.tasks.ts");
    const declaring = (value: string) => `import { task } from "taskflow";\n\nexport const sameName = task(async () => "${value}");\n`;
    try {
      const createFirst = new vscode.WorkspaceEdit();
      createFirst.createFile(first, { contents: Buffer.from(declaring("first")) });
      assert.ok(await vscode.workspace.applyEdit(createFirst), "the edit creating dupFirst.tasks.ts was refused");
      await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().functions.some((f) => f.name === "sameName") ? true : undefined), "sameName from dupFirst.tasks.ts", 45_000);

      const createSecond = new vscode.WorkspaceEdit();
      createSecond.createFile(second, { contents: Buffer.from(declaring("second")) });
      assert.ok(await vscode.workspace.applyEdit(createSecond), "the edit creating dupSecond.tasks.ts was refused");
      const problem = await waitUntil(api.onDidChangeTaskFunctions, () => api.taskFunctions().problems.find((p) => p.file === second.fsPath), "a problem for dupSecond.tasks.ts", 45_000);
      assert.equal(problem.line, 3);
      assert.match(problem.message, /Task name "sameName" is already declared in dupFirst\.tasks\.ts/);
      assert.deepEqual(api.taskFunctions().functions.filter((f) => f.name === "sameName").map((f) => f.file), [first.fsPath]);
      const diagnostics = await waitUntil(vscode.languages.onDidChangeDiagnostics, () => {
        const list = vscode.languages.getDiagnostics(second);
        return list.length > 0 ? list : undefined;
      }, "diagnostics for dupSecond.tasks.ts");
      assert.equal(diagnostics[0].range.start.line, 2);
      assert.equal(diagnostics[0].severity, vscode.DiagnosticSeverity.Error);
      const taskId = await vscode.commands.executeCommand<string>("taskflow.runTask", "sameName");
      assert.equal((await api.waitFor(taskId)).result, "first");
    } finally {
      const remove = new vscode.WorkspaceEdit();
      remove.deleteFile(first, { ignoreIfNotExists: true });
      remove.deleteFile(second, { ignoreIfNotExists: true });
      await vscode.workspace.applyEdit(remove);
    }
    await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().modules.some((m) => m === first.fsPath || m === second.fsPath) ? undefined : true), "both modules to be dropped");
    assert.ok(!api.taskFunctions().problems.some((p) => p.file === second.fsPath));
  });

  it("creates a commented example module with New Task Module, whose types resolve without installing anything", async () => {
    const folder = vscode.workspace.workspaceFolders![0];
    const target = vscode.Uri.joinPath(folder.uri, "generated", "example.tasks.ts");
    // Given a file name, the command asks nothing (the palette form asks for it in an input box).
    const created = vscode.commands.executeCommand<string>("taskflow.newTaskModule", "generated/example.tasks.ts");
    assert.equal(await created, target.fsPath);
    const text = Buffer.from(await vscode.workspace.fs.readFile(target)).toString("utf8");
    assert.ok(text.startsWith('/// <reference path="../.vscode/taskflow/taskflow.d.ts" />'), text.slice(0, 80));
    const types = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, ".vscode", "taskflow", "taskflow.d.ts"));
    assert.match(Buffer.from(types).toString("utf8"), /declare module "taskflow"/);
    await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().functions.some((f) => f.file === target.fsPath && f.name === "greet") ? true : undefined), "the new module's greet task", 45_000);
    await vscode.commands.executeCommand("workbench.action.closeActiveEditor");
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder.uri, "generated"), { recursive: true });
  });
});
