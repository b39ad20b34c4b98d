import * as assert from "node:assert/strict";
import { Stopper } from "../../src/core/stopper";

describe("BullMQ backend: the Stopper of a run", () => {
  it("keeps the first reason, tells its followers once and aborts a signal read before or after the stop", () => {
    const stop = new Stopper();
    const early = stop.signal;
    const heard: unknown[] = [];
    stop.onStop((reason) => void heard.push(reason));
    const unfollowed = stop.onStop(() => void heard.push("unfollowed"));
    unfollowed();
    stop.stop("first");
    stop.stop("second");
    assert.deepEqual([...heard], ["first"]);
    assert.equal(stop.reason, "first");
    assert.equal(early.aborted, true);
    assert.equal(early.reason, "first");
    assert.equal(stop.signal, early);
    const late = new Stopper();
    late.stop("gone");
    assert.equal(late.signal.aborted, true);
    assert.equal(late.signal.reason, "gone");
    late.onStop((reason) => void heard.push(reason));
    assert.deepEqual(heard, ["first", "gone"]);
  });

  it("makes no AbortSignal until one is read", () => {
    const stop = new Stopper();
    stop.stop("unread");
    assert.equal((stop as unknown as { controller?: AbortController }).controller, undefined);
  });
});
