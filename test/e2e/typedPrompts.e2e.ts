// Run Task's typed prompts and the run's progress notification as a person sees them: each parameter
// of resizeImage asked by name with its type, default and doc, a wrong answer refused in the box, a
// union of literals offered as a pick list; importRows' notification following its progress until
// its Cancel button cancels the run.
import * as assert from "node:assert/strict";
import { waitFor } from "../vscode/lib/waitFor";
import { workbench } from "./fixture";
import { answer, focusView, notification, runCommandAndPick, shot, stepTimeoutMs, treeRows } from "./workbench";

const quickInput = ".quick-input-widget";

describe("Typed Run Task prompts and the run notification (UI)", () => {
  it("asks for each parameter with its type, default and doc, and refuses a wrong answer in the box", async () => {
    const page = workbench();
    const title = page.locator(`${quickInput} .quick-input-title`);
    const message = page.locator(`${quickInput} .quick-input-message`);
    const input = page.locator(`${quickInput} .quick-input-box input`);
    await runCommandAndPick(page, "Taskflow: Run Task...", "resizeImage");
    const picked = Date.now();
    await title.filter({ hasText: "Run resizeImage: path (1/5)" }).waitFor({ timeout: stepTimeoutMs });
    console.log(`      first typed prompt shown ${Date.now() - picked} ms after the task was picked`);
    await answer(page, "photos/cat.png");
    await title.filter({ hasText: "Run resizeImage: width (2/5)" }).waitFor({ timeout: stepTimeoutMs });
    assert.equal(await input.getAttribute("placeholder"), "800 (default)");
    assert.match(await message.innerText(), /^width: number = 800 · target width in pixels\. Type a number; Enter on empty keeps 800\./);
    await shot(page, "typed-prompt");
    await input.fill("wide");
    let shown = "";
    await waitFor(async () => (shown = await message.innerText()).includes('width must be a number, got "wide": for example 800'), {
      what: "the width box to refuse a word",
      timeoutMs: 10_000,
      diagnose: () => `message: ${shown}`,
    });
    await shot(page, "typed-prompt-refused");
    await answer(page, "1200");
    await title.filter({ hasText: "Run resizeImage: mode (3/5)" }).waitFor({ timeout: stepTimeoutMs });
    const options = await page.locator(`${quickInput} .quick-input-list .monaco-list-row .label-name:visible`).allInnerTexts();
    assert.deepEqual(options, ["fit", "fill", "stretch"]);
    assert.equal(await input.getAttribute("placeholder"), 'mode: FitMode = "fit" · how the image fills a width × width box');
    await shot(page, "typed-prompt-pick-list");
    await page.keyboard.press("Escape");
    await page.locator(quickInput).waitFor({ state: "hidden", timeout: stepTimeoutMs });
  });

  it("shows the run's progress in the status bar and one notification whose Cancel cancels the task", async () => {
    const page = workbench();
    await runCommandAndPick(page, "Taskflow: Run Task...", "importRows");
    await page.locator(`${quickInput} .quick-input-title`, { hasText: "Run importRows: rows (1/2)" }).waitFor({ timeout: stepTimeoutMs });
    await answer(page, "400");
    await page.locator(`${quickInput} .quick-input-title`, { hasText: "Run importRows: rowMs (2/2)" }).waitFor({ timeout: stepTimeoutMs });
    await answer(page, "100");
    await page.locator(".part.statusbar", { hasText: /Taskflow: importRows: row \d+ of 400/ }).waitFor({ timeout: stepTimeoutMs });
    const toast = await notification(page, "Taskflow: started importRows");
    await shot(page, "run-progress-in-the-status-bar");
    await toast.getByRole("button", { name: "Cancel" }).click();
    await toast.waitFor({ state: "hidden", timeout: stepTimeoutMs });
    const tasks = await focusView(page, "Tasks");
    let rows: string[] = [];
    await waitFor(async () => (rows = await treeRows(page, tasks)).some((r) => /^Cancelled\d/.test(r)) && rows.some((r) => r.startsWith("importRows")), {
      what: "the importRows run in the Cancelled group",
      timeoutMs: 30_000,
      intervalMs: 250,
      diagnose: () => `rows: ${JSON.stringify(rows)}`,
    });
  });
});
