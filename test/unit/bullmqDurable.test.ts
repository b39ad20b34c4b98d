import * as assert from "node:assert/strict";
import { Queue, Worker } from "bullmq";
import {
  TaskStateError, UnknownTaskError, ValidationError, WaitTimeoutError, enqueue, sleep, step, waitForInput, waitForRuns,
  type InputSchema, type LifecycleEvent, type TaskflowClient, type TaskStatus,
} from "../../src";
import { readsStatus, signal, useRedis } from "./helpers/bullmqHarness";

const APPROVAL: InputSchema = { type: "object", properties: { approve: { type: "boolean" } }, required: ["approve"] };

describe("BullMQ backend: durable runs", function () {
  this.timeout(30000);
  const redis = useRedis(this);

  const reaches = (client: TaskflowClient, taskId: string, status: TaskStatus): Promise<void> => readsStatus(client, taskId, status, 20_000, 20);

  /** The job's state as BullMQ itself has it. */
  async function bullState(taskId: string): Promise<string> {
    const queue = new Queue("default", { connection: { url: redis.server!.url }, prefix: redis.prefix });
    try {
      return await queue.getJobState(taskId);
    } finally {
      await queue.close();
    }
  }

  it("replays a done step after a sleep, as a delayed job that holds no worker, spends no attempt and reads waiting everywhere", async () => {
    const worker = redis.manager({ maxConcurrentTasks: 1 });
    let created = 0;
    worker.task({ name: "flow" }, async (user: string) => {
      const account = await step("create account", () => ({ id: ++created, user }));
      await sleep(1);
      return account;
    });
    worker.task({ name: "quick" }, () => "done");
    await worker.start();
    const reader = redis.manager({ worker: false });
    await reader.start();
    const events: LifecycleEvent[] = [];
    reader.onLifecycle((e) => events.push(e));
    const id = await worker.addTask("flow", ["ada"]);
    await reaches(reader, id, "waiting");
    assert.equal(await bullState(id), "delayed");
    const waiting = await reader.getTask(id);
    assert.equal(waiting?.waitingFor?.kind, "sleep");
    assert.equal(waiting?.retriesUsed, 0);
    assert.deepEqual(waiting?.steps.map((s) => [s.name, s.occurrence, s.status]), [["create account", 1, "done"], ["sleep", 1, "waiting"]]);
    assert.deepEqual((await reader.listTasks({ status: "waiting" })).map((t) => t.taskId), [id]);
    assert.equal(await reader.countTasks({ status: "waiting" }), 1);
    assert.equal((await reader.metrics()).waiting, 1);
    assert.equal((await reader.listQueues()).find((q) => q.name === "default")?.pending, 0, "a waiting run is not pending in its queue");
    assert.equal((await reader.waitFor(await worker.addTask("quick"))).status, "success", "a waiting run holds no worker");
    const done = await reader.waitFor(id);
    assert.equal(done.status, "success");
    assert.deepEqual(done.result, { id: 1, user: "ada" });
    assert.equal(created, 1);
    assert.equal(done.retriesUsed, 0);
    assert.equal(done.waitingFor, null);
    assert.deepEqual(done.logs, [], "a resumed attempt writes no retry marker");
    assert.deepEqual(done.steps.map((s) => [s.name, s.status]), [["create account", "done"], ["sleep", "done"]]);
    const mine = events.filter((e) => e.taskId === id);
    const wait = mine.find((e) => e.status === "waiting");
    assert.equal(wait?.waitingFor?.kind, "sleep", "the event of a run that starts waiting says what for");
    assert.ok(mine.findIndex((e) => e.status === "waiting") < mine.findIndex((e) => e.status === "success"));
  });

  it("keeps a sleeping run waiting through the shutdown of every manager; a manager started later finishes it without running its step again", async () => {
    const first = redis.manager();
    const ranIn: string[] = [];
    first.task({ name: "nap" }, async () => {
      const where = await step("where", () => (ranIn.push("first"), "first"));
      await sleep(1);
      return where;
    });
    await first.start();
    const id = await first.addTask("nap");
    await reaches(first, id, "waiting");
    await first.shutdown();
    const reader = redis.manager({ worker: false });
    await reader.start();
    assert.equal((await reader.getTask(id))?.status, "waiting", "no manager runs a worker now, and the run still waits");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = redis.manager();
    second.task({ name: "nap" }, async () => {
      const where = await step("where", () => (ranIn.push("second"), "second"));
      await sleep(1);
      return where;
    });
    await second.start();
    const done = await second.waitFor(id);
    assert.equal(done.status, "success");
    assert.equal(done.result, "first");
    assert.deepEqual(ranIn, ["first"]);
  });

  it("keeps waiting a run whose worker died after it had reached its wait, and runs it on once its input comes (that stall interrupted nothing)", async () => {
    const producer = redis.manager({ worker: false });
    producer.task({ name: "ask" }, () => undefined);
    await producer.start();
    const id = await producer.addTask("ask");
    const reached = signal();
    // A worker that dies between recording its wait and delaying its job: the entry is written, then nothing renews its lock.
    const dying = new Worker("default", async (job) => {
      const waitingFor = { kind: "input", name: "approval", prompt: null, schema: null, timeoutAt: null, step: "input:approval#1" };
      const entry = { name: "input:approval", occurrence: 1, kind: "input", status: "waiting", attempt: 0, startedAt: new Date().toISOString(), endedAt: null, value: null, error: null, waitingFor };
      await job.updateData({ ...job.data, steps: [entry] });
      reached.resolve();
      return new Promise(() => undefined);
    }, { connection: { url: redis.server!.url, maxRetriesPerRequest: null }, prefix: redis.prefix, lockDuration: 1000, stalledInterval: 1000 });
    await reached.promise;
    await dying.close(true);
    const worker = redis.manager({ lockDurationMs: 1000 });
    let calls = 0;
    worker.task({ name: "ask" }, async () => {
      calls++;
      return waitForInput<string>("approval");
    });
    await worker.start();
    await reaches(producer, id, "waiting");
    assert.equal(calls, 1, "the stalled run was taken on again and replayed up to its wait");
    await producer.provideInput(id, "approval", "yes");
    const done = await producer.waitFor(id);
    assert.deepEqual([done.status, done.result], ["success", "yes"]);
  });

  it("resumes a run on its worker with input given by a manager that runs no workers; refuses a bad value, another name and an unknown task, the run still waiting", async () => {
    const worker = redis.manager();
    let prepared = 0;
    worker.task({ name: "approve" }, async (user: string) => {
      await step("prepare", () => ++prepared);
      const answer = await waitForInput<{ approve: boolean }>("approval", { prompt: `Approve ${user}?`, schema: APPROVAL });
      return answer.approve;
    });
    await worker.start();
    const id = await worker.addTask("approve", ["ada"]);
    // As the CLI on another machine: no worker, none of the task code.
    const cli = redis.manager({ worker: false }).actingAs("cli");
    await cli.start();
    await reaches(cli, id, "waiting");
    const waiting = await cli.getTask(id);
    assert.deepEqual(waiting?.waitingFor?.kind === "input" && [waiting.waitingFor.name, waiting.waitingFor.prompt], ["approval", "Approve ada?"]);
    await assert.rejects(cli.provideInput(id, "approval", { approve: "yes" }), (e: Error) => e instanceof ValidationError && /approve/.test(e.message) && /boolean/.test(e.message));
    await assert.rejects(cli.provideInput(id, "other", {}), (e: Error) => e instanceof TaskStateError && /needs input: approval/.test(e.message));
    await assert.rejects(cli.provideInput("no-such-task", "approval", { approve: true }), UnknownTaskError);
    assert.equal((await cli.getTask(id))?.status, "waiting");
    assert.equal(await bullState(id), "delayed");
    await cli.provideInput(id, "approval", { approve: true });
    const done = await cli.waitFor(id);
    assert.equal(done.status, "success");
    assert.equal(done.result, true);
    assert.equal(prepared, 1);
    assert.deepEqual(done.steps.find((s) => s.kind === "input")?.value, { approve: true });
    const [entry] = await cli.audit({ limit: 1 });
    assert.deepEqual([entry?.action, entry?.taskId, entry?.actor], ["input", id, "cli"]);
    await assert.rejects(cli.provideInput(id, "approval", { approve: false }), TaskStateError);
  });

  it("wakes a run waiting for input at its timeout, where the wait throws a WaitTimeoutError the task can catch", async () => {
    const worker = redis.manager();
    worker.task({ name: "ask" }, async () => {
      try {
        return await waitForInput("approval", { timeout: 1 });
      } catch (error) {
        return error instanceof WaitTimeoutError ? "timed out" : `other: ${String(error)}`;
      }
    });
    await worker.start();
    const id = await worker.addTask("ask");
    await reaches(worker, id, "waiting");
    const done = await worker.waitFor(id);
    assert.deepEqual([done.status, done.result, done.retriesUsed], ["success", "timed out", 0]);
    assert.match(done.steps[0]?.error ?? "", /^WaitTimeoutError: /);
    await assert.rejects(worker.provideInput(id, "approval", true), TaskStateError);
  });

  it("lets one of two managers giving the same input at once win; the other is told the run no longer waits for it", async () => {
    const worker = redis.manager();
    worker.task({ name: "pick" }, async () => waitForInput<string>("choice"));
    await worker.start();
    const id = await worker.addTask("pick");
    const a = redis.manager({ worker: false });
    const b = redis.manager({ worker: false });
    await Promise.all([a.start(), b.start()]);
    await reaches(a, id, "waiting");
    const outcomes = await Promise.allSettled([a.provideInput(id, "choice", "from a"), b.provideInput(id, "choice", "from b")]);
    const won = outcomes.filter((o) => o.status === "fulfilled");
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    assert.equal(won.length, 1, JSON.stringify(outcomes));
    assert.ok(lost[0].reason instanceof TaskStateError, String(lost[0].reason));
    const done = await a.waitFor(id);
    assert.equal(done.result, outcomes[0].status === "fulfilled" ? "from a" : "from b");
  });

  it("lets a parent wait for its children without holding the only worker slot, and resumes it when the last one finishes", async () => {
    const worker = redis.manager({ maxConcurrentTasks: 1 });
    let fannedOut = 0;
    worker.task({ name: "child" }, (n: number) => n * 2);
    worker.task({ name: "parent" }, async () => {
      const ids = await step("fan out", () => (fannedOut++, Promise.all([1, 2, 3].map((n) => enqueue("child", [n])))));
      const runs = await waitForRuns(ids);
      return runs.map((r) => r.result);
    });
    await worker.start();
    const done = await worker.waitFor(await worker.addTask("parent"));
    assert.equal(done.status, "success");
    assert.deepEqual(done.result, [2, 4, 6]);
    assert.equal(fannedOut, 1);
    assert.deepEqual(done.steps.map((s) => [s.name, s.status]), [["fan out", "done"], ["runs", "done"]]);
  });

  it("wakes a run waiting for runs that are not its children when they finish, and throws a WaitTimeoutError when they do not in time", async () => {
    const worker = redis.manager();
    const release = signal();
    worker.task({ name: "slow" }, async () => {
      await release.promise;
      return "slow done";
    });
    worker.task({ name: "watch" }, async (ids: string[], timeout?: number) => {
      try {
        const runs = await waitForRuns(ids, timeout === undefined ? {} : { timeout });
        return runs.map((r) => r.result);
      } catch (error) {
        return error instanceof WaitTimeoutError ? "timed out" : `other: ${String(error)}`;
      }
    });
    await worker.start();
    const slow = await worker.addTask("slow");
    await reaches(worker, slow, "running");
    const watcher = await worker.addTask("watch", [[slow]]);
    const impatient = await worker.addTask("watch", [[slow], 1]);
    await reaches(worker, watcher, "waiting");
    const timedOut = await worker.waitFor(impatient);
    assert.equal(timedOut.result, "timed out");
    assert.equal(timedOut.steps[0]?.status, "failed");
    assert.equal((await worker.getTask(watcher))?.status, "waiting");
    release.resolve();
    const done = await worker.waitFor(watcher);
    assert.deepEqual(done.result, ["slow done"]);
  });

  it("wakes, as a worker starts, a run whose runs all finished while nothing woke it (their worker died before it could)", async () => {
    const producer = redis.manager({ worker: false });
    producer.task({ name: "outside", queue: "side" }, () => undefined);
    await producer.start();
    const first = redis.manager();
    first.task({ name: "watch" }, async (ids: string[]) => (await waitForRuns(ids)).map((r) => r.result));
    await first.start();
    const child = await producer.addTask("outside");
    const watcher = await first.addTask("watch", [[child]]);
    await reaches(producer, watcher, "waiting");
    // A plain BullMQ worker settles the child: no Taskflow worker hears of it, as when the one that ran it died at once.
    const plain = new Worker("side", async () => "done outside", { connection: { url: redis.server!.url, maxRetriesPerRequest: null }, prefix: redis.prefix });
    try {
      await reaches(producer, child, "success");
      assert.equal((await producer.getTask(watcher))?.status, "waiting");
      const second = redis.manager();
      second.task({ name: "watch" }, async (ids: string[]) => (await waitForRuns(ids)).map((r) => r.result));
      await second.start();
      assert.deepEqual((await producer.waitFor(watcher)).result, ["done outside"]);
    } finally {
      await plain.close();
    }
  });

  it("cancels a waiting run, which then never runs again and takes no input", async () => {
    const worker = redis.manager();
    let prepared = 0;
    worker.task({ name: "approve" }, async () => {
      await step("prepare", () => ++prepared);
      return waitForInput("approval");
    });
    await worker.start();
    const id = await worker.addTask("approve");
    await reaches(worker, id, "waiting");
    await worker.cancelTask(id);
    assert.equal((await worker.getTask(id))?.status, "cancelled");
    const done = await worker.waitFor(id);
    assert.equal(done.status, "cancelled");
    assert.equal(done.waitingFor, null);
    assert.equal(await bullState(id), "failed", "a worker settled the promoted job");
    assert.equal(prepared, 1);
    await assert.rejects(worker.provideInput(id, "approval", 1), TaskStateError);
    await assert.rejects(worker.cancelTask(id), TaskStateError);
  });

  it("retries a failed run with resume (its done steps replayed) or from a step (that step and the later ones run again)", async () => {
    const worker = redis.manager();
    const calls = { fetch: 0, store: 0 };
    let storeFails = true;
    worker.task({ name: "pipeline" }, async () => {
      const rows = await step("fetch", () => (++calls.fetch, [1, 2]));
      await step("store", () => {
        calls.store++;
        if (storeFails) throw new Error("disk full");
        return rows.length;
      });
      return rows;
    });
    await worker.start();
    const original = await worker.waitFor(await worker.addTask("pipeline"));
    assert.equal(original.status, "failed");
    assert.deepEqual(original.steps.map((s) => [s.name, s.status]), [["fetch", "done"], ["store", "failed"]]);
    await assert.rejects(worker.retryTask(original.taskId, { fromStep: "nope#1" }), (e: Error) => e instanceof ValidationError && /"fetch#1", "store#1"/.test(e.message));
    storeFails = false;
    const resumed = await worker.waitFor(await worker.retryTask(original.taskId, { resume: true }));
    assert.equal(resumed.status, "success");
    assert.deepEqual(calls, { fetch: 1, store: 2 });
    const fromFetch = await worker.waitFor(await worker.retryTask(original.taskId, { fromStep: "fetch#1" }));
    assert.equal(fromFetch.status, "success");
    assert.deepEqual(calls, { fetch: 2, store: 3 });
    await assert.rejects(worker.retryTask(resumed.taskId, { resume: true }), TaskStateError);
    const [entry] = await worker.audit({ limit: 1 });
    assert.match(entry?.detail ?? "", /from step fetch#1/);
  });
});
