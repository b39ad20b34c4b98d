// Set Encryption Key through its password box and Generate Encryption Key with its follow-up Copy
// Key button, observed as a person sees them: the task panel of a run afterwards shows its
// arguments as encrypted. The last test removes the key, so later files store arguments in clear.
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { Page } from "playwright-core";
import { waitFor } from "../vscode/lib/waitFor";
import { workbench } from "./fixture";
import { notification, runCommand, runHello, shot, stepTimeoutMs, webviewFrame } from "./workbench";

/** A Fernet key as Python's Fernet.generate_key() writes it: URL-safe base64 of 32 bytes, padded. */
const FERNET_KEY = /^[A-Za-z0-9_-]{43}=$/;

function fernetKey(): string {
  return randomBytes(32).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}

async function readClipboard(page: Page): Promise<string> {
  return page.evaluate(() => navigator.clipboard.readText());
}

/** The Set Encryption Key box, once its title shows (the quick input widget is reused between boxes). */
async function openKeyBox(page: Page) {
  await runCommand(page, "Taskflow: Set Encryption Key");
  await page.locator(".quick-input-widget .quick-input-title", { hasText: "Taskflow: Set Encryption Key" }).waitFor({ timeout: stepTimeoutMs });
  return page.locator(".quick-input-widget .quick-input-box input");
}

/** Runs hello from the palette, opens its task panel from the notification and returns the panel once the run succeeded. */
async function runHelloAndShowPanel(page: Page, argument: string) {
  const toast = await runHello(page, argument);
  await toast.getByRole("button", { name: "Show Task" }).click();
  const title = await waitFor(async () => (await page.locator(".tabs-container .tab .label-name").allInnerTexts()).find((t) => t.startsWith("hello · ")), {
    what: 'a task panel tab titled "hello · <id>"',
    timeoutMs: stepTimeoutMs,
  });
  const panel = await webviewFrame(page, title);
  await panel.locator("#status", { hasText: "success" }).waitFor({ timeout: 30_000 });
  // The arguments are on the panel's second tab.
  await panel.locator("#tab-args").click();
  return panel;
}

describe("Taskflow encryption key commands (UI)", function () {
  // Each key change restarts the engine, which compiles the workspace's modules again on two shared cores.
  this.timeout(120_000);
  let setKey = "";

  it("asks for the key in a password box, refuses a malformed one, and encrypts the next task's arguments", async () => {
    const page = workbench();
    const input = await openKeyBox(page);
    assert.equal(await input.getAttribute("type"), "password", "the key is typed into a password box");
    await input.fill("not-a-fernet-key");
    const message = page.locator(".quick-input-widget .quick-input-message");
    await message.filter({ hasText: /A Fernet key decodes to 32 bytes, got \d+/ }).waitFor({ timeout: stepTimeoutMs });
    assert.ok(!(await message.innerText()).includes("not-a-fernet-key"), "the error never repeats what was typed");
    await shot(page, "set-encryption-key-invalid");
    setKey = fernetKey();
    await input.fill(setKey);
    await input.press("Enter");
    await notification(page, "Taskflow: encryption key set.");

    const panel = await runHelloAndShowPanel(page, "encrypted by a set key");
    await panel.locator(".args .encrypted", { hasText: "encrypted" }).waitFor({ timeout: stepTimeoutMs });
    assert.equal(await panel.locator(".args pre.json").count(), 0, "no argument is shown");
    await shot(page, "task-panel-encrypted-after-set-key");
  });

  it("generates a replacement key after a confirmation and copies it from the notification", async () => {
    const page = workbench();
    await page.evaluate(() => navigator.clipboard.writeText("clipboard before Copy Key"));
    await runCommand(page, "Taskflow: Generate Encryption Key");
    const replace = page.locator(".monaco-dialog-box .monaco-button", { hasText: /^Replace$/ });
    await replace.waitFor({ timeout: stepTimeoutMs });
    await shot(page, "generate-key-replace-confirm");
    await replace.click();
    const toast = await notification(page, "a new encryption key is stored in VS Code's secret storage");
    await toast.getByRole("button", { name: "Copy Key" }).click();
    let copied = "";
    await waitFor(async () => FERNET_KEY.test((copied = await readClipboard(page))), {
      what: "the Copy Key button to put a Fernet key on the clipboard",
      timeoutMs: stepTimeoutMs,
      diagnose: () => `clipboard: ${copied.length} characters${copied === "clipboard before Copy Key" ? " (unchanged)" : ""}`,
    });
    assert.notEqual(copied, setKey, "a new key, not the one set before");

    // The run succeeding shows the engine decrypts with the generated key.
    const panel = await runHelloAndShowPanel(page, "encrypted by a generated key");
    await panel.locator(".args .encrypted", { hasText: "encrypted" }).waitFor({ timeout: stepTimeoutMs });
    await shot(page, "task-panel-encrypted-after-generate");
  });

  it("removes the key when the password box is answered with nothing; the next task's arguments show", async () => {
    const page = workbench();
    const input = await openKeyBox(page);
    await input.fill("");
    await input.press("Enter");
    await notification(page, "Taskflow: encryption key removed.");
    const panel = await runHelloAndShowPanel(page, "in clear again");
    await panel.locator(".args pre.json", { hasText: "in clear again" }).waitFor({ timeout: stepTimeoutMs });
    assert.equal(await panel.locator(".args .encrypted").count(), 0);
  });
});
