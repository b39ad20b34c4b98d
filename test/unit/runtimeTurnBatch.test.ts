import * as assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { TurnBatcher } from "../../src/runtime/turnBatcher";
import { nextLog, startHost, Workspace, runtimeHooks, type HostEnv } from "../fixtures/modules/harness";

/** A real thread that answers each message event with the array it got (as its length and contents). */
function echoWorker(): Worker {
  return new Worker(
    `const { parentPort } = require("node:worker_threads");
     parentPort.on("message", (batch) => parentPort.postMessage(batch));`,
    { eval: true },
  );
}

async function received(worker: Worker, events: number): Promise<unknown[][]> {
  const got: unknown[][] = [];
  while (got.length < events) got.push((await once(worker, "message"))[0] as unknown[]);
  return got;
}

describe("runtime: messages to a worker batched per turn of the event loop", function () {
  this.timeout(30000);

  it("posts the messages of one turn as one array, and a later turn's as another", async () => {
    const worker = echoWorker();
    try {
      const batcher = new TurnBatcher<number>((batch) => worker.postMessage(batch));
      batcher.push(1);
      batcher.push(2);
      batcher.push(3);
      setImmediate(() => setImmediate(() => batcher.push(4)));
      assert.deepEqual(await received(worker, 2), [[1, 2, 3], [4]]);
    } finally {
      await worker.terminate();
    }
  });

  it("keeps the messages back while hold says so, and posts them as one array at the turn schedule() is called in", async () => {
    const worker = echoWorker();
    try {
      let holding = true;
      const batcher = new TurnBatcher<number>((batch) => worker.postMessage(batch), undefined, undefined, () => holding);
      batcher.push(1);
      await new Promise((resolve) => setImmediate(resolve));
      batcher.push(2);
      await new Promise((resolve) => setImmediate(resolve));
      holding = false;
      batcher.push(3);
      batcher.schedule();
      setImmediate(() => setImmediate(() => batcher.push(4)));
      assert.deepEqual(await received(worker, 2), [[1, 2, 3], [4]]);
    } finally {
      await worker.terminate();
    }
  });

  it("posts messages held back once schedule() is called after hold has turned false", async () => {
    const worker = echoWorker();
    try {
      let holding = true;
      const batcher = new TurnBatcher<number>((batch) => worker.postMessage(batch), undefined, undefined, () => holding);
      batcher.push(1);
      batcher.push(2);
      await new Promise((resolve) => setImmediate(resolve));
      holding = false;
      batcher.schedule();
      assert.deepEqual(await received(worker, 1), [[1, 2]]);
    } finally {
      await worker.terminate();
    }
  });

  it("sends the rest of a batch when structured clone refuses one message, replacing that one", async () => {
    const worker = echoWorker();
    try {
      const refused: unknown[] = [];
      const batcher = new TurnBatcher<unknown>((batch) => worker.postMessage(batch), (message, error) => {
        refused.push(message);
        assert.match(error.message, /could not be cloned/);
        return "replaced";
      });
      const uncloneable = { fn: () => 1 };
      batcher.push("a");
      batcher.push(uncloneable);
      batcher.push("b");
      assert.deepEqual(await received(worker, 3), [["a"], ["replaced"], ["b"]]);
      assert.deepEqual(refused, [uncloneable]);
    } finally {
      await worker.terminate();
    }
  });
});

const SIGNAL_MODULE = `import { writeFileSync } from "node:fs";
import { getTaskContext, task, taskLog } from "taskflow";

// Busy past the host's cancel without reading its signal, then yields and reads it.
export const spinThenRead = task(async (file: string) => {
  taskLog("spinning");
  const end = Date.now() + 1500;
  while (Date.now() < end) { /* the abort arrives meanwhile */ }
  await new Promise((resolve) => setImmediate(resolve));
  const { signal } = getTaskContext()!;
  writeFileSync(file, JSON.stringify({ aborted: signal.aborted, reason: (signal.reason as Error | undefined)?.message ?? null }));
});

export const readsSignal = task(async () => getTaskContext()!.signal.aborted);

export const badLevel = task(async () => taskLog("too loud", { level: "loud" as never }));
`;

describe("runtime: a warm worker's attempts, sent in batches", function () {
  this.timeout(60000);
  let distDir: string;
  let workspace: Workspace;
  let env: HostEnv;

  runtimeHooks({ dist: (dir) => (distDir = dir), current: () => ({ env, workspace }) });

  beforeEach(async () => {
    workspace = new Workspace({ "signal.tasks.ts": SIGNAL_MODULE });
    env = await startHost(workspace, distDir, { maxWorkers: 1, cancelGraceMs: 10_000 });
    await env.host.setFiles([workspace.file("signal.tasks.ts")]);
    assert.deepEqual(env.host.diagnostics().filter((d) => d.severity === "error"), []);
  });

  it("fails an attempt whose arguments cannot be sent to the worker, and the worker takes the next", async () => {
    const proxy = env.proxies.get("readsSignal");
    assert.ok(proxy);
    await assert.rejects(Promise.resolve(proxy(() => 1)), /could not be sent to its worker .*pass plain data/);
    assert.equal(await proxy(), false);
  });

  it("gives a signal first read after the cancel arrived as already aborted, with the cancel's reason", async () => {
    const file = workspace.file("signal.json");
    const spinning = nextLog(env.manager, (e) => e.message === "spinning");
    const id = await env.manager.addTask("spinThenRead", [file]);
    await spinning;
    await env.manager.cancelTask(id);
    assert.equal((await env.manager.waitFor(id)).status, "cancelled");
    await env.host.whenIdle();
    assert.ok(existsSync(file), "the task never wrote what its signal said");
    const seen = JSON.parse(readFileSync(file, "utf8")) as { aborted: boolean; reason: string | null };
    assert.equal(seen.aborted, true);
    assert.match(seen.reason ?? "", /cancel/i);
  });

  it("refuses a log level the engine does not know in the worker, where the task can see it", async () => {
    const record = await env.manager.waitFor(await env.manager.addTask("badLevel"));
    assert.equal(record.status, "failed");
    assert.match(record.error ?? "", /taskLog level must be one of debug, info, warning, error, got "loud"/);
  });

  it("gives an attempt nobody cancelled a signal that is not aborted", async () => {
    const record = await env.manager.waitFor(await env.manager.addTask("readsSignal"));
    assert.equal(record.status, "success", record.error ?? "");
    assert.equal(record.result, false);
  });
});
