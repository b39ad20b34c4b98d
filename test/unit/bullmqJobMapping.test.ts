import * as assert from "node:assert/strict";
import type { Job } from "bullmq";
import { compactPayload, jobToTaskData } from "../../src/backends/bullmq/jobMapping";

const defaults = { args: [], kwargs: {}, tags: {}, idempotencyKey: null, parentId: null, scheduleId: null, priority: 0, runAt: null, encrypted: null, config: {} };

function jobWith(data: unknown): Job {
  return { id: "t1", name: "f", data, timestamp: 1000, attemptsMade: 0, queueName: "default" } as unknown as Job;
}

describe("BullMQ backend: a job's data", () => {
  it("leaves out the fields at their defaults, keeps config, and reads back as the full payload does", () => {
    assert.deepEqual(compactPayload(defaults), { config: {} });
    const full = { ...defaults, args: [1], kwargs: { a: 2 }, tags: { env: "dev" }, idempotencyKey: "k", parentId: "p", scheduleId: "s", priority: -2, runAt: 5000, config: { retries: 1 } };
    const { encrypted: _none, ...set } = full;
    assert.deepEqual(compactPayload(full), set);
    // A job written before the data was compacted (every field present) and one written after read alike.
    assert.deepEqual(jobToTaskData(jobWith(compactPayload(defaults)), "waiting", []), jobToTaskData(jobWith(defaults), "waiting", []));
    assert.deepEqual(jobToTaskData(jobWith(compactPayload(full)), "waiting", []), jobToTaskData(jobWith(full), "waiting", []));
  });
});
