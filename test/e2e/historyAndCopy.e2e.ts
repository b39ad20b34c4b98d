// Clear History's age choice and Copy Task ID from a task's context menu, driven as a person does.
// The age choice keeps everything run today (the extension-host suite checks that older tasks go,
// with a task stamped two days ago, which the UI cannot make).
import * as assert from "node:assert/strict";
import type { Locator, Page } from "playwright-core";
import { waitFor } from "../vscode/lib/waitFor";
import { workbench } from "./fixture";
import { focusView, notification, openTaskRow, runCommandAndPick, runHello, shot, stepTimeoutMs, treeRows } from "./workbench";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The count on the Succeeded group row ("Succeeded3"), once it is at least `atLeast` and nothing is
 * running or pending (a run an earlier test started may still be finishing).
 */
async function succeededCount(page: Page, tasks: Locator, atLeast: number): Promise<number> {
  let rows: string[] = [];
  return waitFor(async () => {
    rows = await treeRows(page, tasks);
    if (rows.some((r) => /^(Running|Pending)\d/.test(r))) return undefined;
    const count = Number(/^Succeeded(\d+)/.exec(rows.find((r) => r.startsWith("Succeeded")) ?? "")?.[1] ?? 0);
    return count >= atLeast ? count : undefined;
  }, { what: `a Succeeded group counting at least ${atLeast}, with nothing running or pending`, timeoutMs: 30_000, intervalMs: 250, diagnose: () => `rows: ${JSON.stringify(rows)}` });
}

describe("Clear History by age and Copy Task ID (UI)", function () {
  this.timeout(90_000);

  it("keeps the tasks run today when clearing finished tasks older than a day", async () => {
    const page = workbench();
    const tasks = await focusView(page, "Tasks");
    // Counted before and after the run, so a short run the tree never showed as running is counted too.
    const earlier = await succeededCount(page, tasks, 0);
    await runHello(page, "newer than a day");
    const before = await succeededCount(page, tasks, earlier + 1);

    await runCommandAndPick(page, "Taskflow: Clear History...", "Finished tasks older than a day");
    const dialog = page.locator(".monaco-dialog-box", { hasText: "Delete finished tasks older than a day?" });
    await dialog.waitFor({ timeout: stepTimeoutMs });
    await shot(page, "clear-history-older-than-a-day-confirm");
    await dialog.locator(".monaco-button", { hasText: /^Delete$/ }).click();
    await notification(page, "Taskflow: deleted 0 finished task(s).");
    assert.equal(await succeededCount(page, tasks, 0), before, "every task run today stays");
    await shot(page, "tasks-after-clear-older-than-a-day");
  });

  it("copies a task's id from its context menu in the Tasks view", async () => {
    const page = workbench();
    await page.evaluate(() => navigator.clipboard.writeText("clipboard before Copy Task ID"));
    const tasks = await focusView(page, "Tasks");
    await succeededCount(page, tasks, 1);
    const row = tasks.locator('.pane-body .monaco-list-row[role="treeitem"]').filter({ hasText: /^hello/ }).first();
    await row.click({ button: "right" });
    const item = page.locator(".monaco-menu .action-item .action-label", { hasText: /^Copy Task ID$/ }).first();
    await item.waitFor({ timeout: stepTimeoutMs });
    await shot(page, "task-context-menu");
    await item.click();
    let copied = "";
    await waitFor(async () => UUID.test((copied = await page.evaluate(() => navigator.clipboard.readText()))), {
      what: "Copy Task ID to put a task id on the clipboard",
      timeoutMs: stepTimeoutMs,
      diagnose: () => `clipboard: ${JSON.stringify(copied)}`,
    });
    // The command's own status-bar message names the same id.
    await page.locator(".part.statusbar", { hasText: `Copied task id ${copied}` }).waitFor({ timeout: stepTimeoutMs });
    // Clicking the same row opens its task panel, titled with the id's first 8 characters: the id copied is that row's.
    const panel = await openTaskRow(page, row, `hello · ${copied.slice(0, 8)}`);
    await panel.locator("#status").waitFor({ timeout: stepTimeoutMs });
  });
});
