import * as assert from "node:assert/strict";
import { retryDecision, runAttempt, shouldRetry, Suspended, type AttemptPort, type AttemptTask } from "../../src/core/attempt";
import { CancelledError } from "../../src/core/errors";
import { LogCap } from "../../src/core/logCap";
import { Stopper } from "../../src/core/stopper";
import { getTaskContext, sleep, step, taskLog, waitForInput } from "../../src/core/taskContext";
import { NonRetryableError, type StepRecord } from "../../src/model";
import { parseRetryMarker } from "../../src/model/logMarkers";
import { FakeClock, settle } from "./helpers/fakeClock";

function recordingPort(clock = new FakeClock()): AttemptPort & { lines: string[] } {
  const lines: string[] = [];
  return {
    clock, lines,
    log: (message, _level, _extra, marker) => void lines.push(marker ? message : `line ${message}`),
    progress: () => undefined,
    enqueueChild: () => Promise.resolve("child"),
    recordStep: () => Promise.resolve(),
    finishedRuns: () => Promise.resolve(undefined),
  };
}

function taskOf(fn: AttemptTask["fn"], overrides: Partial<AttemptTask> = {}): AttemptTask {
  return {
    taskId: "t1", funcName: "work", tags: Object.freeze({}), fn, args: [], timeoutSeconds: undefined,
    stopper: new Stopper(), logCap: new LogCap(3), recordedSteps: () => [], ...overrides,
  };
}

describe("core: one attempt", () => {
  it("writes the retry marker, caps the log lines and reports the dropped ones as it ends", async () => {
    const port = recordingPort();
    const result = await runAttempt(port, taskOf(() => {
      for (let i = 0; i < 5; i++) taskLog(String(i));
      return undefined;
    }), 2);
    assert.equal(result, null);
    assert.deepEqual(port.lines, ["--- Retry 2 ---", "line 0", "line 1", "--- 3 log lines dropped (limit 3 per task) ---"]);
    assert.equal(parseRetryMarker(port.lines[0]), 2);
  });

  it("gives a task that reads its context one frozen context per attempt, whose signal aborts when the run is stopped", async () => {
    const stopper = new Stopper();
    const seen: Array<ReturnType<typeof getTaskContext>> = [];
    let aborted: unknown;
    const attempt = runAttempt(recordingPort(), taskOf(async () => {
      const context = getTaskContext();
      seen.push(context, getTaskContext());
      context?.signal.addEventListener("abort", () => (aborted = context.signal.reason));
      await new Promise(() => undefined);
    }, { stopper, tags: Object.freeze({ env: "dev" }) }), 1);
    await settle();
    stopper.stop(new CancelledError("cancelled by the test"));
    await assert.rejects(attempt, /cancelled by the test/);
    assert.equal(seen[0], seen[1], "the same context for every read within the attempt");
    assert.ok(Object.isFrozen(seen[0]));
    assert.deepEqual({ ...seen[0], signal: undefined }, { taskId: "t1", funcName: "work", attempt: 1, tags: { env: "dev" }, signal: undefined });
    assert.ok(aborted instanceof CancelledError, "the signal aborted with the stop's reason");
    assert.equal(getTaskContext(), undefined, "no context outside the attempt");
  });

  it("ends a task that never settles when its stopper is stopped, with the stop's reason", async () => {
    const task = taskOf(() => new Promise(() => {}));
    const running = runAttempt(recordingPort(), task, 0);
    await settle();
    task.stopper.stop(new CancelledError("task t1 was cancelled"));
    await assert.rejects(running, { name: "CancelledError" });
  });

  it("fails an attempt at its timeout through the clock", async () => {
    const clock = new FakeClock();
    const running = runAttempt(recordingPort(clock), taskOf(() => new Promise(() => {}), { timeoutSeconds: 2 }), 0);
    const failed = assert.rejects(running, { name: "TimeoutError", message: 'task "work" timed out after 2s' });
    await clock.advance(2000);
    await failed;
  });

  it("turns a thrown string into an Error and refuses a value JSON cannot carry", async () => {
    const throwsString = (): never => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task may throw anything; that is the case tested
      throw "bad";
    };
    await assert.rejects(runAttempt(recordingPort(), taskOf(throwsString), 0), { message: "bad" });
    await assert.rejects(runAttempt(recordingPort(), taskOf(() => 1n), 0), { name: "TypeError" });
  });
});

