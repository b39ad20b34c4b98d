// Run Task's typed prompts and the progress notification, driven through the workbench's real quick
// input and notifications (the runner types and clicks on the page: see workbenchUi.ts).
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { TaskflowApi } from "../../../src/extension/extension";
import { activateTaskflow, waitUntil } from "./taskflowApi";
import { answerInput, clickNotificationButton, inputValue, pickItem, refusedAnswer, statusBarText } from "./workbenchUi";

/** Starts Run Task from the palette's command with no arguments, as a person does; resolves with the task id. */
function runTaskInteractively(): Thenable<string | undefined> {
  return vscode.commands.executeCommand<string | undefined>("taskflow.runTask");
}

/** The command of the Run code lens above task function `name` in the example module `file`. */
async function runLens(api: TaskflowApi, file: string, name: string): Promise<vscode.Command> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, "expected a workspace folder");
  const info = api.taskFunctions().functions.find((f) => f.name === name);
  assert.ok(info, `expected ${name} among the task functions`);
  const uri = vscode.Uri.joinPath(folder.uri, file);
  // The lenses are asked of the editor's model of the file, so the file must be open.
  await vscode.window.showTextDocument(uri);
  const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>("vscode.executeCodeLensProvider", uri, 100);
  const run = lenses.find((lens) => lens.range.start.line === info.line - 1 && lens.command?.title === "Run")?.command;
  assert.ok(run, `expected a Run lens on line ${info.line} of ${file}, got ${JSON.stringify(lenses.map((l) => l.command?.title))}`);
  return run;
}

