import * as assert from "node:assert/strict";
import IORedis from "ioredis";
import { UnknownFunctionError, enqueue, type BullmqTaskManager, type RegistryChangeEvent, type TaskConfig } from "../../src";
import { taskflowKeys } from "../../src/backends/bullmq/redisQueues";
import { WorkerCatalog, type CatalogFunction } from "../../src/backends/bullmq/workerCatalog";
import { signal, useRedis } from "./helpers/bullmqHarness";

describe("BullMQ backend: producers without the code, through the workers' catalog", function () {
  this.timeout(30000);
  const redis = useRedis(this);

  /** A manager that enqueues and reads only: no workers and no task() of its own. */
  async function producer(): Promise<BullmqTaskManager> {
    const manager = redis.manager({ worker: false });
    await manager.start();
    return manager;
  }

  it("enqueues by name a function only a worker registered, with the worker's config, and a worker runs it", async () => {
    const worker = redis.manager();
    worker.task({ name: "work", queue: "crunch", priority: 5, retries: 1 }, (n: number) => n * 2);
    await worker.start();
    const service = await producer();

    const id = await service.addTask("work", [21]);
    const record = await service.waitFor(id);
    assert.equal(record.status, "success");
    assert.equal(record.result, 42);
    assert.equal(record.queue, "crunch", "the queue comes from the worker's config");
    assert.equal(record.priority, 5, "the priority comes from the worker's config");

    const ids = await service.addTasks("work", [{ args: [1] }, { args: [2] }]);
    const results = await Promise.all(ids.map(async (t) => (await service.waitFor(t)).result));
    assert.deepEqual(results, [2, 4]);
  });

  it("lets a task enqueue a child that only another worker runs, and names the parent when no live worker runs it", async () => {
    const parents = redis.manager();
    parents.task({ name: "fanOut" }, async (name: string) => enqueue(name, [5]));
    await parents.start();
    const refused = await parents.waitFor(await parents.addTask("fanOut", ["square"]));
    assert.equal(refused.status, "failed");
    assert.match(refused.error ?? "", /^UnknownFunctionError: Task "fanOut" \(.+\) could not enqueue a child: Unknown task "square": it is not registered here and no live worker runs it/);

    const gate = signal();
    const started = signal();
    parents.unregisterTask("fanOut");
    parents.task({ name: "fanOut" }, async (name: string) => {
      started.resolve();
      await gate.promise;
      return enqueue(name, [5]);
    });
    // The parent is running (here, the only worker) before the worker that has the child's code starts.
    const parentId = await parents.addTask("fanOut", ["square"]);
    await started.promise;
    const children = redis.manager();
    children.task({ name: "square", queue: "squares" }, (n: number) => n * n);
    await children.start();
    gate.resolve();
    const parent = await parents.waitFor(parentId);
    assert.equal(parent.status, "success");
    // Only the worker with the code is left to take the child (a worker without it hands a job back).
    await parents.shutdown();
    const child = await children.waitFor(parent.result as string);
    assert.equal(child.result, 25);
    assert.equal(child.parentId, parentId);
    assert.equal(child.queue, "squares", "the child's queue comes from the other worker's config");
  });

  it("uses the worker's retries for a run enqueued by name", async () => {
    const worker = redis.manager();
    let calls = 0;
    worker.task({ name: "flaky", retries: 2 }, () => {
      calls++;
      if (calls < 3) throw new Error(`failure ${calls}`);
      return "third time";
    });
    await worker.start();
    const service = await producer();
    const record = await service.waitFor(await service.addTask("flaky"));
    assert.equal(record.status, "success");
    assert.equal(record.retriesUsed, 2);
    assert.equal(calls, 3);
  });

  it("lists the workers' functions in registeredTasks with how many live workers run each", async () => {
    const first = redis.manager();
    first.task({ name: "work", description: "doubles" }, (n: number) => n * 2);
    first.task({ name: "solo" }, () => undefined, { source: "jobs/solo.tasks.ts#solo" });
    await first.start();
    const second = redis.manager();
    second.task({ name: "work", description: "doubles" }, (n: number) => n * 2);
    await second.start();
    const service = await producer();

    const listed = service.registeredTasks();
    assert.deepEqual(listed.map((t) => [t.name, t.workers]), [["solo", 1], ["work", 2]]);
    assert.equal(listed.find((t) => t.name === "work")?.config.description, "doubles");
    assert.equal(listed.find((t) => t.name === "solo")?.source, "jobs/solo.tasks.ts#solo");
    assert.deepEqual(second.registeredTasks().map((t) => [t.name, t.workers]), [["work", 2], ["solo", 1]], "a worker lists its own first, then the others'");
  });

  it("tells a producer when a worker's functions come, through onDidChangeRegistry", async () => {
    const service = redis.manager({ worker: false, lockDurationMs: 300 });
    await service.start();
    assert.deepEqual(service.registeredTasks(), []);
    const seen: RegistryChangeEvent[] = [];
    const came = new Promise<void>((resolve) => service.onDidChangeRegistry((e) => {
      seen.push(e);
      resolve();
    }));
    const worker = redis.manager({ lockDurationMs: 300 });
    worker.task({ name: "late" }, () => undefined);
    await worker.start();
    // The producer re-reads the catalog on its own heartbeat: no call made it look.
    await came;
    assert.deepEqual(seen, [{ kind: "registered", name: "late" }]);
    assert.deepEqual(service.registeredTasks().map((t) => t.name), ["late"]);
  });

  it("refuses a name no live worker runs with UnknownFunctionError, also once the only worker that ran it shut down", async () => {
    const worker = redis.manager();
    worker.task({ name: "work" }, () => undefined);
    await worker.start();
    const service = await producer();
    await assert.rejects(service.addTask("nobody"), (error: Error) => {
      assert.ok(error instanceof UnknownFunctionError);
      assert.equal(error.funcName, "nobody");
      assert.match(error.message, /no live worker runs it/);
      assert.match(error.message, /the live workers there run work/);
      return true;
    });
    await service.waitFor(await service.addTask("work"));

    await worker.shutdown();
    for (const attempt of [() => service.addTask("work"), () => service.addTasks("work", [{}]), () => service.schedule("work", { every: 60 }), () => service.retryFailed({ funcName: "work" })]) {
      await assert.rejects(attempt(), (error: Error) => {
        assert.ok(error instanceof UnknownFunctionError, `expected UnknownFunctionError, got ${error.name}: ${error.message}`);
        assert.match(error.message, /^Unknown task "work": it is not registered here and no live worker runs it .*no worker is running there/);
        return true;
      });
    }
    assert.deepEqual(service.registeredTasks(), []);
  });

  it("retries a failed run of a function only a worker has", async () => {
    const worker = redis.manager();
    let calls = 0;
    worker.task({ name: "once" }, () => {
      calls++;
      if (calls === 1) throw new Error("first call fails");
      return "ok";
    });
    await worker.start();
    const service = await producer();
    const failed = await service.waitFor(await service.addTask("once"));
    assert.equal(failed.status, "failed");
    const retried = await service.waitFor(await service.retryTask(failed.taskId));
    assert.equal(retried.status, "success");
    assert.equal(retried.result, "ok");
    const [again] = await service.retryFailed({ funcName: "once" });
    assert.equal((await service.waitFor(again)).status, "success", "retryFailed takes functions only the workers have too");
  });

  it("schedules a function only a worker has, on the queue of the worker's config", async () => {
    const worker = redis.manager();
    let runs = 0;
    const ran = new Promise<void>((resolve) => worker.task({ name: "tick", queue: "timers" }, () => {
      runs++;
      resolve();
    }));
    await worker.start();
    const service = await producer();
    const scheduleId = await service.schedule("tick", { every: 3600 }, { runOnStart: true });
    await ran;
    assert.equal(runs, 1);
    const [schedule] = await service.listSchedules();
    assert.equal(schedule.scheduleId, scheduleId);
    assert.equal(schedule.funcName, "tick");
    assert.ok(schedule.nextRunAt, "the next slot is read from the job scheduler on the timers queue");
    const [run] = await service.listTasks({ funcName: "tick" });
    assert.equal(run.queue, "timers");
    await service.removeSchedule(scheduleId);
    assert.deepEqual(await service.listSchedules(), []);
  });

  it("takes the newest worker's config when workers differ, and skips entries that are not JSON or whose config does not check, with a warning", async () => {
    const connection = new IORedis(redis.server!.url);
    const keys = taskflowKeys(redis.prefix);
    const warnings: string[] = [];
    let now = 1000;
    const catalog = (): WorkerCatalog => new WorkerCatalog({
      redis: connection, setKey: keys.workers, keyPrefix: keys.worker, ttlMs: 60_000, nowMs: () => now,
      onChange: () => undefined, warn: (message) => warnings.push(message),
    });
    const fn = (config: TaskConfig): CatalogFunction => ({ name: "work", config, queue: config.queue ?? "default" });
    const older = catalog();
    const newer = catalog();
    const reader = catalog();
    try {
      await older.start(() => [fn({ queue: "old", retries: 1 })]);
      now = 2000;
      await newer.start(() => [fn({ queue: "new", retries: 3 })]);
      await connection.multi().set(`${keys.worker}:broken`, "{not json", "PX", 60_000).sadd(keys.workers, "broken").exec();
      const bad = { workerId: "bad", host: "h", pid: 1, startedAt: 3000, functions: [fn({ retries: -1 }), { name: "fine", config: {}, queue: "default" }] };
      await connection.multi().set(`${keys.worker}:bad`, JSON.stringify(bad), "PX", 60_000).sadd(keys.workers, "bad").exec();

      await reader.start();
      const work = reader.known().get("work");
      assert.equal(work?.queue, "new");
      assert.equal(work?.config.retries, 3);
      assert.equal(work?.workers, 2, "the entry whose config does not check is not counted");
      assert.equal(reader.known().get("fine")?.workers, 1, "the other functions of that worker are kept");
      assert.equal(warnings.length, 2);
      assert.match(warnings[0], /worker broken is not JSON/);
      assert.match(warnings[1], /worker bad publishes task "work" with a config that does not check \(.*retries/);

      await newer.stop();
      assert.equal((await reader.refresh()).get("work")?.queue, "old", "once the newer worker stopped, the older one's config is used");
    } finally {
      await Promise.all([older.stop(), newer.stop(), reader.stop()]);
      connection.disconnect();
    }
  });
});
