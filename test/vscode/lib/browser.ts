import * as fs from "node:fs";
import * as path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { readInstall } from "./harness";

/** Debian's chromium as Playwright drives it: headless, no sandbox (root in CI), nothing phoning home. */
export async function launchBrowser(profileDir: string): Promise<{ context: BrowserContext; page: Page }> {
  fs.mkdirSync(profileDir, { recursive: true });
  // launchPersistentContext rather than launch: Playwright refuses --user-data-dir in args.
  const context = await chromium.launchPersistentContext(path.resolve(profileDir), {
    executablePath: readInstall().chromium,
    headless: true,
    viewport: { width: 1400, height: 900 },
    // Copy Task ID and Generate Encryption Key's Copy Key write the clipboard; tests read it back.
    permissions: ["clipboard-read", "clipboard-write"],
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}
