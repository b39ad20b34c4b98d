import * as assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, utimesSync } from "node:fs";
import path from "node:path";
import * as esbuild from "esbuild";
import { parseTaskConfig } from "../../src/model/schemas";
import { discoverModules, globToRegExp } from "../../src/runtime/discoverModules";
import { lineOf, nextLog, startHost, Workspace, runtimeHooks, type HostEnv } from "../fixtures/modules/harness";
import { useRuntimeDist } from "./helpers/runtimeDist";

const TS_MODULE = `import { task, taskLog } from "taskflow";
type Address = string;
export const sendEmail = task({ retries: 3, delay: 1, backoff: 2 }, async (address: Address) => { // SEND
  taskLog(\`sending to \${address}\`);
});
export const cleanCache = task(async () => "clean"); // CLEAN
export const renamed = task(() => undefined, { name: "customName", description: "fn first" }); // RENAMED
export const notATask = 42;
`;
const MJS_MODULE = `import { task, taskLog } from "taskflow";
export const esmTask = task((n) => { taskLog("esm " + n); });
`;
const CJS_MODULE = `const { task, taskLog } = require("taskflow");
module.exports.cjsTask = task({ retries: 1 }, (n) => { taskLog("cjs " + n); });
`;
const MTS_MODULE = `import { task, taskLog } from "taskflow";
import { double } from "./lib/double";
export const mtsTask = task((n: number) => { taskLog("mts " + double(n)); });
`;

/** The message the model (and so the engine) refuses `config` with. */
function modelMessage(config: unknown): string {
  try {
    parseTaskConfig(config);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`the model accepts ${JSON.stringify(config)}: the fixture no longer tests a refused config`);
}

