import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { TaskflowApi } from "../../../src/extension/extension";
import { activateTaskflow, assertRejects, waitUntil } from "./taskflowApi";

const EXAMPLE_TASKS = ["alwaysFails", "buildReport", "cleanCache", "flakyApi", "hello", "sendEmail", "slowCount", "throwsString"];

function run(name: string, options?: object): Thenable<string> {
  return vscode.commands.executeCommand<string>("taskflow.runTask", name, options);
}

async function group(api: TaskflowApi, label: string) {
  return (await api.tasksView()).find((g) => g.group.label === label);
}

describe("Taskflow tasks (extension host)", () => {
  let api: TaskflowApi;

  before(async () => {
    api = await activateTaskflow();
    await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().functions.length >= EXAMPLE_TASKS.length ? true : undefined), "the example modules to load");
  });

  it("finds the example workspace's task functions in TypeScript and JavaScript modules", () => {
    const { functions, problems } = api.taskFunctions();
    assert.deepEqual(problems, []);
    const names = functions.map((f) => f.name);
    for (const name of EXAMPLE_TASKS) assert.ok(names.includes(name), `expected ${name} among ${names.join(", ")}`);
    assert.ok(functions.find((f) => f.name === "cleanCache")?.file.endsWith("cleanup.tasks.js"));
    assert.deepEqual(functions.find((f) => f.name === "sendEmail")?.config, { retries: 3, delay: 1, backoff: 2, description: "Sends an email; the first two attempts fail" });
  });

  it("runs a task through the command with arguments and returns its id", async () => {
    const taskId = await run("hello", { args: ["vscode"] });
    assert.match(taskId, /^[0-9a-f-]{36}$/);
    const record = await api.waitFor(taskId);
    assert.equal(record.status, "success", `expected success, got ${record.status}: ${record.error}`);
    assert.ok(record.logs.some((line) => line.endsWith(" hello vscode")), `logs: ${JSON.stringify(record.logs)}`);
  });

  it("passes kwargs, tags and the idempotency key through the command", async () => {
    const options = { args: ["weekly"], kwargs: { format: "csv", rows: 2 }, tags: { team: "data" }, idempotencyKey: `report-${Date.now()}` };
    const taskId = await run("buildReport", options);
    const record = await api.waitFor(taskId);
    assert.equal(record.status, "success", `expected success, got ${record.status}: ${record.error}`);
    assert.deepEqual(record.kwargs, { format: "csv", rows: 2 });
    assert.deepEqual(record.tags, { team: "data" });
    assert.equal(await run("buildReport", options), taskId, "the same idempotency key returns the same task");
  });

  it("rejects malformed options and unknown task names with what was expected", async () => {
    await assertRejects(run("hello", { args: { name: "x" } }), /options\.args must be an array, got an object: wrap it in \[ \]/);
    await assertRejects(run("noSuchTask"), /No task function named "noSuchTask" in this workspace; known: .*hello/);
  });

  it("shows a succeeded and a failed task in their status groups with their icons and menus", async () => {
    const okId = await run("hello", { args: ["tree"] });
    const failedId = await run("alwaysFails", { args: ["for the tree test"], tags: { env: "test" } });
    await api.waitFor(okId);
    const failed = await api.waitFor(failedId);
    assert.equal(failed.status, "failed");
    assert.match(failed.error ?? "", /alwaysFails failed: for the tree test/);

    const okRow = (await group(api, "Succeeded"))?.tasks.find((t) => t.id === okId);
    assert.equal(okRow?.label, "hello");
    assert.equal(okRow?.iconId, "pass");
    assert.equal(okRow?.contextValue, "task.success.deletable");
    const failedRow = (await group(api, "Failed"))?.tasks.find((t) => t.id === failedId);
    assert.equal(failedRow?.iconId, "error");
    assert.equal(failedRow?.contextValue, "task.failed.retryable.deletable");
    assert.match(failedRow?.description ?? "", /env=test/);
    assert.match(failedRow?.tooltip ?? "", /alwaysFails failed: for the tree test/);
  });

  it("retries a failed task through the command: a new task with the same arguments and tags", async () => {
    const failedId = await run("alwaysFails", { args: ["retry me"], tags: { attempt: "first" } });
    await api.waitFor(failedId);
    const failedBefore = (await group(api, "Failed"))?.group.description;
    const retryId = await vscode.commands.executeCommand<string>("taskflow.retryTask", failedId);
    assert.notEqual(retryId, failedId);
    const retried = await api.waitFor(retryId);
    assert.equal(retried.status, "failed");
    assert.deepEqual(retried.args, ["retry me"]);
    assert.deepEqual(retried.tags, { attempt: "first" });
    const failedGroup = await group(api, "Failed");
    assert.equal(Number(failedGroup?.group.description), Number(failedBefore) + 1);
    const ids = failedGroup?.tasks.map((t) => t.id) ?? [];
    assert.ok(ids.indexOf(retryId) < ids.indexOf(failedId), "the retry is listed first (newest first)");
  });

  it("runs a task with retries and backoff until it succeeds", async () => {
    const record = await api.waitFor(await run("flakyApi"));
    assert.equal(record.status, "success");
    assert.equal(record.retriesUsed, 2);
    assert.ok(record.logs.some((line) => line.endsWith("--- Retry 2 ---")), `logs: ${JSON.stringify(record.logs)}`);
  });

  it("cancels a running task through the command", async () => {
    const taskId = await run("slowCount", { args: [60, 250] });
    await waitUntil(api.onLog, async () => ((await api.getTask(taskId))?.logs.length ? true : undefined), "the slow task to log its first step");
    assert.equal((await group(api, "Running"))?.tasks.find((t) => t.id === taskId)?.iconId, "loading~spin");
    await vscode.commands.executeCommand("taskflow.cancelTask", taskId);
    const record = await api.waitFor(taskId);
    assert.equal(record.status, "cancelled");
    assert.equal((await group(api, "Cancelled"))?.tasks.find((t) => t.id === taskId)?.contextValue, "task.cancelled.deletable");
  });

  it("refuses to cancel a finished task and says why", async () => {
    const taskId = await run("hello");
    await api.waitFor(taskId);
    await assertRejects(vscode.commands.executeCommand("taskflow.cancelTask", taskId), /Only pending, running or waiting tasks can be cancelled, got a success task/);
  });

  it("deletes a finished task through the command", async () => {
    const taskId = await run("hello", { args: ["delete me"] });
    await api.waitFor(taskId);
    // The engine releases a run a few microtasks after its final status; a person never clicks faster.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await vscode.commands.executeCommand("taskflow.deleteTask", taskId), 1);
    assert.equal(await api.getTask(taskId), undefined);
  });

  it("exports the engine API bound to the workspace's manager", async () => {
    for (const name of ["addTask", "getTask", "listTasks", "waitFor", "retryTask", "cancelTask", "metrics", "onLog", "onLifecycle"] as const) {
      assert.equal(typeof api[name], "function", name);
    }
    const taskId = await api.addTask("hello", ["api"]);
    assert.equal((await api.waitFor(taskId)).status, "success");
    assert.ok((await api.metrics()).success >= 1);
    assert.ok((await api.listTasks({ funcName: "hello", limit: 1 })).length === 1);
  });

  it("pages each status group and loads more on request", async () => {
    const config = vscode.workspace.getConfiguration("taskflow");
    // The extension's listener was registered first, so it has run when this one fires.
    const applied = new Promise<void>((resolve) => {
      const subscription = vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration("taskflow.tree.pageSize")) return;
        subscription.dispose();
        resolve();
      });
    });
    await config.update("tree.pageSize", 2, vscode.ConfigurationTarget.Workspace);
    await applied;
    try {
      for (let i = 0; i < 3; i++) await api.waitFor(await run("hello", { args: [`page ${i}`] }));
      const succeeded = await group(api, "Succeeded");
      const total = Number(succeeded?.group.description);
      assert.ok(total >= 3, `expected at least 3 succeeded tasks, got ${total}`);
      assert.equal(succeeded?.tasks.length, 2);
      assert.equal(succeeded?.more, total - 2);
      await vscode.commands.executeCommand("taskflow.loadMore", "success");
      assert.equal((await group(api, "Succeeded"))?.tasks.length, Math.min(4, total));
    } finally {
      await config.update("tree.pageSize", undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
