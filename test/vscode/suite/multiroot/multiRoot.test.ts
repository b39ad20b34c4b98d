// Runs in the instance opened on test/fixtures/multiroot/multiroot.code-workspace: the folders "app"
// (default taskflow.modules) and "lib" (its own .vscode/settings.json: jobs/**/*.ts).
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import * as vscode from "vscode";
import type { TaskflowApi } from "../../../../src/extension/extension";
import { activateTaskflow, waitUntil } from "../taskflowApi";
import { pickItem } from "../workbenchUi";

const runFile = promisify(execFile);
const root = process.env.TASKFLOW_TEST_WORKSPACE ?? path.dirname(vscode.workspace.workspaceFile?.fsPath ?? "");
const inApp = (relative: string) => path.join(root, "app", relative);
const inLib = (relative: string) => path.join(root, "lib", relative);

describe("Taskflow in a multi-root workspace (extension host)", function () {
  // Real compiles, worker threads and a CLI child process on two shared cores.
  this.timeout(90_000);
  let api: TaskflowApi;
  const names = () => api.taskFunctions().functions.map((f) => f.name).sort();

  before(async () => {
    api = await activateTaskflow();
    await waitUntil(api.onDidChangeTaskFunctions, () => (names().includes("sendReport") && names().includes("cleanLib") ? true : undefined), "the modules of both folders to load", 60_000);
  });

  it("lists and runs the task modules of both folders, each folder found by its own taskflow.modules", async () => {
    assert.deepEqual(names(), ["cleanLib", "sendReport"], "app/jobs/appJob.ts matches only lib's globs, lib/ignored.tasks.ts only app's");
    const byName = new Map(api.taskFunctions().functions.map((f) => [f.name, f.file]));
    assert.equal(byName.get("sendReport"), inApp("reports.tasks.ts"));
    assert.equal(byName.get("cleanLib"), inLib("jobs/cleanup.ts"));
    const report = await vscode.commands.executeCommand<string>("taskflow.runTask", "sendReport", { args: ["ada"] });
    const cleaned = await vscode.commands.executeCommand<string>("taskflow.runTask", "cleanLib");
    assert.equal((await api.waitFor(report)).result, "report sent to ada from app");
    assert.equal((await api.waitFor(cleaned)).result, "lib cleaned");
  });

  it("reports a name declared in both folders as a Problem on the later folder's module, naming the first folder's file", async () => {
    const clash = vscode.Uri.file(inLib("jobs/clash.ts"));
    const diagnostics = await waitUntil(vscode.languages.onDidChangeDiagnostics, () => {
      const found = vscode.languages.getDiagnostics(clash);
      return found.length > 0 ? found : undefined;
    }, "a Problem on lib/jobs/clash.ts");
    assert.equal(diagnostics.length, 1, diagnostics.map((d) => d.message).join("\n"));
    assert.match(diagnostics[0].message, /"sendReport" could not be registered: the name is already declared in reports\.tasks\.ts \(line 2\) of workspace folder "app"/);
    assert.equal(diagnostics[0].range.start.line, 1);
    assert.equal(diagnostics[0].severity, vscode.DiagnosticSeverity.Error);
    assert.deepEqual(vscode.languages.getDiagnostics(vscode.Uri.file(inApp("reports.tasks.ts"))), [], "the first declaration keeps the name");
  });

  it("groups the Task Functions view under a row per folder", () => {
    const view = api.functionsView();
    const outline = (rows: typeof view): unknown[] => rows.map((row) => (row.children.length > 0 ? { [row.label]: outline(row.children) } : row.label));
    assert.deepEqual(outline(view), [
      { app: [{ "reports.tasks.ts": ["sendReport"] }] },
      { lib: [
        { "jobs/clash.ts": [view[1].children[0].children[0].label] },
        { "jobs/cleanup.ts": ["cleanLib"] },
      ] },
    ]);
    assert.deepEqual(view.map((row) => row.contextValue), ["folder", "folder"]);
    assert.equal(view[1].children[0].children[0].contextValue, "problem");
    assert.equal(view[1].children[0].contextValue, "module.broken");
  });

  it("applies a folder's taskflow.modules changed at run time to that folder only", async () => {
    const lib = vscode.workspace.workspaceFolders![1];
    const libConfig = () => vscode.workspace.getConfiguration("taskflow", lib.uri);
    await libConfig().update("modules", ["**/*.tasks.ts"], vscode.ConfigurationTarget.WorkspaceFolder);
    try {
      await waitUntil(api.onDidChangeTaskFunctions, () => (names().includes("notAModuleInLib") && !names().includes("cleanLib") ? true : undefined), "lib's modules to follow its new globs", 45_000);
      assert.deepEqual(names(), ["notAModuleInLib", "sendReport"], "app's modules stay as they were; lib's jobs/ are no longer modules");
    } finally {
      await libConfig().update("modules", ["jobs/**/*.ts"], vscode.ConfigurationTarget.WorkspaceFolder);
    }
    await waitUntil(api.onDidChangeTaskFunctions, () => (names().includes("cleanLib") && !names().includes("notAModuleInLib") ? true : undefined), "lib's own globs back", 45_000);
  });

  it("gives the terminals of every folder the CLI, which finds the window's one history from the second folder", async () => {
    const taskId = await vscode.commands.executeCommand<string>("taskflow.runTask", "cleanLib");
    await api.waitFor(taskId);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const { variable, value, type } of api.terminalEnvironment()) {
      const current = env[variable] ?? "";
      env[variable] = type === "replace" ? value : type === "prepend" ? value + current : current + value;
    }
    // With no TASKFLOW_DB the CLI looks the folder up in the records the window wrote for each folder.
    delete env.TASKFLOW_DB;
    const { stdout } = await runFile("taskflow", ["show", taskId, "--json"], { env, cwd: inLib("jobs") });
    assert.equal((JSON.parse(stdout) as { status: string }).status, "success");
  });

  it("loads a folder added to the workspace, and unloads it when it is removed, without a reload", async () => {
    const extra = path.join(root, "extra");
    fs.mkdirSync(extra, { recursive: true });
    fs.writeFileSync(path.join(extra, "extra.tasks.ts"), 'import { task } from "taskflow";\nexport const fromExtra = task(async () => "extra ran");\n');
    const count = vscode.workspace.workspaceFolders?.length ?? 0;
    assert.ok(vscode.workspace.updateWorkspaceFolders(count, 0, { uri: vscode.Uri.file(extra) }), "the folder is added");
    await waitUntil(api.onDidChangeTaskFunctions, () => (names().includes("fromExtra") ? true : undefined), "the added folder's task", 45_000);
    const taskId = await vscode.commands.executeCommand<string>("taskflow.runTask", "fromExtra");
    assert.equal((await api.waitFor(taskId)).result, "extra ran");
    assert.deepEqual(api.functionsView().map((row) => row.label), ["app", "lib", "extra"]);

    assert.ok(vscode.workspace.updateWorkspaceFolders(count, 1), "the folder is removed");
    await waitUntil(api.onDidChangeTaskFunctions, () => (names().includes("fromExtra") ? undefined : true), "the removed folder's task to go", 45_000);
    assert.deepEqual(names(), ["cleanLib", "sendReport"]);
  });

  it("creates a task module with New Task Module in the folder given as an argument, or in the folder picked", async () => {
    const given = await vscode.commands.executeCommand<string>("taskflow.newTaskModule", "jobs/given.tasks.ts", "lib");
    assert.equal(given, inLib("jobs/given.tasks.ts"));
    assert.ok(fs.existsSync(inLib(".vscode/taskflow/taskflow.d.ts")), "the types go into that folder");
    await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().functions.some((f) => f.name === "greet" && f.file === given) ? true : undefined), "the new module's greet task in lib", 45_000);

    await vscode.commands.executeCommand("workbench.action.closeAllEditors");

    // With no folder given and two folders open, a pick asks for it.
    const picked = vscode.commands.executeCommand<string>("taskflow.newTaskModule", "jobs/picked.tasks.ts");
    await pickItem("Workspace Folder", "lib");
    assert.equal(await picked, inLib("jobs/picked.tasks.ts"));
    assert.ok(fs.existsSync(inLib("jobs/picked.tasks.ts")));
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });
});
