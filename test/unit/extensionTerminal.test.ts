import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { catalogFromRegistered } from "../../src/extension/modules/taskCatalog";
import { applyTerminalBackend, applyTerminalEnvironment, launcherFile, writeLauncher, type EnvironmentCollection } from "../../src/extension/api/terminalEnvironment";

const run = promisify(execFile);

describe("extension: the terminal's taskflow command", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "taskflow launcher "))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes a launcher that runs the CLI with every argument as given", async function () {
    if (process.platform === "win32") this.skip();
    const cliPath = path.join(dir, "it's cli.js");
    writeFileSync(cliPath, "process.stdout.write(JSON.stringify({ args: process.argv.slice(2), asNode: process.env.ELECTRON_RUN_AS_NODE }))");
    const launcher = await writeLauncher(path.join(dir, "bin"), { nodePath: process.execPath, cliPath });
    assert.equal(path.basename(launcher), "taskflow");
    assert.equal(statSync(launcher).mode & 0o111, 0o111, "executable");
    const { stdout } = await run(launcher, ["run", "hello", "--args", '["a b", "$HOME", "it\'s"]']);
    assert.deepEqual(JSON.parse(stdout), { args: ["run", "hello", "--args", '["a b", "$HOME", "it\'s"]'], asNode: "1" });
  });

  it("writes a .cmd launcher on Windows", () => {
    const file = launcherFile({ nodePath: "C:\\Program Files\\Code\\Code.exe", cliPath: "C:\\ext\\dist\\cli.js", platform: "win32" });
    assert.equal(file.name, "taskflow.cmd");
    assert.match(file.content, /^@echo off\r\n/);
    assert.match(file.content, /"C:\\Program Files\\Code\\Code\.exe" "C:\\ext\\dist\\cli\.js" %\*\r\n$/);
  });

  /** A collection that records each change as a line. */
  function recordingCollection(): { collection: EnvironmentCollection; calls: string[] } {
    const calls: string[] = [];
    const collection: EnvironmentCollection = {
      description: undefined,
      replace: (variable, value) => calls.push(`replace ${variable}=${value}`),
      prepend: (variable, value) => calls.push(`prepend ${variable}=${value}`),
      delete: (variable) => calls.push(`delete ${variable}`),
    };
    return { collection, calls };
  }

  it("sets TASKFLOW_DB and puts the launcher folder first on PATH, with a description", () => {
    const { collection, calls } = recordingCollection();
    applyTerminalEnvironment(collection, { dbPath: "/storage/taskflow.sqlite", launcherDir: "/global/bin" });
    assert.deepEqual(calls, ["replace TASKFLOW_DB=/storage/taskflow.sqlite", `prepend PATH=/global/bin${path.delimiter}`]);
    assert.match(String(collection.description), /taskflow/);
  });

  it("points the terminals at the shared queue the window is on, and back at the database", () => {
    const { collection, calls } = recordingCollection();
    applyTerminalBackend(collection, { url: "redis://10.0.0.5:6379", prefix: "team" });
    applyTerminalBackend(collection, undefined);
    assert.deepEqual(calls, [
      "replace TASKFLOW_REDIS=redis://10.0.0.5:6379", "replace TASKFLOW_REDIS_PREFIX=team",
      "delete TASKFLOW_REDIS", "delete TASKFLOW_REDIS_PREFIX",
    ]);
  });
});

describe("extension: the catalog of a window that forwards", () => {
  it("lists the holder's functions, located from their source", () => {
    const root = path.resolve("/work/space");
    const catalog = catalogFromRegistered(
      [
        { name: "hello", config: { retries: 1 }, source: "hello.tasks.ts#hello" },
        { name: "renamed", config: {}, source: "sub/jobs.tasks.ts#job" },
        { name: "fromScript", config: {} },
      ],
      root,
    );
    assert.deepEqual(catalog.functions, [
      { name: "hello", exportName: "hello", file: path.join(root, "hello.tasks.ts"), line: 1, config: { retries: 1 } },
      { name: "renamed", exportName: "job", file: path.join(root, "sub", "jobs.tasks.ts"), line: 1, config: {} },
      { name: "fromScript", exportName: "fromScript", file: "", line: 1, config: {} },
    ]);
    assert.deepEqual(catalog.modules, [path.join(root, "hello.tasks.ts"), path.join(root, "sub", "jobs.tasks.ts")]);
    assert.deepEqual(catalog.problems, []);
  });
});
