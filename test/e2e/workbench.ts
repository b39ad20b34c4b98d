// Helpers that drive the VS Code workbench (code-server) the way a person does. Selectors were
// checked on VS Code 1.96 (code-server 4.96.4).
import * as fs from "node:fs";
import * as path from "node:path";
import type { FrameLocator, Locator, Page } from "playwright-core";
import { resultsDir } from "../vscode/lib/harness";
import { waitFor } from "../vscode/lib/waitFor";

/** Where {@link shot} writes screenshots (kept by CI). */
export const shotsDir = path.join(resultsDir, "e2e");

/** How long a UI step may take before it fails, in milliseconds. */
export const stepTimeoutMs = 15_000;

const quickInput = ".quick-input-widget";

/**
 * Runs a command from the command palette by its full title ("Taskflow: Open Dashboard"): F1, type
 * the title, click the row whose label is exactly that title (or matches `exact`). Enter is never
 * pressed, since it runs the top fuzzy match, which can be another command.
 */
export async function runCommand(page: Page, title: string, exact: RegExp = new RegExp(`^${escapeRegExp(title)}$`)): Promise<void> {
  const input = page.locator(`${quickInput} .quick-input-box input`);
  const typed = `>${title}`;
  // The palette can close again right after it opens (focus moving to a view or webview that was
  // still settling); open it again rather than wait on a hidden box.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press("Escape");
    await page.keyboard.press("F1");
    try {
      await input.waitFor({ state: "visible", timeout: stepTimeoutMs });
      await input.fill(typed, { timeout: 5_000 });
      break;
    } catch (error) {
      if (attempt >= 3) throw new Error(`the command palette did not stay open to run "${title}" (3 tries): ${(error as Error).message.split("\n")[0]}`);
    }
  }
  const row = page.locator(`${quickInput} .quick-input-list .monaco-list-row`).filter({
    has: page.locator(".label-name", { hasText: exact }),
  });
  try {
    await row.first().waitFor({ timeout: stepTimeoutMs });
  } catch {
    const offered = await page.locator(`${quickInput} .quick-input-list .monaco-list-row .label-name`).allInnerTexts();
    throw new Error(`expected the command palette to offer "${title}", got: ${JSON.stringify(offered)}`);
  }
  await row.first().click();
  // Done when the palette closes, or when the command has put its own quick pick or input box in its place.
  const widget = page.locator(quickInput);
  await waitFor(async () => !(await widget.isVisible()) || (await input.inputValue()) !== typed, {
    what: `the command palette to close after running "${title}"`,
    timeoutMs: stepTimeoutMs,
  });
}

/**
 * Runs a command that shows a quick pick and picks `label` in it. A quick pick closes when focus
 * leaves it, and on a loaded machine a click or refresh still settling in a view can take the focus
 * right after the command opened it: then the command is run again, as a person would.
 */
export async function runCommandAndPick(page: Page, title: string, label: string | RegExp): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await runCommand(page, title);
    try {
      await pick(page, label);
      return;
    } catch (error) {
      const open = await page.locator(`${quickInput} .quick-input-box input`).isVisible();
      if (open || attempt === 3) throw error;
    }
  }
}

/**
 * Picks the item labelled `label` in the quick pick that is open (one a command showed): types the
 * label to filter, then clicks the row whose label is exactly `label` (or matches it, for a RegExp).
 */
export async function pick(page: Page, label: string | RegExp): Promise<void> {
  const input = page.locator(`${quickInput} .quick-input-box input`);
  await input.waitFor({ state: "visible", timeout: stepTimeoutMs });
  if (typeof label === "string") {
    await input.fill(label);
  }
  const exact = typeof label === "string" ? new RegExp(`^${escapeRegExp(label)}$`) : label;
  const row = page.locator(`${quickInput} .quick-input-list .monaco-list-row`).filter({ has: page.locator(".label-name", { hasText: exact }) }).first();
  try {
    await row.waitFor({ timeout: stepTimeoutMs });
  } catch {
    const offered = await page.locator(`${quickInput} .quick-input-list .monaco-list-row .label-name`).allInnerTexts();
    throw new Error(`expected the quick pick to offer ${String(label)}, got: ${JSON.stringify(offered)}`);
  }
  await row.click();
}

/** Answers the input box that is open (one a command showed) with `text` and Enter. */
export async function answer(page: Page, text: string): Promise<void> {
  const input = page.locator(`${quickInput} .quick-input-box input`);
  await input.waitFor({ state: "visible", timeout: stepTimeoutMs });
  await input.fill(text);
  await input.press("Enter");
}

/**
 * Answers Run Task's typed prompts for `task`, one input box per parameter in order (titled
 * "Run <task>: <parameter> (i/n)"), with the texts given; each box is awaited by its title, since
 * the quick input widget is reused from one box to the next.
 */
