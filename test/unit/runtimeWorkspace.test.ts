import * as assert from "node:assert/strict";
import { existsSync, readdirSync, renameSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import * as esbuild from "esbuild";
import { TaskManager } from "../../src";
import { WorkspaceRuntime, type WorkspaceRuntimeOptions } from "../../src/runtime/index";
import { Workspace } from "../fixtures/modules/harness";
import { useRuntimeDist } from "./helpers/runtimeDist";

const A_MODULE = `import { task, taskLog } from "taskflow";
export const greet = task({ retries: 1 }, (name: string) => { taskLog(\`hello \${name}\`); });
`;
const B_MODULE = `import { task } from "taskflow";
export const double = task((n) => n * 2);
`;

describe("runtime: WorkspaceRuntime", function () {
  // A cap, not a wait: real compiles and worker threads, slow when the shared machine is busy.
  this.timeout(30000);
  let distDir: string;
  let workspace: Workspace;
  let manager: TaskManager;
  let runtime: WorkspaceRuntime | undefined;

  useRuntimeDist((dir) => (distDir = dir));
  afterEach(async () => {
    await manager?.shutdown();
    await runtime?.dispose();
    runtime = undefined;
    workspace?.dispose();
  });

  async function open(files: Record<string, string>, options: Partial<WorkspaceRuntimeOptions> = {}) {
    workspace = new Workspace(files);
    manager = new TaskManager({ onOutsideLog: () => undefined });
    await manager.start();
    runtime = new WorkspaceRuntime({ manager, root: workspace.root, distDir, esbuild, ...options });
    await runtime.ready();
    return runtime;
  }

  const names = () => (runtime as WorkspaceRuntime).tasks().map((t) => t.name);

  /** Resolves at the first onDidChange after which `predicate` holds. */
  function changeUntil(predicate: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const subscription = (runtime as WorkspaceRuntime).onDidChange(() => {
        if (!predicate()) return;
        subscription.dispose();
        resolve();
      });
    });
  }

  it("finds the workspace's modules outside node_modules, registers their tasks and runs them", async () => {
    await open({ "a.tasks.ts": A_MODULE, "sub/b.tasks.mjs": B_MODULE, "node_modules/pkg/c.tasks.ts": A_MODULE.replace("greet", "hidden") });
    assert.deepEqual(runtime?.tasks(), [
      { name: "greet", exportName: "greet", file: workspace.file("a.tasks.ts"), line: 2, config: { retries: 1 } },
      { name: "double", exportName: "double", file: workspace.file("sub/b.tasks.mjs"), line: 2, config: {} },
    ]);
    assert.deepEqual(runtime?.diagnostics(), []);
    assert.deepEqual(runtime?.modules(), [workspace.file("a.tasks.ts"), workspace.file("sub/b.tasks.mjs")]);
    const record = await manager.waitFor(await manager.addTask("greet", ["ada"]));
    assert.equal(record.status, "success", record.error ?? "");
    assert.match(record.logs[0], / hello ada$/);
  });

  it("loads only the files its modules globs match", async () => {
    await open({ "a.tasks.ts": A_MODULE, "jobs/b.mjs": B_MODULE }, { modules: "jobs/*.mjs" });
    assert.deepEqual(names(), ["double"]);
  });

  it("reports a syntax error in diagnostics and keeps the other module's tasks", async () => {
    await open({ "a.tasks.ts": A_MODULE, "bad.tasks.ts": `import { task } from "taskflow";\nexport const bad = task(() => { return 1 +; });\n` });
    const [problem, ...rest] = runtime?.diagnostics() ?? [];
    assert.deepEqual(rest, []);
    assert.deepEqual([problem.file, problem.line, problem.severity], [workspace.file("bad.tasks.ts"), 2, "error"]);
    assert.match(problem.message, /Unexpected/);
    assert.deepEqual(names(), ["greet"]);
  });

  it("with watch, loads a new module, reloads a changed one and unloads a deleted one", async () => {
    await open({ "a.tasks.ts": A_MODULE }, { watch: true, reloadDelayMs: 20 });
    const added = changeUntil(() => names().includes("double"));
    workspace.write({ "sub/b.tasks.mjs": B_MODULE });
    await added;
    assert.deepEqual(names(), ["greet", "double"]);

    const changed = changeUntil(() => runtime?.tasks().find((t) => t.name === "greet")?.config.retries === 4);
    workspace.write({ "a.tasks.ts": A_MODULE.replace("retries: 1", "retries: 4") });
    await changed;

    const removed = changeUntil(() => !names().includes("double"));
    unlinkSync(workspace.file("sub/b.tasks.mjs"));
    await removed;
    assert.deepEqual(names(), ["greet"]);
    assert.deepEqual(manager.registeredTasks().map((t) => t.name), ["greet"]);
  });

  it("with watch, loads the modules of a folder moved into the workspace", async () => {
    await open({ "a.tasks.ts": A_MODULE }, { watch: true, reloadDelayMs: 20 });
    const staging = new Workspace({ "jobs/b.tasks.mjs": B_MODULE });
    const added = changeUntil(() => names().includes("double"));
    renameSync(staging.file("jobs"), workspace.file("jobs"));
    await added;
    staging.dispose();
    assert.equal(runtime?.tasks().find((t) => t.name === "double")?.file, workspace.file("jobs/b.tasks.mjs"));
  });

  it("without watch, picks up changes through reload(file) and rediscover()", async () => {
    await open({ "a.tasks.ts": A_MODULE });
    workspace.write({ "b.tasks.mjs": B_MODULE });
    await runtime?.reload(workspace.file("b.tasks.mjs"));
    assert.deepEqual(names(), ["greet", "double"]);
    unlinkSync(workspace.file("a.tasks.ts"));
    workspace.write({ "c.tasks.mjs": B_MODULE.replace("double", "triple") });
    await runtime?.rediscover();
    assert.deepEqual(names().sort(), ["double", "triple"]);
    workspace.write({ "notes.txt": "not a module" });
    await runtime?.reload(workspace.file("notes.txt"));
    assert.deepEqual(names().sort(), ["double", "triple"]);
  });

  it("setModules changes which files are modules: unmatched ones unload, matched ones load", async () => {
    const opened = await open({ "a.tasks.ts": A_MODULE, "jobs/b.mjs": B_MODULE });
    assert.deepEqual(names(), ["greet"]);
    await opened.setModules(["jobs/*.mjs"]);
    assert.deepEqual(names(), ["double"]);
    assert.deepEqual(opened.modules(), [workspace.file("jobs/b.mjs")]);
    assert.equal(opened.isModulePath(workspace.file("a.tasks.ts")), false);
    await assert.rejects(opened.setModules("jobs/{a.mjs"), /unclosed "\{"/);
    assert.deepEqual(names(), ["double"], "a malformed glob changes nothing");
  });

  it("unregisters every task and removes its own cache folder on dispose", async () => {
    await open({ "a.tasks.ts": A_MODULE, "sub/b.tasks.mjs": B_MODULE });
    assert.equal(manager.registeredTasks().length, 2);
    const cacheDirs = readdirSync(tmpdir()).filter((n) => n.startsWith("taskflow-"))
      .map((n) => path.join(tmpdir(), n, String(process.pid))).filter((d) => existsSync(d));
    assert.ok(cacheDirs.length > 0, "the default cache folder is under the temp dir, one per process");
    await runtime?.dispose();
    assert.deepEqual(manager.registeredTasks(), []);
    assert.deepEqual(runtime?.tasks(), []);
    assert.equal(cacheDirs.filter((d) => existsSync(d)).length, 0);
  });
});
