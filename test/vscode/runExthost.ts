// Runs the extension-host suite (dist/test/vscode) inside code-server: starts an instance on a free
// loopback port with the development copy of the extension, opens the workbench in headless chromium
// with extensionDevelopmentPath/extensionTestsPath in the URL payload, and follows the result file
// that the suite writes (TASKFLOW_TEST_RESULT_FILE) until it ends.
// Usage: tsx test/vscode/runExthost.ts [--profile default|trust|multiroot|all]   (default: all)
//   default:   Workspace Trust disabled; runs every *.test.ts except those under trust/ and multiroot/
//   trust:     Workspace Trust enabled, the folder untrusted; runs the tests under trust/
//   multiroot: Workspace Trust disabled, a two-folder .code-workspace open; runs the tests under multiroot/
import * as fs from "node:fs";
import * as path from "node:path";
import { launchBrowser } from "./lib/browser";
import { startCodeServer } from "./lib/codeServer";
import { copyMultiRootWorkspace, copyWorkspace, makeRunDir, repoRoot, resultsDir, tailFile } from "./lib/harness";
import { findVscodeLogs } from "./lib/vscodeLogs";
import { stopAll } from "./lib/processGroup";
import { UiBridge } from "./lib/uiBridge";
import { waitFor } from "./lib/waitFor";
import type { ResultLine } from "./suite/index";

const suiteOut = path.join(repoRoot, "dist", "test", "vscode");
/** Whole-suite limit; each test has mocha's own 20 s timeout inside. */
const suiteTimeoutMs = Number(process.env.TASKFLOW_EXTHOST_TIMEOUT_MS ?? 300_000);

interface ProfileResult { passed: number; failed: number }

type Profile = "default" | "trust" | "multiroot";
const PROFILES: readonly Profile[] = ["default", "trust", "multiroot"];