export async function answerArguments(page: Page, task: string, answers: string[]): Promise<void> {
  for (let i = 0; i < answers.length; i++) {
    const title = new RegExp(`^Run ${escapeRegExp(task)}: .+ \\(${i + 1}/${answers.length}\\)$`);
    await page.locator(`${quickInput} .quick-input-title`, { hasText: title }).waitFor({ timeout: stepTimeoutMs });
    await answer(page, answers[i]);
  }
}

/**
 * Shows and focuses a view by its name ("Tasks") through the palette's "Focus on <name> View";
 * clicking an activity-bar icon would hide the sidebar when its view already shows. Returns the view's pane.
 */
export async function focusView(page: Page, name: string): Promise<Locator> {
  // The palette prefixes the generated command with the view container's title ("Taskflow: Focus on Tasks View").
  await runCommand(page, `Focus on ${name} View`, new RegExp(`^(.+: )?Focus on ${escapeRegExp(name)} View$`));
  const pane = viewPane(page, name);
  await pane.waitFor({ state: "visible", timeout: stepTimeoutMs });
  const header = pane.locator(".pane-header");
  if ((await header.getAttribute("aria-expanded")) === "false") {
    await header.click();
  }
  await pane.locator(".pane-body").waitFor({ state: "visible", timeout: stepTimeoutMs });
  return pane;
}

/**
 * Runs `fn` with the Tasks view folded, then unfolds it: a tree renders only the rows in view, and
 * the example workspace has more task functions than the Task Functions view shows beside the Tasks view.
 */
export async function withTasksViewFolded<T>(page: Page, fn: () => Promise<T>): Promise<T> {
  const header = viewPane(page, "Tasks").locator(".pane-header");
  const folded = (await header.getAttribute("aria-expanded")) === "true";
  if (folded) await header.click();
  try {
    return await fn();
  } finally {
    if (folded && (await header.getAttribute("aria-expanded")) === "false") await header.click();
  }
}

/** The sidebar pane of the view named `name` (header and body). */
export function viewPane(page: Page, name: string): Locator {
  return page.locator(".part.sidebar .pane").filter({
    has: page.locator(".pane-header .title", { hasText: new RegExp(`^${escapeRegExp(name)}$`, "i") }),
  });
}

/** The visible labels of the tree rows in a view's pane (default: every visible pane in the sidebar). */
export async function treeRows(page: Page, pane?: Locator): Promise<string[]> {
  const scope = pane ?? page.locator(".part.sidebar");
  const rows = scope.locator('.pane-body .monaco-list-row[role="treeitem"]');
  return (await rows.allInnerTexts()).map((text) => text.trim().replace(/\s+/g, " "));
}

/** The first tree row in `pane` whose text matches. */
export function treeRow(pane: Locator, text: RegExp): Locator {
  return pane.locator('.pane-body .monaco-list-row[role="treeitem"]').filter({ hasText: text }).first();
}

/** Waits until the rows of `pane` pass `check` (read every 250 ms, for up to 30 s) and returns them. */
export async function waitForRows(page: Page, pane: Locator, what: string, check: (rows: string[]) => boolean): Promise<string[]> {
  let rows: string[] = [];
  await waitFor(async () => check((rows = await treeRows(page, pane))), {
    what,
    timeoutMs: 30_000,
    intervalMs: 250,
    diagnose: () => `rows: ${JSON.stringify(rows)}`,
  });
  return rows;
}

/**
 * The content of the webview whose editor tab is titled `tabTitle`: activates that tab, then enters
 * the visible webview host frame and its active inner frame, where the extension's HTML is.
 */
export async function webviewFrame(page: Page, tabTitle: string): Promise<FrameLocator> {
  const tab = page.locator(".tabs-container .tab", { hasText: tabTitle }).first();
  try {
    await tab.waitFor({ timeout: stepTimeoutMs });
  } catch {
    const tabs = await page.locator(".tabs-container .tab").allInnerTexts();
    throw new Error(`expected an editor tab titled "${tabTitle}", got tabs: ${JSON.stringify(tabs)}`);
  }
  await tab.click();
  // Hidden webviews keep their frames; only the active editor's is visible.
  const host = page.locator("iframe.webview.ready:visible");
  await host.first().waitFor({ timeout: stepTimeoutMs });
  const content = page.frameLocator("iframe.webview.ready:visible").frameLocator("iframe#active-frame");
  await content.locator("body").waitFor({ timeout: stepTimeoutMs });
  return content;
}

/**
 * Clicks a row's inline action (shown on hover) by its title. The tree re-renders its rows when tasks
 * change, which drops the hover: hover again until the action shows.
 */
export async function inlineAction(target: Locator, title: string): Promise<void> {
  const action = target.locator(`.actions .action-label[aria-label^="${title}"]`);
  await waitFor(async () => {
    await target.hover();
    return action.isVisible();
  }, { what: `the row's inline "${title}" action to show on hover`, timeoutMs: stepTimeoutMs, intervalMs: 250 });
  await action.click();
}

