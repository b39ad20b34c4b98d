import * as assert from "node:assert/strict";
import { backoffDelayMs } from "../../src/core/backoff";
import { FakeClock } from "./helpers/fakeClock";

const never = () => {
  throw new Error("random must not be called without jitter");
};

describe("backoffDelayMs", () => {
  it("waits delay * backoff^(n-1) seconds before retry n", () => {
    const config = { delay: 1, backoff: 2 };
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelayMs(config, n, never)), [1000, 2000, 4000, 8000]);
  });

  it("defaults to no delay and a multiplier of 1", () => {
    assert.equal(backoffDelayMs({}, 3, never), 0);
    assert.equal(backoffDelayMs({ delay: 1.5 }, 5, never), 1500);
  });

  it("caps every wait at maxDelay seconds", () => {
    const config = { delay: 1, backoff: 3, maxDelay: 5 };
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelayMs(config, n, never)), [1000, 3000, 5000, 5000]);
  });

  it("applies jitter as a factor in [1 - jitter, 1] from the random source", () => {
    const config = { delay: 2, backoff: 2, jitter: 0.5 };
    assert.equal(backoffDelayMs(config, 2, () => 0), 4000);
    assert.equal(backoffDelayMs(config, 2, () => 0.5), 3000);
    assert.equal(backoffDelayMs(config, 2, () => 0.999999), 2000);
  });

  it("applies jitter after the cap", () => {
    assert.equal(backoffDelayMs({ delay: 10, maxDelay: 4, jitter: 0.25 }, 1, () => 1), 3000);
  });

  it("refuses retry numbers below 1 with the expected range", () => {
    assert.throws(() => backoffDelayMs({ delay: 1 }, 0, never), /retryNumber must be an integer >= 1.*got 0/);
  });
});

describe("FakeClock", () => {
  it("resolves sleeps in due order only when time reaches them", async () => {
    const clock = new FakeClock(0);
    const order: string[] = [];
    void clock.sleep(200).then(() => order.push("b"));
    void clock.sleep(100).then(() => order.push("a"));
    await clock.advance(99);
    assert.deepEqual(order, []);
    await clock.advance(101);
    assert.deepEqual(order, ["a", "b"]);
    assert.equal(clock.now(), 200);
  });

  it("resolves a sleep started by a continuation when it falls due in the same advance", async () => {
    const clock = new FakeClock(0);
    let done = false;
    void clock.sleep(10).then(() => clock.sleep(10)).then(() => (done = true));
    await clock.advance(20);
    assert.equal(done, true);
  });

  it("rejects a sleep with the signal's reason when aborted", async () => {
    const clock = new FakeClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(1000, controller.signal);
    controller.abort(new Error("stop"));
    await assert.rejects(sleeping, /stop/);
    assert.equal(clock.pendingSleeps, 0);
  });
});
