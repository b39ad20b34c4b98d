// The task panel and the dashboard in the real workbench: a task that fails after one retry, its
// panel (live logs, retry separator, stack trace with a link into the module), Retry, and the
// dashboard's counts and filters; then both webviews in light, dark and high-contrast themes; a task
// with a result and a child, and a running task's progress.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { FrameLocator, Page } from "playwright-core";
import { waitFor } from "../vscode/lib/waitFor";
import { workbench, workspaceFolder } from "./fixture";
import { answerArguments, commandWithPicker, focusView, notification, pickQuickInput, reloadWindow, runCommand, setTheme, shot, stepTimeoutMs, treeRows, webviewFrame, withTasksViewFolded } from "./workbench";

const MODULE = "panelsDemo.tasks.ts";
const FAILING = "flakyImport";
/** The line of the `throw` in the module below. */
const THROW_LINE = 6;
const MODULE_SOURCE = `import { task, taskLog } from "taskflow";

export const ${FAILING} = task({ retries: 1 }, async (rows: number) => {
  taskLog(\`importing \${rows} rows\`);
  taskLog("row 3 has 7 columns, expected 6");
  throw new Error(\`row 3 of \${rows} is malformed\`);
});
`;

let firstTaskTitle = "";

/** Opens a task panel tab whose title starts with the function name and returns [title, frame]. */
async function taskPanelTabs(page: Page): Promise<string[]> {
  return (await page.locator(".tabs-container .tab .label-name").allInnerTexts()).filter((t) => t.startsWith(`${FAILING} · `));
}

async function text(frame: FrameLocator, selector: string): Promise<string> {
  return (await frame.locator(selector).first().innerText()).trim();
}

