import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  step, sleep, waitForInput, waitForRuns, enqueue, TaskManager, WaitTimeoutError, ValidationError, TaskStateError, UnknownTaskError,
} from "../../src";
import { parseRetryMarker } from "../../src/model/logMarkers";
import { makeEngine, shutdownEngines } from "./helpers/engineHarness";
import { FakeClock, settle } from "./helpers/fakeClock";

describe("engine: durable runs", () => {
  afterEach(shutdownEngines);

  it("replays a done step after a sleep instead of running it again, and holds no slot while waiting", async () => {
    const { manager, clock, statuses } = makeEngine({ maxConcurrentTasks: 1 });
    let created = 0;
    manager.task({ name: "flow" }, async (user: string) => {
      const account = await step("create account", () => ({ id: ++created, user }));
      await sleep(60);
      return account;
    });
    manager.task({ name: "quick" }, () => "done");
    await manager.start();
    const id = await manager.addTask("flow", ["ada"]);
    await settle();
    const waiting = manager.getTask(id)!;
    assert.equal(waiting.status, "waiting");
    assert.equal(waiting.waitingFor?.kind, "sleep");
    const quick = await manager.addTask("quick");
    await settle();
    assert.equal(manager.getTask(quick)?.status, "success", "a waiting run holds no slot");
    await clock.advance(60_000);
    await settle();
    const done = manager.getTask(id)!;
    assert.equal(done.status, "success");
    assert.deepEqual(done.result, { id: 1, user: "ada" });
    assert.equal(created, 1);
    assert.deepEqual(statuses(id), ["pending", "running", "waiting", "pending", "running", "success"]);
    assert.deepEqual(done.steps.map((s) => [s.name, s.occurrence, s.status]), [["create account", 1, "done"], ["sleep", 1, "done"]]);
  });

  it("waits for input, refuses a value its schema refuses, then resumes with the value", async () => {
    const { manager } = makeEngine();
    manager.task({ name: "approve" }, async () => {
      const answer = await waitForInput<{ approve: boolean }>("approval", {
        prompt: "Approve?", schema: { type: "object", properties: { approve: { type: "boolean" } }, required: ["approve"] },
      });
      return answer.approve;
    });
    await manager.start();
    const id = await manager.addTask("approve");
    await settle();
    assert.equal(manager.getTask(id)?.status, "waiting");
    await assert.rejects(manager.provideInput(id, "approval", { approve: "yes" }), (e: Error) => e instanceof ValidationError && /approve: expected boolean/.test(e.message));
    await assert.rejects(manager.provideInput(id, "other", {}), TaskStateError);
    assert.equal(manager.getTask(id)?.status, "waiting");
    await manager.provideInput(id, "approval", { approve: true });
    await settle();
    assert.equal(manager.getTask(id)?.status, "success");
    assert.equal(manager.getTask(id)?.result, true);
    assert.ok(manager.audit().some((e) => e.action === "input" && e.taskId === id));
  });

  it("a parent waits for its children under maxConcurrentTasks 1 without a deadlock", async () => {
    const { manager } = makeEngine({ maxConcurrentTasks: 1 });
    manager.task({ name: "child" }, (n: number) => n * 2);
    manager.task({ name: "parent" }, async () => {
      const ids = await step("fan out", () => Promise.all([1, 2, 3].map((n) => enqueue("child", [n]))));
      const runs = await waitForRuns(ids);
      return runs.map((r) => r.result);
    });
    await manager.start();
    const id = await manager.addTask("parent");
    for (let i = 0; i < 10; i++) await settle();
    assert.equal(manager.getTask(id)?.status, "success");
    assert.deepEqual(manager.getTask(id)?.result, [2, 4, 6]);
  });

  it("throws a WaitTimeoutError the task can catch when the input does not come in time", async () => {
    const { manager, clock } = makeEngine();
    manager.task({ name: "t" }, async () => {
      try {
        await waitForInput("x", { timeout: 10 });
        return "given";
      } catch (error) {
        return error instanceof WaitTimeoutError ? "timed out" : "other";
      }
    });
    await manager.start();
    const id = await manager.addTask("t");
    await settle();
    await clock.advance(10_000);
    await settle();
    assert.equal(manager.getTask(id)?.result, "timed out");
  });

  it("cancels a waiting run: it never wakes, and its event and record say cancelled", async () => {
    const { manager, clock, statuses } = makeEngine();
    let after = 0;
    manager.task({ name: "t" }, async () => {
      await sleep(30);
      after++;
    });
    await manager.start();
    const id = await manager.addTask("t");
    await settle();
    await manager.cancelTask(id);
    await clock.advance(60_000);
    await settle();
    assert.equal(manager.getTask(id)?.status, "cancelled");
    assert.equal(manager.getTask(id)?.waitingFor, null);
    assert.equal(after, 0);
    assert.deepEqual(statuses(id), ["pending", "running", "waiting", "cancelled"]);
  });

  it("puts waitingFor on the waiting event, counts waiting runs in metrics and finds them by status", async () => {
    const { manager, lifecycle } = makeEngine();
    manager.task({ name: "t" }, () => waitForInput("go", { prompt: "Go on?" }));
    await manager.start();
    const id = await manager.addTask("t");
    await settle();
    const event = lifecycle.find((e) => e.taskId === id && e.status === "waiting");
    assert.deepEqual(event?.waitingFor, { kind: "input", name: "go", prompt: "Go on?", schema: null, timeoutAt: null, step: "input:go#1" });
    assert.equal(manager.metrics().waiting, 1);
    assert.deepEqual(manager.listTasks({ status: "waiting" }).map((t) => t.taskId), [id]);
    assert.equal(manager.countTasks({ status: "waiting" }), 1);
  });

  it("retries a failed step under the task's retries, replaying the steps done before it; code outside steps runs again", async () => {
    const { manager, clock } = makeEngine();
    const ran: string[] = [];
    let outside = 0;
    manager.task({ name: "t", retries: 1, delay: 1 }, async () => {
      outside++;
      await step("a", () => void ran.push("a"));
      return step("b", () => {
        ran.push("b");
        if (ran.filter((r) => r === "b").length === 1) throw new Error("flaky");
        return "ok";
      });
    });
    await manager.start();
    const id = await manager.addTask("t");
    await settle();
    await clock.advance(1000);
    await settle();
    const record = manager.getTask(id)!;
    assert.equal(record.status, "success");
    assert.deepEqual(ran, ["a", "b", "b"]);
    assert.equal(outside, 2);
    assert.deepEqual(record.steps.map((s) => [s.name, s.status, s.attempt]), [["a", "done", 0], ["b", "done", 1]]);
    assert.equal(record.logs.filter((l) => parseRetryMarker(l) !== undefined).length, 1, "one retry marker, none for a resume");
  });

  it("resumes a failed run from its steps, or from a given step, and names the steps a wrong fromStep could have been", async () => {
    const { manager } = makeEngine();
    const ran: string[] = [];
    let fail = true;
    manager.task({ name: "t" }, async () => {
      for (const name of ["fetch", "fetch", "save"]) await step(name, () => void ran.push(name));
      if (fail) throw new Error("after the steps");
      return "ok";
    });
    await manager.start();
    const id = await manager.addTask("t");
    await settle();
    assert.equal(manager.getTask(id)?.status, "failed");
    fail = false;
    ran.length = 0;
    const resumed = await manager.retryTask(id, { resume: true });
    assert.equal((await manager.waitFor(resumed)).status, "success");
    assert.deepEqual(ran, [], "every step replayed");
    const fromSecond = await manager.retryTask(id, { fromStep: "fetch#2" });
    await manager.waitFor(fromSecond);
    assert.deepEqual(ran, ["fetch", "save"]);
    const plain = await manager.retryTask(id);
    await manager.waitFor(plain);
    assert.deepEqual(ran, ["fetch", "save", "fetch", "fetch", "save"], "a plain retry starts from scratch");
    await assert.rejects(manager.retryTask(id, { fromStep: "load#1" }), (e: Error) => e instanceof ValidationError && /"fetch#1", "fetch#2", "save#1"/.test(e.message));
    await assert.rejects(manager.retryTask(resumed, { resume: true }), TaskStateError);
    assert.ok(manager.audit().some((e) => e.action === "retry" && e.taskId === fromSecond && /from step fetch#2/.test(e.detail ?? "")));
  });

  it("fails the attempt with a clear error for a step value that is not JSON, a bad schema or a step name that is not a string", async () => {
    const { manager } = makeEngine();
    manager.task({ name: "value" }, () => step("make", () => new Map()));
    manager.task({ name: "schema" }, () => waitForInput("x", { schema: { type: "object", properties: { n: { type: "int" } } } as never }));
    manager.task({ name: "name" }, () => step(42 as never, () => 1));
    await manager.start();
    const failure = async (name: string) => (await manager.waitFor(await manager.addTask(name))).error ?? "";
    assert.match(await failure("value"), /step make#1 returned a value that is not JSON/);
    assert.match(await failure("schema"), /ValidationError: waitForInput\("x"\) was given a bad schema: schema\.properties\.n\.type must be one of object, array/);
    assert.match(await failure("name"), /step\(\) needs a name, a non-empty string/);
  });

  it("fails a wait called inside a step's function, saying waits go between steps", async () => {
    const { manager } = makeEngine();
    manager.task({ name: "t" }, () => step("outer", () => sleep(1)));
    await manager.start();
    const record = await manager.waitFor(await manager.addTask("t"));
    assert.match(record.error ?? "", /sleep\(\) was called inside step outer#1: .* Call waits between steps/);
  });

  it("refuses input for an unknown run, a run not waiting, and a value that is not JSON, changing nothing", async () => {
    const { manager } = makeEngine();
    manager.task({ name: "t" }, () => waitForInput("x"));
    manager.task({ name: "done" }, () => 1);
    await manager.start();
    const id = await manager.addTask("t");
    const done = await manager.addTask("done");
    await settle();
    await assert.rejects(manager.provideInput("nope", "x", 1), UnknownTaskError);
    await assert.rejects(manager.provideInput(done, "x", 1), (e: Error) => e instanceof TaskStateError && /not waiting for input "x": it is success/.test(e.message));
    await assert.rejects(manager.provideInput(id, "x", () => 1), (e: Error) => e instanceof ValidationError && /must be JSON/.test(e.message));
    assert.equal(manager.getTask(id)?.status, "waiting");
    await manager.provideInput(id, "x", [1, 2]);
    assert.deepEqual((await manager.waitFor(id)).result, [1, 2]);
  });

  it("says so when a replay reaches its steps in another order than they were recorded", async () => {
    const { manager, clock } = makeEngine();
    let first = true;
    manager.task({ name: "t" }, async () => {
      if (first) {
        first = false;
        await step("sleep", () => 1);
        await sleep(1);
      } else {
        await sleep(1);
      }
    });
    await manager.start();
    const id = await manager.addTask("t");
    await settle();
    await clock.advance(1000);
    await settle();
    assert.match(manager.getTask(id)?.error ?? "", /in another order than when they were recorded/);
  });

  it("holds thousands of sleeping runs with one timer, and wakes them all when their time comes", async () => {
    const { manager, clock } = makeEngine({ maxConcurrentTasks: 8 });
    manager.task({ name: "nap" }, async (seconds: number) => {
      await sleep(seconds);
      return seconds;
    });
    await manager.start();
    await manager.addTasks("nap", Array.from({ length: 2000 }, (_, i) => ({ args: [60 + (i % 50)] })));
    for (let i = 0; i < 40; i++) await settle();
    assert.equal(manager.countTasks({ status: "waiting" }), 2000);
    assert.equal(clock.pendingSleeps, 1, "one wake-up for the earliest");
    await clock.advance(120_000);
    for (let i = 0; i < 80 && manager.countTasks({ status: "success" }) < 2000; i++) await settle();
    assert.equal(manager.countTasks({ status: "success" }), 2000);
  });

  it("keeps a waiting run waiting through a shutdown whatever persist says, and resumes it after the next start", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "taskflow-durable-"));
    try {
      const dbPath = path.join(dir, "tasks.sqlite");
      const clock = new FakeClock();
      const register = (m: TaskManager) => m.task({ name: "t", persist: false }, async () => {
        await sleep(60);
        return "woke";
      });
      const first = new TaskManager({ dbPath, clock, onOutsideLog: () => {} });
      register(first);
      await first.start();
      const waiting = new Promise<void>((resolve) => first.onLifecycle((e) => e.status === "waiting" && resolve()));
      const id = await first.addTask("t");
      await waiting;
      await first.shutdown();
      const second = new TaskManager({ dbPath, clock, onOutsideLog: () => {} });
      register(second);
      await second.start();
      assert.equal(second.getTask(id)?.status, "waiting");
      await clock.advance(60_000);
      assert.equal((await second.waitFor(id)).result, "woke");
      await second.shutdown();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
