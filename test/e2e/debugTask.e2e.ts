// Debug Task as a person uses it: a breakpoint set in the editor on a line of a .ts task module,
// "Taskflow: Debug Task..." from the palette, the workbench stopped on that line (the editor's
// current-line highlight, the debug toolbar), Continue, and the finished run in the Tasks view; then
// Debug Again from that run's task panel, and Stop, which cancels the new run.
import * as fs from "node:fs";
import * as path from "node:path";
import { waitFor } from "../vscode/lib/waitFor";
import { workbench, workspaceFolder } from "./fixture";
import { answerArguments, focusView, openTaskRow, runCommand, runCommandAndPick, shot, stepTimeoutMs, treeRows } from "./workbench";

const MODULE = "debugging.tasks.ts";
const MARKER = "total += n * n";

/** The rows of the Cancelled status group: those after its header, up to the next group's header. */
function cancelledRows(rows: string[]): string[] {
  const start = rows.findIndex((row) => /^Cancelled\s*\d+$/.test(row));
  if (start < 0) return [];
  const end = rows.findIndex((row, i) => i > start && /^(Pending|Running|Failed|Interrupted|Rejected|Cancelled|Succeeded)\s*\d+$/.test(row));
  return rows.slice(start + 1, end < 0 ? undefined : end);
}

describe("Debug Task in the workbench (UI)", () => {
  after(async () => {
    const page = workbench();
    await runCommand(page, "Debug: Remove All Breakpoints", /Remove All Breakpoints/).catch(() => undefined);
  });

  it("stops at a breakpoint in the task's .ts source, then the run finishes in the Tasks view", async function () {
    // A cap, not a wait: a Node process starts under js-debug on a busy machine.
    this.timeout(120_000);
    const page = workbench();
    const line = fs.readFileSync(path.join(workspaceFolder(), MODULE), "utf8").split("\n").findIndex((text) => text.includes(MARKER)) + 1;

    await runCommand(page, "Go to File...", /^Go to File/);
    const input = page.locator(".quick-input-widget .quick-input-box input");
    await input.fill(MODULE);
    await page.locator(".quick-input-widget .quick-input-list .monaco-list-row", { hasText: MODULE }).first().click();
    const editor = page.locator(".editor-instance .monaco-editor textarea").first();
    await editor.waitFor({ timeout: stepTimeoutMs });
    await editor.focus();
    await page.keyboard.press("Control+G");
    await page.keyboard.type(String(line));
    await page.keyboard.press("Enter");
    await runCommand(page, "Debug: Toggle Breakpoint", /Toggle Breakpoint$/);
    await page.locator(".editor-instance .codicon-debug-breakpoint").first().waitFor({ timeout: stepTimeoutMs });

    await runCommandAndPick(page, "Taskflow: Debug Task...", "sumSquares");
    await answerArguments(page, "sumSquares", ["[4]"]);

    const toolbar = page.locator(".debug-toolbar");
    await toolbar.waitFor({ state: "visible", timeout: 60_000 });
    // The editor marks the line the debugger is paused on (the yellow line).
    await page.locator(".editor-instance .debug-top-stack-frame-line").first().waitFor({ timeout: 60_000 });
    await waitFor(async () => (await page.locator(".editor-instance .margin-view-overlays .line-numbers.active-line-number").first().innerText()).trim() === String(line), {
      what: `the editor to show the paused line ${line} of ${MODULE}`,
      timeoutMs: stepTimeoutMs,
    });
    await shot(page, "debug-stopped-at-breakpoint");

    await runCommand(page, "Debug: Continue", /^Debug: Continue$/);
    await toolbar.waitFor({ state: "hidden", timeout: 60_000 });
    const tasks = await focusView(page, "Tasks");
    let rows: string[] = [];
    await waitFor(async () => (rows = await treeRows(page, tasks)).some((row) => row.startsWith("sumSquares") && row.includes("debug=true")), {
      what: "the Tasks view to show the finished sumSquares debug run with its debug=true tag",
      timeoutMs: 30_000,
      intervalMs: 250,
      diagnose: () => `rows: ${JSON.stringify(rows)}`,
    });
    await shot(page, "debug-run-finished");
  });

  it("debugs the run again from its task panel, and stopping that session cancels the new run", async function () {
    this.timeout(120_000);
    const page = workbench();
    const tasks = await focusView(page, "Tasks");
    const panel = await openTaskRow(page, tasks.locator('.pane-body .monaco-list-row[role="treeitem"]').filter({ hasText: /^sumSquares/ }).first(), "sumSquares · ");
    await panel.locator("#status", { hasText: "success" }).waitFor({ timeout: stepTimeoutMs });
    const debugAgain = panel.locator("#debug-again:not([disabled])");
    await debugAgain.waitFor({ timeout: stepTimeoutMs });
    await debugAgain.click();

    const toolbar = page.locator(".debug-toolbar");
    await toolbar.waitFor({ state: "visible", timeout: 60_000 });
    await page.locator(".editor-instance .debug-top-stack-frame-line").first().waitFor({ timeout: 60_000 });
    await shot(page, "debug-again-stopped-at-breakpoint");

    await runCommand(page, "Debug: Stop", /^Debug: Stop$/);
    await toolbar.waitFor({ state: "hidden", timeout: 60_000 });
    const view = await focusView(page, "Tasks");
    let rows: string[] = [];
    // Earlier tests of the run may have cancelled other tasks: look for the debug run inside the Cancelled group.
    await waitFor(async () => cancelledRows(rows = await treeRows(page, view)).some((row) => /^sumSquares.*debug=true/.test(row)), {
      what: "the Tasks view to show the stopped debug run in the Cancelled group",
      timeoutMs: 30_000,
      intervalMs: 250,
      diagnose: () => `rows: ${JSON.stringify(rows)}`,
    });
    await shot(page, "debug-again-stopped-cancelled");
  });
});
