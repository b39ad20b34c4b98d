// The round-2 views in the real workbench: the Schedules view with the example workspace's two
// schedules (scheduled.tasks.ts), Pause and Resume from a row; a fan-out run whose children show under
// it in the Tasks view; Edit and Run in a task panel (a bad value refused inline, then a new run
// with the edited arguments); and the dashboard's chart, queues, Retry failed since and audit trail.
import * as assert from "node:assert/strict";
import type { FrameLocator, Page } from "playwright-core";
import { waitFor } from "../vscode/lib/waitFor";
import { workbench } from "./fixture";
import { answer, answerArguments, focusView, inlineAction, notification, runCommand, runCommandAndPick, shot, stepTimeoutMs, treeRow, viewPane, waitForRows, webviewFrame } from "./workbench";

/** Runs `name` with `args` from the palette, opens its panel from the toast, and returns the panel's tab title. */
async function runAndShow(page: Page, name: string, answers: string[]): Promise<string> {
  await runCommandAndPick(page, "Taskflow: Run Task...", name);
  await answerArguments(page, name, answers);
  await (await notification(page, `Taskflow: started ${name}`)).getByRole("button", { name: "Show Task" }).click();
  return panelTitle(page, name, []);
}

/** Waits for a task panel tab of `name` that is not one of `known`, and returns its title. */
async function panelTitle(page: Page, name: string, known: string[]): Promise<string> {
  return waitFor(async () => (await page.locator(".tabs-container .tab .label-name").allInnerTexts()).find((t) => t.startsWith(`${name} · `) && !known.includes(t)), {
    what: `a new task panel tab titled "${name} · <id>"`,
    timeoutMs: stepTimeoutMs,
  });
}

async function text(frame: FrameLocator, selector: string): Promise<string> {
  return (await frame.locator(selector).first().innerText()).trim();
}