describe("Taskflow task panel and dashboard (UI)", function () {
  // Each test is a whole user story (run, wait for retries, reload); two shared cores make them slow.
  this.timeout(180_000);

  it("shows a failing task's live logs, retry separator and stack trace, opens a frame, and retries", async () => {
    const page = workbench();
    fs.writeFileSync(path.join(workspaceFolder(), MODULE), MODULE_SOURCE);
    const functions = await focusView(page, "Task Functions");
    await withTasksViewFolded(page, () => waitFor(async () => (await treeRows(page, functions)).some((row) => row.includes(FAILING)), {
      what: `the Task Functions view to list ${FAILING} from ${MODULE}`,
      timeoutMs: 30_000,
      intervalMs: 250,
    }));

    await commandWithPicker(page, "Taskflow: Run Task...");
    await pickQuickInput(page, FAILING);
    await answerArguments(page, FAILING, ["3"]);
    const toast = await notification(page, `started ${FAILING}`);
    await toast.getByRole("button", { name: "Show Task" }).click();

    const [title] = await waitFor(async () => {
      const tabs = await taskPanelTabs(page);
      return tabs.length > 0 ? tabs : undefined;
    }, { what: `a task panel tab titled "${FAILING} · <id>"`, timeoutMs: stepTimeoutMs });
    firstTaskTitle = title;
    const panel = await webviewFrame(page, title);
    await panel.locator("#status", { hasText: "failed" }).waitFor({ timeout: 30_000 });
    assert.equal(await text(panel, "h1.title"), FAILING);
    assert.equal(await text(panel, "#attempts"), "2");

    const logs = panel.locator(".log-lines");
    await logs.locator(".log-line", { hasText: "importing 3 rows" }).first().waitFor({ timeout: stepTimeoutMs });
    assert.equal(await logs.locator(".retry-separator").count(), 1, "expected one retry separator in the logs");
    assert.equal(await text(panel, ".retry-separator"), "Retry 1");
    assert.match(await text(panel, ".error-message"), /row 3 of 3 is malformed/);

    const frameLink = panel.locator(".frame-link", { hasText: `${MODULE}:${THROW_LINE}:` }).first();
    await frameLink.waitFor({ timeout: stepTimeoutMs });
    await shot(page, "task panel failed with logs and stack");

    // The filter hides lines that do not match; retry separators stay as landmarks.
    await panel.locator(".log-filter input").fill("columns");
    await panel.locator(".log-count", { hasText: /^2 of \d+ lines match$/ }).waitFor({ timeout: stepTimeoutMs });
    assert.equal(await logs.locator(".log-line:visible").count(), 2);
    await shot(page, "task panel log filter");
    await panel.locator(".log-filter input").fill("");

    await frameLink.click();
    const editorTab = page.locator(".tabs-container .tab", { hasText: MODULE }).first();
    await editorTab.waitFor({ timeout: stepTimeoutMs });
    const selection = page.locator("#status\\.editor\\.selection");
    await selection.filter({ hasText: `Ln ${THROW_LINE},` }).waitFor({ timeout: stepTimeoutMs });
    await shot(page, "stack frame opened in the editor");

    const again = await webviewFrame(page, title);
    await again.locator("#retry").click();
    const retriedTitle = await waitFor(async () => (await taskPanelTabs(page)).find((t) => t !== title), {
      what: "a second task panel tab for the retried task",
      timeoutMs: stepTimeoutMs,
    });
    const retried = await webviewFrame(page, retriedTitle);
    await retried.locator("#status", { hasText: "failed" }).waitFor({ timeout: 30_000 });
    await shot(page, "retried task panel");
  });

  it("shows counts and per-function figures on the dashboard and filters the table", async () => {
    const page = workbench();
    await runCommand(page, "Taskflow: Open Dashboard");
    const dashboard = await webviewFrame(page, "Taskflow Dashboard");
    await dashboard.locator("#metric-failed .card-value").waitFor({ timeout: stepTimeoutMs });
    await waitFor(async () => Number(await text(dashboard, "#metric-failed .card-value")) >= 2, {
      what: "the dashboard to count the two failed runs",
      timeoutMs: stepTimeoutMs,
    });
    const fnRow = dashboard.locator(`#functions tr[data-func="${FAILING}"]`);
    await fnRow.waitFor({ timeout: stepTimeoutMs });
    assert.match(await fnRow.innerText(), /0%/);
    await dashboard.locator("#page-range").waitFor({ timeout: stepTimeoutMs });
    await shot(page, "dashboard");

    await dashboard.locator("#filter-text input").fill(FAILING);
    await dashboard.locator("#page-range", { hasText: /^1–2 of 2$/ }).waitFor({ timeout: stepTimeoutMs });
    const rows = dashboard.locator("#tasks tbody tr");
    assert.equal(await rows.count(), 2);
    for (const row of await rows.all()) assert.match(await row.innerText(), new RegExp(FAILING));
    await shot(page, "dashboard filtered");

    // Export writes every filtered row through the save dialog (code-server's simple dialog).
    const exported = path.join(workspaceFolder(), "taskflow-tasks.csv");
    await dashboard.locator("#export-csv").click();
    const saveInput = page.locator(".quick-input-widget .quick-input-box input");
    await saveInput.waitFor({ state: "visible", timeout: stepTimeoutMs });
    await waitFor(async () => (await saveInput.inputValue()).endsWith("taskflow-tasks.csv"), { what: "the save dialog to offer taskflow-tasks.csv", timeoutMs: stepTimeoutMs });
    await saveInput.press("Enter");
    // The notice comes once the host's writeFile resolved.
    await dashboard.locator(".notice", { hasText: "Exported 2 tasks" }).waitFor({ timeout: stepTimeoutMs });
    const csv = fs.readFileSync(exported, "utf8").trim().split("\r\n");
    assert.equal(csv.length, 3, `expected a header and two rows, got ${JSON.stringify(csv)}`);
    assert.match(csv[0], /^taskId,funcName,status,/);

    // Bulk retry of the selected failed rows.
    for (const box of await dashboard.locator("#tasks tbody vscode-checkbox").all()) await box.click();
    await dashboard.locator("#retry-selected", { hasText: "Retry selected (2)" }).click();
    await dashboard.locator(".notice", { hasText: "Retried 2 of 2 tasks." }).waitFor({ timeout: stepTimeoutMs });
    await dashboard.locator("#page-range", { hasText: /^1–4 of 4$/ }).waitFor({ timeout: 30_000 });
    await shot(page, "dashboard after bulk retry");

    await dashboard.locator("#filter-text input").fill("no task is called this");
    await dashboard.locator("#tasks td.empty").waitFor({ timeout: stepTimeoutMs });
    await dashboard.locator("#filter-text input").fill("");
  });

  it("brings the dashboard and a task panel back after the window reloads", async () => {
    const page = workbench();
    await runCommand(page, "Taskflow: Open Dashboard");
    await (await webviewFrame(page, "Taskflow Dashboard")).locator("#page-range").waitFor({ timeout: stepTimeoutMs });
    const link = (await webviewFrame(page, "Taskflow Dashboard")).locator("#tasks .task-link").first();
    await link.click();
    const [title] = await waitFor(async () => {
      const tabs = await taskPanelTabs(page);
      return tabs.length > 0 ? tabs : undefined;
    }, { what: "a task panel opened from the dashboard", timeoutMs: stepTimeoutMs });
    await (await webviewFrame(page, title)).locator("#status").waitFor({ timeout: stepTimeoutMs });

    // Reload through the workbench, which saves the open editors first, as a person's reload does.
    await reloadWindow(page);
    // The extension host starts again and revives the panels; on a busy machine that takes a while.
    for (const tabTitle of [title, "Taskflow Dashboard"]) {
      const tab = page.locator(".tabs-container .tab", { hasText: tabTitle }).first();
      await tab.waitFor({ timeout: 60_000 });
      await tab.click();
      await page.locator("iframe.webview.ready:visible").first().waitFor({ timeout: 90_000 });
    }
    const restored = await webviewFrame(page, title);
    await restored.locator("#status", { hasText: "failed" }).waitFor({ timeout: 30_000 });
    assert.equal(await text(restored, "h1.title"), FAILING);
    const dashboard = await webviewFrame(page, "Taskflow Dashboard");
    await dashboard.locator("#page-range").waitFor({ timeout: 30_000 });
    await shot(page, "panels restored after reload");
  });

  for (const theme of ["Light Modern", "Dark High Contrast", "Light High Contrast", "Dark Modern"]) {
    it(`renders both panels with the ${theme} theme`, async () => {
      const page = workbench();
      await setTheme(page, theme);
      await runCommand(page, "Taskflow: Open Dashboard");
      await (await webviewFrame(page, "Taskflow Dashboard")).locator("#page-range").waitFor({ timeout: stepTimeoutMs });
      await shot(page, `dashboard ${theme}`);
      assert.ok(firstTaskTitle, "expected the first test to have opened a task panel");
      const rows = (await webviewFrame(page, "Taskflow Dashboard")).locator("#tasks .task-link");
      await rows.first().click();
      const [title] = await waitFor(async () => {
        const tabs = await taskPanelTabs(page);
        return tabs.length > 0 ? tabs : undefined;
      }, { what: "a task panel opened from the dashboard", timeoutMs: stepTimeoutMs });
      await (await webviewFrame(page, title)).locator("#status").waitFor({ timeout: stepTimeoutMs });
      await shot(page, `task panel ${theme}`);
    });
  }

  it("streams a running task's logs into its panel and cancels it from there", async () => {
    const page = workbench();
    await commandWithPicker(page, "Taskflow: Run Task...");
    await pickQuickInput(page, "slowCount");
    await answerArguments(page, "slowCount", ["60", "250"]);
    const toast = await notification(page, "started slowCount");
    // One notification per run: the progress goes to the status bar, not to a second toast.
    await page.locator(".part.statusbar", { hasText: "Taskflow: slowCount" }).waitFor({ timeout: stepTimeoutMs });
    const toastTexts = await page.locator(".notifications-toasts .notification-list-item-message").allInnerTexts();
    assert.deepEqual(toastTexts.filter((t) => t.includes("slowCount")), ["Taskflow: started slowCount"], `one notification for the run, got ${JSON.stringify(toastTexts)}`);
    assert.ok(await toast.getByRole("button", { name: "Cancel" }).isVisible(), "the run's notification offers Cancel");
    await shot(page, "one notification per run, its progress in the status bar");
    await toast.getByRole("button", { name: "Show Task" }).click();
    const title = await waitFor(async () => (await page.locator(".tabs-container .tab .label-name").allInnerTexts()).find((t) => t.startsWith("slowCount · ")), {
      what: 'a task panel tab titled "slowCount · <id>"',
      timeoutMs: stepTimeoutMs,
    });
    const panel = await webviewFrame(page, title);
    await panel.locator("#status", { hasText: "running" }).waitFor({ timeout: stepTimeoutMs });
    const lines = panel.locator(".log-lines .log-line");
    await lines.nth(2).waitFor({ timeout: stepTimeoutMs });
    const seen = await lines.count();
    // New lines arrive while the panel stays open: appended, not re-rendered from a snapshot.
    await lines.nth(seen + 1).waitFor({ timeout: stepTimeoutMs });
    await shot(page, "task panel running with live logs");
    await panel.locator("#cancel").click();
    await panel.locator("#status", { hasText: "cancelled" }).waitFor({ timeout: stepTimeoutMs });
    assert.equal(await panel.locator("#cancel[disabled]").count(), 1, "expected Cancel to be disabled once cancelled");
    await shot(page, "task panel cancelled");
  });
  it("shows a finished task's result, queue, priority and the child it enqueued, and a running task's progress", async () => {
    const page = workbench();
    fs.writeFileSync(path.join(workspaceFolder(), "panelsResult.tasks.ts"), `import { task, enqueue, reportProgress } from "taskflow";

export const summarizeChild = task(async () => "child done");
export const importSlowly = task(async () => {
  reportProgress(0.4, "row 400 of 1000");
  await new Promise((resolve) => setTimeout(resolve, 60_000));
});
export const summarizeRows = task({ queue: "reports", priority: 3 }, async () => {
  reportProgress(0.5, "half way");
  await enqueue("summarizeChild");
  return { rows: 1000, columns: ["id", "email"], ok: true };
});
`);
    const functions = await focusView(page, "Task Functions");
    await withTasksViewFolded(page, () => waitFor(async () => (await treeRows(page, functions)).some((row) => row.includes("summarizeRows")), {
      what: "the Task Functions view to list summarizeRows",
      timeoutMs: 30_000,
      intervalMs: 250,
    }));
    await commandWithPicker(page, "Taskflow: Run Task...");
    // summarizeRows takes no parameters, so nothing is asked.
    await pickQuickInput(page, "summarizeRows");
    const toast = await notification(page, "started summarizeRows");
    await toast.getByRole("button", { name: "Show Task" }).click();
    const title = await waitFor(async () => (await page.locator(".tabs-container .tab .label-name").allInnerTexts()).find((t) => t.startsWith("summarizeRows · ")), {
      what: 'a task panel tab titled "summarizeRows · <id>"',
      timeoutMs: stepTimeoutMs,
    });
    const panel = await webviewFrame(page, title);
    await panel.locator("#status", { hasText: "success" }).waitFor({ timeout: 30_000 });
    await panel.locator("#result-json").waitFor({ timeout: stepTimeoutMs });
    assert.deepEqual(JSON.parse(await text(panel, "#result-json")), { rows: 1000, columns: ["id", "email"], ok: true });
    assert.equal(await text(panel, "#queue"), "reports");
    assert.equal(await text(panel, "#priority"), "3");
    const child = panel.locator(".children .task-link", { hasText: "summarizeChild" });
    await child.waitFor({ timeout: stepTimeoutMs });
    await shot(page, "task panel with result and children");
    await child.click();
    const childTitle = await waitFor(async () => (await page.locator(".tabs-container .tab .label-name").allInnerTexts()).find((t) => t.startsWith("summarizeChild · ")), {
      what: "the child's task panel",
      timeoutMs: stepTimeoutMs,
    });
    const childPanel = await webviewFrame(page, childTitle);
    await childPanel.locator(".parent .task-link").waitFor({ timeout: stepTimeoutMs });
    await shot(page, "child task panel with its parent link");

    await commandWithPicker(page, "Taskflow: Run Task...");
    await pickQuickInput(page, "importSlowly");
    await (await notification(page, "started importSlowly")).getByRole("button", { name: "Show Task" }).click();
    const slowTitle = await waitFor(async () => (await page.locator(".tabs-container .tab .label-name").allInnerTexts()).find((t) => t.startsWith("importSlowly · ")), {
      what: "the running task's panel",
      timeoutMs: stepTimeoutMs,
    });
    const slowPanel = await webviewFrame(page, slowTitle);
    await slowPanel.locator("#progress-text", { hasText: "40% · row 400 of 1000" }).waitFor({ timeout: stepTimeoutMs });
    const tasks = await focusView(page, "Tasks");
    await waitFor(async () => (await treeRows(page, tasks)).some((row) => row.includes("40% · row 400 of 1000")), {
      what: "the running task's tree row to show its progress",
      timeoutMs: stepTimeoutMs,
    });
    await shot(page, "running task progress in the panel and the tree");
    await slowPanel.locator("#cancel").click();
    await slowPanel.locator("#status", { hasText: "cancelled" }).waitFor({ timeout: stepTimeoutMs });
  });
});
