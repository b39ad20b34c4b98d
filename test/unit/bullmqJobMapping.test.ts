import * as assert from "node:assert/strict";
import type { Job } from "bullmq";
import { JOB_OWNED, PAYLOAD_FIELDS, jobToTaskData, payloadOf, rejectedFromJson, rejectedToJson } from "../../src/backends/bullmq/jobMapping";
import { FIELD_NAMES, dictKey, newTaskData, type TaskData } from "../../src/model";
import { fieldsAtInitial, sameValue, sampleTask } from "./helpers/sampleTask";

function jobWith(data: unknown, fields: Partial<Job> = {}): Job {
  return { id: "t1", name: "f", data, timestamp: 1000, attemptsMade: 0, queueName: "default", ...fields } as unknown as Job;
}

/** The job BullMQ would hold for `task` once it ran to `state`, as its own fields say. */
function jobOfSample(task: TaskData, state: "completed" | "failed"): Job {
  return jobWith(payloadOf(task, {}), {
    id: task.taskId, name: task.funcName, timestamp: task.createdAt, queueName: task.queue,
    processedOn: task.startTime ?? undefined, finishedOn: task.endTime ?? undefined, attemptsMade: task.retriesUsed + 1,
    failedReason: state === "failed" ? task.error ?? "" : "", stacktrace: task.stacktrace === null ? [] : [task.stacktrace],
    returnvalue: state === "completed" ? task.result : null, progress: task.progress ?? 0,
  } as Partial<Job>);
}

describe("BullMQ backend: a job's data", () => {
  it("the sample task has every field of the model away from its initial value", () => {
    assert.deepEqual(fieldsAtInitial(sampleTask()), []);
  });

  it("says waiting, with what it waits for, only while the job is delayed; pending again once it is promoted", () => {
    const data = payloadOf(sampleTask(), {});
    assert.deepEqual([jobToTaskData(jobWith(data), "delayed", []).status, jobToTaskData(jobWith(data), "waiting", []).status], ["waiting", "pending"]);
    assert.equal(jobToTaskData(jobWith(data), "waiting", []).waitingFor, null);
    assert.equal(jobToTaskData(jobWith({ ...data, waitingFor: undefined }), "delayed", []).status, "pending", "a retry's backoff is a delay too");
    assert.equal(jobToTaskData(jobWith({ ...data, outcome: { status: "cancelled", at: 1, error: "CancelledError: c" } }), "delayed", []).status, "cancelled");
  });

  it("leaves out the fields at their initial values, keeps config, and reads back as a job with every field written does", () => {
    const defaults = newTaskData({ taskId: "t1", funcName: "f", createdAt: 1000 });
    assert.deepEqual(payloadOf(defaults, {}), { config: {} });
    const written = { args: [], kwargs: {}, tags: {}, idempotencyKey: null, parentId: null, scheduleId: null, priority: 0, runAt: null, encrypted: null, config: {} };
    // A job written before the data was compacted (every field present) and one written after read alike.
    assert.deepEqual(jobToTaskData(jobWith(payloadOf(defaults, {})), "waiting", []), jobToTaskData(jobWith(written), "waiting", []));
    const full = { ...written, args: [1], kwargs: { a: 2 }, tags: { env: "dev" }, idempotencyKey: "k", parentId: "p", scheduleId: "s", priority: -2, runAt: 5000, config: { retries: 1 } };
    const { encrypted: _none, ...set } = full;
    assert.deepEqual(payloadOf(jobToTaskData(jobWith(full), "waiting", []), { retries: 1 }), set);
  });

  it("carries every field of the model that BullMQ has no field for in the job's data, under its JSON-form key", () => {
    const sample = sampleTask();
    const data = payloadOf(sample, {}) as Record<string, unknown>;
    assert.deepEqual(Object.keys(data).sort(), ["config", ...PAYLOAD_FIELDS.map(dictKey)].sort());
    // Delayed, with what it waits for in its data: a waiting run, the one status whose record has waitingFor.
    const read = jobToTaskData(jobWith(data), "delayed", []);
    assert.equal(read.status, "waiting");
    for (const key of PAYLOAD_FIELDS) assert.deepEqual(read[key], sample[key], `field ${key} did not come back from the job's data`);
  });

  it("reads every field of the model back from a job: those BullMQ has from its own fields, the rest from the data", () => {
    const sample = sampleTask();
    const failed = jobToTaskData(jobOfSample(sample, "failed"), "failed", sample.logs);
    const completed = jobToTaskData(jobOfSample({ ...sample, status: "success" }, "completed"), "completed", sample.logs);
    const waiting = jobToTaskData(jobWith(payloadOf(sample, {})), "delayed", []);
    assert.equal(completed.status, "success");
    for (const key of FIELD_NAMES) {
      if (key === "status") continue;
      const came = sameValue(failed[key], sample[key]) || sameValue(completed[key], sample[key]) || (key === "waitingFor" && sameValue(waiting[key], sample[key]));
      assert.ok(came, `field ${key} (${(JOB_OWNED as readonly string[]).includes(key) ? "a job field" : "job data"}) was lost: got ${JSON.stringify(failed[key])} and ${JSON.stringify(completed[key])}, expected ${JSON.stringify(sample[key])}`);
    }
    assert.equal(failed.status, "failed");
  });

  it("keeps every field but logs of a rejected run in its JSON, and fills a field missing from an older entry with its initial value", () => {
    const sample = sampleTask({ status: "rejected" });
    assert.deepEqual(rejectedFromJson(rejectedToJson(sample)), { ...sample, logs: [] });
    const { priority: _p, ...older } = JSON.parse(rejectedToJson(sample)) as Record<string, unknown>;
    assert.equal(rejectedFromJson(JSON.stringify(older)).priority, 0);
  });
});
