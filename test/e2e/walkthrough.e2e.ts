// The walkthrough as a newcomer meets it: "Get Started with Taskflow" opens from the Welcome page,
// and each of its five steps is checked off by doing it in the workbench (New Task
// Module, Run Task, Show Task on a run, Open Dashboard, Debug Task), in light and dark themes. The
// run's task panel shows Copy as CLI Command and Copy as curl, and the copied command is the run's.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Locator, Page } from "playwright-core";
import { waitFor } from "../vscode/lib/waitFor";
import { workbench, workspaceFolder } from "./fixture";
import { answer, commandWithPicker, focusView, notification, pick, reloadWindow, runCommand, setTheme, shot, stepTimeoutMs, webviewFrame } from "./workbench";

const WALKTHROUGH = "taskflow.vscode-taskflow#gettingStarted";
const TITLE = "Get Started with Taskflow";
const MODULE = "walkthrough.tasks.ts";
const STEPS = ["createModule", "runTask", "openPanel", "debugTask", "dashboardOrSchedule"] as const;
type StepId = (typeof STEPS)[number];

/** Opens the Welcome page and, on it, the walkthrough (the way a person finds it). */
async function openWalkthrough(page: Page): Promise<void> {
  await runCommand(page, "Help: Welcome");
  const category = page.locator(`button.getting-started-category[x-dispatch="selectCategory:${WALKTHROUGH}"]`);
  const firstStep = page.locator(`button.getting-started-step[data-step-id="${WALKTHROUGH}#${STEPS[0]}"]`);
  const back = page.locator(".gettingStartedSlideDetails .prev-button");
  try {
    await waitFor(async () => {
      // The steps of a walkthrough not on show stay in the page, disabled.
      if (await firstStep.isVisible() && await firstStep.isEnabled()) return true;
      // The Welcome page may still show another walkthrough (its category buttons are disabled then): go back first.
      if (await category.isVisible() && await category.isEnabled()) await category.click();
      else if (await back.isVisible()) await back.click();
      return false;
    }, { what: `the walkthrough "${TITLE}" to show its steps`, timeoutMs: stepTimeoutMs, intervalMs: 1000 });
  } catch (error) {
    const steps = await page.locator("button.getting-started-step").evaluateAll((buttons) => buttons.map((b) => b.getAttribute("data-step-id")));
    throw new Error(`${(error as Error).message}; steps on the page: ${JSON.stringify(steps)}`);
  }
}

/** Runs hello from Run Task..., answering its one typed prompt; the first typed prompt of a window loads the TypeScript compiler, slow on a loaded machine. */
async function runHelloTyped(page: Page, name: string): Promise<Locator> {
  await commandWithPicker(page, "Taskflow: Run Task...");
  await pick(page, "hello");
  await page.locator(".quick-input-widget .quick-input-title", { hasText: "Run hello: name (1/1)" }).waitFor({ timeout: 60_000 });
  await answer(page, name);
  return notification(page, "Taskflow: started hello");
}

/** Which steps the open walkthrough shows as done. */
async function doneSteps(page: Page): Promise<StepId[]> {
  const done: StepId[] = [];
  for (const step of STEPS) {
    const checked = await page.locator(`button.getting-started-step[data-step-id="${WALKTHROUGH}#${step}"]`).getAttribute("aria-checked", { timeout: stepTimeoutMs });
    if (checked === "true") done.push(step);
  }
  return done;
}

/** Opens the walkthrough again and waits until it shows exactly `expected` as done. */
async function expectDone(page: Page, expected: StepId[]): Promise<void> {
  await openWalkthrough(page);
  let seen: StepId[] = [];
  try {
    await waitFor(async () => {
      seen = await doneSteps(page);
      return seen.join() === expected.join();
    }, { what: `the walkthrough's done steps to be ${expected.join(", ") || "none"}`, timeoutMs: stepTimeoutMs });
  } catch {
    assert.deepEqual(seen, expected, "the walkthrough's done steps");
  }
}

/**
 * A screenshot in Light Modern, then in Dark Modern. Picking a theme can take the editor that was
 * showing away, so `show` brings it back after each switch.
 */
