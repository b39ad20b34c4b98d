import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { TaskManager, type BullmqTaskManager } from "../../src";
import type { LifecycleEvent } from "../../src/model";
import { allFinished, startProducer } from "./helpers/loadProducer";
import { requireRedisServer, startRedisServer, type RedisServer } from "./helpers/redisServer";
import { stopWorker, workerFleet, WORK_CONFIG, type WorkerProcess } from "./helpers/workerFleet";

const ROOT = path.join(__dirname, "../..");
/** Milliseconds redis-server stays down. */
const DOWN_MS = 1000;
/** Restarts of the short form; a longer run sets TASKFLOW_REDIS_RESTARTS. */
const RESTARTS = Number(process.env.TASKFLOW_REDIS_RESTARTS ?? 1);

describe("redis-server stopped and started again under load (AOF on)", function () {
  this.timeout(90_000 + RESTARTS * 10_000);
  let executable: string;
  let server: RedisServer | undefined;
  let dir: string;
  const managers: BullmqTaskManager[] = [];
  const workers: WorkerProcess[] = [];
  /** What the managers reported outside any task (the Redis connection's errors among it). */
  const outsideLog: string[] = [];

  before(function () {
    executable = requireRedisServer(this, "the BullMQ fault tests");
    execFileSync(process.execPath, ["esbuild.mjs"], { cwd: ROOT, stdio: "ignore" });
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-redis-restart-"));
    outsideLog.length = 0;
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map(stopWorker));
    await Promise.all(managers.splice(0).map((m) => m.shutdown()));
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function manager(url: string, prefix: string): BullmqTaskManager {
    const created = new TaskManager({ backend: { type: "bullmq", connection: url, prefix, worker: false }, onOutsideLog: (m) => outsideLog.push(m) });
    created.task(WORK_CONFIG, () => undefined);
    managers.push(created);
    return created;
  }

  it("keeps every acknowledged task, and the workers, the producer and a reading manager carry on without a restart", async () => {
    server = await startRedisServer(executable, { durable: true });
    const { port, dir: redisDir, url } = server;
    const prefix = `r${randomUUID().slice(0, 8)}`;
    const fleet = workerFleet(dir, url, prefix);
    workers.push(...(await Promise.all([fleet.start(), fleet.start()])));
    const producerManager = manager(url, prefix);
    const reader = manager(url, prefix);
    await Promise.all([producerManager.start(), reader.start()]);
    const heard = new Map<string, LifecycleEvent["status"]>();
    reader.onLifecycle((event) => heard.set(event.taskId, event.status));

    const startedAt = Date.now();
    const producer = startProducer(producerManager);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const beforeStop = producer.acknowledged.length;
    for (let restart = 0; restart < RESTARTS; restart++) {
      await server.halt();
      await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
      server = await startRedisServer(executable, { durable: true, port, dir: redisDir });
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    await producer.stop();
    const ids = [...producer.acknowledged];
    assert.ok(beforeStop > 0, "the producer added nothing before redis-server stopped");
    assert.ok(ids.length > beforeStop, `the producer added nothing after redis-server came back (refused ${producer.refused.count}: ${producer.refused.first})`);

    const fresh = await producerManager.addTask("work", [7]);
    await allFinished(reader, [...ids, fresh], 60_000);
    const missing = [];
    const notSuccess = [];
    for (const id of ids) {
      const record = await reader.getTask(id);
      if (!record) missing.push(id);
      else if (record.status !== "success") notSuccess.push(`${id} ${record.status}: ${record.error ?? ""}`);
    }
    assert.deepEqual(missing, [], `acknowledged tasks lost across the restart (${ids.length} acknowledged, ${beforeStop} before it)`);
    assert.deepEqual(notSuccess, [], "acknowledged tasks that did not succeed");
    assert.equal((await reader.getTask(fresh))?.result, 7, "a task added after the restart runs on the same workers");
    assert.ok(fleet.sideEffects().includes(fresh));
    for (const worker of workers) assert.equal(worker.child.exitCode, null, `worker ${worker.pid} exited: ${worker.stderr()}`);

    const deadline = Date.now() + 10_000;
    while (heard.get(fresh) !== "success" && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(heard.get(fresh), "success", "the reading manager's lifecycle listener hears a task that finished after the restart");
    assert.ok(outsideLog.some((m) => /Redis connection/.test(m)), `the managers said Redis went away; they logged: ${outsideLog.slice(0, 3).join(" | ")}`);
    if (process.env.TASKFLOW_REDIS_RESTARTS) {
      console.log(`    ${RESTARTS} restarts: ${ids.length} acknowledged tasks (${beforeStop} before the first), all there and successful after; ${producer.refused.count} adds refused while Redis was down; ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    }
  });
});
