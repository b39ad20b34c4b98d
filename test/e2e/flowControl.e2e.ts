// Flow control per key as a person sees it: a task with one run per key at a time shows its rule in
// the Task Functions view; a second run of a busy key waits in the Tasks view saying why, and its
// task panel says the same, in light and dark themes; it starts once the first run finishes.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "../vscode/lib/harness";
import { workbench, workspaceFolder } from "./fixture";
import {
  answerArguments, commandWithPicker, focusView, notification, pickQuickInput, setTheme, shot, stepTimeoutMs, treeRow, waitForRows,
  webviewFrame, withTasksViewFolded,
} from "./workbench";

const MODULE = "flowDemo.tasks.ts";
const TASK = "syncAccount";
const MODULE_SOURCE = `import { task, taskLog } from "taskflow";

export const ${TASK} = task({ concurrency: { key: "args[0]", limit: 1 } }, async (user: string, seconds: number) => {
  taskLog(\`syncing \${user}\`);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return user;
});
`;

/** Runs syncAccount through the taskflow CLI, as a terminal in the workspace would: it reaches the window's engine. */
async function runSyncFromCli(user: string, seconds: number): Promise<string> {
  const cli = path.join(repoRoot, "dist", "cli.js");
  const { stdout } = await promisify(execFile)(process.execPath, [cli, "run", TASK, "--args", JSON.stringify([user, seconds]), "--workspace", workspaceFolder(), "--json"], { timeout: 30_000 });
  return (JSON.parse(stdout) as { taskId: string }).taskId;
}

async function runSync(user: string, seconds: number): Promise<void> {
  const page = workbench();
  await commandWithPicker(page, "Taskflow: Run Task...");
  await pickQuickInput(page, TASK);
  await answerArguments(page, TASK, [user, String(seconds)]);
}

describe("Flow control per key in the workbench (UI)", function () {
  this.timeout(180_000);
  after(() => fs.rmSync(path.join(workspaceFolder(), MODULE), { force: true }));

  it("shows the rule in the Task Functions view, and a held run says why in its row and its panel", async () => {
    const page = workbench();
    fs.writeFileSync(path.join(workspaceFolder(), MODULE), MODULE_SOURCE);
    const functions = await focusView(page, "Task Functions");
    await withTasksViewFolded(page, async () => {
      await waitForRows(page, functions, `${TASK} listed with its rule`, (rows) => rows.some((r) => r.startsWith(TASK) && r.includes("1 per args[0]")));
      await treeRow(functions, new RegExp(`^${TASK}`)).scrollIntoViewIfNeeded();
      await shot(page, "flow control rule in the Task Functions view");
    });

    await runSync("ada", 25);
    await notification(page, `started ${TASK}`);
    await runSyncFromCli("ada", 1);
    await runSyncFromCli("bob", 25);
    const tasks = await focusView(page, "Tasks");
    const rows = await waitForRows(page, tasks, "the second run of ada held by its key", (r) => r.some((row) => row.includes("held: 1 running for key ada")));
    assert.equal(rows.filter((row) => row.includes("held:")).length, 1, `only ada's second run is held (bob's runs alongside): ${JSON.stringify(rows)}`);

    for (const theme of ["Light Modern", "Dark Modern"]) {
      await setTheme(page, theme);
      await shot(page, `held run in the Tasks view ${theme}`);
    }
    await treeRow(tasks, /held: 1 running for key ada/).click();
    const title = await page.locator(".tabs-container .tab .label-name", { hasText: new RegExp(`^${TASK} · `) }).first().innerText({ timeout: stepTimeoutMs });
    const panel = await webviewFrame(page, title);
    const hold = panel.locator("#hold");
    await hold.waitFor({ state: "visible", timeout: stepTimeoutMs });
    assert.equal((await hold.innerText()).trim(), "held: 1 running for key ada");
    for (const theme of ["Light Modern", "Dark Modern"]) {
      await setTheme(page, theme);
      await (await webviewFrame(page, title)).locator("#hold").waitFor({ state: "visible", timeout: stepTimeoutMs });
      await shot(page, `held run in its task panel ${theme}`);
    }

    // Once ada's first run ends, the held one starts and finishes; the line goes from the panel.
    await (await webviewFrame(page, title)).locator("#status", { hasText: "success" }).waitFor({ timeout: 60_000 });
    assert.equal(await (await webviewFrame(page, title)).locator("#hold").isVisible(), false);
    await shot(page, "held run finished after its key freed");
  });
});
