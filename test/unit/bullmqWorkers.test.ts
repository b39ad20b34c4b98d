import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { BullmqTaskManager, TaskflowClient, TaskStatus } from "../../src";
import { readsStatus, useRedis } from "./helpers/bullmqHarness";
import { startTaskflowWorker, type WorkerProcess } from "./helpers/workerFleet";

const ROOT = path.join(__dirname, "../..");
const CLI = path.join(ROOT, "dist/cli.js");

/** Task modules whose side effects (lines appended to files named by env) show what ran where. */
const MODULE = `import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import { task, taskLog } from "taskflow";
const out = process.env.TASKFLOW_TEST_OUT as string;
export const append = task(async (n: number) => {
  appendFileSync(out, \`\${n} \${process.pid}\\n\`);
  taskLog(\`appended \${n}\`);
  return n * 2;
});
function hang(name: string, marker: string): Promise<string> | string {
  appendFileSync(out, \`\${name} \${process.pid}\\n\`);
  if (existsSync(marker)) return "done elsewhere";
  writeFileSync(marker, "");
  return new Promise(() => undefined);
}
export const hangRequeue = task({ requeueOnInterrupt: true }, () => hang("hangRequeue", out + ".requeue"));
export const hangOnce = task(() => hang("hangOnce", out + ".once"));
`;

