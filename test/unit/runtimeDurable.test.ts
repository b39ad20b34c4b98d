import * as assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { systemClock, ValidationError, type Clock } from "../../src";
import { WorkerPool } from "../../src/runtime/workerPool";
import { runtimeHooks, startHost, Workspace, type HostEnv } from "../fixtures/modules/harness";
import { FakeClock } from "./helpers/fakeClock";
import { untilWaiting } from "./helpers/runStatus";

const MODULE = readFileSync(path.join(__dirname, "../fixtures/modules/durable.tasks.ts"), "utf8");

// Real TaskManager with a fake clock, real esbuild compile, real worker threads: step, sleep,
// waitForInput and waitForRuns of the "taskflow" module replay in the worker and record on the host.
describe("runtime: durable runs in task modules", function () {
  this.timeout(30000);
  let distDir: string;
  let workspace: Workspace | undefined;
  let env: HostEnv | undefined;

  runtimeHooks({ dist: (dir) => (distDir = dir), current: () => ({ env, workspace }) });
  afterEach(() => {
    env = undefined;
    workspace = undefined;
  });

  /** Loads the fixture module on a manager with `clock` (a fake one unless given). */
  async function load(isolation: "warm" | "fresh", options: { clock?: Clock; maxWorkers?: number } = {}) {
    workspace = new Workspace({ "durable.tasks.ts": MODULE });
    env = await startHost(workspace, distDir, { isolation, maxWorkers: options.maxWorkers }, { clock: options.clock ?? new FakeClock(), maxConcurrentTasks: 4 });
    await env.host.setFiles([workspace.file("durable.tasks.ts")]);
    assert.deepEqual(env.host.diagnostics().filter((d) => d.severity === "error"), []);
    return env;
  }

  for (const isolation of ["warm", "fresh"] as const) {
    it(`replays a step after a sleep instead of running it again (${isolation} workers)`, async () => {
      const clock = new FakeClock();
      const { manager } = await load(isolation, { clock });
      const file = workspace!.file("side-effects.txt");
      writeFileSync(file, "");
      const id = await manager.addTask("stepThenSleep", [file]);
      const waiting = await untilWaiting(manager, id, "sleep");
      assert.deepEqual(waiting.steps.map((s) => [s.name, s.occurrence, s.status, s.value]), [["count", 1, "done", 1], ["sleep", 1, "waiting", null]]);
      const until = Date.parse((waiting.waitingFor as { until: string }).until);
      assert.ok(until >= clock.now() + 60_000 && until < clock.now() + 61_000, `the sleep ends 60 s after the host clock's now, got ${new Date(until).toISOString()}`);
      await clock.advance(61_000);
      const done = await manager.waitFor(id);
      assert.equal(done.status, "success", done.error ?? "");
      // The code outside the step ran twice (first attempt and the resume); the step once.
      assert.deepEqual(readFileSync(file, "utf8").split("\n").filter((l) => l !== ""), ["outside", "step", "outside"]);
      assert.deepEqual(done.result, { count: 1, linesSeen: 3 });
      assert.deepEqual(done.steps.map((s) => [s.name, s.status]), [["count", "done"], ["sleep", "done"]]);
    });

    it(`waits for input, refuses a value the schema refuses, and resumes with the value (${isolation} workers)`, async () => {
      const { manager } = await load(isolation);
      const id = await manager.addTask("approve", ["ada"]);
      const waiting = await untilWaiting(manager, id, "input");
      assert.deepEqual(waiting.waitingFor && { kind: waiting.waitingFor.kind, prompt: (waiting.waitingFor as { prompt: string }).prompt }, { kind: "input", prompt: "Approve ada?" });
      await assert.rejects(manager.provideInput(id, "approval", { approve: "yes" }), (e: Error) => e instanceof ValidationError && /approve/.test(e.message));
      assert.equal(manager.getTask(id)?.status, "waiting");
      await manager.provideInput(id, "approval", { approve: true, note: "welcome" });
      const done = await manager.waitFor(id);
      assert.equal(done.status, "success", done.error ?? "");
      assert.deepEqual(done.result, { user: "ada", approve: true, note: "welcome" });
    });

    it(`waits for the runs it enqueued and gets their records (${isolation} workers)`, async () => {
      const { manager } = await load(isolation);
      const id = await manager.addTask("fanOut", [[1, 2, 3]]);
      const done = await manager.waitFor(id);
      assert.equal(done.status, "success", done.error ?? "");
      assert.deepEqual(done.result, [["double", "success", 2], ["double", "success", 4], ["double", "success", 6]]);
      assert.equal(manager.listTasks({ parentId: id }).length, 3, "the children were enqueued once, in the step");
    });
  }

  it("retries a failed step in a worker, replaying the step done before it", async () => {
    // The system clock: the retry's backoff of 0 s still sleeps on the clock.
    const { manager } = await load("warm", { clock: systemClock });
    const file = workspace!.file("side-effects.txt");
    writeFileSync(file, "");
    const done = await manager.waitFor(await manager.addTask("retried", [file]));
    assert.equal(done.status, "success", done.error ?? "");
    assert.equal(done.result, 3);
    assert.equal(readFileSync(file, "utf8"), "a\nb\nb\n");
    assert.deepEqual(done.steps.map((s) => [s.name, s.status, s.attempt]), [["a", "done", 0], ["b", "done", 1]]);
  });

  it("throws the taskflow module's WaitTimeoutError, which the task can catch, when the input does not come in time", async () => {
    const clock = new FakeClock();
    const { manager } = await load("warm", { clock });
    const id = await manager.addTask("timesOut");
    await untilWaiting(manager, id, "input");
    await clock.advance(11_000);
    const done = await manager.waitFor(id);
    assert.equal(done.result, "caught WaitTimeoutError");
  });

  it("frees the warm worker of a run that waits, for the next run", async () => {
    const { manager, host } = await load("warm", { maxWorkers: 1 });
    const waiting = await manager.addTask("approve", ["bob"]);
    await untilWaiting(manager, waiting, "input");
    const next = await manager.waitFor(await manager.addTask("plain", [1]));
    assert.equal(next.status, "success", next.error ?? "");
    assert.equal(next.result, 2);
    assert.equal(host.warmWorkers(), 1, "the one worker ran both");
  });

  it("asks the host for the attempt's steps only when its code reaches a step, and refuses steps outside an engine's run", async () => {
    const { host, proxies } = await load("warm");
    const compiled = host.compiledTask("plain")!;
    const pool = new WorkerPool({ workerPath: path.join(distDir, "worker.js"), compiledPath: compiled.compiledPath, sourcePath: compiled.sourcePath, maxWorkers: 1 });
    try {
      let opened = 0;
      const durable = () => {
        opened++;
        throw new Error("this run has no journal");
      };
      const context = { taskId: "t", funcName: "plain", attempt: 0, tags: {} };
      assert.equal(await pool.run({ exportName: "plain", args: [1], context, durable }), "2");
      assert.equal(opened, 0, "a run without steps opened no journal");
      await assert.rejects(pool.run({ exportName: "approve", args: ["ada"], context, durable }), /this run has no journal/);
      assert.equal(opened, 1);
    } finally {
      await pool.dispose();
    }
    // A proxy called directly (not by the engine) has no run to record on.
    await assert.rejects(Promise.resolve(proxies.get("approve")!("ada")), /step\(\) and the waits work only in a task run by the engine/);
  });

  it("fails the run with a clear error for a step value that is not JSON and for a step name that is not a string", async () => {
    const { manager } = await load("warm");
    const notJson = await manager.waitFor(await manager.addTask("notJson"));
    assert.equal(notJson.status, "failed");
    assert.match(notJson.error ?? "", /^TypeError: step bad value#1 returned a value that is not JSON, so it cannot be recorded: the value of step bad value#1\.when is a Map instance/);
    assert.deepEqual(notJson.steps, []);
    const badName = await manager.waitFor(await manager.addTask("badName"));
    assert.equal(badName.status, "failed");
    assert.equal(badName.error, 'TypeError: step() needs a name, a non-empty string such as step("create account", () => ...); got the number 42');
  });
});
