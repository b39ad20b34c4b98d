import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { TaskflowApi } from "../../../src/extension/extension";
import { activateTaskflow, waitUntil } from "./taskflowApi";

const DAY_MS = 86_400_000;

/**
 * Runs `action` while the extension host's wall clock reads `offsetMs` earlier than it is. The
 * engine's system clock reads Date.now() in this same process, so a task enqueued meanwhile is
 * stamped as created that long ago: the only way to make history old without waiting for it.
 */
async function withClockShiftedBack<T>(offsetMs: number, action: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => realNow() - offsetMs;
  try {
    return await action();
  } finally {
    Date.now = realNow;
  }
}

describe("Taskflow Copy Task ID and Clear History by age (extension host)", function () {
  // An engine restarted by an earlier suite compiles every module again, on two shared cores.
  this.timeout(60_000);
  let api: TaskflowApi;

  before(async () => {
    api = await activateTaskflow();
    await waitUntil(
      (listener: (e: unknown) => void) => vscode.Disposable.from(api.onDidChangeTaskFunctions(listener), api.onDidRestartEngine(listener)),
      () => (api.registeredTasks().some((t) => t.name === "hello") ? true : undefined),
      "the example module's hello task to be registered",
      45_000,
    );
  });

  it("copies a task id given as a string to the clipboard and returns it", async () => {
    const taskId = await api.addTask("hello", ["copy me"]);
    await vscode.env.clipboard.writeText("something else");
    assert.equal(await vscode.commands.executeCommand("taskflow.copyTaskId", taskId), taskId);
    assert.equal(await vscode.env.clipboard.readText(), taskId);
    await api.waitFor(taskId);
  });

  it("copies the id of the Tasks view node it is run on (the context menu form)", async () => {
    const taskId = await api.addTask("hello", ["copy my node"]);
    const record = await api.waitFor(taskId);
    await vscode.env.clipboard.writeText("something else");
    // What the Tasks tree hands its context-menu commands: the node it rendered.
    const node = { kind: "task", task: record.toDict() };
    assert.equal(await vscode.commands.executeCommand("taskflow.copyTaskId", node), taskId);
    assert.equal(await vscode.env.clipboard.readText(), taskId);
  });

  it("copies nothing and says what it needs when given no task", async () => {
    await vscode.env.clipboard.writeText("unchanged");
    assert.equal(await vscode.commands.executeCommand("taskflow.copyTaskId"), undefined);
    assert.equal(await vscode.env.clipboard.readText(), "unchanged");
  });

  it("deletes the finished tasks older than the age given and keeps the newer ones", async () => {
    const oldId = await withClockShiftedBack(2 * DAY_MS, () => api.addTask("hello", ["two days old"]));
    const recentId = await api.addTask("hello", ["recent"]);
    const old = await api.waitFor(oldId);
    await api.waitFor(recentId);
    const ageMs = Date.now() - old.createdAt.getTime();
    assert.ok(ageMs > DAY_MS, `expected the first task to be stamped more than a day ago, it is ${ageMs} ms old`);
    // The engine releases a run a few microtasks after its final status; a person never clicks faster.
    await new Promise((resolve) => setImmediate(resolve));
    const finishedBefore = await api.countTasks({ status: ["success", "failed", "interrupted", "cancelled"] });

    assert.equal(await vscode.commands.executeCommand("taskflow.clearHistory", { olderThanSeconds: DAY_MS / 1000 }), 1);
    assert.equal(await api.getTask(oldId), undefined, "the task created two days ago is deleted");
    assert.equal((await api.getTask(recentId))?.status, "success", "the task created now stays");
    assert.equal(await api.countTasks({ status: ["success", "failed", "interrupted", "cancelled"] }), finishedBefore - 1);
    const succeeded = (await api.tasksView()).find((g) => g.group.label === "Succeeded")?.tasks.map((t) => t.id) ?? [];
    assert.ok(succeeded.includes(recentId) && !succeeded.includes(oldId), `Tasks view rows: ${succeeded.join(", ")}`);
  });

  it("keeps every task when none is older than the age given", async () => {
    const taskId = await api.addTask("hello", ["kept"]);
    await api.waitFor(taskId);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await vscode.commands.executeCommand("taskflow.clearHistory", { olderThanSeconds: 7 * DAY_MS / 1000 }), 0);
    assert.equal((await api.getTask(taskId))?.status, "success");
  });

  it("refuses an age that is not a number of seconds and deletes nothing", async () => {
    const taskId = await api.addTask("hello", ["still here"]);
    await api.waitFor(taskId);
    await new Promise((resolve) => setImmediate(resolve));
    const total = await api.countTasks();
    assert.equal(await vscode.commands.executeCommand("taskflow.clearHistory", { olderThanSeconds: "a day" }), undefined);
    assert.equal(await vscode.commands.executeCommand("taskflow.clearHistory", { olderThanSeconds: -1 }), undefined);
    assert.equal(await api.countTasks(), total);
  });
});
