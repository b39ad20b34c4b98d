// npm start: code-server on a free loopback port with the development copy of the extension loaded
// on examples/workspace, and esbuild rebuilding on change. Reload the browser window (Developer:
// Reload Window) to pick up a rebuild. Ctrl-C stops everything.
import * as fs from "node:fs";
import * as path from "node:path";
import { startCodeServer } from "./lib/codeServer";
import { exampleWorkspace, harnessDir, repoRoot } from "./lib/harness";
import { startGroup, stopAll } from "./lib/processGroup";

async function main(): Promise<void> {
  // A fixed folder, so settings and state survive between starts.
  const runDir = path.join(harnessDir, "dev");
  fs.mkdirSync(runDir, { recursive: true });
  if (!fs.existsSync(exampleWorkspace)) {
    throw new Error(`expected the example workspace ${exampleWorkspace}, it is missing`);
  }
  startGroup("esbuild --watch", process.execPath, ["esbuild.mjs", "--watch"], { cwd: repoRoot, logFile: path.join(runDir, "esbuild-watch.log") });
  const server = await startCodeServer({ runDir, workspace: exampleWorkspace, trust: process.env.TASKFLOW_TRUST === "1" });
  const url = server.url([["extensionDevelopmentPath", server.remoteUri(repoRoot)]]);
  console.log(`\nTaskflow is running in VS Code (code-server) at:\n\n  ${url}\n`);
  console.log(`Open it in a browser on this machine. Rebuilds: ${path.relative(repoRoot, path.join(runDir, "esbuild-watch.log"))}; code-server log: ${path.relative(repoRoot, server.logFile)}`);
  console.log("Press Ctrl-C to stop.");
  // Ctrl-C is handled by processGroup, which stops code-server and esbuild before exiting.
  const exit = await server.exited;
  console.log(`code-server stopped (${exit})`);
}

main().catch(async (err) => {
  console.error(`npm start: FAILED: ${(err as Error).message}`);
  await stopAll();
  process.exit(1);
});