describe("Typed Run Task prompts and the run notification (extension host)", function () {
  this.timeout(90_000);
  let api: TaskflowApi;

  before(async () => {
    api = await activateTaskflow();
    await waitUntil(api.onDidChangeTaskFunctions, () => (["resizeImage", "importRows"].every((n) => api.taskFunctions().functions.some((f) => f.name === n)) ? true : undefined), "resizeImage and importRows to load");
  });

  it("asks for each parameter and passes a number, a picked literal, a boolean and a JSON array with their types", async () => {
    const started = runTaskInteractively();
    await pickItem("Run Task", "resizeImage");
    await answerInput("Run resizeImage: path (1/5)", "photos/cat.png");
    await answerInput("Run resizeImage: width (2/5)", "3");
    await pickItem("Run resizeImage: mode (3/5)", "fill");
    await pickItem("Run resizeImage: sharpen (4/5)", "true");
    await answerInput("Run resizeImage: sizes (5/5)", "[64, 128]");
    const taskId = await started;
    assert.ok(taskId, "expected Run Task to return the new task's id");
    const record = await api.waitFor(taskId);
    assert.equal(record.status, "success", `expected success, got ${record.status}: ${record.error}`);
    assert.deepEqual(record.args, ["photos/cat.png", 3, "fill", true, [64, 128]]);
  });

  it("refuses a wrong answer in the box before any run exists, and keeps defaults on empty answers", async () => {
    const before = await api.countTasks({ funcName: "resizeImage" });
    const started = runTaskInteractively();
    await pickItem("Run Task", "resizeImage");
    await answerInput("Run resizeImage: path (1/5)", "a.png");
    assert.equal(await refusedAnswer("Run resizeImage: width (2/5)", "wide"), 'width must be a number, got "wide": for example 800');
    await answerInput("Run resizeImage: width (2/5)", "");
    await pickItem("Run resizeImage: mode (3/5)", "fit");
    await pickItem("Run resizeImage: sharpen (4/5)", "false");
    assert.equal(await refusedAnswer("Run resizeImage: sizes (5/5)", '[64, "128"]'), 'sizes[1] must be a number, got the string "128"');
    assert.equal(await api.countTasks({ funcName: "resizeImage" }), before, "no run exists while an answer is refused");
    await answerInput("Run resizeImage: sizes (5/5)", "");
    const taskId = await started;
    assert.ok(taskId);
    const record = await api.waitFor(taskId);
    assert.deepEqual(record.args, ["a.png"], "parameters left at their defaults are not passed");
    assert.deepEqual(record.result, { path: "a.png", width: 800, mode: "fit", sharpen: false, sizes: [] });
  });

  it("asks for one named task's arguments through taskflow.runFunction, as a code lens does", async () => {
    const started = vscode.commands.executeCommand<string | undefined>("taskflow.runFunction", "hello");
    await answerInput("Run hello: name (1/1)", "lens");
    const taskId = await started;
    assert.ok(taskId);
    assert.deepEqual((await api.waitFor(taskId)).args, ["lens"]);
  });

  it("asks for the required parameters from the Run lens, and fills every prompt with the last answers the next time", async () => {
    await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().functions.some((f) => f.name === "sendEmail") ? true : undefined), "sendEmail to load");
    const run = await runLens(api, "email.tasks.ts", "sendEmail");
    const first = vscode.commands.executeCommand<string | undefined>(run.command, ...(run.arguments ?? []));
    await answerInput("Run sendEmail: address (1/2)", "lens@example.com");
    await answerInput("Run sendEmail: subject (2/2)", "From the lens");
    const firstId = await first;
    assert.ok(firstId, "expected the Run lens to start a run once asked");
    assert.deepEqual((await api.getTask(firstId))?.args, ["lens@example.com", "From the lens"]);
    const second = vscode.commands.executeCommand<string | undefined>(run.command, ...(run.arguments ?? []));
    assert.equal(await inputValue("Run sendEmail: address (1/2)"), "lens@example.com");
    await answerInput("Run sendEmail: address (1/2)", "again@example.com");
    assert.equal(await inputValue("Run sendEmail: subject (2/2)"), "From the lens");
    await answerInput("Run sendEmail: subject (2/2)", "From the lens");
    const secondId = await second;
    assert.ok(secondId);
    assert.deepEqual((await api.getTask(secondId))?.args, ["again@example.com", "From the lens"]);
  });

  it("runs at once from the Run lens when every parameter is optional", async () => {
    const before = await api.countTasks({ funcName: "hello" });
    const run = await runLens(api, "hello.tasks.ts", "hello");
    const taskId = await vscode.commands.executeCommand<string | undefined>(run.command, ...(run.arguments ?? []));
    assert.ok(taskId, "expected the Run lens to start hello without a prompt");
    const record = await api.waitFor(taskId);
    assert.deepEqual([record.status, record.args], ["success", []]);
    assert.equal(await api.countTasks({ funcName: "hello" }), before + 1);
  });

  it("asks for one JSON array when the task's parameters have no types", async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const uri = vscode.Uri.joinPath(folder.uri, "untyped.tasks.js");
    const source = 'const { task } = require("taskflow");\nexports.addUp = task(async (a, b) => a + b);\n';
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(source));
    try {
      await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().functions.some((f) => f.name === "addUp") ? true : undefined), "addUp to load", 45_000);
      const started = runTaskInteractively();
      await pickItem("Run Task", "addUp");
      await answerInput("Run addUp: arguments", "[1, 2]");
      const taskId = await started;
      assert.ok(taskId);
      const record = await api.waitFor(taskId);
      assert.deepEqual([record.args, record.result], [[1, 2], 3]);
    } finally {
      await vscode.workspace.fs.delete(uri);
    }
  });

  it("shows one notification for a run from Run Task, with Cancel, and its progress in the status bar", async () => {
    const started = runTaskInteractively();
    await pickItem("Run Task", "importRows");
    await answerInput("Run importRows: rows (1/2)", "400");
    await answerInput("Run importRows: rowMs (2/2)", "100");
    const taskId = await started;
    assert.ok(taskId);
    await waitUntil(api.onProgress, async () => ((await api.getTask(taskId))?.progress ? true : undefined), "importRows to report progress");
    // The status bar follows the progress a moment after the record has it: wait for the text.
    const bar = await statusBarText("of 400");
    assert.match(bar, /Taskflow: importRows/);
    assert.match(bar, /row \d+ of 400/);
    const shown = await clickNotificationButton("Taskflow: started importRows", "Cancel");
    assert.doesNotMatch(shown, /of 400/, "the run's one notification is the started one, not a progress notification");
    const record = await api.waitFor(taskId);
    assert.equal(record.status, "cancelled");
    assert.ok((record.progress?.fraction ?? 1) < 1, "cancelled before it finished");
  });

  it("shows a failed run's error with Show Task, which opens its panel, when the failure notification is off", async () => {
    const config = vscode.workspace.getConfiguration("taskflow");
    await config.update("notifications.onFailure", false, vscode.ConfigurationTarget.Workspace);
    try {
      const started = runTaskInteractively();
      await pickItem("Run Task", "alwaysFails");
      await answerInput("Run alwaysFails: reason (1/1)", "for the notification test");
      const taskId = await started;
      assert.ok(taskId);
      assert.equal((await api.waitFor(taskId)).status, "failed");
      const shown = await clickNotificationButton("Taskflow: alwaysFails failed", "Show Task");
      assert.match(shown, /alwaysFails failed: for the notification test/);
      // The panel is titled "Task · <id>" until it has read its task, then "alwaysFails · <id>".
      const idSuffix = ` · ${taskId.slice(0, 8)}`;
      const tabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label);
      await waitUntil(vscode.window.tabGroups.onDidChangeTabs, () => (tabs().some((l) => l.endsWith(idSuffix)) ? true : undefined), `a task panel tab ending in "${idSuffix}"`);
      await vscode.commands.executeCommand("workbench.action.closeAllEditors");
    } finally {
      await config.update("notifications.onFailure", undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
