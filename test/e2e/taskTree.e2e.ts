// The Tasks view as a person uses it: a failing run lands in the Failed group, its inline Retry
// starts a new run; a slow run shows in Running and its inline Cancel moves it to Cancelled; the
// status bar item opens the dashboard. Runs after activation.e2e.ts in the same workbench.
import * as assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { waitFor } from "../vscode/lib/waitFor";
import { workbench } from "./fixture";
import { answer, answerArguments, focusView, inlineAction, notification, pick, runCommand, runCommandAndPick, shot, treeRow, treeRows, waitForRows } from "./workbench";

async function runFromPalette(page: Page, name: string, args: string[]): Promise<void> {
  await runCommand(page, "Taskflow: Run Task...");
  // A string is typed into the filter first: the list only renders the rows that fit on screen.
  await pick(page, name);
  await answerArguments(page, name, args);
  await notification(page, `Taskflow: started ${name}`);
}

/**
 * Answers the input box titled `title`: the quick input widget is reused from one box to the next,
 * so waiting for the title keeps an answer from landing in the box before it.
 */
async function answerStep(page: Page, title: string, text: string): Promise<void> {
  await page.locator(".quick-input-widget .quick-input-title", { hasText: title }).waitFor({ timeout: 15_000 });
  await answer(page, text);
}

describe("The Tasks view (UI)", () => {
  it("rejects an argument of the wrong type while it is typed", async () => {
    const page = workbench();
    await runCommandAndPick(page, "Taskflow: Run Task...", "slowCount");
    await page.locator(".quick-input-widget .quick-input-title", { hasText: "Run slowCount: steps (1/2)" }).waitFor({ timeout: 15_000 });
    const input = page.locator(".quick-input-widget .quick-input-box input");
    await input.fill("many");
    const message = page.locator(".quick-input-widget .quick-input-message");
    let shown = "";
    await waitFor(async () => (shown = await message.innerText()).includes('steps must be a number, got "many": for example 30'), {
      what: "the input box to show the argument error",
      timeoutMs: 10_000,
      diagnose: () => `message: ${shown}`,
    });
    await shot(page, "arguments-validation");
    await page.keyboard.press("Escape");
  });

  it("shows a failed run in the Failed group and retries it from its inline action", async () => {
    const page = workbench();
    await runFromPalette(page, "alwaysFails", ["from the e2e test"]);
    const tasks = await focusView(page, "Tasks");
    await waitForRows(page, tasks, "a Failed group with the alwaysFails run", (rows) => rows.some((r) => /^Failed\d/.test(r)) && rows.some((r) => r.startsWith("alwaysFails")));
    await shot(page, "tasks-failed");
    const failedCount = async () => Number(/^Failed(\d+)/.exec((await treeRows(page, tasks)).find((r) => r.startsWith("Failed")) ?? "")?.[1] ?? 0);
    const before = await failedCount();
    await inlineAction(treeRow(tasks, /^alwaysFails/), "Retry Task");
    await waitFor(async () => (await failedCount()) === before + 1, {
      what: `the Failed group to count ${before + 1} after the retry failed too`,
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    await shot(page, "tasks-after-retry");
  });

  it("cancels a running task from its inline action", async () => {
    const page = workbench();
    await runFromPalette(page, "slowCount", ["60", "500"]);
    const tasks = await focusView(page, "Tasks");
    await waitForRows(page, tasks, "a Running group with the slowCount run", (rows) => rows.some((r) => /^Running\d/.test(r)) && rows.some((r) => r.startsWith("slowCount")));
    await shot(page, "tasks-running");
    await inlineAction(treeRow(tasks, /^slowCount/), "Cancel Task");
    const rows = await waitForRows(page, tasks, "a Cancelled group and no Running group", (r) => r.some((x) => /^Cancelled\d/.test(x)) && !r.some((x) => /^Running\d/.test(x)));
    assert.ok(rows.some((r) => r.startsWith("slowCount")));
    await shot(page, "tasks-cancelled");
  });

  it("shows the failed count in the status bar and opens the dashboard from it", async () => {
    const page = workbench();
    // Its accessible label is "Taskflow: <n> running, <n> failed" (the Problems item has an error icon too).
    const item = page.locator('.part.statusbar [aria-label^="Taskflow: "]').filter({ hasText: /\d/ }).first();
    await item.waitFor({ timeout: 15_000 });
    await item.click();
    await page.locator(".tabs-container .tab", { hasText: "Taskflow Dashboard" }).first().waitFor({ timeout: 15_000 });
    await shot(page, "status-bar-dashboard");
  });

  it("runs a task with kwargs, tags, queue and priority from Run Task with Options, and shows the tags in the tree", async () => {
    const page = workbench();
    await runCommandAndPick(page, "Taskflow: Run Task with Options...", "buildReport");
    await answerStep(page, "Run buildReport: title (1/2)", "weekly");
    await answerStep(page, "Run buildReport: options (2/2)", "");
    await answerStep(page, "keyword arguments (2/7)", '{"rows": 2, "format": "csv"}');
    await answerStep(page, "tags (3/7)", "team=data, env=e2e");
    await answerStep(page, "idempotency key (4/7)", "");
    await answerStep(page, "queue (5/7)", "reports");
    await answerStep(page, "priority (6/7)", "2");
    await answerStep(page, "delay in seconds (7/7)", "");
    await notification(page, "Taskflow: started buildReport");
    const tasks = await focusView(page, "Tasks");
    await waitForRows(page, tasks, "the buildReport run with its tags", (rows) => rows.some((r) => r.startsWith("buildReport") && r.includes("team=data env=e2e")));
    await shot(page, "tasks-with-tags");
  });

  it("clears the finished tasks from history after a confirmation", async () => {
    const page = workbench();
    await runCommandAndPick(page, "Taskflow: Clear History...", "All finished tasks");
    const confirm = page.locator(".monaco-dialog-box .monaco-button", { hasText: /^Delete$/ });
    await confirm.waitFor({ timeout: 15_000 });
    await shot(page, "clear-history-confirm");
    await confirm.click();
    await notification(page, /Taskflow: deleted \d+ finished task\(s\)\./);
    const tasks = await focusView(page, "Tasks");
    await tasks.locator(".welcome-view-content", { hasText: "No tasks have run in this workspace yet." }).waitFor({ timeout: 15_000 });
    await shot(page, "tasks-after-clear-history");
  });
});