async function runProfile(profile: Profile): Promise<ProfileResult> {
  const started = Date.now();
  const runDir = makeRunDir(`exthost-${profile}`);
  // The multiroot profile opens a .code-workspace file; TASKFLOW_TEST_WORKSPACE is then the folder holding it.
  const workspace = profile === "multiroot" ? copyMultiRootWorkspace(path.join(runDir, "workspace")) : copyWorkspace(path.join(runDir, "workspace"));
  const workspaceDir = profile === "multiroot" ? path.dirname(workspace) : workspace;
  const resultFile = path.join(runDir, "results.jsonl");
  const consoleLog = path.join(runDir, "browser-console.log");
  // Tests that answer prompts or click notifications ask the runner to do it on the page.
  const ui = new UiBridge();
  const uiUrl = await ui.listen();
  console.log(`exthost[${profile}]: starting code-server (workspace trust ${profile === "trust" ? "on, folder untrusted" : "off"}${profile === "multiroot" ? ", two folders" : ""})`);
  const server = await startCodeServer({
    runDir,
    workspace,
    trust: profile === "trust",
    // TASKFLOW_HOME: the workspace records the window writes (for the CLI) stay in the run's folder.
    env: { TASKFLOW_TEST_RESULT_FILE: resultFile, TASKFLOW_TEST_PROFILE: profile, TASKFLOW_TEST_WORKSPACE: workspaceDir, TASKFLOW_TEST_UI_URL: uiUrl, TASKFLOW_HOME: path.join(runDir, "taskflow-home") },
  });
  console.log(`exthost[${profile}]: code-server ${server.origin} up after ${((Date.now() - started) / 1000).toFixed(1)}s; opening the workbench`);
  const { context, page } = await launchBrowser(path.join(runDir, "chromium"));
  ui.attach(page);
  page.on("console", (message) => fs.appendFileSync(consoleLog, `[${message.type()}] ${message.text()}\n`));
  page.on("pageerror", (error) => fs.appendFileSync(consoleLog, `[pageerror] ${error.message}\n`));

  let end: Extract<ResultLine, { event: "end" }> | undefined;
  let printed = 0;
  let failures = 0;
  const follow = () => {
    if (!fs.existsSync(resultFile)) {
      return undefined;
    }
    const lines = fs.readFileSync(resultFile, "utf8").split("\n").filter(Boolean);
    for (; printed < lines.length; printed++) {
      const line = JSON.parse(lines[printed]) as ResultLine;
      if (line.event === "pass") {
        console.log(`  ok    ${line.title} (${line.durationMs} ms)`);
      } else if (line.event === "fail") {
        failures++;
        console.log(`  FAIL  ${line.title}\n${line.error.split("\n").map((l) => `        ${l}`).join("\n")}`);
      } else {
        end = line;
      }
    }
    return end;
  };
  try {
    const payload: Array<[string, string]> = [
      ["extensionDevelopmentPath", server.remoteUri(repoRoot)],
      ["extensionTestsPath", server.remoteUri(path.join(suiteOut, "index"))],
    ];
    await page.goto(server.url(payload), { waitUntil: "domcontentloaded", timeout: 60_000 });
    const result = await waitFor(follow, {
      what: `the extension-host suite (${profile}) to write its end line to ${resultFile}`,
      timeoutMs: suiteTimeoutMs,
      intervalMs: 250,
      diagnose: () => [`extension host log:`, ...findVscodeLogs(server.userDataDir).map((f) => `${f}\n${tailFile(f, 20)}`), `browser console:\n${tailFile(consoleLog, 20)}`].join("\n"),
    });
    if (result.error) {
      console.log(`  ERROR ${result.error}`);
    }
    const failed = Math.max(result.failed, failures);
    console.log(`exthost[${profile}]: ${result.passed} passed, ${failed} failed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    if (failed > 0) {
      await keepEvidence(profile, server, page, runDir);
    }
    return { passed: result.passed, failed };
  } catch (err) {
    await keepEvidence(profile, server, page, runDir);
    throw err;
  } finally {
    await ui.close();
    await context.close().catch(() => undefined);
    await server.stop();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

async function keepEvidence(profile: string, server: Awaited<ReturnType<typeof startCodeServer>>, page: import("playwright-core").Page, runDir: string): Promise<void> {
  const dest = path.join(resultsDir, `exthost-${profile}`);
  fs.mkdirSync(dest, { recursive: true });
  await page.screenshot({ path: path.join(dest, "failure.png") }).catch(() => undefined);
  server.collectLogs(dest);
  for (const file of ["results.jsonl", "browser-console.log"]) {
    if (fs.existsSync(path.join(runDir, file))) {
      fs.copyFileSync(path.join(runDir, file), path.join(dest, file));
    }
  }
  console.log(`exthost[${profile}]: screenshot and logs kept in ${path.relative(repoRoot, dest)}/`);
}

/** Whether the built suite has tests for `profile` (in the folder of its name). */
function hasProfileTests(profile: Profile): boolean {
  if (profile === "default") return true;
  const dir = path.join(suiteOut, profile);
  return fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith(".test.js"));
}

async function main(): Promise<number> {
  const arg = process.argv.indexOf("--profile");
  const choice = arg > 0 ? process.argv[arg + 1] : "all";
  if (choice !== "all" && !PROFILES.includes(choice as Profile)) {
    throw new Error(`--profile must be ${PROFILES.join(", ")} or all, got ${choice}`);
  }
  if (!fs.existsSync(path.join(suiteOut, "index.js"))) {
    throw new Error(`expected the built suite ${path.join(suiteOut, "index.js")}, it is missing: run node esbuild.mjs first`);
  }
  if (!fs.existsSync(path.join(repoRoot, "dist", "extension.js"))) {
    throw new Error("expected dist/extension.js (built from src/extension/extension.ts), it is missing: run node esbuild.mjs first");
  }
  for (const profile of PROFILES) fs.rmSync(path.join(resultsDir, `exthost-${profile}`), { recursive: true, force: true });
  const profiles: Profile[] = choice === "all" ? PROFILES.filter(hasProfileTests) : [choice as Profile];
  let passed = 0;
  let failed = 0;
  for (const profile of profiles) {
    try {
      const result = await runProfile(profile);
      passed += result.passed;
      failed += result.failed;
    } catch (err) {
      console.error(`exthost[${profile}]: ERROR ${(err as Error).message}`);
      failed += 1;
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

main()
  .then((code) => stopAll().then(() => process.exit(code)))
  .catch((err) => {
    console.error(`exthost: ERROR ${(err as Error).message}`);
    void stopAll().finally(() => process.exit(1));
  });
