// A durable run in the task panel as a person sees it: a task module that waits for an approval with
// a schema; its panel shows the form generated from the schema, refuses a bad value under its field
// with Submit disabled, takes the fixed value, and the run resumes to success; the timeline shows its
// steps and the wait, and a click on a step shows its value. Screenshots of the form in light and
// dark, of the timeline in those and both high contrast themes.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { FrameLocator, Page } from "playwright-core";
import { waitFor } from "../vscode/lib/waitFor";
import { workbench, workspaceFolder } from "./fixture";
import { answerArguments, commandWithPicker, focusView, notification, pickQuickInput, setTheme, shot, stepTimeoutMs, treeRows, webviewFrame, withTasksViewFolded } from "./workbench";

const MODULE = "approvalDemo.tasks.ts";
const TASK = "approveAccount";
const MODULE_SOURCE = `import { task, taskLog, step, waitForInput } from "taskflow";

export const ${TASK} = task(async (user: string) => {
  const account = await step("create account", () => {
    taskLog(\`creating the account of \${user}\`);
    return { id: 42, user };
  });
  await step("send welcome", () => \`welcome mail sent to \${user}\`);
  const answer = (await waitForInput("approval", {
    prompt: \`Approve the account of \${user}?\`,
    schema: {
      type: "object",
      required: ["approve", "seats"],
      properties: {
        approve: { type: "boolean", title: "Approve", description: "Let the account be used" },
        seats: { type: "integer", title: "Seats", description: "How many people may sign in, 1 to 10", minimum: 1, maximum: 10 },
        plan: { enum: ["free", "team", "enterprise"], title: "Plan", default: "team" },
        note: { type: "string", title: "Note", maxLength: 80 },
      },
    },
  })) as { approve: boolean; seats: number; plan: string };
  const activated = await step("activate", () => ({ ...account, seats: answer.seats, plan: answer.plan }));
  return { approved: answer.approve, ...activated };
});
`;

async function openTaskPanel(page: Page): Promise<string> {
  return waitFor(async () => {
    const tabs = (await page.locator(".tabs-container .tab .label-name").allInnerTexts()).filter((t) => t.startsWith(`${TASK} · `));
    return tabs[0];
  }, { what: `a task panel tab titled "${TASK} · <id>"`, timeoutMs: stepTimeoutMs });
}

/** Takes a screenshot in each theme, ending in Dark Modern as the other UI tests leave the workbench. */
async function themed(page: Page, title: string, name: string, ready: (panel: FrameLocator) => Promise<void>, themes = ["Light Modern", "Dark Modern"]): Promise<void> {
  for (const theme of themes) {
    await setTheme(page, theme);
    await ready(await webviewFrame(page, title));
    await shot(page, `${name} ${theme}`);
  }
}

describe("Durable runs in the task panel (UI)", function () {
  this.timeout(180_000);
  after(() => fs.rmSync(path.join(workspaceFolder(), MODULE), { force: true }));

  it("refuses a bad value under its field, resumes the run with the fixed one, and draws its steps on the timeline", async () => {
    const page = workbench();
    fs.writeFileSync(path.join(workspaceFolder(), MODULE), MODULE_SOURCE);
    const functions = await focusView(page, "Task Functions");
    await withTasksViewFolded(page, () => waitFor(async () => (await treeRows(page, functions)).some((row) => row.includes(TASK)), {
      what: `the Task Functions view to list ${TASK} from ${MODULE}`, timeoutMs: 30_000, intervalMs: 250,
    }));

    await commandWithPicker(page, "Taskflow: Run Task...");
    await pickQuickInput(page, TASK);
    await answerArguments(page, TASK, ["ada"]);
    const toast = await notification(page, `started ${TASK}`);
    await toast.getByRole("button", { name: "Show Task" }).click();
    const title = await openTaskPanel(page);
    let panel = await webviewFrame(page, title);
    await panel.locator("#status", { hasText: "waiting" }).waitFor({ timeout: 30_000 });

    const form = panel.locator("#input-form");
    await form.waitFor({ state: "visible", timeout: stepTimeoutMs });
    assert.equal((await panel.locator("#input-prompt").innerText()).trim(), "Approve the account of ada?");
    assert.deepEqual(await form.locator(".input-field > label, .input-field vscode-checkbox").allInnerTexts().then((l) => l.map((t) => t.trim())), ["Approve *", "Seats *", "Plan", "Note"]);
    assert.equal(await panel.locator("#input-plan").evaluate((e) => (e as unknown as { value: string }).value), "1", "the default plan, team, is chosen");

    await panel.locator("#input-approve").click();
    await panel.locator("#input-seats input").fill("0");
    const seatsError = panel.locator("#input-seats-error");
    await seatsError.waitFor({ state: "visible", timeout: stepTimeoutMs });
    assert.equal((await seatsError.innerText()).trim(), "0 is less than 1");
    assert.equal(await panel.locator("#input-submit").getAttribute("disabled"), "", "Submit is disabled while the value is refused");
    await themed(page, title, "input form refusing a bad value", (p) => p.locator("#input-seats-error").waitFor({ state: "visible", timeout: stepTimeoutMs }));

    panel = await webviewFrame(page, title);
    await panel.locator("#input-seats input").fill("3");
    await seatsError.waitFor({ state: "hidden", timeout: stepTimeoutMs });
    assert.equal(await panel.locator("#input-submit").getAttribute("disabled"), null, "Submit is enabled once the value is valid");
    await panel.locator("#input-submit").click();
    await panel.locator("#status", { hasText: "success" }).waitFor({ timeout: 30_000 });
    await form.waitFor({ state: "hidden", timeout: stepTimeoutMs });
    assert.match(await panel.locator("#result-json").innerText(), /"seats": 3/);

    const rows = panel.locator("#timeline-rows .tl-row");
    await waitFor(async () => (await rows.count()) >= 5, { what: "the timeline to draw the attempt, three steps and the wait", timeoutMs: stepTimeoutMs });
    const labels = (await rows.locator(".tl-label").allTextContents()).map((t) => t.trim());
    assert.deepEqual(labels, ["attempt 1", "create account#1", "send welcome#1", "input:approval#1", "activate#1"]);
    await panel.locator('[data-row-id="step:send welcome#1"]').click();
    await panel.locator("#step-detail-value", { hasText: "welcome mail sent to ada" }).waitFor({ timeout: stepTimeoutMs });
    await panel.locator("#timeline").scrollIntoViewIfNeeded();
    await themed(page, title, "timeline of the resumed run", async (p) => {
      await p.locator("#step-detail-value").waitFor({ state: "visible", timeout: stepTimeoutMs });
      await p.locator("#timeline").scrollIntoViewIfNeeded();
    }, ["Light Modern", "Light High Contrast", "Dark High Contrast", "Dark Modern"]);
  });
});
