// Task modules as a person edits them: a module with a syntax error shows as an error row under
// it in the Task Functions view and in the Problems panel at its line; fixing and saving it in the
// editor lists its task instead.
import * as fs from "node:fs";
import * as path from "node:path";
import { waitFor } from "../vscode/lib/waitFor";
import { workbench, workspaceFolder } from "./fixture";
import { focusView, runCommand, shot, treeRows, withTasksViewFolded } from "./workbench";

const BROKEN = 'import { task } from "taskflow";\n\nexport const nightly = task(async () => {\n  return 1 +;\n});\n';

describe("Task modules in the workbench (UI)", () => {
  const file = () => path.join(workspaceFolder(), "nightly.tasks.ts");

  after(() => fs.rmSync(file(), { force: true }));

  it("shows a broken module's error in the Task Functions view and the Problems panel", async () => {
    const page = workbench();
    fs.writeFileSync(file(), BROKEN);
    const functions = await focusView(page, "Task Functions");
    let rows: string[] = [];
    await withTasksViewFolded(page, () => waitFor(async () => (rows = await treeRows(page, functions)).some((r) => r.includes("(nightly.tasks.ts:4)")), {
      what: "an error row for nightly.tasks.ts line 4 in the Task Functions view",
      timeoutMs: 45_000,
      intervalMs: 250,
      diagnose: () => `rows: ${JSON.stringify(rows)}`,
    }));
    await runCommand(page, "View: Focus Problems (Errors, Warnings, Infos)", /Focus Problems/);
    const problem = page.locator(".markers-panel .monaco-list-row", { hasText: "nightly.tasks.ts" }).first();
    await problem.waitFor({ timeout: 15_000 });
    await shot(page, "broken-module");
  });

  it("lists the module's task once it is fixed and saved in the editor", async () => {
    const page = workbench();
    await runCommand(page, "Go to File...", /^Go to File/);
    const input = page.locator(".quick-input-widget .quick-input-box input");
    await input.fill("nightly.tasks.ts");
    await page.locator(".quick-input-widget .quick-input-list .monaco-list-row", { hasText: "nightly.tasks.ts" }).first().click();
    const editor = page.locator(".editor-instance .monaco-editor textarea").first();
    await editor.waitFor({ timeout: 15_000 });
    await editor.focus();
    await page.keyboard.press("Control+G");
    await page.keyboard.type("4");
    await page.keyboard.press("Enter");
    // "  return 1 +;" becomes "  return 1 + 1;"
    await page.keyboard.press("End");
    await page.keyboard.press("Backspace");
    await page.keyboard.type(" 1;");
    await page.keyboard.press("Control+S");
    const functions = await focusView(page, "Task Functions");
    let rows: string[] = [];
    await withTasksViewFolded(page, () => waitFor(async () => (rows = await treeRows(page, functions)).some((r) => r.startsWith("nightly")) && !rows.some((r) => r.includes("(nightly.tasks.ts:")), {
      what: "the nightly task listed and its error row gone after the save",
      timeoutMs: 45_000,
      intervalMs: 250,
      diagnose: () => `rows: ${JSON.stringify(rows)}`,
    }));
    await shot(page, "fixed-module");
  });
});
