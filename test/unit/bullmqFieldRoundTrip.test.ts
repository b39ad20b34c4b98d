import * as assert from "node:assert/strict";
import { jobOf } from "../../src/backends/bullmq/jobEnqueue";
import { JobHistory } from "../../src/backends/bullmq/jobHistory";
import { PAYLOAD_FIELDS } from "../../src/backends/bullmq/jobMapping";
import { RedisQueues, connect, taskflowKeys } from "../../src/backends/bullmq/redisQueues";
import { reportProgress, sleep, taskLog } from "../../src";
import { FIELD_NAMES, TaskRecord, type TaskField } from "../../src/model";
import { useRedis } from "./helpers/bullmqHarness";
import { isInitial, sameValue, sampleTask } from "./helpers/sampleTask";

/** Fields a job gets when it is added: its id, name, timestamp and queue, and its data (a resumed retry's steps too). */
const WRITTEN_AT_ADD: readonly TaskField[] = ["taskId", "funcName", "createdAt", "queue", ...PAYLOAD_FIELDS.filter((k) => k !== "waitingFor")];

/** Fields a job gets by running: BullMQ's state, times, attempts, failure, return value, progress, logs, and the wait it reached. */
const WRITTEN_BY_RUN: readonly TaskField[] = ["status", "startTime", "endTime", "retriesUsed", "error", "stacktrace", "result", "logs", "progress", "waitingFor"];

describe("BullMQ backend: every field of the model through Redis and back", function () {
  this.timeout(30000);
  const redis = useRedis(this);

  it("covers every field of the model between what a job is added with and what running it writes", () => {
    assert.deepEqual([...WRITTEN_AT_ADD, ...WRITTEN_BY_RUN].sort(), [...FIELD_NAMES].sort());
  });

  it("reads back every field a job is added with, each away from its initial value", async () => {
    const sample = sampleTask({ status: "pending", startTime: null, endTime: null, retriesUsed: 0, error: null, stacktrace: null, result: null, logs: [], progress: null });
    const connection = connect(redis.server!.url);
    try {
      const queues = new RedisQueues(connection, { url: redis.server!.url, prefix: redis.prefix, worker: false, lockDurationMs: 30_000 }, taskflowKeys(redis.prefix));
      const { name, data, opts } = jobOf(TaskRecord.fromData(sample), {}, { queues, nowMs: () => Date.now(), maxRecords: 100 });
      await (await queues.announce(sample.queue)).add(name, data, opts);
      const read = await new JobHistory(queues).get(sample.taskId);
      assert.ok(read, "the job was not found in Redis");
      for (const key of WRITTEN_AT_ADD) {
        assert.ok(!isInitial(key, sample[key]), `the sample's ${key} is at its initial value, so the test proves nothing for it`);
        assert.ok(sameValue(read[key], sample[key]), `field ${key} came back as ${JSON.stringify(read[key])}, expected ${JSON.stringify(sample[key])}`);
      }
      await queues.close();
    } finally {
      connection.disconnect();
    }
  });

  it("reads back every field running a job writes, each away from its initial value", async () => {
    const worker = redis.manager();
    const works = worker.task({ name: "works" }, async () => {
      taskLog("working");
      reportProgress(0.5, "half way");
      return { rows: 3 };
    });
    const fails = worker.task({ name: "fails", retries: 1, delay: 0.01 }, async () => {
      throw new Error("boom");
    });
    const waits = worker.task({ name: "waits" }, async () => {
      await sleep(3600);
    });
    await worker.start();
    const succeeded = await worker.waitFor(await worker.addTask(works));
    const failed = await worker.waitFor(await worker.addTask(fails));
    const waiting = await worker.addTask(waits);
    while ((await worker.getTask(waiting))?.status !== "waiting") await new Promise((resolve) => setTimeout(resolve, 20));
    const read = [await worker.getTask(succeeded.taskId), await worker.getTask(failed.taskId), await worker.getTask(waiting)].map((r) => r!.toData());
    for (const key of WRITTEN_BY_RUN) {
      assert.ok(read.some((task) => !isInitial(key, task[key])), `field ${key} stayed at its initial value on both runs: ${JSON.stringify(read.map((t) => t[key]))}`);
    }
    assert.deepEqual([read[0].status, read[0].result, read[0].progress], ["success", { rows: 3 }, { fraction: 0.5, message: "half way" }]);
    assert.deepEqual([read[1].status, read[1].retriesUsed, read[1].error], ["failed", 1, "Error: boom"]);
  });
});
