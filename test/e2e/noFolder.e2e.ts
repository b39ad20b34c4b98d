// The welcome views of a window with no folder open: the UI suite's code-server always opens the
// workspace, so this test opens a second, empty window (code-server's ?ew=true) in the same browser.
import * as assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { workbench } from "./fixture";
import { shot, stepTimeoutMs } from "./workbench";

/** Opens an empty workbench window (no folder) of the same code-server in a new page. */
async function openEmptyWindow(): Promise<Page> {
  const main = workbench();
  const page = await main.context().newPage();
  await page.goto(new URL("/?ew=true", main.url()).href, { waitUntil: "domcontentloaded", timeout: 60_000 });
  await page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
  return page;
}

describe("Taskflow with no folder open (UI)", function () {
  // A second window starts a second extension host on two shared cores.
  this.timeout(120_000);

  it("shows the open-a-folder welcome in the Tasks and Task Functions views, whose button opens a folder picker", async () => {
    const page = await openEmptyWindow();
    try {
      // Empty window: no folder in the explorer and the Taskflow container still in the activity bar.
      const taskflowItem = page.locator('.activitybar .action-item a[aria-label^="Taskflow"]').first();
      await taskflowItem.waitFor({ timeout: 60_000 });
      await taskflowItem.click();
      const sidebar = page.locator(".part.sidebar");
      const tasksWelcome = sidebar.locator(".welcome-view-content", { hasText: "Taskflow keeps its task history in the workspace's storage, so it needs an open folder." });
      await tasksWelcome.waitFor({ timeout: stepTimeoutMs });
      const functionsWelcome = sidebar.locator(".welcome-view-content", { hasText: "Open a folder that holds task modules" });
      await functionsWelcome.waitFor({ timeout: stepTimeoutMs });
      const button = tasksWelcome.locator(".monaco-button", { hasText: /^Open Folder$/ });
      assert.equal(await button.count(), 1, "the Tasks welcome has an Open Folder button");
      await shot(page, "no-folder-welcome");

      await button.click();
      // code-server's folder picker is the simple file dialog, a quick input.
      const picker = page.locator(".quick-input-widget");
      await picker.waitFor({ state: "visible", timeout: stepTimeoutMs });
      await picker.locator(".quick-input-title", { hasText: /Open Folder/ }).waitFor({ timeout: stepTimeoutMs });
      await shot(page, "no-folder-open-folder-picker");
      await page.keyboard.press("Escape");
    } finally {
      await page.close();
      // Later tests type into the main window, which must be the active page again.
      await workbench().bringToFront();
    }
  });
});
