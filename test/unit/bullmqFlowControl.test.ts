import * as assert from "node:assert/strict";
import { Queue } from "bullmq";
import IORedis from "ioredis";
import { task } from "../../src";
import { FakeClock } from "./helpers/fakeClock";
import { useRedis } from "./helpers/bullmqHarness";

describe("BullMQ backend: flow control per key", function () {
  this.timeout(30000);
  const redis = useRedis(this);
  let queue: Queue | undefined;
  let client: IORedis | undefined;

  afterEach(async () => {
    await queue?.close();
    client?.disconnect();
    queue = undefined;
    client = undefined;
  });

  /** The BullMQ queue "default" of the test's prefix, to promote a delayed job instead of waiting out its window. */
  function defaultQueue(): Queue {
    queue ??= new Queue("default", { connection: { url: redis.server!.url }, prefix: redis.prefix });
    return queue;
  }

  /** Epoch ms a delayed job is due, from BullMQ's delayed set (its score keeps 12 bits of order below the time). */
  async function dueMs(taskId: string): Promise<number> {
    client ??= new IORedis(redis.server!.url);
    const score = await client.zscore(`${redis.prefix}:default:delayed`, taskId);
    assert.ok(score !== null, `task ${taskId} is not delayed`);
    return Math.floor(Number(score) / 0x1000);
  }

  it("refuses concurrency and rate limits per key at registration, saying why and what to use instead", async () => {
    const manager = redis.manager();
    assert.throws(() => manager.task({ name: "sync", concurrency: { key: "args[0]", limit: 1 } }, async (_user: string) => undefined), (error: Error) => {
      assert.equal(error.name, "ValidationError");
      assert.match(error.message, /^Task "sync" has concurrency per key \(\{ key: "args\[0\]", limit: 1 \}\), which the BullMQ backend refuses: BullMQ keeps per-group concurrency and rate limits for its paid edition/);
      assert.match(error.message, /configureQueue\("sync", \{ concurrency: 1 \}\)/);
      assert.match(error.message, /or use the local backend, which enforces concurrency per key$/);
      return true;
    });
    const limited = task({ name: "call", rateLimit: { key: "kwargs.tenant", max: 10, perSeconds: 60 } }, async () => undefined);
    assert.throws(() => manager.task(limited), /^ValidationError: Task "call" has a rate limit per key .*configureQueue\("call", \{ rateLimit: \{ max: 10, perSeconds: 60 \} \}\)/s);
    assert.deepEqual(manager.registeredTasks(), [], "a refused task is not registered");
    manager.task({ name: "rebuild", debounce: { key: "args[0]", seconds: 5 } }, async () => undefined);
    assert.deepEqual(manager.registeredTasks().map((t) => t.name), ["rebuild"]);
  });

  it("folds three adds of one key within the window into one run with the last input and one id, which then runs once", async () => {
    const clock = new FakeClock(Date.now());
    const adder = redis.manager({ worker: false, clock });
    const calls: unknown[][] = [];
    const rebuild = adder.task({ name: "rebuild", debounce: { key: "args[0]", seconds: 60 } }, async (...args: unknown[]) => void calls.push(args));
    await adder.start();
    const first = await adder.addTask(rebuild, ["ada", 1]);
    const firstDue = await dueMs(first);
    await clock.advance(10_000);
    const second = await adder.addTask(rebuild, ["ada", 2]);
    await clock.advance(10_000);
    const third = await adder.addTask(rebuild, ["ada", 3]);
    assert.deepEqual([second, third], [first, first]);
    assert.equal(await dueMs(first), firstDue + 20_000, "each add restarts the window");

    const pending = await adder.getTask(first);
    assert.equal(pending?.status, "pending");
    assert.deepEqual(pending?.args, ["ada", 3]);
    assert.equal(pending?.logs.length, 2);
    assert.match(pending?.logs[1] ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d Debounced: add 3 for key "ada" replaced the input; the run waits 60 s again/);
    assert.equal(await adder.countTasks(), 1);
    assert.deepEqual(await adder.flowHolds(), { [first]: { rule: "debounce", key: "ada", until: new Date(firstDue + 20_000).toISOString(), adds: 3 } });
    assert.deepEqual(await adder.listKeys("rebuild"), [{ key: "ada", running: 0, pending: 1, held: 1, recentStarts: 0 }]);
    const [entry] = await adder.audit();
    assert.deepEqual([entry?.action, entry?.taskId, entry?.detail], ["debounce", first, "rebuild: 3 adds, the last input kept"]);

    const worker = redis.manager();
    worker.task({ name: "rebuild", debounce: { key: "args[0]", seconds: 60 } }, async (...args: unknown[]) => void calls.push(args));
    await worker.start();
    await (await defaultQueue().getJob(first))!.promote();
    assert.equal((await worker.waitFor(first)).status, "success");
    assert.deepEqual(calls, [["ada", 3]]);
    assert.deepEqual(await adder.flowHolds(), {});

    const after = await adder.addTask(rebuild, ["ada", 4]);
    assert.notEqual(after, first, "an add after the run started is a new run");
  });

  it("gives two producers adding one key at the same moment one run and one id", async () => {
    const producers = [redis.manager({ worker: false }), redis.manager({ worker: false })];
    for (const producer of producers) producer.task({ name: "rebuild", debounce: { key: "args[0]", seconds: 60 } }, async () => undefined);
    await Promise.all(producers.map((producer) => producer.start()));
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => producers[i % 2].addTask("rebuild", ["ada", i])));
    assert.equal(new Set(ids).size, 1, `one id for every add, got ${JSON.stringify([...new Set(ids)])}`);
    assert.equal(await producers[0].countTasks(), 1);
    assert.deepEqual((await producers[1].flowHolds())[ids[0]], { ...(await producers[0].flowHolds())[ids[0]], adds: 20 });
  });

  it("does not debounce runs of another key", async () => {
    const adder = redis.manager({ worker: false });
    const rebuild = adder.task({ name: "rebuild", debounce: { key: "kwargs.project", seconds: 60 } }, async () => undefined);
    await adder.start();
    const ada = await adder.addTask(rebuild, [], { kwargs: { project: "ada" } });
    const bob = await adder.addTask(rebuild, [], { kwargs: { project: "bob" } });
    const adaAgain = await adder.addTask(rebuild, [], { kwargs: { project: "ada" } });
    assert.notEqual(ada, bob);
    assert.equal(adaAgain, ada);
    assert.equal(await adder.countTasks({ status: "pending" }), 2);
    assert.deepEqual((await adder.listKeys("rebuild")).map((k) => [k.key, k.held]), [["ada", 1], ["bob", 1]]);
    assert.deepEqual(Object.keys(await adder.flowHolds()).sort(), [ada, bob].sort());
  });
});
