import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import * as path from "node:path";
import { DatabaseLockedError, TaskManager } from "../../src";
import { SqlJsStore, lockPathOf } from "../../src/store";

const ROOT = path.join(__dirname, "../..");

/** Runs test/fixtures/lockChild.ts; resolves with its first output line and the child. */
function runChild(dbPath: string, count: number) {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/lockChild.ts", dbPath, String(count)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const line = new Promise<string>((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
    });
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("exit", (code) => reject(new Error(`lockChild exited (code ${code}) without output: ${err}`)));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { child, line, exited };
}

function startManager(dbPath: string, lockOwner: string): TaskManager {
  const manager = new TaskManager({ dbPath, lockOwner, onOutsideLog: () => {} });
  manager.task({ name: "echo" }, async (n: number) => n);
  return manager;
}

/** A pid that no process has: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}

describe("one writer per database", function () {
  this.timeout(60000);
  let dir: string;
  let dbPath: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-lock-"));
    dbPath = path.join(dir, "tasks.sqlite");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("refuses a second manager on the same file, naming the holder, and loses none of the first one's 200 tasks", async () => {
    const first = startManager(dbPath, "the first manager");
    await first.start();
    const second = startManager(dbPath, "the second manager");
    await assert.rejects(second.start(), (error: Error) => {
      assert.ok(error instanceof DatabaseLockedError);
      assert.equal(error.holder.pid, process.pid);
      assert.match(error.message, new RegExp(`in use by the first manager \\(process ${process.pid}, since `));
      assert.match(error.message, /only one process may write it/);
      return true;
    });
    await second.shutdown();
    const ids = await Promise.all(Array.from({ length: 200 }, (_, i) => first.addTask("echo", [i])));
    await Promise.all(ids.map((id) => first.waitFor(id)));
    await first.shutdown();
    assert.equal(existsSync(lockPathOf(dbPath)), false, "the lock is gone after shutdown");

    const reopened = startManager(dbPath, "the reopened manager");
    await reopened.start();
    try {
      assert.equal(reopened.countTasks({ status: "success" }), 200);
    } finally {
      await reopened.shutdown();
    }
  });

  it("refuses a second process while the first holds the database, and takes over once it was killed", async () => {
    const holder = runChild(dbPath, 100);
    const done = await holder.line;
    assert.match(done, /^DONE /);
    const childIds = done.slice("DONE ".length).split(" ");

    const refused = runChild(dbPath, 100);
    assert.match(await refused.line, new RegExp(`^LOCKED .*in use by the lock test's child \\(process ${holder.child.pid}, `));
    await refused.exited;
    const meanwhile = startManager(dbPath, "the parent");
    await assert.rejects(meanwhile.start(), DatabaseLockedError);
    await meanwhile.shutdown();

    holder.child.kill("SIGKILL");
    await holder.exited;
    const after = startManager(dbPath, "the parent");
    await after.start();
    try {
      const ids = await Promise.all(Array.from({ length: 100 }, (_, i) => after.addTask("echo", [i])));
      await Promise.all(ids.map((id) => after.waitFor(id)));
      assert.equal(after.countTasks({ status: "success" }), 200);
      assert.equal(after.getTask(childIds[0])?.status, "success");
      assert.equal(JSON.parse(readFileSync(lockPathOf(dbPath), "utf8")).pid, process.pid);
    } finally {
      await after.shutdown();
    }
  });

  it("takes over a lock left by a process that is gone", async () => {
    const stale = { pid: await deadPid(), hostname: hostname(), processStart: null, owner: "a crashed window", since: "2026-01-01T00:00:00.000Z", lockId: "stale" };
    writeFileSync(lockPathOf(dbPath), JSON.stringify(stale));
    const store = new SqlJsStore({ dbPath, lockOwner: "the taker" });
    await store.open();
    assert.equal(JSON.parse(readFileSync(lockPathOf(dbPath), "utf8")).owner, "the taker");
    await store.close();
  });

  it("takes over a lock whose pid now belongs to another process (Linux: the start time differs)", async function () {
    if (!existsSync(`/proc/${process.pid}/stat`)) this.skip();
    const reused = { pid: process.pid, hostname: hostname(), processStart: "1", owner: "a crashed window", since: "2026-01-01T00:00:00.000Z", lockId: "stale" };
    writeFileSync(lockPathOf(dbPath), JSON.stringify(reused));
    const store = new SqlJsStore({ dbPath, lockOwner: "the taker" });
    await store.open();
    try {
      const taken = JSON.parse(readFileSync(lockPathOf(dbPath), "utf8"));
      assert.equal(taken.owner, "the taker");
      assert.notEqual(taken.lockId, "stale");
      assert.notEqual(taken.processStart, "1", "the new lock records this process's real start time");
    } finally {
      await store.close();
    }
  });

  it("lets exactly one of several stores racing for a stale lock win", async () => {
    const stale = { pid: await deadPid(), hostname: hostname(), processStart: null, owner: "a crashed window", since: "2026-01-01T00:00:00.000Z", lockId: "stale" };
    writeFileSync(lockPathOf(dbPath), JSON.stringify(stale));
    const stores = Array.from({ length: 6 }, (_, i) => new SqlJsStore({ dbPath, lockOwner: `racer ${i}`, onWarning: () => {} }));
    const outcomes = await Promise.allSettled(stores.map((s) => s.open()));
    const won = outcomes.filter((o) => o.status === "fulfilled");
    assert.equal(won.length, 1, JSON.stringify(outcomes.map((o) => o.status === "rejected" ? String(o.reason) : "opened")));
    for (const o of outcomes) if (o.status === "rejected") assert.ok(o.reason instanceof DatabaseLockedError, String(o.reason));
    await stores[outcomes.findIndex((o) => o.status === "fulfilled")].close();
    assert.equal(existsSync(`${lockPathOf(dbPath)}.takeover`), false);
  });
});