describe("runtime: ModuleHost loading task modules", function () {
  // A cap, not a wait: each test spawns real workers, slow when the shared machine is busy.
  this.timeout(30000);
  let distDir: string;
  let workspace: Workspace;
  let env: HostEnv;

  runtimeHooks({ dist: (dir) => (distDir = dir), current: () => ({ env, workspace }) });

  async function open(files: Record<string, string>, options: Parameters<typeof startHost>[2] = {}) {
    workspace = new Workspace(files);
    env = await startHost(workspace, distDir, options);
    return env;
  }

  function errors() {
    return env.host.diagnostics().filter((d) => d.severity === "error");
  }

  it("loads TypeScript, ESM and CommonJS modules and lists each task with its config and line", async () => {
    await open({ "a.tasks.ts": TS_MODULE, "b.tasks.mjs": MJS_MODULE, "c.tasks.cjs": CJS_MODULE, "d.tasks.mts": MTS_MODULE, "lib/double.ts": "export const double = (n: number) => n * 2;\n" });
    await env.host.setFiles(["a.tasks.ts", "b.tasks.mjs", "c.tasks.cjs", "d.tasks.mts"].map((f) => workspace.file(f)));
    assert.deepEqual(env.host.diagnostics(), []);
    const byName = new Map(env.host.functions().map((f) => [f.name, f]));
    // Module order, then source order within a module.
    assert.deepEqual([...byName.keys()], ["sendEmail", "cleanCache", "customName", "esmTask", "cjsTask", "mtsTask"]);
    assert.deepEqual(byName.get("sendEmail"), {
      name: "sendEmail", exportName: "sendEmail", file: workspace.file("a.tasks.ts"), line: lineOf(TS_MODULE, "// SEND"),
      config: { retries: 3, delay: 1, backoff: 2 },
    });
    assert.equal(byName.get("cleanCache")?.line, lineOf(TS_MODULE, "// CLEAN"));
    assert.deepEqual(byName.get("customName")?.config, { name: "customName", description: "fn first" });
    assert.equal(byName.get("customName")?.exportName, "renamed");
    assert.deepEqual(byName.get("cjsTask")?.config, { retries: 1 });
    const registered = env.manager.registeredTasks().find((t) => t.name === "sendEmail");
    assert.equal(registered?.config.retries, 3);
    assert.equal(registered?.source, "a.tasks.ts#sendEmail");

    for (const [name, expected] of [["esmTask", "esm 7"], ["cjsTask", "cjs 7"], ["mtsTask", "mts 14"]]) {
      const record = await env.manager.waitFor(await env.manager.addTask(name, [7]));
      assert.equal(record.status, "success", `${name}: ${record.error}`);
      assert.match(record.logs[0], new RegExp(` ${expected}$`));
    }
  });

  it("reports a syntax error with its line and keeps the other modules working", async () => {
    const broken = `import { task } from "taskflow";\nexport const ok = task(() => 1);\nexport const bad = task(() => { return 1 +; });\n`;
    await open({ "broken.tasks.ts": broken, "good.tasks.mjs": MJS_MODULE });
    await env.host.setFiles([workspace.file("broken.tasks.ts"), workspace.file("good.tasks.mjs")]);
    const [problem, ...rest] = errors();
    assert.deepEqual(rest, []);
    assert.equal(problem.file, workspace.file("broken.tasks.ts"));
    assert.equal(problem.line, 3);
    assert.ok(problem.column > 1);
    assert.match(problem.message, /Unexpected/);
    assert.deepEqual(env.host.functions().map((f) => f.name), ["esmTask"]);
  });

  it("reports a throw at load time at the throwing line, and a missing package by name", async () => {
    const throwing = `import { task } from "taskflow";\nexport const t = task(() => 1);\nconst config = JSON.parse("{not json"); // THROW\n`;
    await open({ "throws.tasks.ts": throwing, "missing.tasks.ts": `import { task } from "taskflow";\nimport left from "left-pad-nowhere";\nexport const m = task(() => left);\n` });
    await env.host.setFiles([workspace.file("throws.tasks.ts"), workspace.file("missing.tasks.ts")]);
    const [missing, thrown] = errors().sort((a, b) => a.file.localeCompare(b.file));
    assert.equal(thrown.file, workspace.file("throws.tasks.ts"));
    assert.equal(thrown.line, lineOf(throwing, "// THROW"));
    assert.match(thrown.message, /^Loading the module failed: SyntaxError: .*JSON/);
    assert.equal(missing.file, workspace.file("missing.tasks.ts"));
    assert.equal(missing.line, 2);
    assert.match(missing.message, /Cannot find package "left-pad-nowhere".*npm install left-pad-nowhere/);
    assert.deepEqual(env.host.functions(), []);
  });

  it("rejects a task name another module already declared, on the later module, and registers its other tasks", async () => {
    const later = `import { task } from "taskflow";\nexport const unique = task(() => 1);\nexport const dup = task({ name: "sendEmail" }, () => 2); // DUP\n`;
    await open({ "a.tasks.ts": TS_MODULE, "z.tasks.ts": later });
    await env.host.setFiles([workspace.file("a.tasks.ts"), workspace.file("z.tasks.ts")]);
    const [problem, ...rest] = errors();
    assert.deepEqual(rest, []);
    assert.equal(problem.file, workspace.file("z.tasks.ts"));
    assert.equal(problem.line, lineOf(later, "// DUP"));
    assert.match(problem.message, /"sendEmail" is already declared in a\.tasks\.ts \(line 3\)/);
    const owners = new Map(env.host.functions().map((f) => [f.name, path.basename(f.file)]));
    assert.equal(owners.get("sendEmail"), "a.tasks.ts");
    assert.equal(owners.get("unique"), "z.tasks.ts");

    // Once the first owner is gone, the later module's task takes the name.
    env.host.remove(workspace.file("a.tasks.ts"));
    await env.host.settled();
    assert.deepEqual(errors(), []);
    assert.equal(env.host.functions().find((f) => f.name === "sendEmail")?.file, workspace.file("z.tasks.ts"));
  });

  it("reports invalid task config at the declaring line", async () => {
    await open({ "config.tasks.ts": `import { task } from "taskflow";\nexport const t = task({ retries: "3" } as any, () => 1);\n` });
    await env.host.setFiles([workspace.file("config.tasks.ts")]);
    const [problem, ...rest] = errors();
    assert.deepEqual(rest, []);
    assert.equal(problem.message, 'Loading the module failed: ValidationError: Task config "retries" must be a whole number >= 0, got the string "3"');
    assert.equal(problem.line, 2);
  });

  for (const [fixture, marker, config] of [
    ["fractionalRetries.tasks.ts", "// BAD CONFIG", { retries: 1.5, delay: 1 }],
    ["unknownConfigKey.tasks.js", "// BAD KEY", { retriez: 3 }],
    ["badKeyPath.tasks.ts", "// BAD KEY PATH", { concurrency: { key: "user", limit: 1 } }],
  ] as const) {
    it(`refuses the config of ${fixture} with the model's message, on the line of its task(...) call`, async () => {
      const source = readFileSync(path.join(__dirname, "../fixtures/modules", fixture), "utf8");
      await open({ [fixture]: source });
      await env.host.setFiles([workspace.file(fixture)]);
      const [problem, ...rest] = errors();
      assert.deepEqual(rest, []);
      assert.deepEqual(
        { file: problem.file, line: problem.line, message: problem.message },
        { file: workspace.file(fixture), line: lineOf(source, marker), message: `Loading the module failed: ValidationError: ${modelMessage(config)}` },
      );
      // A module that fails to load registers none of its tasks, not even the valid ones.
      assert.deepEqual(env.host.functions(), []);
      assert.deepEqual(env.manager.registeredTasks(), []);
    });
  }

  it("says what a key path must look like, at the task(...) line of a module whose flow control has a bad one", async () => {
    const source = readFileSync(path.join(__dirname, "../fixtures/modules/badKeyPath.tasks.ts"), "utf8");
    await open({ "badKeyPath.tasks.ts": source });
    await env.host.setFiles([workspace.file("badKeyPath.tasks.ts")]);
    const [problem, ...rest] = errors();
    assert.deepEqual(rest, []);
    assert.equal(problem.file, workspace.file("badKeyPath.tasks.ts"));
    assert.equal(problem.line, lineOf(source, "// BAD KEY PATH"));
    assert.match(problem.message, /Task config "concurrency\.key" must be a key path like "args\[0\]", "args\[1\]\.userId", "kwargs\.tenant" or "tags\.tenant": it starts with args, kwargs or tags, got "user"/);
  });

  it("lists a task's flow control per key as declared, for the Task Functions view", async () => {
    const flow = {
      concurrency: { key: "args[0]", limit: 1 },
      rateLimit: { key: "kwargs.tenant", max: 10, perSeconds: 60 },
      debounce: { key: "args[1].userId", seconds: 5 },
    };
    await open({ "flow.tasks.ts": `import { task } from "taskflow";\nexport const sync = task(${JSON.stringify(flow)}, async () => 1);\n` });
    await env.host.setFiles([workspace.file("flow.tasks.ts")]);
    assert.deepEqual(errors(), []);
    assert.deepEqual(env.host.functions().find((f) => f.name === "sync")?.config, flow);
  });

  it("stops loading a module whose top level does not finish", async () => {
    await open({ "hang.tasks.js": `const { task } = require("taskflow");\nexports.t2 = task(() => 1);\nwhile (true) { /* never returns */ }\n` }, { loadTimeoutMs: 500 });
    await env.host.setFiles([workspace.file("hang.tasks.js")]);
    const [problem, ...rest] = errors();
    assert.deepEqual(rest, []);
    assert.match(problem.message, /took longer than 500 ms: its top level must finish quickly/);
    await env.host.whenIdle();
    assert.equal(env.host.runningWorkers(), 0);
  });

  it("reloads a module: new runs get the new code while a running task finishes on the old", async () => {
    const version = (v: string) => `import { task, taskLog } from "taskflow";
import { existsSync } from "node:fs";
export const work = task(async (gate: string) => {
  taskLog("${v} started");
  while (gate && !existsSync(gate)) await new Promise((r) => setTimeout(r, 5));
  taskLog("${v} finished");
});
`;
    await open({ "work.tasks.ts": version("v1") });
    const changes: number[] = [];
    env.host.onDidChange(() => changes.push(env.host.functions().length));
    await env.host.setFiles([workspace.file("work.tasks.ts")]);
    const gate = workspace.file("gate");
    const started = nextLog(env.manager, (e) => e.message === "v1 started");
    const oldRun = await env.manager.addTask("work", [gate]);
    await started;

    workspace.write({ "work.tasks.ts": version("v2") });
    await env.host.reload(workspace.file("work.tasks.ts"));
    const newRun = await env.manager.waitFor(await env.manager.addTask("work", [""]));
    assert.deepEqual(newRun.logs.map((l) => l.slice(20)), ["v2 started", "v2 finished"]);

    workspace.write({ gate: "open" });
    const oldRecord = await env.manager.waitFor(oldRun);
    assert.deepEqual(oldRecord.logs.map((l) => l.slice(20)), ["v1 started", "v1 finished"]);
    assert.deepEqual(changes, [1, 1]);
  });

  it("debounces scheduled reloads of the same file into one", async () => {
    let builds = 0;
    const counting = { build: (options: Parameters<typeof esbuild.build>[0]) => { builds++; return esbuild.build(options); } };
    await open({ "a.tasks.ts": TS_MODULE }, { esbuild: counting as never });
    await env.host.setFiles([workspace.file("a.tasks.ts")]);
    workspace.write({ "a.tasks.ts": TS_MODULE.replace("retries: 3", "retries: 5") });
    const changed = new Promise<void>((resolve) => env.host.onDidChange(resolve));
    for (let i = 0; i < 3; i++) env.host.scheduleReload(workspace.file("a.tasks.ts"), 20);
    await changed;
    await env.host.settled();
    assert.equal(builds, 2);
    assert.equal(env.host.functions().find((f) => f.name === "sendEmail")?.config.retries, 5);
  });

  it("removes a module: unregisters its tasks, clears its diagnostics and fires onDidChange", async () => {
    await open({ "a.tasks.ts": TS_MODULE, "empty.tasks.ts": "export const nothing = 1;\n" });
    await env.host.setFiles([workspace.file("a.tasks.ts"), workspace.file("empty.tasks.ts")]);
    assert.match(env.host.diagnostics()[0]?.message ?? "", /No tasks found/);
    let fired = 0;
    env.host.onDidChange(() => fired++);
    await env.host.setFiles([]);
    assert.deepEqual(env.host.functions(), []);
    assert.deepEqual(env.host.diagnostics(), []);
    assert.deepEqual(env.manager.registeredTasks(), []);
    assert.equal(fired, 1);
  });

  it("sweeps compiled files an earlier session left behind, keeping recent ones", async () => {
    await open({ "a.tasks.ts": TS_MODULE, ".cache/old.tasks.ts-1.2.cjs": "", ".cache/recent.tasks.ts-3.4.cjs": "", ".cache/notes.txt": "" });
    const hourAndMinuteAgo = new Date(Date.now() - 61 * 60 * 1000);
    utimesSync(workspace.file(".cache/old.tasks.ts-1.2.cjs"), hourAndMinuteAgo, hourAndMinuteAgo);
    utimesSync(workspace.file(".cache/notes.txt"), hourAndMinuteAgo, hourAndMinuteAgo);
    assert.equal(await env.host.sweepCache(), 1);
    assert.deepEqual(readdirSync(workspace.cacheDir).sort(), ["notes.txt", "recent.tasks.ts-3.4.cjs"]);
  });

  it("deletes its compiled files on dispose", async () => {
    await open({ "a.tasks.ts": TS_MODULE });
    await env.host.setFiles([workspace.file("a.tasks.ts")]);
    assert.equal(readdirSync(workspace.cacheDir).filter((f) => f.endsWith(".cjs")).length, 1);
    await env.host.dispose();
    assert.deepEqual(readdirSync(workspace.cacheDir).filter((f) => f.endsWith(".cjs")), []);
    assert.equal(existsSync(workspace.cacheDir), true);
  });
});

