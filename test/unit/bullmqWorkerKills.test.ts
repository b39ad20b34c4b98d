import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { TaskManager, type BullmqTaskManager } from "../../src";
import { allFinished, startProducer } from "./helpers/loadProducer";
import { requireRedisServer, startRedisServer, type RedisServer } from "./helpers/redisServer";
import { killWorker, stopWorker, workerFleet, WORK_CONFIG, type WorkerProcess } from "./helpers/workerFleet";

const ROOT = path.join(__dirname, "../..");
/** Kills of the short form; the full-size run sets TASKFLOW_WORKER_KILLS=20. */
const KILLS = Number(process.env.TASKFLOW_WORKER_KILLS ?? 3);

describe("kill -9 of BullMQ workers under load", function () {
  this.timeout(60_000 + KILLS * 15_000);
  let server: RedisServer;
  let dir: string;
  const managers: BullmqTaskManager[] = [];

  before(async function () {
    const executable = requireRedisServer(this, "the BullMQ fault tests");
    execFileSync(process.execPath, ["esbuild.mjs"], { cwd: ROOT, stdio: "ignore" });
    server = await startRedisServer(executable, { durable: true });
  });
  after(async () => server?.stop());
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "taskflow-worker-kills-"))));
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.shutdown()));
    rmSync(dir, { recursive: true, force: true });
  });

  it(`ends every task exactly once in the history, each run at least once, over ${KILLS} SIGKILLs of one of two workers`, async () => {
    const prefix = `k${randomUUID().slice(0, 8)}`;
    const fleet = workerFleet(dir, server.url, prefix);
    const workers: WorkerProcess[] = await Promise.all([fleet.start(), fleet.start()]);
    const manager = new TaskManager({ backend: { type: "bullmq", connection: server.url, prefix, worker: false } });
    managers.push(manager);
    manager.task(WORK_CONFIG, () => undefined);
    await manager.start();
    const producer = startProducer(manager);
    const startedAt = Date.now();
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        await new Promise((resolve) => setTimeout(resolve, 300 + Math.floor(Math.random() * 1200)));
        const victim = Math.floor(Math.random() * workers.length);
        await killWorker(workers[victim]);
        workers[victim] = await fleet.start();
      }
      await producer.stop();
      const ids = producer.acknowledged;
      assert.equal(producer.refused.count, 0, `adds refused with Redis up: ${producer.refused.first}`);
      assert.ok(ids.length > 0, "the producer added nothing");
      await allFinished(manager, ids, 60_000);

      const history = await manager.listTasks({ limit: ids.length * 2, withLogs: false });
      const seen = new Map<string, number>();
      for (const record of history) seen.set(record.taskId, (seen.get(record.taskId) ?? 0) + 1);
      assert.deepEqual([...seen].filter(([, count]) => count !== 1), [], "tasks listed more than once in the history");
      assert.deepEqual(ids.filter((id) => !seen.has(id)), [], "acknowledged tasks missing from the history");
      assert.equal(seen.size, ids.length, "the history holds exactly the acknowledged tasks");
      const notSuccess = history.filter((r) => r.status !== "success").map((r) => `${r.taskId} ${r.status}: ${r.error ?? ""}`);
      assert.deepEqual(notSuccess, [], "every task ends as success (requeueOnInterrupt takes a killed worker's runs back)");
      assert.equal((await manager.metrics()).success, ids.length, "metrics count each task once");

      const runs = new Map<string, number>();
      for (const id of fleet.sideEffects()) runs.set(id, (runs.get(id) ?? 0) + 1);
      assert.deepEqual(ids.filter((id) => !runs.has(id)), [], "tasks that never ran (no side effect)");
      assert.deepEqual([...runs.keys()].filter((id) => !seen.has(id)), [], "side effects of tasks not in the history");
      const again = [...runs.values()].filter((count) => count > 1).length;
      if (process.env.TASKFLOW_WORKER_KILLS) {
        console.log(`    ${KILLS} kills: ${ids.length} tasks, each finished once; ${again} ran more than once (cut off by a kill), ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
      }
    } finally {
      await producer.stop();
      assert.deepEqual(await Promise.all(workers.map(stopWorker)), workers.map(() => 0), "the workers stop with exit code 0");
    }
  });
});