describe("core: the retry decision", () => {
  it("retries while retries are left, after the backoff delay, and never a NonRetryableError", () => {
    const config = { retries: 2, delay: 1, backoff: 2 };
    const error = new Error("flaky");
    assert.deepEqual(retryDecision(config, 0, error, Math.random), { retry: true, delayMs: 1000 });
    assert.deepEqual(retryDecision(config, 1, error, Math.random), { retry: true, delayMs: 2000 });
    assert.deepEqual(retryDecision(config, 2, error, Math.random), { retry: false });
    assert.equal(shouldRetry(config, 0, new NonRetryableError("no")), false);
    assert.equal(shouldRetry({}, 0, error), false);
  });
});

describe("core: steps and waits in an attempt", () => {
  /** A port that keeps the entries it was asked to record, in order, as a backend would. */
  function journalPort(clock = new FakeClock()) {
    const recorded: StepRecord[] = [];
    const port: AttemptPort = {
      ...recordingPort(clock),
      recordStep: (entry) => {
        recorded.push(entry);
        return Promise.resolve();
      },
    };
    return { port, recorded };
  }

  it("ends the attempt as Suspended at a wait that does not hold, never running the code after it, and drops what a late branch records", async () => {
    const { port, recorded } = journalPort();
    let after = false;
    let late!: () => void;
    const result = await runAttempt(port, taskOf(async () => {
      void step("slow", () => new Promise<number>((resolve) => (late = () => resolve(1))));
      await waitForInput("ok", { prompt: "Go?" });
      after = true;
    }), 0);
    assert.ok(result instanceof Suspended);
    assert.deepEqual(result.waitingFor, { kind: "input", name: "ok", prompt: "Go?", schema: null, timeoutAt: null, step: "input:ok#1" });
    late();
    await settle();
    assert.equal(after, false);
    assert.deepEqual(recorded.map((e) => `${e.name}#${e.occurrence} ${e.status}`), ["input:ok#1 waiting"], "the slow step settled after the attempt ended: not recorded");
  });

  it("replays a done step and rethrows a step that failed in the same attempt, but runs one failed in an earlier attempt again", async () => {
    const entry = (name: string, status: "done" | "failed", attempt: number): StepRecord => ({
      name, occurrence: 1, kind: "step", status, attempt, startedAt: "2026-01-01T00:00:00.000Z", endedAt: "2026-01-01T00:00:01.000Z",
      value: status === "done" ? { v: name } : null, error: status === "failed" ? "RangeError: too far" : null, waitingFor: null,
    });
    const steps = [entry("a", "done", 0), entry("b", "failed", 1), entry("c", "failed", 0)];
    const { port, recorded } = journalPort();
    const ran: string[] = [];
    const result = await runAttempt(port, taskOf(async () => {
      const a = await step("a", () => ran.push("a"));
      const c = await step("c", () => {
        ran.push("c");
        return "again";
      });
      try {
        await step("b", () => ran.push("b"));
      } catch (error) {
        return { a, c, b: `${(error as Error).name}: ${(error as Error).message}` };
      }
      return "b ran";
    }, { recordedSteps: () => steps }), 1, true);
    assert.deepEqual(result, { a: { v: "a" }, c: "again", b: "RangeError: too far" });
    assert.deepEqual(ran, ["c"]);
    assert.deepEqual(recorded.map((e) => `${e.name} ${e.status} ${e.attempt}`), ["c done 1"]);
  });

  it("wakes a sleep whose time has come without suspending, and keeps the time first recorded when it resumes", async () => {
    const clock = new FakeClock();
    const { port, recorded } = journalPort(clock);
    const sleeper = taskOf(async () => {
      await sleep(60);
      return "awake";
    }, { recordedSteps: () => recorded });
    const first = await runAttempt(port, sleeper, 0);
    assert.ok(first instanceof Suspended);
    await clock.advance(30_000);
    const early = await runAttempt(port, sleeper, 0, true);
    assert.ok(early instanceof Suspended);
    assert.equal(early.waitingFor.kind === "sleep" && early.waitingFor.until, new Date(Date.UTC(2026, 0, 1) + 60_000).toISOString());
    await clock.advance(30_000);
    assert.equal(await runAttempt(port, sleeper, 0, true), "awake");
    assert.equal(recorded.at(-1)?.status, "done");
  });

  it("writes no retry marker for an attempt that resumes after a wait", async () => {
    const port = recordingPort();
    await runAttempt(port, taskOf(() => 1), 2, true);
    assert.deepEqual(port.lines, []);
  });
});
