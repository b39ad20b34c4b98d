import * as assert from "node:assert/strict";
import IORedis from "ioredis";
import { QueueFullError } from "../../src";
import { AUDIT_MAX_ENTRIES } from "../../src/model";
import { readsStatus, useRedis } from "./helpers/bullmqHarness";

describe("BullMQ backend: an add is one script, with priorities only where a run has one", function () {
  this.timeout(60000);
  const redis = useRedis(this);

  it("sends one Redis command per addTask, its maxSize check and audit entry included", async () => {
    const producer = redis.manager({ worker: false });
    producer.task({ name: "work" }, async () => undefined);
    await producer.start();
    await producer.configureQueue("default", { maxSize: 100 });
    await producer.addTask("work");
    const client = new IORedis(redis.server?.url ?? "");
    let monitor: IORedis | undefined;
    try {
      monitor = await client.monitor();
      const sent: string[][] = [];
      monitor.on("monitor", (_time: string, args: string[], source: string) => {
        // The manager's look for new queues (every 2 s) is not part of an add; commands run by scripts are.
        if (!source.startsWith("lua") && args[0]?.toLowerCase() !== "smembers") sent.push(args);
      });
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push(await producer.addTask("work", [i]));
      await producer.flush();
      const adds = sent.filter((args) => args[0].toLowerCase() !== "ping");
      assert.deepEqual(adds.map((args) => args[0].toLowerCase()), Array(10).fill("evalsha"), JSON.stringify(adds.map((a) => a.slice(0, 4))));
      const runs = (await producer.audit()).filter((e) => e.action === "run").map((e) => e.taskId);
      for (const id of ids) assert.ok(runs.includes(id), `no audit entry for run ${id}`);
    } finally {
      // Also when MONITOR itself failed: a connection left open would keep reconnecting after the suite's Redis stops.
      monitor?.disconnect();
      client.disconnect();
    }
  });

  it("writes no \"added\" event, and a manager that did not make the adds still hears them pending, then done", async () => {
    const producer = redis.manager({ worker: false });
    producer.task({ name: "work" }, async () => undefined);
    const listener = redis.manager({ worker: false });
    await Promise.all([producer.start(), listener.start()]);
    const heard: string[] = [];
    const subscription = listener.onLifecycle((event) => heard.push(`${event.taskId} ${event.status}`));
    const client = new IORedis(redis.server?.url ?? "");
    try {
      const plain = await producer.addTask("work", ["plain"]);
      const delayed = await producer.addTask("work", ["delayed"], { delay: 0.1 });
      const ranked = await producer.addTask("work", ["ranked"], { priority: 3 });
      const entries = await client.xrange(`${redis.prefix}:default:events`, "-", "+");
      const events = entries.map(([, fields]) => `${fields[fields.indexOf("jobId") + 1]} ${fields[fields.indexOf("event") + 1]}`);
      assert.deepEqual(events.filter((e) => e.endsWith(" added")), [], events.join(", "));
      for (const e of [`${plain} waiting`, `${delayed} delayed`, `${ranked} waiting`]) assert.ok(events.includes(e), `expected ${e} in ${events.join(", ")}`);
      const hears = async (expected: string[]): Promise<void> => {
        const deadline = Date.now() + 10_000;
        while (!expected.every((e) => heard.includes(e)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        for (const e of expected) assert.ok(heard.includes(e), `expected the listener to hear ${e}, it heard ${heard.join(", ")}`);
      };
      // Heard before any worker runs them: a change read from the stream is announced as the run is when
      // read back, so a run a worker finished meanwhile is announced finished only.
      await hears([`${plain} pending`, `${ranked} pending`]);
      const worker = redis.manager();
      worker.task({ name: "work" }, async () => undefined);
      await worker.start();
      for (const id of [plain, delayed, ranked]) await readsStatus(listener, id, "success");
      await hears([plain, delayed, ranked].map((id) => `${id} success`));
    } finally {
      subscription.dispose();
      client.disconnect();
    }
  });

  it("refuses an add beyond maxSize without writing its job or a run entry in the audit trail", async () => {
    const producer = redis.manager({ worker: false });
    producer.task({ name: "work", queue: "bounded" }, async () => undefined);
    await producer.start();
    await producer.configureQueue("bounded", { maxSize: 1 });
    const first = await producer.addTask("work");
    const refused = await producer.addTask("work").then(() => assert.fail("expected a QueueFullError"), (error: unknown) => error);
    assert.ok(refused instanceof QueueFullError, String(refused));
    assert.equal((await producer.getTask(refused.taskId))?.status, "rejected");
    const runs = (await producer.audit()).filter((e) => e.action === "run").map((e) => e.taskId);
    assert.deepEqual(runs, [first]);
    assert.equal((await producer.listQueues()).find((q) => q.name === "bounded")?.pending, 1);
  });

  it("keeps the audit trail at its cap when an add writes the run's entry", async () => {
    const producer = redis.manager({ worker: false });
    producer.task({ name: "work" }, async () => undefined);
    await producer.start();
    const client = new IORedis(redis.server?.url ?? "");
    try {
      const key = `${redis.prefix}:taskflow:audit`;
      const old = JSON.stringify({ at: new Date(0).toISOString(), action: "run", taskId: "old", actor: "api", detail: "work" });
      await client.lpush(key, ...Array<string>(AUDIT_MAX_ENTRIES).fill(old));
      const id = await producer.addTask("work");
      assert.equal(await client.llen(key), AUDIT_MAX_ENTRIES);
      assert.equal((await producer.audit({ limit: 1 }))[0]?.taskId, id);
    } finally {
      client.disconnect();
    }
  });

  it("runs a later higher priority before runs of priority 0 already waiting, which keep their order", async () => {
    const producer = redis.manager({ worker: false });
    producer.task({ name: "step" }, async () => undefined);
    await producer.start();
    const labels = ["zero-a", "zero-b", "high", "zero-c", "low", "zero-d"];
    const options = { high: { priority: 5 }, low: { priority: -1 } } as Record<string, { priority: number }>;
    for (const label of labels) await producer.addTask("step", [label], options[label] ?? {});
    const worker = redis.manager({ maxConcurrentTasks: 1 });
    const order: string[] = [];
    worker.task({ name: "step" }, async (label: string) => void order.push(label));
    await worker.start();
    while (order.length < labels.length) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(order, ["high", "zero-a", "zero-b", "zero-c", "zero-d", "low"]);
  });

  it("ranks a run delayed before its queue saw a priority, so it does not come back ahead of a higher one", async () => {
    const producer = redis.manager({ worker: false });
    producer.task({ name: "step" }, async () => undefined);
    await producer.start();
    const delayed = await producer.addTask("step", ["delayed"], { delay: 0.2 });
    const high = await producer.addTask("step", ["high"], { priority: 5 });
    const worker = redis.manager({ maxConcurrentTasks: 1 });
    const order: string[] = [];
    worker.task({ name: "step" }, async (label: string) => void order.push(label));
    // The delayed run is due before the worker starts: both are there for its first fetch.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await worker.start();
    await readsStatus(worker, delayed, "success");
    await readsStatus(worker, high, "success");
    assert.deepEqual(order, ["high", "delayed"]);
  });
});
