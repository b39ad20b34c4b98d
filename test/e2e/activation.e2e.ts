// The extension as a person meets it in the workbench: its activity-bar container, the task
// functions of examples/workspace (hello.tasks.ts), a run started from the command palette, and the
// dashboard webview's content and buttons. The tests share one workbench and run in order: the
// dashboard test reads the run started before it.
import * as assert from "node:assert/strict";
import { waitFor } from "../vscode/lib/waitFor";
import { workbench } from "./fixture";
import { answerArguments, focusView, notification, runCommand, runCommandAndPick, shot, treeRows, webviewFrame } from "./workbench";

describe("Taskflow in the workbench (UI)", () => {
  it("shows the Taskflow container in the activity bar", async () => {
    const page = workbench();
    const item = page.locator('.activitybar .action-item a[aria-label^="Taskflow"]').first();
    assert.equal(await item.isVisible(), true, "expected the Taskflow activity-bar item to be visible");
    await shot(page, "activity-bar");
  });

  it("lists the workspace's task functions in the Task Functions view", async () => {
    const page = workbench();
    const functions = await focusView(page, "Task Functions");
    await waitFor(async () => (await treeRows(page, functions)).some((row) => row.startsWith("hello")), {
      what: "the Task Functions view to list hello from hello.tasks.ts",
      timeoutMs: 30_000,
      intervalMs: 250,
      diagnose: () => "(rows are read from .pane-body .monaco-list-row[role=treeitem])",
    });
    await shot(page, "task-functions");
  });

  it("runs a task from the command palette and shows it in the Tasks view", async () => {
    const page = workbench();
    await runCommandAndPick(page, "Taskflow: Run Task...", "hello");
    await answerArguments(page, "hello", ["e2e"]);
    await notification(page, "Taskflow: started hello");
    await shot(page, "run-task-notification");
    const tasks = await focusView(page, "Tasks");
    await waitFor(async () => (await treeRows(page, tasks)).some((row) => row.startsWith("hello")), {
      what: "the Tasks view to show the hello run",
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    await shot(page, "tasks-view");
  });

  it("opens the dashboard, whose buttons talk to the extension", async () => {
    const page = workbench();
    await runCommand(page, "Taskflow: Open Dashboard");
    const dashboard = await webviewFrame(page, "Taskflow Dashboard");
    const helloRun = dashboard.locator("#tasks a.task-link", { hasText: "hello" }).first();
    await helloRun.waitFor({ timeout: 15_000 });
    // A sort button: the webview asks the extension for a new page and re-renders from its answer.
    const functionHeader = dashboard.locator("#tasks th", { has: dashboard.locator('button.sort[data-sort="funcName"]') });
    const before = await functionHeader.getAttribute("aria-sort");
    await functionHeader.locator("button.sort").click();
    await waitFor(async () => (await functionHeader.getAttribute("aria-sort")) !== before, {
      what: `the Function column's aria-sort to change from ${before} after clicking its sort button`,
      timeoutMs: 15_000,
    });
    await shot(page, "dashboard-sorted");
    // A task link: the extension opens that task's panel in a new tab, "hello · <short id>".
    await helloRun.click();
    await page.locator(".tabs-container .tab", { hasText: /^hello · / }).first().waitFor({ timeout: 15_000 });
    await shot(page, "task-panel");
  });
});