async function shotInThemes(page: Page, name: string, show: () => Promise<unknown>): Promise<void> {
  for (const theme of ["Light Modern", "Dark Modern"]) {
    await setTheme(page, theme);
    const themeClass = theme.startsWith("Dark") ? "vs-dark" : "vs";
    await waitFor(() => page.locator(".monaco-workbench").evaluate((e, c) => e.classList.contains(c), themeClass), { what: `the ${theme} theme to apply`, timeoutMs: stepTimeoutMs });
    await show();
    await shot(page, `${name} ${theme}`);
  }
}

describe("The walkthrough in the workbench (UI)", function () {
  this.timeout(240_000);
  after(() => fs.rmSync(path.join(workspaceFolder(), MODULE), { force: true }));

  it("checks off each of its five steps as it is done, and the run's panel copies it as a command", async () => {
    const page = workbench();
    // Other UI files ran tasks and opened panels in this window already: start from no progress, in a
    // new window session, as a first-time user does (VS Code counts each completion event once per
    // session, so an event seen before the reset would not check its step again).
    await runCommand(page, "View: Close All Editors");
    await runCommand(page, "Developer: Reset Welcome Page Walkthrough Progress");
    await reloadWindow(page);
    await shotInThemes(page, "walkthrough before any step", () => expectDone(page, []));

    await runCommand(page, "Taskflow: New Task Module");
    await answer(page, MODULE);
    await page.locator(".tabs-container .tab", { hasText: MODULE }).waitFor({ timeout: stepTimeoutMs });
    await expectDone(page, ["createModule"]);

    const started = await runHelloTyped(page, "walkthrough's \"guide\"");
    await started.getByRole("button", { name: "Show Task" }).click();
    const tab = page.locator(".tabs-container .tab", { hasText: /^hello · / }).first();
    await tab.waitFor({ timeout: stepTimeoutMs });
    const panel = await webviewFrame(page, (await tab.innerText()).trim());
    await panel.locator("#status", { hasText: "success" }).waitFor({ timeout: 30_000 });
    await panel.locator("#copy-cli").click();
    await panel.locator(".notice.info", { hasText: `Copied: taskflow run hello --args '["walkthrough'\\''s \\"guide\\""]'` }).waitFor({ timeout: stepTimeoutMs });
    await panel.locator("#copy-curl").click();
    await panel.locator(".notice.info", { hasText: "Copied: curl -sS -X POST http://127.0.0.1:8400/tasks -H 'Authorization: Bearer <token>'" }).waitFor({ timeout: stepTimeoutMs });
    const panelTitle = (await tab.innerText()).trim();
    await shotInThemes(page, "task panel with its copy buttons", async () => {
      await focusView(page, "Tasks");
      await (await webviewFrame(page, panelTitle)).locator("#copy-curl").waitFor({ timeout: stepTimeoutMs });
    });
    await expectDone(page, ["createModule", "runTask", "openPanel"]);

    await runCommand(page, "Taskflow: Open Dashboard");
    const dashboard = await webviewFrame(page, "Taskflow Dashboard");
    await dashboard.locator("#tasks tbody tr").first().waitFor({ timeout: 30_000 });
    await shotInThemes(page, "dashboard", async () => (await webviewFrame(page, "Taskflow Dashboard")).locator("#tasks tbody tr").first().waitFor({ timeout: stepTimeoutMs }));
    await expectDone(page, ["createModule", "runTask", "openPanel", "dashboardOrSchedule"]);
    // A step with an image, as the walkthrough shows it in each theme.
    await shotInThemes(page, "walkthrough step with its image", async () => {
      await expectDone(page, ["createModule", "runTask", "openPanel", "dashboardOrSchedule"]);
      await page.locator(`button.getting-started-step[data-step-id="${WALKTHROUGH}#openPanel"]`).click();
      await page.locator(".getting-started-media img").first().waitFor({ timeout: stepTimeoutMs });
    });

    // The step completes when Debug Task runs; leaving its picker is enough.
    await commandWithPicker(page, "Taskflow: Debug Task...");
    await page.keyboard.press("Escape");
    // A walkthrough with every step done leaves the Welcome page's list (it moves under More...).
    await runCommand(page, "Help: Welcome");
    const listed = page.locator(`.gettingStartedSlideCategories button.getting-started-category[x-dispatch="selectCategory:${WALKTHROUGH}"]`);
    await waitFor(async () => !(await listed.isVisible()), { what: "the finished walkthrough to leave the Welcome page's list", timeoutMs: stepTimeoutMs });
    await shot(page, "welcome page once every step is done");
  });
});
