import * as assert from "node:assert/strict";
import { closeSync, copyFileSync, mkdtempSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { TaskManager, taskLog } from "../../src";
import { newTaskData, type Timers } from "../../src/model";
import { SqlJsStore, StoreWriteError } from "../../src/store";
import { mountTmpfs, type TmpfsMount } from "./helpers/tmpfsMount";

/** Fill-refuse-free cycles of the engine test; TASKFLOW_DISK_FULL_ROUNDS=50 for the full-size run. */
const FULL_ROUNDS = Number(process.env.TASKFLOW_DISK_FULL_ROUNDS ?? 1);

/** Fills the file system holding `file` until a write fails with ENOSPC; returns the bytes written. */
function fillUp(file: string): number {
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(16 * 1024, 1);
  let total = 0;
  try {
    for (;;) total += writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
  return total;
}

/** Calls addTask every few ms until it rejects; returns the ids it acknowledged first and the error. */
async function addUntilRefused(manager: TaskManager, acknowledged: string[]): Promise<Error> {
  for (let i = 0; i < 400; i++) {
    try {
      acknowledged.push(await manager.addTask("work", [`during ${i}`]));
    } catch (err) {
      return err as Error;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail("addTask never refused while the disk was full");
}

describe("a full disk under the local engine", function () {
  this.timeout(20000);
  let base: string;
  let mount: TmpfsMount | undefined;
  const managers: TaskManager[] = [];

  beforeEach(function () {
    base = mkdtempSync(path.join(tmpdir(), "taskflow-diskfull-"));
    // Room for the journal of every round besides the filler.
    const mounted = mountTmpfs(path.join(base, "mnt"), (2048 + 256 * FULL_ROUNDS) * 1024);
    if (typeof mounted === "string") {
      console.log(`      skipped: ${mounted}`);
      this.skip();
    }
    mount = mounted;
  });

  afterEach(async () => {
    // Space first: a manager cannot shut down while its last changes cannot be written.
    if (mount) rmSync(path.join(mount.dir, "filler"), { force: true });
    for (const m of managers.splice(0)) await m.shutdown().catch(() => undefined);
    mount?.unmount();
    mount = undefined;
    rmSync(base, { recursive: true, force: true });
  });

  function open(dbPath: string, warnings: string[]): TaskManager {
    const manager = new TaskManager({ dbPath, onOutsideLog: (message) => warnings.push(message) });
    manager.task({ name: "work" }, async (label: string) => {
      taskLog(`working on ${label}`);
      return label;
    });
    managers.push(manager);
    return manager;
  }

  it("refuses adds saying the disk is full, keeps what it acknowledged, and accepts adds again once space returns", async () => {
    const dbPath = path.join(mount!.dir, "tasks.db");
    const warnings: string[] = [];
    const manager = open(dbPath, warnings);
    await manager.start();
    const acknowledged: string[] = [];
    const filler = path.join(mount!.dir, "filler");
    for (let round = 0; round < FULL_ROUNDS; round++) {
      for (let i = 0; i < 20; i++) acknowledged.push(await manager.addTask("work", [`before ${round}.${i}`]));
      assert.ok(fillUp(filler) > 0);
      const refusal = await addUntilRefused(manager, acknowledged);
      assert.ok(refusal instanceof StoreWriteError, `expected a StoreWriteError, got ${refusal.name}: ${refusal.message}`);
      assert.equal(refusal.code, "ENOSPC");
      assert.match(refusal.message, /cannot accept new tasks .*the disk holding .*mnt is full \(ENOSPC\): free some space on it/);
      assert.match(warnings.join("\n"), /Could not write the task journal .*ENOSPC.*new tasks are refused meanwhile/);

      const stored = manager.metrics().total;
      await assert.rejects(manager.addTask("work", ["refused"]), StoreWriteError);
      await assert.rejects(manager.addTasks("work", [{ args: ["bulk refused"] }]), StoreWriteError);
      assert.equal(manager.metrics().total, stored, "a refused add stores nothing");
      for (const id of acknowledged) assert.ok(manager.getTask(id), `acknowledged ${id} is still known`);

      rmSync(filler);
      let after: string | undefined;
      for (let i = 0; i < 200 && after === undefined; i++) {
        after = await manager.addTask("work", [`after ${round}`]).catch(() => undefined);
        if (after === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(after, "an add succeeds again once space returned, without a restart");
      acknowledged.push(after);
      assert.equal(warnings.filter((w) => /can be written again \(it failed with ENOSPC\)/.test(w)).length, round + 1);
    }
    for (const id of acknowledged) await manager.waitFor(id);
    await manager.shutdown();

    const reopened = open(dbPath, []);
    await reopened.start();
    const missing = acknowledged.filter((id) => reopened.getTask(id)?.status !== "success");
    assert.deepEqual(missing, [], `every acknowledged task (${acknowledged.length} in ${FULL_ROUNDS} round(s)) is on disk, finished`);
    if (FULL_ROUNDS > 1) console.log(`      ${FULL_ROUNDS} rounds: ${acknowledged.length} acknowledged adds, ${missing.length} lost`);
  });
});

/** Timers the test fires by hand, so every journal write happens when the test says. */
class HeldTimers implements Timers {
  setTimeout(): unknown {
    return undefined;
  }
  clearTimeout(): void {}
}

describe("a storage folder made read-only under an open SqlJsStore", function () {
  this.timeout(20000);
  let base: string;
  let mount: TmpfsMount | undefined;
  let store: SqlJsStore | undefined;

  beforeEach(function () {
    base = mkdtempSync(path.join(tmpdir(), "taskflow-readonly-"));
    const mounted = mountTmpfs(path.join(base, "mnt"), 8 * 1024 * 1024);
    if (typeof mounted === "string") {
      console.log(`      skipped: ${mounted}`);
      this.skip();
    }
    mount = mounted;
  });

  afterEach(async () => {
    try {
      mount?.remount("rw");
    } catch {
      // Already writable.
    }
    await store?.close().catch(() => undefined);
    store = undefined;
    mount?.unmount();
    mount = undefined;
    rmSync(base, { recursive: true, force: true });
  });

  it("refuses to start on a read-only folder, saying so and what to do", async () => {
    const dbPath = path.join(mount!.dir, "tasks.db");
    mount!.remount("ro");
    const manager = new TaskManager({ dbPath, onOutsideLog: () => undefined });
    await assert.rejects(manager.start(), (err: Error & { code?: string }) => {
      assert.equal(err.code, "EROFS");
      assert.match(err.message, /Could not open the task database .*tasks\.db: the folder .*mnt is read-only \(EROFS\): make it writable again, or use a database in another folder/);
      return true;
    });
    await manager.shutdown().catch(() => undefined);
  });

  it("refuses writes saying the folder is read-only and what to do, then writes what it kept once the folder is writable", async () => {
    const dbPath = path.join(mount!.dir, "tasks.db");
    const warnings: string[] = [];
    store = new SqlJsStore({ dbPath, timers: new HeldTimers(), journalFoldBytes: 4096, onWarning: (m) => warnings.push(m) });
    await store.open();
    const saved: string[] = [];
    for (let i = 0; i < 40; i++) {
      saved.push(`before${i}`);
      store.saveTask(newTaskData({ taskId: `before${i}`, funcName: "work", status: "pending", args: ["x".repeat(100)], createdAt: i }));
    }
    // The journal passes journalFoldBytes: it is rotated and folded, and no file stays open for
    // writing, which Linux requires before it remounts a file system read-only.
    await store.flush();
    await (store as unknown as { journal: { folding?: Promise<void> } }).journal.folding;
    mount!.remount("ro");

    saved.push("during");
    store.saveTask(newTaskData({ taskId: "during", funcName: "work", status: "pending", args: [], createdAt: 100 }));
    await assert.rejects(store.flush(), /EROFS/);
    assert.throws(() => store!.assertWritable(), (err: Error) => {
      assert.ok(err instanceof StoreWriteError, `expected a StoreWriteError, got ${err.name}`);
      assert.equal(err.code, "EROFS");
      assert.match(err.message, /the folder .*mnt is read-only \(EROFS\): make it writable again/);
      return true;
    });
    assert.match(warnings.join("\n"), /Could not write the task journal .*EROFS.*make the folder writable if it is read-only/);
    await assert.rejects(store.flush(), /EROFS/, "still failing while the folder is read-only");
    assert.equal(warnings.filter((w) => w.startsWith("Could not write")).length, 1, "warned once per outage");

    mount!.remount("rw");
    await store.flush();
    store.assertWritable();
    assert.match(warnings.join("\n"), /can be written again \(it failed with EROFS\)/);
    // As after a crash: the lock let go, a second store reads only what is on disk.
    await (store as unknown as { lock?: { release(): Promise<void> } }).lock?.release();
    const reader = new SqlJsStore({ dbPath: path.join(mount!.dir, "copy.db"), onWarning: () => undefined });
    for (const name of readdirSync(mount!.dir).filter((n) => n.startsWith("tasks.db") && !n.endsWith(".lock"))) {
      copyFileSync(path.join(mount!.dir, name), path.join(mount!.dir, name.replace("tasks.db", "copy.db")));
    }
    await reader.open();
    const missing = saved.filter((id) => reader.getTask(id) === undefined);
    await reader.close();
    assert.deepEqual(missing, [], "every change made before and during the outage is on disk");
  });
});
