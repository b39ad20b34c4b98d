import * as assert from "node:assert/strict";
import { retryDecision, runAttempt, shouldRetry, type AttemptPort, type AttemptTask } from "../../src/core/attempt";
import { CancelledError } from "../../src/core/errors";
import { LogCap } from "../../src/core/logCap";
import { Stopper } from "../../src/core/stopper";
import { taskLog } from "../../src/core/taskContext";
import { NonRetryableError } from "../../src/model";
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
