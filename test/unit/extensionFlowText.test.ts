import * as assert from "node:assert/strict";
import { describeTaskConfig } from "../../src/extension/modules/taskCatalog";
import { clockTime, flowDetail, flowSummary, holdText, keyLabel } from "../../src/extension/views/flowText";

/** An ISO time that is 14:05:30 in the local time zone, so the expected clock text holds anywhere. */
const AT_14_05_30 = new Date(2026, 0, 1, 14, 5, 30).toISOString();

describe("extension: flow control per key in words", () => {
  it("summarises each rule in short, in the order concurrency, rate limit, debounce", () => {
    assert.equal(
      flowSummary({
        debounce: { key: "args[0]", seconds: 5 },
        rateLimit: { key: "kwargs.tenant", max: 10, perSeconds: 60 },
        concurrency: { key: "args[0]", limit: 1 },
      }),
      "1 per args[0] · 10/60s per kwargs.tenant · debounce 5s per args[0]",
    );
    assert.equal(flowSummary({ rateLimit: { key: "tags.tenant", max: 3, perSeconds: 0.5 } }), "3/0.5s per tags.tenant");
  });

  it("adds the rules to a function's config summary, which the Run Task picker and the Task Functions view show", () => {
    assert.equal(describeTaskConfig({ retries: 2, concurrency: { key: "args[0]", limit: 1 } }), "retries 2 · 1 per args[0]");
    assert.equal(describeTaskConfig({ debounce: { key: "args[0]", seconds: 5 } }), "debounce 5s per args[0]");
    assert.equal(describeTaskConfig({}), "default config");
  });

  it("says nothing for a function without flow control", () => {
    assert.equal(flowSummary({}), "");
    assert.equal(flowDetail({}), "");
  });

  it("spells each rule out in full for the tooltip", () => {
    assert.equal(
      flowDetail({
        concurrency: { key: "args[0]", limit: 1 },
        rateLimit: { key: "kwargs.tenant", max: 10, perSeconds: 60 },
        debounce: { key: "args[1].userId", seconds: 5 },
      }),
      "At most 1 run at once per key args[0]; at most 10 starts per 60 s per key kwargs.tenant; " +
        "debounced per key args[1].userId: a run starts 5 s after the last add of its key, with that add's input.",
    );
    assert.equal(flowDetail({ concurrency: { key: "kwargs.user", limit: 2 } }), "At most 2 runs at once per key kwargs.user.");
    assert.equal(flowDetail({ rateLimit: { key: "args[0]", max: 1, perSeconds: 1 } }), "At most 1 start per 1 s per key args[0].");
  });

  it("says a run held by its key's concurrency how many of the key run", () => {
    const text = holdText({ rule: "concurrency", key: "ada", running: 1, limit: 1 });
    assert.equal(text.summary, "held: 1 running for key ada");
    assert.equal(text.detail, "Held by its key ada: 1 run of this key running, at most 1 at once. It starts when one of them ends.");
  });

  it("says a run held by its key's rate limit the limit and when the window has room, in local time", () => {
    const text = holdText({ rule: "rateLimit", key: "t1", max: 10, perSeconds: 60, until: AT_14_05_30 });
    assert.equal(text.summary, "held: rate 10/60s for key t1 until 14:05");
    assert.equal(text.detail, "Held by its key t1: at most 10 starts per 60 s, and the window is full. It may start at 14:05:30.");
  });

  it("says a debounced run when it starts and how many adds it took", () => {
    assert.equal(holdText({ rule: "debounce", key: "a.ts", until: AT_14_05_30, adds: 3 }).summary, "debounced: starts 14:05 (3 adds)");
    const one = holdText({ rule: "debounce", key: "a.ts", until: AT_14_05_30, adds: 1 });
    assert.equal(one.summary, "debounced: starts 14:05 (1 add)");
    assert.match(one.detail, /^Debounced on its key a\.ts after 1 add: it starts at 14:05:30 with the last input/);
  });

  it("names the empty key and cuts long keys", () => {
    assert.equal(keyLabel(""), "(empty)");
    assert.equal(holdText({ rule: "concurrency", key: "", running: 2, limit: 2 }).summary, "held: 2 running for key (empty)");
    const long = "x".repeat(60);
    assert.equal(keyLabel(long), `${"x".repeat(39)}…`);
    assert.equal(keyLabel("ada"), "ada");
  });

  it("shows a time as given when it does not parse", () => {
    assert.equal(clockTime("soon"), "soon");
    assert.equal(clockTime(AT_14_05_30, true), "14:05:30");
  });
});
