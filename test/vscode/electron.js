// npm run test:electron: the same extension-host suite (dist/test/vscode) under VS Code desktop via
// @vscode/test-electron, for a developer machine that can download VS Code. CI uses code-server
// (npm run test:vscode), because these machines cannot download VS Code.
// Environment: TASKFLOW_VSCODE_VERSION (default 1.96.4, the version code-server 4.96.4 embeds).
"use strict";
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.resolve(__dirname, "..", "..");

async function runProfile(runTests, profile) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `taskflow-electron-${profile}-`));
  const workspace = path.join(scratch, "workspace");
  // The multiroot profile opens the two-folder .code-workspace of its fixture.
  fs.cpSync(path.join(root, ...(profile === "multiroot" ? ["test", "fixtures", "multiroot"] : ["examples", "workspace"])), workspace, { recursive: true });
  const opened = profile === "multiroot" ? path.join(workspace, "multiroot.code-workspace") : workspace;
  const userData = path.join(scratch, "user-data");
  fs.mkdirSync(path.join(userData, "User"), { recursive: true });
  fs.writeFileSync(path.join(userData, "User", "settings.json"), JSON.stringify({
    "security.workspace.trust.enabled": profile === "trust",
    "security.workspace.trust.startupPrompt": "never",
    "workbench.startupEditor": "none",
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
  }));
  const launchArgs = [opened, "--disable-extensions", "--user-data-dir", userData];
  if (profile !== "trust") {
    launchArgs.push("--disable-workspace-trust");
  }
  try {
    await runTests({
      version: process.env.TASKFLOW_VSCODE_VERSION || "1.96.4",
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, "dist", "test", "vscode", "index"),
      launchArgs,
      // TASKFLOW_HOME: the workspace records the window writes (for the CLI) stay in the scratch folder.
      extensionTestsEnv: { TASKFLOW_TEST_PROFILE: profile, TASKFLOW_TEST_WORKSPACE: workspace, TASKFLOW_HOME: path.join(scratch, "taskflow-home") },
    });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function main() {
  execFileSync(process.execPath, ["esbuild.mjs"], { cwd: root, stdio: "inherit" });
  const { runTests } = require("@vscode/test-electron");
  const profiles = ["default", ...["trust", "multiroot"].filter((p) => fs.existsSync(path.join(root, "dist", "test", "vscode", p)))];
  for (const profile of profiles) {
    console.log(`test:electron: ${profile} profile`);
    await runProfile(runTests, profile);
  }
}

main().catch((err) => {
  console.error(`test:electron: FAILED: ${err && err.message ? err.message : err}`);
  console.error("test:electron needs a machine that can download VS Code desktop and show a window (or run under xvfb-run).");
  console.error("Where that is impossible (as in CI), run the same suite in code-server: npm run test:vscode");
  process.exit(1);
});