describe("BullMQ backend: taskflow worker processes sharing one Redis", function () {
  this.timeout(90000);
  const redis = useRedis(this);
  let dir: string;
  let workspace: string;
  let out: string;

  before(() => {
    execFileSync(process.execPath, ["esbuild.mjs"], { cwd: ROOT, stdio: "ignore" });
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-workers-"));
    workspace = path.join(dir, "workspace");
    execFileSync("mkdir", ["-p", workspace]);
    writeFileSync(path.join(workspace, "shared.tasks.ts"), MODULE);
    out = path.join(dir, "out.txt");
    writeFileSync(out, "");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts `taskflow worker` on this test's workspace and resolves once it printed its ready line. */
  function startWorker(...extra: string[]): Promise<WorkerProcess> {
    return startTaskflowWorker(
      ["--redis", redis.server!.url, "--prefix", redis.prefix, "--workspace", workspace, ...extra],
      { TASKFLOW_TEST_OUT: out, TASKFLOW_HOME: path.join(dir, "home") },
    );
  }

  /** A manager that enqueues and reads, with the module's task names registered but running nothing. */
  async function producer(): Promise<BullmqTaskManager> {
    const manager = redis.manager({ worker: false });
    manager.task({ name: "append" }, () => undefined);
    manager.task({ name: "hangRequeue", requeueOnInterrupt: true }, () => undefined);
    manager.task({ name: "hangOnce" }, () => undefined);
    await manager.start();
    return manager;
  }

  /**
   * Resolves once the task has `status`, read every 50 ms: a lifecycle listener added after the job
   * moved hears only later changes (the manager starts reading BullMQ's event stream when the first
   * listener subscribes), so events alone could miss a job that went active meanwhile.
   */
  const reaches = (client: TaskflowClient, taskId: string, status: TaskStatus): Promise<void> => readsStatus(client, taskId, status, 30_000, 50);

  const lines = (): string[] => readFileSync(out, "utf8").split("\n").filter((l) => l !== "");

  /**
   * Resolves once the task's function has started in `worker` (its line is in the output file):
   * "running" only says a worker took the job, which may still be loading the module.
   */
  async function startedIn(worker: WorkerProcess, name: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!lines().includes(`${name} ${worker.pid}`)) {
      if (Date.now() > deadline) throw new Error(`${name} did not start in worker ${worker.pid} within 30 s; output: ${JSON.stringify(lines())}; stderr: ${worker.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("shares 500 tasks between two workers, each run exactly once, and a third manager sees the whole history", async () => {
    const workers = await Promise.all([startWorker("--concurrency", "4"), startWorker("--concurrency", "4")]);
    try {
      const manager = await producer();
      const ids = await manager.addTasks("append", Array.from({ length: 500 }, (_, n) => ({ args: [n], tags: { batch: "b1" } })));
      for (const id of ids) assert.equal((await manager.waitFor(id)).status, "success");
      const runs = lines().map((l) => l.split(" "));
      assert.equal(runs.length, 500);
      assert.deepEqual(new Set(runs.map(([n]) => Number(n))).size, 500);
      const pids = new Set(runs.map(([, pid]) => Number(pid)));
      assert.deepEqual([...pids].sort((a, b) => a - b), workers.map((w) => w.pid).sort((a, b) => a - b), "both workers took jobs");

      const reader = redis.manager({ worker: false });
      await reader.start();
      assert.equal(await reader.countTasks({ tag: "batch=b1" }), 500);
      assert.equal((await reader.metrics()).success, 500);
      assert.equal((await reader.listTasks({ status: "success", limit: 500, withLogs: false })).length, 500);
      const one = await reader.getTask(ids[7]);
      assert.equal(one?.result, 14);
      assert.deepEqual(one?.args, [7]);
      assert.match(one?.logs[0] ?? "", / appended 7$/);
    } finally {
      for (const w of workers) w.child.kill("SIGTERM");
      assert.deepEqual(await Promise.all(workers.map((w) => w.exited)), [0, 0]);
    }
  });

  it("takes back a task whose worker was killed with SIGKILL: pending again, then success on the other worker (requeueOnInterrupt)", async () => {
    const manager = await producer();
    const first = await startWorker("--lock-seconds", "1");
    const id = await manager.addTask("hangRequeue");
    await reaches(manager, id, "running");
    await startedIn(first, "hangRequeue");
    const second = await startWorker("--lock-seconds", "1");
    try {
      first.child.kill("SIGKILL");
      await first.exited;
      const record = await manager.waitFor(id);
      assert.equal(record.status, "success");
      assert.equal(record.result, "done elsewhere");
      assert.deepEqual(lines(), [`hangRequeue ${first.pid}`, `hangRequeue ${second.pid}`]);
    } finally {
      second.child.kill("SIGTERM");
      assert.equal(await second.exited, 0);
    }
  });

  it("stores a task whose worker was killed with SIGKILL as interrupted when requeueOnInterrupt is off, without running it again", async () => {
    const manager = await producer();
    const first = await startWorker("--lock-seconds", "1");
    const id = await manager.addTask("hangOnce");
    await reaches(manager, id, "running");
    await startedIn(first, "hangOnce");
    const second = await startWorker("--lock-seconds", "1");
    try {
      first.child.kill("SIGKILL");
      await first.exited;
      const record = await manager.waitFor(id);
      assert.equal(record.status, "interrupted");
      assert.match(record.error ?? "", /requeueOnInterrupt is off/);
      assert.deepEqual(lines(), [`hangOnce ${first.pid}`]);
      assert.equal((await manager.retryTask(id)).length > 0, true);
    } finally {
      second.child.kill("SIGTERM");
      assert.equal(await second.exited, 0);
    }
  });

  it("hands a running task back on SIGTERM and exits 0; the other worker runs it", async () => {
    const manager = await producer();
    const first = await startWorker();
    const id = await manager.addTask("hangRequeue");
    await reaches(manager, id, "running");
    await startedIn(first, "hangRequeue");
    const second = await startWorker();
    try {
      first.child.kill("SIGTERM");
      assert.equal(await first.exited, 0, first.stderr());
      const record = await manager.waitFor(id);
      assert.equal(record.status, "success");
      assert.deepEqual(lines(), [`hangRequeue ${first.pid}`, `hangRequeue ${second.pid}`]);
    } finally {
      second.child.kill("SIGTERM");
      assert.equal(await second.exited, 0);
    }
  });

  it("reaches the shared queue from $TASKFLOW_REDIS and $TASKFLOW_REDIS_PREFIX, as in a window's terminal, unless --db is given", async () => {
    const manager = await producer();
    const id = await manager.addTask("append", ["from code"]);
    const env: NodeJS.ProcessEnv = { ...process.env, TASKFLOW_REDIS: redis.server!.url, TASKFLOW_REDIS_PREFIX: redis.prefix, TASKFLOW_HOME: path.join(dir, "home") };
    delete env.TASKFLOW_DB;
    const listed = JSON.parse(execFileSync(process.execPath, [CLI, "list", "--workspace", workspace, "--json"], { env, encoding: "utf8" })) as { taskId: string }[];
    assert.deepEqual(listed.map((t) => t.taskId), [id]);
    execFileSync(process.execPath, [CLI, "run", "append", "--args", '["from the cli"]', "--workspace", workspace, "--json"], { env, encoding: "utf8" });
    const [newest] = await manager.audit({ limit: 1 });
    assert.deepEqual([newest?.actor, newest?.action], ["cli", "run"], "the audit trail names the CLI as who ran it");
    const db = path.join(dir, "own.sqlite");
    const local = JSON.parse(execFileSync(process.execPath, [CLI, "list", "--db", db, "--workspace", workspace, "--json"], { env, encoding: "utf8" })) as unknown[];
    assert.deepEqual(local, [], "--db names a database of its own, whatever $TASKFLOW_REDIS says");
  });
});
