import * as assert from "node:assert/strict";
import { parseQueueSettings, QueueSettingsApplier } from "../../src/extension/session/queueSettings";
import { makeEngine, shutdownEngines } from "./helpers/engineHarness";

describe("extension: taskflow.queues setting", () => {
  afterEach(shutdownEngines);

  it("reads each queue, leaving limits it omits at none and running", () => {
    const parsed = parseQueueSettings({
      emails: { concurrency: 2, rateLimit: { max: 10, perSeconds: 1 } },
      reports: { maxSize: 100, paused: true },
    });
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.queues, [
      { name: "emails", options: { concurrency: 2, maxSize: null, rateLimit: { max: 10, perSeconds: 1 } }, paused: false },
      { name: "reports", options: { concurrency: null, maxSize: 100, rateLimit: null }, paused: true },
    ]);
  });

  it("treats a missing setting as no queues", () => {
    assert.deepEqual(parseQueueSettings(undefined), { queues: [], problems: [] });
    assert.deepEqual(parseQueueSettings({}), { queues: [], problems: [] });
  });

  it("skips invalid entries with a message naming the queue and what was got, and keeps the valid ones", () => {
    const parsed = parseQueueSettings({
      ok: { concurrency: 1 },
      zero: { concurrency: 0 },
      unknownKey: { concurency: 2 },
      pausedText: { paused: "yes" },
      notObject: 3,
      badRate: { rateLimit: { max: 5 } },
    });
    assert.deepEqual(parsed.queues.map((q) => q.name), ["ok"]);
    assert.equal(parsed.problems.length, 5);
    assert.match(parsed.problems[0], /^taskflow\.queues\["zero"\] skipped: .*concurrency.*>= 1/);
    assert.match(parsed.problems[1], /unknownKey.*concurency/);
    assert.match(parsed.problems[2], /pausedText.*paused must be true or false, got the string "yes"/);
    assert.match(parsed.problems[3], /notObject.*must be an object/);
    assert.match(parsed.problems[4], /badRate.*perSeconds/);
  });

  it("reports a value that is not an object", () => {
    const parsed = parseQueueSettings([1]);
    assert.deepEqual(parsed.queues, []);
    assert.match(parsed.problems[0], /must be an object of queue name to settings/);
  });

  it("applies queues to the manager, pauses and resumes them, and resets a queue dropped from the setting", async () => {
    const { manager } = makeEngine();
    await manager.start();
    const reported: string[][] = [];
    const applier = new QueueSettingsApplier((p) => reported.push(p));
    await applier.apply(manager, { emails: { concurrency: 2, maxSize: 10, paused: true }, bad: { maxSize: -1 } });
    const emails = () => manager.listQueues().find((q) => q.name === "emails");
    assert.deepEqual([emails()?.concurrency, emails()?.maxSize, emails()?.paused], [2, 10, true]);
    assert.equal(reported.length, 1);
    assert.match(reported[0][0], /bad/);
    await applier.apply(manager, { emails: { concurrency: 3 } });
    assert.deepEqual([emails()?.concurrency, emails()?.maxSize, emails()?.paused], [3, null, false]);
    await applier.apply(manager, {});
    assert.equal(emails(), undefined, "no limits, running and empty: listQueues leaves it out like a queue never configured");
    assert.equal(reported.length, 1);
  });
});