// The default compiler: esbuild-wasm in a forked child process. Its WebAssembly start takes seconds
// on a busy machine, hence one test and a generous limit.
describe("runtime: ModuleHost with its default compiler (esbuild-wasm in a child process)", function () {
  this.timeout(60000);
  let distDir: string;
  let workspace: Workspace;
  let env: Awaited<ReturnType<typeof startHost>> | undefined;

  useRuntimeDist((dir) => (distDir = dir));
  after(async () => {
    await env?.close();
    workspace?.dispose();
  });

  it("compiles TypeScript with local imports, reports syntax errors, and runs the tasks", async () => {
    const broken = `import { task } from "taskflow";\nexport const ok = task(() => 1);\nconst bad: number = ;\n`;
    workspace = new Workspace({ "d.tasks.mts": MTS_MODULE, "lib/double.ts": "export const double = (n: number) => n * 2;\n", "broken.tasks.ts": broken });
    env = await startHost(workspace, distDir, { esbuild: undefined });
    await env.host.setFiles([workspace.file("d.tasks.mts"), workspace.file("broken.tasks.ts")]);
    const [problem, ...rest] = env.host.diagnostics();
    assert.deepEqual(rest, []);
    assert.deepEqual([problem.file, problem.line, problem.column], [workspace.file("broken.tasks.ts"), 3, 21]);
    assert.deepEqual(env.host.functions().map((f) => [f.name, f.line]), [["mtsTask", 3]]);
    const record = await env.manager.waitFor(await env.manager.addTask("mtsTask", [4]));
    assert.equal(record.status, "success", record.error ?? "");
    assert.match(record.logs[0], / mts 8$/);
  });
});

