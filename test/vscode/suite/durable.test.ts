// Durable runs in the editor: the Waiting group of the Tasks view, the notification of a run that
// needs input, and taskflow.provideInput with arguments and through its prompts.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { TaskflowApi } from "../../../src/extension/extension";
import { waitForInput } from "../../../src/core/taskContext";
import { activateTaskflow, assertRejects, waitUntil } from "./taskflowApi";
import { answerInput, clickNotificationButton, notificationText, pickItem, refusedAnswer, viewText } from "./workbenchUi";

const APPROVAL_SCHEMA = { type: "object" as const, properties: { approve: { type: "boolean" as const }, note: { type: "string" as const } }, required: ["approve"] };

function allTabLabels(): string[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).map((tab) => tab.label);
}

describe("Durable runs in the editor (extension host)", function () {
  this.timeout(90_000);
  let api: TaskflowApi;
  /** Ends the run of durableHold that keeps the Running group showing. */
  let releaseHold: () => void = () => undefined;

  /** Starts onboard for `user` and resolves with its id once it is waiting for its approval. */
  async function waitingOnboard(user: string): Promise<string> {
    const taskId = await api.addTask("durableOnboard", [user]);
    await waitUntil(api.onLifecycle, async () => ((await api.getTask(taskId))?.status === "waiting" ? true : undefined), `durableOnboard(${user}) to wait for input`);
    return taskId;
  }

  before(async () => {
    api = await activateTaskflow();
    api.task({ name: "durableOnboard" }, async (user: string) => {
      const answer = await waitForInput<{ approve: boolean; note?: string }>("approval", { prompt: `Approve the account of ${user}?`, schema: APPROVAL_SCHEMA });
      return { user, approved: answer.approve, note: answer.note ?? null };
    });
    api.task({ name: "durableConfirm" }, async () => ({ confirmed: await waitForInput<boolean>("confirm", { schema: { type: "boolean" } }) }));
    api.task({ name: "durableHold" }, () => new Promise<void>((resolve) => (releaseHold = resolve)));
  });

  after(async () => {
    releaseHold();
    for (const task of await api.listTasks({ status: "waiting" })) await api.cancelTask(task.taskId);
    await vscode.commands.executeCommand("notifications.clearAll");
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  it("shows a run waiting for input in a Waiting group right after Running, its row saying what it waits for", async () => {
    const hold = await api.addTask("durableHold");
    await waitUntil(api.onLifecycle, async () => ((await api.getTask(hold))?.status === "running" ? true : undefined), "durableHold to run");
    const taskId = await waitingOnboard("grace");
    const groups = await api.tasksView();
    const labels = groups.map((g) => g.group.label);
    assert.equal(labels.indexOf("Waiting"), labels.indexOf("Running") + 1, `expected Waiting right after Running, got ${labels.join(", ")}`);
    const row = groups.find((g) => g.group.label === "Waiting")?.tasks.find((t) => t.id === taskId);
    assert.ok(row, `expected ${taskId} in the Waiting group, got ${JSON.stringify(groups.map((g) => [g.group.label, g.tasks.map((t) => t.id)]))}`);
    assert.match(row.description, /^needs input: approval · /);
    assert.match(row.tooltip, /Prompt: Approve the account of grace\?/);
    assert.equal(row.contextValue, "task.waiting.cancellable.needsInput");
    await vscode.commands.executeCommand("taskflow.tasks.focus");
    const shown = await viewText("Tasks", ["needs input: approval"]);
    assert.ok(shown.includes("Waiting"), `expected the rendered Tasks view to show the Waiting group, got ${JSON.stringify(shown)}`);
    releaseHold();
    assert.equal((await api.waitFor(hold)).status, "success");
  });

  it("tells of a run that needs input, and Provide Input opens its task panel", async () => {
    // Toasts of earlier tests would crowd the few the workbench shows at once. A toast that arrives
    // while the cleared ones are still sliding out is not shown, and this run waits within
    // milliseconds: give the workbench its hide transition first.
    await vscode.commands.executeCommand("notifications.clearAll");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const taskId = await waitingOnboard("ada");
    const message = "durableOnboard needs input: Approve the account of ada?";
    assert.match(await notificationText(message), /durableOnboard needs input: Approve the account of ada\?/);
    await clickNotificationButton(message, "Provide Input");
    const label = `durableOnboard · ${taskId.slice(0, 8)}`;
    await waitUntil(vscode.window.tabGroups.onDidChangeTabs, () => (allTabLabels().includes(label) ? true : undefined), `a task panel tab "${label}", got ${JSON.stringify(allTabLabels())}`);
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  it("provides input given as arguments: refuses a value its schema refuses, the run still waiting, then resumes it", async () => {
    const taskId = await waitingOnboard("linus");
    await assertRejects(vscode.commands.executeCommand("taskflow.provideInput", taskId, "approval", { approve: "yes" }), /approve: expected boolean, got the string "yes"/);
    assert.equal((await api.getTask(taskId))?.status, "waiting");
    await assertRejects(vscode.commands.executeCommand("taskflow.provideInput", taskId, "payment", { approve: true }), /is not waiting for input "payment": it is waiting, needs input: approval/);
    assert.equal(await vscode.commands.executeCommand("taskflow.provideInput", taskId, "approval", { approve: true, note: "welcome" }), taskId);
    const done = await api.waitFor(taskId);
    assert.equal(done.status, "success", `expected success, got ${done.status}: ${done.error}`);
    assert.deepEqual(done.result, { user: "linus", approved: true, note: "welcome" });
  });

  it("asks for the run and its value from the palette, refusing a value the schema refuses as it is typed", async () => {
    const taskId = await waitingOnboard("barbara");
    const given = vscode.commands.executeCommand<string | undefined>("taskflow.provideInput");
    await pickItem("Provide Input", "durableOnboard");
    const title = "Provide Input: durableOnboard · approval";
    assert.equal(await refusedAnswer(title, '{"approve": "yes"}'), 'approve: expected boolean, got the string "yes"');
    await answerInput(title, '{"approve": false}');
    assert.equal(await given, taskId);
    const done = await api.waitFor(taskId);
    assert.deepEqual(done.result, { user: "barbara", approved: false, note: null });
  });

  it("resumes a task module's run in a worker thread with the input given through the command", async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, "expected the test workspace to be open");
    const uri = vscode.Uri.joinPath(folder.uri, "durableInput.tasks.js");
    const source = [
      'const { task, waitForInput } = require("taskflow");',
      "exports.approveInModule = task(async (user) => {",
      '  const answer = await waitForInput("approval", { prompt: `Approve ${user} from the module?`, schema: { type: "object", properties: { approve: { type: "boolean" } }, required: ["approve"] } });',
      "  return { user, approved: answer.approve };",
      "});",
      "",
    ].join("\n");
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(source));
    try {
      await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().functions.some((f) => f.name === "approveInModule") ? true : undefined), "approveInModule to load", 45_000);
      await vscode.commands.executeCommand("notifications.clearAll");
      const taskId = await api.addTask("approveInModule", ["edsger"]);
      const waiting = await waitUntil(api.onLifecycle, async () => {
        const found = await api.getTask(taskId);
        if (found && found.status !== "pending" && found.status !== "running") return found;
        return undefined;
      }, "approveInModule to stop at its wait");
      assert.equal(waiting.status, "waiting", `expected waiting, got ${waiting.status}: ${waiting.error}`);
      assert.match(await notificationText("approveInModule needs input: Approve edsger from the module?"), /Approve edsger from the module\?/);
      await assertRejects(vscode.commands.executeCommand("taskflow.provideInput", taskId, "approval", { approve: 1 }), /approve: expected boolean/);
      assert.equal((await api.getTask(taskId))?.status, "waiting");
      await vscode.commands.executeCommand("taskflow.provideInput", taskId, "approval", { approve: true });
      const done = await api.waitFor(taskId);
      assert.equal(done.status, "success", `expected success, got ${done.status}: ${done.error}`);
      assert.deepEqual(done.result, { user: "edsger", approved: true });
    } finally {
      await vscode.workspace.fs.delete(uri);
    }
  });

  it("offers true and false for a boolean input of the Tasks view row it is run from", async () => {
    const taskId = await api.addTask("durableConfirm");
    const task = await waitUntil(api.onLifecycle, async () => {
      const found = await api.getTask(taskId);
      return found?.status === "waiting" ? found : undefined;
    }, "durableConfirm to wait for input");
    // The row's inline action passes its tree node, as VS Code does.
    const given = vscode.commands.executeCommand<string | undefined>("taskflow.provideInput", { kind: "task", task, childCount: 0 });
    await pickItem("Provide Input: durableConfirm · confirm", "true");
    assert.equal(await given, taskId);
    assert.deepEqual((await api.waitFor(taskId)).result, { confirmed: true });
  });
});
