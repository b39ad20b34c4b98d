import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as esbuild from "esbuild";
import { TaskManager } from "../../src";
import { ModuleHost } from "../../src/runtime/moduleHost";
import { externalAttemptFunction, runExternalAttempt } from "../../src/runtime/externalAttempt";
import { Workspace, runtimeHooks } from "../fixtures/modules/harness";

const MODULE = `import { task, taskLog, reportProgress, enqueue, getTaskContext, step, waitForInput } from "taskflow";
export const child = task(async (n: number) => n * 2);
export const debugMe = task({ retries: 2 }, async (name: string, opts?: { loud: boolean }) => {
  taskLog(\`hello \${name} attempt \${getTaskContext()?.attempt} debug=\${getTaskContext()?.tags.debug}\`);
  console.log("from console", opts?.loud);
  reportProgress(0.5, "half");
  const childId = await enqueue(child, [21]);
  if (name === "boom") throw new TypeError("went wrong in the runner");
  return { greeted: name, childId };
});
export const hangs = task(async () => {
  taskLog("waiting");
  await new Promise((resolve) => setTimeout(resolve, 60_000));
});
export const exits = task(async () => {
  process.exit(3);
});
import { appendFileSync } from "node:fs";
export const approveInDebugger = task(async (file: string) => {
  const n = await step("count", () => {
    appendFileSync(file, "step\\n");
    return 1;
  });
  const answer = await waitForInput<{ ok: boolean }>("go");
  return { n, ok: answer.ok };
});
`;

// The attempt runs in a separate node process through the same channel the debugger uses, without the debugger.
describe("runtime: attempts run in a process of their own (Debug Task's runner)", function () {
  this.timeout(30000);
  let distDir: string;
  let workspace: Workspace | undefined;
  let manager: TaskManager | undefined;
  let host: ModuleHost | undefined;
  const children: ChildProcess[] = [];

  runtimeHooks({ dist: (dir) => (distDir = dir), current: () => ({ workspace }) });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill();
    await manager?.shutdown();
    await host?.dispose();
  });

  /** A launch that starts dist/debugRunner.js with plain node, as the debugger would. */
  const launch = (env: Record<string, string>) => {
    const child = spawn(process.execPath, [path.join(distDir, "debugRunner.js")], { env: { ...process.env, ...env }, stdio: "ignore" });
    children.push(child);
    return new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", reject);
    });
  };

  async function load() {
    workspace = new Workspace({ "debug.tasks.ts": MODULE });
    manager = new TaskManager({
      onOutsideLog: () => undefined,
      delegateAttempt: (record) => {
        const compiled = record.tags.debug === "true" ? host?.compiledTask(record.funcName) : undefined;
        return compiled && externalAttemptFunction(compiled, launch);
      },
    });
    await manager.start();
    const moduleHost = new ModuleHost({ manager, workspaceRoot: workspace.root, cacheDir: workspace.cacheDir, distDir, esbuild });
    host = moduleHost;
    await moduleHost.setFiles([workspace.file("debug.tasks.ts")]);
    assert.deepEqual(moduleHost.diagnostics().filter((d) => d.severity === "error"), []);
    return manager;
  }

  it("runs the export there with args and kwargs and records its log lines, console output, progress, child and result", async () => {
    const engine = await load();
    const progress: unknown[] = [];
    engine.onProgress((e) => progress.push([e.fraction, e.message]));
    const id = await engine.addTask("debugMe", ["ada"], { kwargs: { loud: true }, tags: { debug: "true" } });
    const record = await engine.waitFor(id);
    assert.equal(record.status, "success", `${record.error}\n${record.stacktrace}`);
    const result = record.result as { greeted: string; childId: string };
    assert.equal(result.greeted, "ada");
    assert.match(record.logs[0], / hello ada attempt 0 debug=true$/);
    assert.match(record.logs[1], / from console true$/);
    assert.deepEqual(progress, [[0.5, "half"]]);
    const child = await engine.waitFor(result.childId);
    assert.equal(child.parentId, id);
    assert.equal(child.result, 42);
    assert.equal(child.tags.debug, undefined, "the child ran in a worker as usual");
  });

  it("records the error and the stack at the module's .ts line, once, with no retries", async () => {
    const engine = await load();
    const record = await engine.waitFor(await engine.addTask("debugMe", ["boom"], { tags: { debug: "true" } }));
    assert.equal(record.status, "failed");
    assert.equal(record.retriesUsed, 0);
    assert.equal(record.error, "TypeError: went wrong in the runner");
    assert.match(record.stacktrace ?? "", /debug\.tasks\.ts:8:\d+/);
    assert.equal(record.logs.filter((l) => l.includes("hello boom")).length, 1);
  });

  it("fails the run when the process ends before the task finishes", async () => {
    const engine = await load();
    const record = await engine.waitFor(await engine.addTask("exits", [], { tags: { debug: "true" } }));
    assert.equal(record.status, "failed");
    assert.match(record.error ?? "", /^RunnerDisconnectedError: The process running the task under the debugger ended before the task finished/);
  });

  it("aborts the process's task on cancel, and the run ends cancelled", async () => {
    const engine = await load();
    const id = await engine.addTask("hangs", [], { tags: { debug: "true" } });
    await new Promise<void>((resolve) => {
      const sub = engine.onLog((e) => {
        if (e.taskId === id && e.message === "waiting") resolve(sub.dispose());
      });
    });
    await engine.cancelTask(id);
    assert.equal((await engine.waitFor(id)).status, "cancelled");
  });

  it("records a step there, ends the process when the run waits for input, and resumes there with the step replayed", async () => {
    const engine = await load();
    const file = workspace!.file("steps.txt");
    writeFileSync(file, "");
    const waitingEvent = new Promise<void>((resolve) => {
      const sub = engine.onLifecycle((e) => {
        if (e.status === "waiting") resolve(sub.dispose());
      });
    });
    const id = await engine.addTask("approveInDebugger", [file], { tags: { debug: "true" } });
    await waitingEvent;
    const first = children[0];
    const exitCode = first.exitCode ?? await new Promise<number | null>((resolve) => first.once("exit", resolve));
    assert.equal(exitCode, 0, "the runner exits by itself once the run waits");
    const waiting = engine.getTask(id);
    assert.deepEqual(waiting?.steps.map((s) => [s.name, s.status]), [["count", "done"], ["input:go", "waiting"]]);
    await engine.provideInput(id, "go", { ok: true });
    const done = await engine.waitFor(id);
    assert.equal(done.status, "success", done.error ?? "");
    assert.deepEqual(done.result, { n: 1, ok: true });
    assert.equal(children.length, 2, "the resumed attempt ran in a runner too");
    assert.equal(readFileSync(file, "utf8"), "step\n", "the step ran once");
  });

  it("fails clearly when the process cannot be launched or never connects, and gives the attempt only to the process with the token", async () => {
    const job = { kind: "run" as const, compiledPath: "/nowhere.cjs", sourcePath: "/nowhere.ts", exportName: "x", args: [], context: { taskId: "t", funcName: "x", attempt: 0, tags: {} } };
    await assert.rejects(
      runExternalAttempt({ job, launch: () => Promise.reject(new Error("The debugger did not start")) }),
      /The debugger did not start/,
    );
    await assert.rejects(
      runExternalAttempt({
        job,
        connectTimeoutMs: 300,
        // A process that connects with a wrong token is refused and the attempt keeps waiting for the right one.
        launch: (env) => launch({ ...env, TASKFLOW_DEBUG_TOKEN: "not-the-token" }),
      }),
      /its task runner did not connect within 0.3 s/,
    );
  });
});
