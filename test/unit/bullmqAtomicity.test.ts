import * as assert from "node:assert/strict";
import { QueueFullError, type BullmqTaskManager, type LifecycleEvent } from "../../src";
import { signal, useRedis } from "./helpers/bullmqHarness";

describe("BullMQ backend: a queue's maxSize and the event stream hold under racing processes", function () {
  this.timeout(60000);
  const redis = useRedis(this);

  async function producers(count: number): Promise<BullmqTaskManager[]> {
    const managers = Array.from({ length: count }, () => redis.manager({ worker: false }));
    for (const m of managers) m.task({ name: "work", queue: "bounded" }, async () => undefined);
    await Promise.all(managers.map((m) => m.start()));
    return managers;
  }

  it("lets exactly maxSize runs in when producers race with addTask and addTasks; the rest are stored rejected", async () => {
    const maxSize = 7;
    const managers = await producers(4);
    await managers[0].configureQueue("bounded", { maxSize });
    const accepted: string[] = [];
    const refused: string[] = [];
    const settle = async (adding: Promise<string[]>): Promise<void> => {
      try {
        accepted.push(...(await adding));
      } catch (error) {
        assert.ok(error instanceof QueueFullError, String(error));
        refused.push(error.taskId);
      }
    };
    const attempts: Promise<void>[] = [];
    for (const m of managers) {
      for (let i = 0; i < 6; i++) attempts.push(settle(m.addTask("work", [i]).then((id) => [id])));
      attempts.push(settle(m.addTasks("work", [{ args: [1] }, { args: [2] }, { args: [3] }])));
    }
    await Promise.all(attempts);
    // addTasks returns every id, the rejected ones included: sort them by what the store says.
    const statuses = await Promise.all(accepted.map(async (id) => (await managers[1].getTask(id))?.status));
    const pending = accepted.filter((_, i) => statuses[i] === "pending");
    const rejectedInBatches = accepted.filter((_, i) => statuses[i] === "rejected");
    assert.equal(pending.length + rejectedInBatches.length, accepted.length, `unexpected statuses ${JSON.stringify(statuses)}`);
    assert.equal(pending.length, maxSize);
    assert.equal(refused.length + rejectedInBatches.length, 4 * 9 - maxSize);
    for (const id of refused) assert.equal((await managers[2].getTask(id))?.status, "rejected");
    const [queue] = (await managers[3].listQueues()).filter((q) => q.name === "bounded");
    assert.equal(queue.pending, maxSize);
  });

  it("counts a run a worker took as gone from the queue, so the next add gets its place", async () => {
    const worker = redis.manager({ maxConcurrentTasks: 1 });
    const started = signal();
    const release = signal();
    worker.task({ name: "work", queue: "bounded" }, async () => {
      started.resolve();
      await release.promise;
    });
    await worker.start();
    await worker.configureQueue("bounded", { maxSize: 1 });
    const running = await worker.addTask("work");
    await started.promise;
    const next = await worker.addTask("work");
    await assert.rejects(worker.addTask("work"), QueueFullError);
    assert.equal((await worker.getTask(next))?.status, "pending");
    release.resolve();
    assert.equal((await worker.waitFor(running)).status, "success");
  });

  it("announces every change made after onLifecycle returned, even by another process at once", async () => {
    const [producer] = await producers(1);
    for (let round = 0; round < 15; round++) {
      const listener = redis.manager({ worker: false });
      await listener.start();
      const seen = signal<LifecycleEvent>();
      let taskId = "";
      const subscription = listener.onLifecycle((event) => {
        if (event.taskId === taskId) seen.resolve(event);
      });
      taskId = await producer.addTask("work", [round]);
      const event = await Promise.race([seen.promise, new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000))]);
      assert.equal(event?.status, "pending", `round ${round}: the add of ${taskId} was not announced`);
      subscription.dispose();
      await listener.shutdown();
    }
  });

  it("announces the first runs added one at a time to a listener subscribed after start(): on their own worker each change once and in order, and to another manager each run's success", async () => {
    const worker = redis.manager({ maxConcurrentTasks: 4 });
    worker.task({ name: "noop" }, async () => undefined);
    await worker.start();
    const other = redis.manager({ worker: false });
    await other.start();
    const count = 50;
    const seen = { worker: new Map<string, string[]>(), other: new Map<string, string[]>() };
    const done = { worker: signal(), other: signal() };
    for (const side of ["worker", "other"] as const) {
      let succeeded = 0;
      (side === "worker" ? worker : other).onLifecycle((event) => {
        seen[side].set(event.taskId, [...(seen[side].get(event.taskId) ?? []), event.status]);
        if (event.status === "success" && ++succeeded === count) done[side].resolve();
      });
    }
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await worker.addTask("noop"));
    const timeout = new Promise<string>((r) => setTimeout(() => r("timeout"), 20000));
    for (const side of ["worker", "other"] as const) {
      assert.equal(await Promise.race([done[side].promise.then(() => "done"), timeout]), "done", `${side}: ${[...seen[side].values()].filter((s) => !s.includes("success")).length} runs without a success event`);
    }
    for (const id of ids) {
      const own = seen.worker.get(id) ?? [];
      // The add's reply may come after the worker has started the run: then "pending" is past and not announced.
      assert.ok(["pending,running,success", "running,success"].includes(own.join()), `task ${id} on its worker: ${own.join()}`);
      const elsewhere = (seen.other.get(id) ?? []).join();
      assert.ok(["pending,running,success", "pending,success", "running,success", "success"].includes(elsewhere), `task ${id} on another manager: ${elsewhere}`);
    }
  });

  it("announces a run added to a queue first used after subscribing, and changes made before start() resolves", async () => {
    const [producer] = await producers(1);
    const listener = redis.manager({ worker: false });
    const ids = new Set<string>();
    const seenAll = signal();
    let wanted: string[] = [];
    listener.onLifecycle((event) => {
      ids.add(event.taskId);
      if (wanted.length > 0 && wanted.every((id) => ids.has(id))) seenAll.resolve();
    });
    const early = await producer.addTask("work", ["before start"]);
    await listener.start();
    producer.task({ name: "elsewhere", queue: "fresh" }, async () => undefined);
    const late = await producer.addTask("elsewhere");
    wanted = [early, late];
    const timeout = new Promise<string>((r) => setTimeout(() => r("timeout"), 8000));
    assert.notEqual(await Promise.race([seenAll.promise.then(() => "seen"), timeout]), "timeout", `seen ${[...ids].join(", ")}, wanted ${wanted.join(", ")}`);
  });
});