describe("runtime: discoverModules", () => {
  let workspace: Workspace;
  afterEach(() => workspace?.dispose());

  it("finds task modules of every extension, skipping node_modules and .git", async () => {
    workspace = new Workspace(Object.fromEntries(
      ["a.tasks.ts", "src/b.tasks.mjs", "src/deep/c.tasks.cjs", "d.tasks.js", "e.tasks.mts", "f.tasks.cts", "g.ts", "tasks.ts",
        "node_modules/pkg/x.tasks.ts", ".git/y.tasks.ts", "src/node_modules/z.tasks.js"].map((f) => [f, ""]),
    ));
    const found = (await discoverModules(workspace.root)).map((f) => path.relative(workspace.root, f).split(path.sep).join("/"));
    assert.deepEqual(found, ["a.tasks.ts", "d.tasks.js", "e.tasks.mts", "f.tasks.cts", "src/b.tasks.mjs", "src/deep/c.tasks.cjs"]);
    const custom = await discoverModules(workspace.root, ["src/**/*.mjs", "*.ts"]);
    assert.deepEqual(custom.map((f) => path.basename(f)), ["a.tasks.ts", "g.ts", "b.tasks.mjs", "tasks.ts"]);
  });

  it("turns globs into anchored expressions", () => {
    assert.equal(globToRegExp("**/*.tasks.{ts,js}").test("a/b/x.tasks.js"), true);
    assert.equal(globToRegExp("**/*.tasks.{ts,js}").test("x.tasks.ts"), true);
    assert.equal(globToRegExp("**/*.tasks.{ts,js}").test("x.tasks.tsx"), false);
    assert.equal(globToRegExp("src/*.ts").test("src/a/b.ts"), false);
    assert.throws(() => globToRegExp("*.{ts"), /unclosed "\{"/);
  });
});
