// Root hooks for the UI suite (test/e2e/*.e2e.ts): one code-server with the packaged .vsix
// installed, on a temporary copy of examples/workspace, and one chromium page on its workbench,
// shared by every test. A failed test leaves a screenshot and the code-server logs in
// test-results/e2e/failures/ before the next test starts.
import * as fs from "node:fs";
import * as path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { launchBrowser } from "../vscode/lib/browser";
import { startCodeServer, type CodeServer } from "../vscode/lib/codeServer";
import { copyWorkspace, makeRunDir, repoRoot } from "../vscode/lib/harness";
import { stopAll } from "../vscode/lib/processGroup";
import { runCommand, shot, shotsDir, slug } from "./workbench";

/** The packaged extension the UI suite installs; TASKFLOW_VSIX overrides it. */
export const vsixPath = process.env.TASKFLOW_VSIX ?? path.join(repoRoot, "dist", "vscode-taskflow.vsix");

interface Session { server: CodeServer; context: BrowserContext; page: Page; runDir: string; workspace: string }
let session: Session | undefined;

/** The workbench page the UI tests drive. */
export function workbench(): Page {
  if (!session) {
    throw new Error("expected the e2e fixture to have started code-server and chromium: run the UI tests through test/e2e/mocharc.json");
  }
  return session.page;
}

/** The folder open in the workbench (a temporary copy of examples/workspace). */
export function workspaceFolder(): string {
  if (!session) {
    throw new Error("expected the e2e fixture to be running");
  }
  return session.workspace;
}

async function start(): Promise<Session> {
  if (!fs.existsSync(vsixPath)) {
    throw new Error(`expected the packaged extension ${vsixPath}, it is missing: run npm run package (test/vscode/run-e2e.sh does)`);
  }
  const runDir = makeRunDir("e2e");
  const workspace = copyWorkspace(path.join(runDir, "workspace"));
  const server = await startCodeServer({ runDir, workspace, vsix: vsixPath });
  const { context, page } = await launchBrowser(path.join(runDir, "chromium"));
  const partial: Session = { server, context, page, runDir, workspace };
  session = partial;
  const consoleLog = path.join(runDir, "browser-console.log");
  page.on("console", (message) => fs.appendFileSync(consoleLog, `[${message.type()}] ${message.text()}\n`));
  page.on("pageerror", (error) => fs.appendFileSync(consoleLog, `[pageerror] ${error.message}\n`));
  await page.goto(server.url(), { waitUntil: "domcontentloaded", timeout: 60_000 });
  await page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
  // The activity-bar item appears once the installed extension's contributions are applied.
  const taskflowItem = page.locator('.activitybar .action-item a[aria-label^="Taskflow"]').first();
  try {
    await taskflowItem.waitFor({ timeout: 60_000 });
  } catch {
    const items = await page.locator(".activitybar .action-item a").evaluateAll((links) => links.map((a) => a.getAttribute("aria-label")));
    throw new Error(`expected a Taskflow item in the activity bar within 60 s (extension installed from ${vsixPath}), got: ${JSON.stringify(items)}`);
  }
  return partial;
}

async function keepFailure(title: string): Promise<void> {
  if (!session) {
    return;
  }
  const dir = path.join(shotsDir, "failures");
  fs.mkdirSync(dir, { recursive: true });
  await session.page.screenshot({ path: path.join(dir, `${slug(title)}.png`) }).catch((err: Error) => console.error(`could not take the failure screenshot: ${err.message}`));
  session.server.collectLogs(path.join(dir, "logs"));
  const consoleLog = path.join(session.runDir, "browser-console.log");
  if (fs.existsSync(consoleLog)) {
    fs.copyFileSync(consoleLog, path.join(dir, "logs", "browser-console.log"));
  }
  console.log(`      screenshot and code-server logs: ${path.relative(repoRoot, dir)}/`);
}

async function stop(): Promise<void> {
  const current = session;
  session = undefined;
  if (current) {
    await current.context.close().catch(() => undefined);
    await current.server.stop();
    fs.rmSync(current.runDir, { recursive: true, force: true });
  }
  await stopAll();
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    this.timeout(180_000);
    fs.rmSync(shotsDir, { recursive: true, force: true });
    try {
      await start();
    } catch (err) {
      await keepFailure("startup");
      await stop();
      throw err;
    }
    await shot(workbench(), "workbench");
  },
  async beforeEach(this: Mocha.Context): Promise<void> {
    // Each test starts from an empty editor area with no toasts left by the one before.
    const page = workbench();
    await runCommand(page, "View: Close All Editors");
    await runCommand(page, "Notifications: Clear All Notifications");
  },
  async afterEach(this: Mocha.Context): Promise<void> {
    if (this.currentTest?.state === "failed") {
      await keepFailure(this.currentTest.fullTitle());
    }
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(30_000);
    await stop();
  },
};
