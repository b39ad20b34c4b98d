import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { TaskManager } from "../../src";
import { registerFlow } from "../fixtures/durableFlow";
import { FakeClock } from "./helpers/fakeClock";
import { killHard, startUntilReady } from "./helpers/readyChild";

/** Runs the child until READY, kills it with SIGKILL, and resolves with the run's id. */
async function killedAt(mode: "wait" | "hang", dbPath: string, counterFile: string): Promise<string> {
  const { child, ready } = await startUntilReady("test/fixtures/durableChild.ts", [dbPath, counterFile, mode]);
  await killHard(child);
  return ready;
}

const lines = (file: string): string[] => readFileSync(file, "utf8").trim().split("\n");

describe("durable runs across kill -9", function () {
  this.timeout(40000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "taskflow-durable-crash-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps a run killed while it sleeps waiting, and resumes it after its sleep without running its done step again", async () => {
    const dbPath = path.join(dir, "tasks.sqlite");
    const counter = path.join(dir, "counter");
    const id = await killedAt("wait", dbPath, counter);
    assert.deepEqual(lines(counter), ["first"]);

    // Opened before the sleep ended: the run is still waiting, for the same time.
    const early = new TaskManager({ dbPath, onOutsideLog: () => {} });
    registerFlow(early, counter, async () => {});
    await early.start();
    const waiting = early.getTask(id);
    assert.equal(waiting?.status, "waiting");
    assert.equal(waiting?.waitingFor?.kind, "sleep");
    await early.shutdown();

    // Opened after it: the run resumes at once, replays "first" and runs "work".
    const clock = new FakeClock(Date.now() + 2 * 3600_000);
    const late = new TaskManager({ dbPath, clock, onOutsideLog: () => {} });
    registerFlow(late, counter, async () => {});
    await late.start();
    try {
      const done = await late.waitFor(id);
      assert.equal(done.status, "success");
      assert.deepEqual(done.result, { first: { at: "first" }, work: "worked" });
      assert.deepEqual(lines(counter), ["first", "work"], "the done step ran once");
    } finally {
      await late.shutdown();
    }
  });

  it("runs the step it was inside again after kill -9 (at least once), replaying the steps done before", async () => {
    const dbPath = path.join(dir, "tasks.sqlite");
    const counter = path.join(dir, "counter");
    const id = await killedAt("hang", dbPath, counter);
    assert.deepEqual(lines(counter), ["first", "work"]);
    const manager = new TaskManager({ dbPath, onOutsideLog: () => {} });
    registerFlow(manager, counter, async () => {});
    await manager.start();
    try {
      const done = await manager.waitFor(id);
      assert.equal(done.status, "success");
      assert.deepEqual(lines(counter), ["first", "work", "work"]);
      assert.deepEqual(done.steps.map((s) => `${s.name}#${s.occurrence} ${s.status}`), ["first#1 done", "work#1 done"]);
    } finally {
      await manager.shutdown();
    }
  });
});