/** Waits for a notification toast containing `text` and returns it. */
export async function notification(page: Page, text: string | RegExp): Promise<Locator> {
  const toast = page.locator(".notifications-toasts .notification-list-item", {
    has: page.locator(".notification-list-item-message", { hasText: text }),
  }).first();
  try {
    await toast.waitFor({ timeout: stepTimeoutMs });
  } catch {
    const shown = await page.locator(".notifications-toasts .notification-list-item-message").allInnerTexts();
    throw new Error(`expected a notification with ${String(text)}, got: ${JSON.stringify(shown)}`);
  }
  return toast;
}

/**
 * Clicks a Tasks view row to open its task panel, titled `tabTitle`, and returns the panel's content.
 * A click that lands while the view refreshes runs the row's replaced command, which VS Code refuses
 * with "Actual command not found" (microsoft/vscode#173233); a person clicks again, and so does this.
 */
export async function openTaskRow(page: Page, row: Locator, tabTitle: string): Promise<FrameLocator> {
  const tab = page.locator(".tabs-container .tab", { hasText: tabTitle }).first();
  const refused = page.locator(".notifications-toasts .notification-list-item", { hasText: "Actual command not found" });
  await row.click();
  await waitFor(async () => {
    if (await tab.isVisible()) return true;
    if (await refused.count()) {
      await refused.first().locator(".codicon-notifications-clear").click().catch(() => undefined);
      await row.click();
      return false;
    }
    return false;
  }, { what: `the task panel "${tabTitle}" to open from its row`, timeoutMs: stepTimeoutMs, intervalMs: 500 });
  return webviewFrame(page, tabTitle);
}

/**
 * Runs the example workspace's hello from the palette with `argument` as its name, and returns the
 * "Taskflow: started hello" notification once it shows.
 */
export async function runHello(page: Page, argument: string): Promise<Locator> {
  await runCommand(page, "Taskflow: Run Task...");
  await pick(page, "hello");
  const input = page.locator(".quick-input-widget .quick-input-box input");
  await page.locator(".quick-input-widget .quick-input-title", { hasText: "Run hello: name (1/1)" }).waitFor({ timeout: stepTimeoutMs });
  await input.fill(argument);
  await input.press("Enter");
  return notification(page, "Taskflow: started hello");
}

/** Types `text` into the open quick input and clicks the first row that shows it (a leading `>` is the palette's). */
export async function pickQuickInput(page: Page, text: string): Promise<void> {
  const input = page.locator(".quick-input-widget .quick-input-box input");
  await input.waitFor({ state: "visible", timeout: stepTimeoutMs });
  await input.fill(text);
  const label = text.replace(/^>/, "");
  const row = page.locator(".quick-input-widget .quick-input-list .monaco-list-row").filter({ hasText: label }).first();
  await row.waitFor({ timeout: stepTimeoutMs });
  await row.click();
}

/**
 * Reloads the window through the palette, as a person does (the workbench saves the open editors
 * first), and resolves once the new workbench is up; the extension host then starts again.
 */
export async function reloadWindow(page: Page): Promise<void> {
  const navigated = page.waitForEvent("framenavigated", { predicate: (frame) => frame === page.mainFrame(), timeout: 60_000 });
  await page.keyboard.press("Escape");
  await page.keyboard.press("F1");
  await pickQuickInput(page, ">Developer: Reload Window");
  await navigated;
  await page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
}

/**
 * Runs a palette command that opens a picker of its own in the same quick-input widget (so the
 * widget never hides, which the shared runCommand waits for), and resolves once that picker is up.
 */
export async function commandWithPicker(page: Page, title: string): Promise<void> {
  await page.keyboard.press("Escape");
  await page.keyboard.press("F1");
  await pickQuickInput(page, `>${title}`);
  const input = page.locator(".quick-input-widget .quick-input-box input");
  await waitFor(async () => !(await input.inputValue()).startsWith(">"), { what: `the picker of "${title}" to open`, timeoutMs: stepTimeoutMs });
}

/** Picks a colour theme through "Preferences: Color Theme". */
export async function setTheme(page: Page, theme: string): Promise<void> {
  await commandWithPicker(page, "Preferences: Color Theme");
  const input = page.locator(".quick-input-widget .quick-input-box input");
  await input.fill(theme);
  const row = page.locator(".quick-input-widget .quick-input-list .monaco-list-row").filter({
    has: page.locator(".label-name", { hasText: new RegExp(`^${theme}$`) }),
  });
  await row.first().click();
  await page.locator(".quick-input-widget").waitFor({ state: "hidden", timeout: stepTimeoutMs });
}

let shotCount = 0;

/** Saves a screenshot of the whole window as test-results/e2e/NN-<name>.png and returns its path. */
export async function shot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(shotsDir, { recursive: true });
  shotCount++;
  const file = path.join(shotsDir, `${String(shotCount).padStart(2, "0")}-${slug(name)}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** A file-name-safe form of a test title. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 80);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
