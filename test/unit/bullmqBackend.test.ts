import * as assert from "node:assert/strict";
import { NonRetryableError, QueueFullError, TaskManager, getTaskContext, reportProgress, taskLog, type TaskRecord } from "../../src";
import { signal, useRedis } from "./helpers/bullmqHarness";

describe("BullMQ backend: one history in Redis behind TaskflowClient", function () {
  this.timeout(30000);
  const redis = useRedis(this);

  it("runs a task on a worker and shows its result, logs, progress and tags to a manager that runs nothing", async () => {
    const worker = redis.manager();
    const echo = worker.task({ name: "echo" }, async (text: string) => {
      taskLog(`echoing ${text}`);
      reportProgress(0.5, "half way");
      return { echoed: text };
    });
    await worker.start();
    const reader = redis.manager({ worker: false });
    await reader.start();
    const id = await worker.addTask(echo, ["hi"], { tags: { env: "dev" } });
    const finished = await reader.waitFor(id);
    assert.equal(finished.status, "success");
    const record = await reader.getTask(id);
    assert.deepEqual(record?.result, { echoed: "hi" });
    assert.deepEqual(record?.tags, { env: "dev" });
    assert.deepEqual(record?.progress, { fraction: 0.5, message: "half way" });
    assert.equal(record?.logs.length, 1);
    assert.match(record?.logs[0] ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d echoing hi$/);
    assert.deepEqual((await reader.listTasks()).map((r) => r.taskId), [id]);
    assert.equal(await reader.countTasks({ status: "success" }), 1);
    assert.deepEqual(await reader.funcNames(), ["echo"]);
    const metrics = await reader.metrics();
    assert.equal(metrics.total, 1);
    assert.equal(metrics.success, 1);
  });

  it("retries with the task's backoff, then fails with the last error and its stack", async () => {
    const worker = redis.manager();
    let calls = 0;
    const flaky = worker.task({ name: "flaky", retries: 2, delay: 0.01, backoff: 2 }, async () => {
      calls++;
      throw new Error(`failure ${calls}`);
    });
    await worker.start();
    const record = await worker.waitFor(await worker.addTask(flaky));
    assert.equal(record.status, "failed");
    assert.equal(calls, 3);
    assert.equal(record.retriesUsed, 2);
    assert.equal(record.error, "Error: failure 3");
    assert.match(record.stacktrace ?? "", /failure 3/);
    assert.deepEqual(record.logs, ["--- Retry 1 ---", "--- Retry 2 ---"]);
  });

  it("fails a NonRetryableError at once, whatever retries are left", async () => {
    const worker = redis.manager();
    let calls = 0;
    const strict = worker.task({ name: "strict", retries: 5 }, async () => {
      calls++;
      throw new NonRetryableError("bad input");
    });
    await worker.start();
    const record = await worker.waitFor(await worker.addTask(strict));
    assert.equal(record.status, "failed");
    assert.equal(calls, 1);
    assert.match(record.error ?? "", /bad input/);
  });

  it("cancels a pending task, which then never runs", async () => {
    const worker = redis.manager();
    let ran = 0;
    const job = worker.task({ name: "job" }, async () => void ran++);
    await worker.start();
    await worker.pauseQueue("default");
    const id = await worker.addTask(job);
    await worker.cancelTask(id);
    assert.equal((await worker.getTask(id))?.status, "cancelled");
    const after = await worker.addTask(job);
    await worker.resumeQueue("default");
    assert.equal((await worker.waitFor(after)).status, "success");
    assert.equal((await worker.waitFor(id)).status, "cancelled");
    assert.equal(ran, 1);
    await assert.rejects(worker.cancelTask(id), { name: "TaskStateError" });
  });

  it("cancels a running task from another manager: the worker aborts the task's signal", async () => {
    const worker = redis.manager();
    const started = signal();
    let aborted = false;
    const wait = worker.task({ name: "wait" }, () => new Promise((_, reject) => {
      const context = getTaskContext();
      context?.signal.addEventListener("abort", () => {
        aborted = true;
        reject(context.signal.reason as Error);
      });
      started.resolve();
    }));
    await worker.start();
    const other = redis.manager({ worker: false });
    await other.start();
    const id = await worker.addTask(wait);
    await started.promise;
    assert.equal((await other.getTask(id))?.status, "running");
    await other.cancelTask(id);
    const record = await worker.waitFor(id);
    assert.equal(record.status, "cancelled");
    assert.equal(aborted, true);
  });

  it("ends an attempt that ignores its signal: a cancel settles it cancelled, a timeout fails it with a TimeoutError", async () => {
    const worker = redis.manager();
    const started = signal();
    const deaf = worker.task({ name: "deaf" }, () => {
      started.resolve();
      return new Promise(() => undefined);
    });
    const slow = worker.task({ name: "slow", timeout: 0.05 }, () => new Promise(() => undefined));
    await worker.start();
    const cancelled = await worker.addTask(deaf);
    await started.promise;
    await worker.cancelTask(cancelled);
    assert.equal((await worker.waitFor(cancelled)).status, "cancelled");
    const timedOut = await worker.waitFor(await worker.addTask(slow));
    assert.equal(timedOut.status, "failed");
    assert.match(timedOut.error ?? "", /^TimeoutError: task "slow" timed out after 0.05s/);
  });

  it("retries one task and, in bulk, every failed one since a time; a new run gets the same arguments and tags", async () => {
    const worker = redis.manager();
    let fail = true;
    const seen: unknown[] = [];
    const shaky = worker.task({ name: "shaky" }, async (n: number) => {
      if (fail) throw new Error(`no ${n}`);
      seen.push(n);
    });
    await worker.start();
    const ids = await worker.addTasks(shaky, [{ args: [1], tags: { k: "a" } }, { args: [2] }, { args: [3] }]);
    for (const id of ids) assert.equal((await worker.waitFor(id)).status, "failed");
    fail = false;
    const again = await worker.retryTask(ids[0]);
    assert.equal((await worker.waitFor(again)).status, "success");
    assert.deepEqual((await worker.getTask(again))?.tags, { k: "a" });
    // The first failed run is still failed (its retry is a new task), so it is retried again.
    const bulk = await worker.retryFailed({ funcName: "shaky" });
    assert.equal(bulk.length, 3);
    for (const id of bulk) assert.equal((await worker.waitFor(id)).status, "success");
    assert.deepEqual(seen.sort((x, y) => Number(x) - Number(y)), [1, 1, 2, 3]);
    assert.deepEqual(await worker.retryFailed({ since: new Date(Date.now() + 60_000) }), []);
    await assert.rejects(worker.retryTask(again), { name: "TaskStateError" });
  });

  it("returns the holder of an idempotency key and enqueues nothing; a failed holder releases the key", async () => {
    const worker = redis.manager();
    let fail = true;
    const gate = signal();
    const keyed = worker.task({ name: "keyed" }, async () => {
      await gate.promise;
      if (fail) throw new Error("first one fails");
    });
    await worker.start();
    const first = await worker.addTask(keyed, [], { idempotencyKey: "k1" });
    assert.equal(await worker.addTask(keyed, [], { idempotencyKey: "k1" }), first);
    gate.resolve();
    assert.equal((await worker.waitFor(first)).status, "failed");
    fail = false;
    const second = await worker.addTask(keyed, [], { idempotencyKey: "k1" });
    assert.notEqual(second, first);
    assert.equal((await worker.waitFor(second)).status, "success");
    assert.equal(await worker.addTask(keyed, [], { idempotencyKey: "k1" }), second);
    assert.equal(await worker.countTasks(), 2);
  });

  it("starts higher priorities first, then first in first out", async () => {
    const worker = redis.manager({ maxConcurrentTasks: 1 });
    const order: string[] = [];
    const step = worker.task({ name: "step" }, async (label: string) => void order.push(label));
    await worker.start();
    await worker.pauseQueue("default");
    const ids = [
      await worker.addTask(step, ["low"], { priority: -1 }),
      await worker.addTask(step, ["zero-a"]),
      await worker.addTask(step, ["high"], { priority: 5 }),
      await worker.addTask(step, ["zero-b"]),
      await worker.addTask(step, ["mid"], { priority: 3 }),
    ];
    const queues = await worker.listQueues();
    assert.deepEqual(queues.map((q) => [q.name, q.paused, q.pending]), [["default", true, 5]]);
    await worker.resumeQueue("default");
    for (const id of ids) await worker.waitFor(id);
    assert.deepEqual(order, ["high", "mid", "zero-a", "zero-b", "low"]);
  });

  it("keeps a delayed run pending until its time, then runs it", async () => {
    const worker = redis.manager();
    const later = worker.task({ name: "later" }, async () => "done");
    await worker.start();
    const id = await worker.addTask(later, [], { delay: 0.5 });
    const pending = await worker.getTask(id);
    assert.equal(pending?.status, "pending");
    const runAt = pending?.runAt?.getTime() ?? 0;
    assert.ok(runAt > (pending?.createdAt.getTime() ?? 0));
    const record = await worker.waitFor(id);
    assert.equal(record.status, "success");
    assert.ok((record.startTime?.getTime() ?? 0) >= runAt, "started before its runAt");
  });

  it("filters and searches the history by tag, status, function and text", async () => {
    const worker = redis.manager();
    const a = worker.task({ name: "alpha" }, async () => undefined);
    const b = worker.task({ name: "beta" }, async () => undefined);
    await worker.start();
    const ids = [
      await worker.addTask(a, [], { tags: { team: "red", region: "eu" } }),
      await worker.addTask(b, [], { tags: { team: "blue" } }),
      await worker.addTask(a, [], { tags: { team: "blue" } }),
    ];
    const records = await Promise.all(ids.map(async (id) => worker.waitFor(id)));
    // Runs added in the same millisecond are ordered by task id, as in every store.
    const oldestFirst = (of: readonly TaskRecord[]): string[] =>
      [...of].sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime() || x.taskId.localeCompare(y.taskId)).map((r) => r.taskId);
    const byTag = await worker.listTasks({ tag: "team=blue", sort: { by: "createdAt", order: "asc" } });
    assert.deepEqual(byTag.map((r) => r.taskId), oldestFirst(records.slice(1)));
    assert.deepEqual((await worker.listTasks({ tag: "region" })).map((r) => r.taskId), [ids[0]]);
    assert.deepEqual((await worker.listTasks({ search: "RED" })).map((r) => r.taskId), [ids[0]]);
    assert.equal(await worker.countTasks({ funcName: "alpha" }), 2);
    assert.equal((await worker.listTasks({ limit: 1, offset: 1, sort: { by: "createdAt", order: "asc" } }))[0]?.taskId, oldestFirst(records)[1]);
    await assert.rejects(async () => worker.listTasks({ sort: { by: "nope" } } as never), { name: "ValidationError" });
  });

  it("stores a run beyond its queue's maxSize as rejected and rejects with QueueFullError; retry works once there is room", async () => {
    const worker = redis.manager();
    const job = worker.task({ name: "job", queue: "small" }, async () => undefined);
    await worker.start();
    await worker.configureQueue("small", { maxSize: 1 });
    await worker.pauseQueue("small");
    const kept = await worker.addTask(job);
    const error = await worker.addTask(job).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof QueueFullError, String(error));
    const rejected = await worker.getTask(error.taskId);
    assert.equal(rejected?.status, "rejected");
    assert.match(rejected?.error ?? "", /maxSize 1/);
    await worker.resumeQueue("small");
    await worker.waitFor(kept);
    const retried = await worker.retryTask(error.taskId);
    assert.equal((await worker.waitFor(retried)).status, "success");
    assert.equal(await worker.deleteTasks([error.taskId, kept]), 2);
    assert.equal(await worker.getTask(error.taskId), undefined);
  });

  it("records who did what in the audit trail, and counts finished tasks per minute", async () => {
    const worker = redis.manager();
    const job = worker.task({ name: "job" }, async () => undefined);
    await worker.start();
    const id = await worker.actingAs("cli").addTask(job);
    await worker.waitFor(id);
    await worker.actingAs("http").clearHistory();
    const entries = await worker.audit();
    assert.deepEqual(entries.map((e) => [e.action, e.actor, e.taskId]), [["clear", "http", null], ["run", "cli", id]]);
    assert.equal(await worker.countTasks(), 0);
    const buckets = await worker.throughput({ bucket: "minute" });
    assert.equal(buckets.length, 60);
  });

  it("fires a module schedule once per slot across two workers", async () => {
    const runs: string[] = [];
    const enough = signal();
    const workers = [redis.manager(), redis.manager()];
    for (const w of workers) {
      w.task({ name: "tick", schedule: { every: 0.3 } }, async () => {
        runs.push(getTaskContext()?.taskId ?? "");
        if (runs.length === 4) enough.resolve();
      });
    }
    await Promise.all(workers.map((w) => w.start()));
    await enough.promise;
    const [schedule] = await workers[0].listSchedules();
    assert.equal(schedule.scheduleId, "module:tick");
    await Promise.all(workers.map((w) => w.pauseSchedule("module:tick")));
    const done = await workers[0].listTasks({ scheduleId: "module:tick", status: "success" });
    assert.equal(new Set(runs).size, runs.length, `a slot ran twice: ${runs.join(", ")}`);
    for (const r of done) assert.ok(runs.includes(r.taskId));
    assert.ok(done.length >= 4);
  });

  it("lists a schedule's next slot as the schedule's next run, not as a pending task", async () => {
    const worker = redis.manager();
    worker.task({ name: "hourly", schedule: { every: 3600 } }, async () => undefined);
    await worker.start();
    const [schedule] = await worker.listSchedules();
    assert.equal(schedule?.scheduleId, "module:hourly");
    assert.ok(schedule.nextRunAt !== null && Date.parse(schedule.nextRunAt) > Date.now(), `expected a next run in the future, got ${String(schedule.nextRunAt)}`);
    assert.deepEqual(await worker.listTasks(), []);
    assert.equal((await worker.metrics()).pending, 0);
    assert.equal((await worker.listQueues()).find((q) => q.name === "default")?.pending, 0, "the queue counts no pending run for the next slot");
  });

  it("refuses bad backends with what to write instead, and an unreachable Redis at start", async () => {
    assert.throws(() => new TaskManager({ backend: { type: "bullmq", connection: "http://localhost:6379" } }), /must start with redis:\/\//);
    assert.throws(() => new TaskManager({ backend: { type: "bullmq", connection: "" } }), /must be a Redis URL like redis:\/\/127\.0\.0\.1:6379/);
    assert.throws(() => new TaskManager({ backend: { type: "kafka" } as never }), /backend\.type must be "local" or "bullmq", got the string "kafka"/);
    const unreachable = new TaskManager({ backend: { type: "bullmq", connection: "redis://127.0.0.1:1" } });
    await assert.rejects(unreachable.start(), /Cannot reach Redis at redis:\/\/127\.0\.0\.1:1.*start redis-server/);
    await unreachable.shutdown();
    const local = new TaskManager({ backend: { type: "local" } });
    assert.equal((local as { backend?: string }).backend, undefined);
  });
});
