import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import IORedis from "ioredis";
import { UnknownFunctionError } from "../../src";
import { taskflowKeys } from "../../src/backends/bullmq/redisQueues";
import { WorkerCatalog } from "../../src/backends/bullmq/workerCatalog";
import { useRedis } from "./helpers/bullmqHarness";
import { startTaskflowWorker, type WorkerProcess } from "./helpers/workerFleet";

const ROOT = path.join(__dirname, "../..");
const CLI = path.join(ROOT, "dist/cli.js");

const MODULE = `import { task } from "taskflow";

export const double = task({ queue: "math", retries: 1 }, (n: number) => n * 2);
`;

describe("BullMQ backend: the catalog of a taskflow worker process", function () {
  this.timeout(60000);
  const redis = useRedis(this);
  let dir: string;
  let workspace: string;

  before(() => {
    execFileSync(process.execPath, ["esbuild.mjs"], { cwd: ROOT, stdio: "ignore" });
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-catalog-"));
    workspace = path.join(dir, "workspace");
    mkdirSync(workspace);
    writeFileSync(path.join(workspace, "double.tasks.ts"), MODULE);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts `taskflow worker` with one-second locks and resolves once it printed its ready line. */
  function startWorker(): Promise<WorkerProcess> {
    return startTaskflowWorker(
      ["--redis", redis.server!.url, "--prefix", redis.prefix, "--workspace", workspace, "--lock-seconds", "1"],
      { TASKFLOW_HOME: path.join(dir, "home") },
    );
  }

  it("publishes the module's functions with file, line, queue and config, and drops out once killed with SIGKILL and its heartbeat ends", async () => {
    const worker = await startWorker();
    const connection = new IORedis(redis.server!.url);
    try {
      const keys = taskflowKeys(redis.prefix);
      const reader = new WorkerCatalog({
        redis: connection, setKey: keys.workers, keyPrefix: keys.worker, ttlMs: 1000, nowMs: () => Date.now(),
        onChange: () => undefined, warn: (message) => assert.fail(message),
      });
      const [entry] = await reader.workers();
      assert.equal(entry.pid, worker.child.pid);
      assert.deepEqual(entry.functions, [{
        name: "double", config: { queue: "math", retries: 1, name: "double" }, queue: "math",
        source: "double.tasks.ts#double", file: "double.tasks.ts", line: 3,
      }]);
      const ttl = await connection.pttl(`${keys.worker}:${entry.workerId}`);
      assert.ok(ttl > 0 && ttl <= 1000, `the entry lives one lock duration (1000 ms) unless renewed, got a TTL of ${ttl} ms`);

      const service = redis.manager({ worker: false });
      await service.start();
      const record = await service.waitFor(await service.addTask("double", [4]));
      assert.equal(record.result, 8);
      assert.equal(record.queue, "math");
      assert.deepEqual(service.registeredTasks().map((t) => [t.name, t.workers, t.source]), [["double", 1, "double.tasks.ts#double"]]);

      // `taskflow run` from a folder with no task module enqueues through the catalog too.
      const empty = path.join(dir, "empty");
      mkdirSync(empty);
      const printed = execFileSync(process.execPath, [CLI, "run", "double", "--args", "[7]", "--wait", "--json", "--redis", redis.server!.url, "--prefix", redis.prefix, "--workspace", empty], {
        env: { ...process.env, TASKFLOW_HOME: path.join(dir, "home") }, encoding: "utf8",
      });
      assert.equal((JSON.parse(printed) as { result: unknown }).result, 14);

      worker.child.kill("SIGKILL");
      await worker.exited;
      const killedAt = Date.now();
      let refusal: unknown;
      while (refusal === undefined) {
        assert.ok(Date.now() - killedAt < 10_000, "addTask was still accepted 10 s after the only worker was killed");
        await service.addTask("double", [1]).catch((error: unknown) => (refusal = error));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(refusal instanceof UnknownFunctionError, `expected UnknownFunctionError, got ${String(refusal)}`);
      assert.match(refusal.message, /no live worker runs it/);
      assert.deepEqual(await reader.workers(), []);
      assert.equal(await connection.scard(keys.workers), 0, "the dead worker's id left the set");
    } finally {
      worker.child.kill("SIGKILL");
      connection.disconnect();
    }
  });
});
