// A task module in the editor: the CodeLens row above each task, Run from the lens, the failure's
// line marked in red with the error (also in a hover), and the mark gone once a later run succeeds.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { waitFor } from "../vscode/lib/waitFor";
import { workbench, workspaceFolder } from "./fixture";
import { runCommand, shot } from "./workbench";

const FAILING = `import { task, taskLog } from "taskflow";

export const lensGreeting = task({ retries: 0 }, async () => {
  taskLog("hello from the lens");
});

export const lensImport = task(async () => {
  taskLog("importing");
  throw new Error("lens demo: the import file is missing");
});
`;
const FIXED = FAILING.replace(`  throw new Error("lens demo: the import file is missing");\n`, `  return "imported";\n`);

/** The text of every CodeLens link in the editor, top to bottom. */
async function lensTexts(page: Page): Promise<string[]> {
  return page.locator(".monaco-editor .codelens-decoration a").allInnerTexts();
}

/** The text of the `after` decorations on the editor's lines (VS Code draws them as CSS content). */
async function afterLineTexts(page: Page): Promise<string[]> {
  return page.locator(".monaco-editor .view-lines").first().evaluate((root) => {
    const texts: string[] = [];
    for (const span of Array.from(root.querySelectorAll("span"))) {
      const content = getComputedStyle(span, "::after").content;
      if (content && content !== "none" && content !== "normal") texts.push(content.replace(/^"|"$/g, ""));
    }
    return texts;
  });
}

async function clickLens(page: Page, title: string, nth: number): Promise<void> {
  await page.locator(".monaco-editor .codelens-decoration a", { hasText: new RegExp(`^${title}$`) }).nth(nth).click();
}

describe("CodeLens in a task module (UI)", () => {
  const file = () => path.join(workspaceFolder(), "lensdemo.tasks.ts");

  after(() => fs.rmSync(file(), { force: true }));

  it("shows Run, Debug and Run with arguments... above each task, and the outcome and the failure's line after a failed run", async () => {
    const page = workbench();
    fs.writeFileSync(file(), FAILING);
    await runCommand(page, "Go to File...", /^Go to File/);
    await page.locator(".quick-input-widget .quick-input-box input").fill("lensdemo.tasks.ts");
    await page.locator(".quick-input-widget .quick-input-list .monaco-list-row", { hasText: "lensdemo.tasks.ts" }).first().click();
    let lenses: string[] = [];
    await waitFor(async () => (lenses = await lensTexts(page)).filter((t) => t === "Run").length === 2, {
      what: "a Run lens above each of the two tasks",
      timeoutMs: 45_000,
      intervalMs: 250,
      diagnose: () => `lenses: ${JSON.stringify(lenses)}`,
    });
    await shot(page, "codelens-before-run");

    await clickLens(page, "Run", 1);
    await waitFor(async () => (lenses = await lensTexts(page)).some((t) => /^✗ failed \d+ s ago$/.test(t)), {
      what: "the outcome lens \"✗ failed N s ago\" above lensImport",
      timeoutMs: 45_000,
      intervalMs: 250,
      diagnose: () => `lenses: ${JSON.stringify(lenses)}`,
    });
    let marks: string[] = [];
    await waitFor(async () => (marks = await afterLineTexts(page)).some((t) => t.includes("lensImport: lens demo: the import file is missing")), {
      what: "the red mark with the error after the throw line",
      timeoutMs: 15_000,
      intervalMs: 250,
      diagnose: () => `after-line texts: ${JSON.stringify(marks)}`,
    });
    await shot(page, "codelens-failed-run");

    await page.locator(".monaco-editor .view-line", { hasText: "throw new Error" }).first().hover();
    const hover = page.locator(".monaco-hover", { hasText: "lensImport failed" }).first();
    await hover.waitFor({ timeout: 15_000 });
    // The hover fades in: the shot waits until it is drawn in full.
    await waitFor(async () => (await hover.evaluate((el) => getComputedStyle(el.closest(".monaco-hover") ?? el).opacity)) === "1", {
      what: "the failure hover to finish fading in",
      timeoutMs: 5_000,
      intervalMs: 100,
    });
    await shot(page, "failure-hover");
  });

  it("gives the module the \"taskflow\" types from the packaged TypeScript plugin: a hover with the config's docs", async () => {
    const page = workbench();
    await runCommand(page, "Go to File...", /^Go to File/);
    await page.locator(".quick-input-widget .quick-input-box input").fill("lensdemo.tasks.ts");
    await page.locator(".quick-input-widget .quick-input-list .monaco-list-row", { hasText: "lensdemo.tasks.ts" }).first().click();
    const retries = page.locator(".monaco-editor .view-line span", { hasText: /^\s*retries\s*$/ }).first();
    await retries.waitFor({ timeout: 15_000 });
    const hover = page.locator(".monaco-hover", { hasText: "Attempts allowed after the first failure" }).first();
    // The TypeScript server may still be loading the project: hover again until it answers.
    await waitFor(async () => {
      await page.mouse.move(0, 0);
      await retries.hover();
      return hover.waitFor({ state: "visible", timeout: 3_000 }).then(() => true, () => false);
    }, { what: "a hover on retries with TaskConfig's docs", timeoutMs: 60_000, intervalMs: 500 });
    await shot(page, "taskflow-types-hover");
  });

  it("clears the failure's mark when a later run succeeds", async () => {
    const page = workbench();
    fs.writeFileSync(file(), FIXED);
    await runCommand(page, "Go to File...", /^Go to File/);
    await page.locator(".quick-input-widget .quick-input-box input").fill("lensdemo.tasks.ts");
    await page.locator(".quick-input-widget .quick-input-list .monaco-list-row", { hasText: "lensdemo.tasks.ts" }).first().click();
    // The module reloads from disk: the Run lens then runs the fixed code.
    await waitFor(async () => (await page.locator(".monaco-editor .view-line", { hasText: 'return "imported"' }).count()) > 0, {
      what: "the editor to show the fixed module",
      timeoutMs: 15_000,
      intervalMs: 250,
    });
    let lenses: string[] = [];
    let marks: string[] = [];
    await waitFor(async () => {
      lenses = await lensTexts(page);
      if (lenses.some((t) => /^✓ \d+ s ago$/.test(t))) return true;
      if (lenses.filter((t) => t === "Run").length === 2) await clickLens(page, "Run", 1);
      return false;
    }, {
      what: "the outcome lens \"✓ N s ago\" above lensImport after running the fixed module",
      timeoutMs: 45_000,
      intervalMs: 2_000,
      diagnose: () => `lenses: ${JSON.stringify(lenses)}`,
    });
    await waitFor(async () => !(marks = await afterLineTexts(page)).some((t) => t.includes("lensImport")), {
      what: "the failure's mark to be gone",
      timeoutMs: 15_000,
      intervalMs: 250,
      diagnose: () => `after-line texts: ${JSON.stringify(marks)}`,
    });
    await shot(page, "codelens-fixed-run");
  });
});