describe("Schedules, child runs, Edit and Run, and the dashboard's insights (UI)", function () {
  this.timeout(180_000);

  after(async () => {
    // The Schedules view starts collapsed; fold it again so the views of later tests keep their room.
    const header = viewPane(workbench(), "Schedules").locator(".pane-header");
    if ((await header.getAttribute("aria-expanded")) === "true") await header.click();
  });

  it("lists the workspace's schedules with their spec and next run", async () => {
    const page = workbench();
    const schedules = await focusView(page, "Schedules");
    const rows = await waitForRows(page, schedules, "both schedules of scheduled.tasks.ts", (r) =>
      r.some((x) => /^syncTranslations\s*every hour · next in \d+ (min|h)$/.test(x)) && r.some((x) => x.startsWith("weeklyDigest")));
    assert.ok(rows.some((x) => /^weeklyDigest\s*cron 0 9 \* \* 1 \(Europe\/Berlin\) · next in \d+ [hd]/.test(x)), `rows: ${JSON.stringify(rows)}`);
    await shot(page, "schedules view");
  });

  it("pauses a schedule from its row and resumes it", async () => {
    const page = workbench();
    const schedules = await focusView(page, "Schedules");
    await inlineAction(treeRow(schedules, /^syncTranslations/), "Pause Schedule");
    await waitForRows(page, schedules, "syncTranslations to show as paused", (r) => r.some((x) => /^syncTranslations\s*every hour · paused/.test(x)));
    await shot(page, "schedule paused");
    await inlineAction(treeRow(schedules, /^syncTranslations/), "Resume Schedule");
    await waitForRows(page, schedules, "syncTranslations to show its next run again", (r) => r.some((x) => /^syncTranslations\s*every hour · next in/.test(x)));
  });

  it("shows the runs a task enqueued under it in the Tasks view", async () => {
    const page = workbench();
    await runCommandAndPick(page, "Taskflow: Run Task...", "processBatch");
    await answer(page, '["apples", "pears"]');
    await notification(page, "Taskflow: started processBatch");
    const tasks = await focusView(page, "Tasks");
    const parent = treeRow(tasks, /^processBatch/);
    await parent.waitFor({ timeout: 30_000 });
    // Collapsed until it is known to have children; then its twistie expands it.
    await waitFor(async () => (await parent.getAttribute("aria-expanded")) !== null, { what: "the processBatch row to become expandable", timeoutMs: 30_000, intervalMs: 250 });
    const level = Number(await parent.getAttribute("aria-level"));
    const children = tasks.locator(`.pane-body .monaco-list-row[role="treeitem"][aria-level="${level + 1}"]`).filter({ hasText: /^processItem/ });
    // A refresh landing just as the twistie is clicked can leave the row collapsed: click it again then.
    await waitFor(async () => {
      if ((await parent.getAttribute("aria-expanded")) === "false") await parent.locator(".monaco-tl-twistie").click();
      return (await children.count()) === 2;
    }, { what: "two processItem rows one level under processBatch", timeoutMs: 30_000, intervalMs: 250 });
    await shot(page, "tasks view with children under their parent");
  });

  it("runs a task again with edited arguments from its panel, refusing a value that is not an array", async () => {
    const page = workbench();
    const first = await runAndShow(page, "hello", ["world"]);
    const panel = await webviewFrame(page, first);
    await panel.locator("#status", { hasText: "success" }).waitFor({ timeout: 30_000 });
    await panel.locator("#edit-run-again").click();
    const argsField = panel.locator("#edit-args");
    await argsField.waitFor({ timeout: stepTimeoutMs });
    assert.deepEqual(JSON.parse(await argsField.inputValue()), ["world"], "the editor starts from the run's arguments");
    await argsField.fill('{"name": "edited"}');
    await panel.locator("#edit-args-error", { hasText: "Arguments must be a JSON array, got an object: wrap it in [ ]" }).waitFor({ timeout: stepTimeoutMs });
    assert.equal(await panel.locator("#edit-run[disabled]").count(), 1, "Run is disabled while the arguments are invalid");
    await shot(page, "edit and run refuses an object");
    await argsField.fill('["edited"]');
    await panel.locator("#edit-args-error").waitFor({ state: "hidden", timeout: stepTimeoutMs });
    await shot(page, "edit and run with valid arguments");
    await panel.locator("#edit-run").click();
    const second = await panelTitle(page, "hello", [first]);
    const rerun = await webviewFrame(page, second);
    await rerun.locator("#status", { hasText: "success" }).waitFor({ timeout: 30_000 });
    assert.equal(JSON.parse(await text(rerun, "#result-json")), "hello edited");
    await shot(page, "new run with the edited arguments");
  });

  it("pauses and resumes a queue and retries the failed tasks created in the last hour from the dashboard", async () => {
    const page = workbench();
    await runCommandAndPick(page, "Taskflow: Run Task...", "alwaysFails");
    await answerArguments(page, "alwaysFails", ["for retry failed"]);
    await notification(page, "Taskflow: started alwaysFails");
    await runCommand(page, "Taskflow: Open Dashboard");
    const dash = await webviewFrame(page, "Taskflow Dashboard");
    const queue = dash.locator('#queues-table tr[data-queue="default"]');
    await queue.waitFor({ timeout: stepTimeoutMs });
    await queue.locator(".queue-toggle", { hasText: "Pause" }).click();
    await queue.locator(".queue-paused").waitFor({ timeout: stepTimeoutMs });
    await shot(page, "dashboard queue paused");
    await queue.locator(".queue-toggle", { hasText: "Resume" }).click();
    await queue.locator(".queue-running").waitFor({ timeout: stepTimeoutMs });

    await dash.locator("#retry-failed").click();
    const confirm = page.locator(".monaco-dialog-box .monaco-button", { hasText: /^Retry Failed$/ });
    await confirm.waitFor({ timeout: stepTimeoutMs });
    await shot(page, "retry failed since confirmation");
    await confirm.click();
    const status = dash.locator("#retry-failed-status");
    await status.filter({ hasText: /^Retried \d+ tasks?\.$/ }).waitFor({ timeout: stepTimeoutMs });
    await shot(page, "retry failed since done");
  });

  it("draws the throughput chart per minute and per hour and lists the audit trail", async () => {
    const page = workbench();
    await runCommand(page, "Taskflow: Open Dashboard");
    const dash = await webviewFrame(page, "Taskflow Dashboard");
    const chart = dash.locator("#throughput-chart");
    await chart.waitFor({ timeout: stepTimeoutMs });
    assert.match((await chart.getAttribute("aria-label")) ?? "", /^Finished tasks per minute in the last 60 minutes: [1-9]\d* succeeded, [1-9]\d* failed/);
    await dash.locator("#throughput-section").scrollIntoViewIfNeeded();
    await shot(page, "dashboard throughput per minute");
    await dash.locator("#bucket-hour").click();
    await dash.locator('#throughput-chart[aria-label^="Finished tasks per hour"]').waitFor({ timeout: stepTimeoutMs });
    await shot(page, "dashboard throughput per hour");
    const audit = dash.locator("#audit-table tbody tr");
    await audit.first().waitFor({ timeout: stepTimeoutMs });
    const actions = await dash.locator("#audit-table tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-action")));
    assert.ok(actions.includes("run") && actions.includes("pause") && actions.includes("resume"), `audit actions: ${JSON.stringify(actions)}`);
    await dash.locator("#audit").scrollIntoViewIfNeeded();
    await shot(page, "dashboard audit trail");
  });
});
