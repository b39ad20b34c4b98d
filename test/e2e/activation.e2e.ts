import * as assert from "node:assert/strict";
import { workbench } from "./fixture";
import { focusView, runCommand, shot, treeRows, viewPane, webviewFrame } from "./workbench";

describe("Taskflow in the workbench (UI)", () => {
  it("shows the Taskflow container in the activity bar", async () => {
    const page = workbench();
    const item = page.locator('.activitybar .action-item a[aria-label^="Taskflow"]').first();
    assert.equal(await item.isVisible(), true, "expected the Taskflow activity-bar item to be visible");
    await shot(page, "activity-bar");
  });

  it("renders the Tasks and Task Functions views", async () => {
    const page = workbench();
    const tasks = await focusView(page, "Tasks");
    await tasks.locator('.pane-body .monaco-list[role="tree"]').waitFor({ timeout: 15_000 });
    await focusView(page, "Task Functions");
    assert.equal(await viewPane(page, "Tasks").isVisible(), true, "expected the Tasks view to stay visible beside Task Functions");
    const rows = await treeRows(page);
    console.log(`      tree rows: ${JSON.stringify(rows)}`);
    await shot(page, "views");
  });

  it("opens the dashboard webview from the command palette", async () => {
    const page = workbench();
    await runCommand(page, "Taskflow: Open Dashboard");
    const dashboard = await webviewFrame(page, "Taskflow Dashboard");
    await dashboard.getByText("Taskflow Dashboard").first().waitFor({ timeout: 15_000 });
    await shot(page, "dashboard");
  });
});
