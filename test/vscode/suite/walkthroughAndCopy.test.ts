import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import * as vscode from "vscode";
import type { TaskflowApi } from "../../../src/extension/extension";
import { activateTaskflow, EXTENSION_ID, waitUntil } from "./taskflowApi";

const runFile = promisify(execFile);

/** The terminals' environment as the window's collection makes it (TASKFLOW_DB, the taskflow launcher first on PATH). */
function terminalEnv(api: TaskflowApi): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const { variable, value, type } of api.terminalEnvironment()) {
    const current = env[variable] ?? "";
    env[variable] = type === "replace" ? value : type === "prepend" ? value + current : current + value;
  }
  return env;
}

const NAME = "it's \"quoted\", two  spaces, grüße 🚀,\na second line";
const TAGS = { env: "dev's", note: "a=b", multi: "one\ntwo" };

interface Step { id: string; completionEvents: string[] }

describe("Taskflow walkthrough and Copy as command (extension host)", function () {
  // The copied CLI command is a child process that loads the engine, on two shared cores.
  this.timeout(90_000);
  let api: TaskflowApi;
  const workspace = process.env.TASKFLOW_TEST_WORKSPACE ?? vscode.workspace.workspaceFolders![0].uri.fsPath;

  before(async () => {
    api = await activateTaskflow();
    await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().functions.some((f) => f.name === "hello") ? true : undefined), "the hello module to load", 60_000);
  });

  after(async () => {
    await vscode.workspace.getConfiguration("taskflow").update("api.enabled", undefined, vscode.ConfigurationTarget.Workspace);
  });

  it("contributes its walkthrough to the installed extension, whose steps complete on commands it registers, and opens it by id", async () => {
    const walkthrough = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes: { walkthroughs: Array<{ id: string; steps: Step[] }> } }).contributes.walkthroughs[0];
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const step of walkthrough.steps) {
      for (const event of step.completionEvents.filter((e) => e.startsWith("onCommand:"))) {
        assert.ok(registered.has(event.slice("onCommand:".length)), `${step.id}: ${event} is no registered command`);
      }
    }
    // The UI suite opens it from the Welcome page, by this same category id, and checks its steps off.
    await vscode.commands.executeCommand("workbench.action.openWalkthrough", `${EXTENSION_ID}#${walkthrough.id}`, false);
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  it("copies a run as a taskflow command that, run by sh in a terminal's environment, adds the same task with the same input", async () => {
    const taskId = await api.addTask("hello", [NAME], { tags: TAGS });
    const original = await api.waitFor(taskId);
    // What the Tasks tree hands its context-menu commands: the node it rendered.
    const copied = await vscode.commands.executeCommand<string>("taskflow.copyAsCliCommand", { kind: "task", task: original.toDict() });
    assert.equal(await vscode.env.clipboard.readText(), copied);
    assert.match(copied, /^taskflow run hello --args '/);

    const { stdout } = await runFile("sh", ["-c", copied], { env: terminalEnv(api), cwd: workspace });
    const again = await api.waitFor(stdout.trim().split("\n")[0]);
    assert.notEqual(again.taskId, taskId);
    assert.deepEqual([again.funcName, again.args, again.kwargs, again.tags], ["hello", [NAME], {}, TAGS]);
    assert.equal(again.result, original.result);
  });

  it("copies a run as a curl call to the window's HTTP API that, with the token put in, adds the same task with the same input", async () => {
    const served = new Promise<{ url: string }>((resolve) => {
      const subscription = api.onDidChangeHttpApi((e) => {
        if (!e) return;
        subscription.dispose();
        resolve(e);
      });
    });
    await vscode.workspace.getConfiguration("taskflow").update("api.enabled", true, vscode.ConfigurationTarget.Workspace);
    const { url } = await served;
    const access = await vscode.commands.executeCommand<{ url: string; token: string }>("taskflow.copyApiUrlAndToken");

    const taskId = await api.addTask("hello", [NAME], { tags: TAGS });
    const original = await api.waitFor(taskId);
    const copied = await vscode.commands.executeCommand<string>("taskflow.copyAsCurl", taskId);
    assert.equal(await vscode.env.clipboard.readText(), copied);
    assert.ok(copied.includes(`${url}/tasks`), `expected the window's API URL ${url} in ${copied}`);
    assert.ok(copied.includes("'Authorization: Bearer <token>'"), copied);

    const { stdout } = await runFile("sh", ["-c", copied.replace("<token>", access.token)]);
    const again = await api.waitFor((JSON.parse(stdout) as { taskId: string }).taskId);
    assert.notEqual(again.taskId, taskId);
    assert.deepEqual([again.funcName, again.args, again.kwargs, again.tags], ["hello", [NAME], {}, TAGS]);
    assert.equal(again.result, original.result);
  });
});
