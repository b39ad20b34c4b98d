import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ValidationError, type BullmqManagerOptions, type TaskflowClient, type TaskManagerOptions, type TaskStatus } from "../../src";
import { runtimeHooks, startHost, Workspace, type HostEnv } from "../fixtures/modules/harness";
import { readsStatus, useRedis } from "./helpers/bullmqHarness";

const MODULE = readFileSync(path.join(__dirname, "../fixtures/modules/durable.tasks.ts"), "utf8");

// Task modules on worker threads with the BullMQ backend: the journal in the worker records through
// the job's attempt port on a real redis-server, and input comes from a manager that runs no workers.
describe("BullMQ backend: durable runs of task modules in worker threads", function () {
  this.timeout(60000);
  const redis = useRedis(this);
  let distDir: string;
  let workspace: Workspace | undefined;
  let env: HostEnv | undefined;
  runtimeHooks({ dist: (dir) => (distDir = dir), current: () => ({ env, workspace }) });

  async function load(maxConcurrentTasks = 2): Promise<HostEnv> {
    workspace = new Workspace({ "durable.tasks.ts": MODULE });
    // The harness types its manager as the local engine's; on this backend the test uses only what
    // TaskflowClient declares, awaiting every read.
    const options: BullmqManagerOptions = {
      backend: { type: "bullmq", connection: redis.server!.url, prefix: redis.prefix, worker: true }, maxConcurrentTasks,
    };
    env = await startHost(workspace, distDir, { isolation: "warm" }, options as unknown as TaskManagerOptions);
    await env.host.setFiles([workspace.file("durable.tasks.ts")]);
    assert.deepEqual(env.host.diagnostics().filter((d) => d.severity === "error"), []);
    return env;
  }

  const reaches = (client: TaskflowClient, taskId: string, status: TaskStatus): Promise<void> => readsStatus(client, taskId, status, 30_000, 25);

  it("waits for input in a worker thread, and resumes it with input given by a manager without workers", async () => {
    const { manager } = await load();
    const id = await manager.addTask("approve", ["ada"]);
    const elsewhere = redis.manager({ worker: false });
    await elsewhere.start();
    await reaches(elsewhere, id, "waiting");
    await assert.rejects(elsewhere.provideInput(id, "approval", { approve: "yes" }), (e: Error) => e instanceof ValidationError && /approve: expected boolean/.test(e.message));
    assert.equal((await elsewhere.getTask(id))?.status, "waiting");
    await elsewhere.provideInput(id, "approval", { approve: true, note: "ok" });
    const done = await elsewhere.waitFor(id);
    assert.equal(done.status, "success", done.error ?? "");
    assert.deepEqual(done.result, { user: "ada", approve: true, note: "ok" });
  });

  it("fans out from a step and waits for the children without holding the only worker slot", async () => {
    const manager: TaskflowClient = (await load(1)).manager;
    const id = await manager.addTask("fanOut", [[1, 2, 3]]);
    await reaches(manager, id, "success");
    const done = await manager.getTask(id);
    assert.deepEqual(done?.result, [["double", "success", 2], ["double", "success", 4], ["double", "success", 6]]);
    assert.deepEqual(done?.steps.map((s) => [s.name, s.status]), [["fan out", "done"], ["runs", "done"]]);
  });
});
