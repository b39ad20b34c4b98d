import * as assert from "node:assert/strict";
import { mkdtempSync, promises as fsp, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SqlJsStore } from "../../src/store";
import { JournalApplier } from "../../src/store/journalOps";
import { sampleTask } from "./helpers/sampleTask";

const FLUSH_MS = 20;

async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A disk that answers a datasync late cannot be had on demand, so the FileHandle's datasync is held
 * back here: the writes themselves go to a real file.
 */
describe("SqlJsStore journal writes beside a slow datasync", () => {
  let dir: string;
  let release: (() => void) | undefined;
  let originalDatasync: () => Promise<void>;
  let proto: { datasync: () => Promise<void> };
  let heldSyncs = 0;

  before(async () => {
    const probe = await fsp.open(__filename, "r");
    proto = Object.getPrototypeOf(probe) as typeof proto;
    await probe.close();
    originalDatasync = proto.datasync;
  });
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "taskflow-journal-"))));
  afterEach(() => {
    proto.datasync = originalDatasync;
    release?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes later changes to the journal file while an earlier datasync is still under way, so a kill loses none of them", async () => {
    const dbPath = path.join(dir, "tasks.db");
    const store = new SqlJsStore({ dbPath, flushIntervalMs: FLUSH_MS, onWarning: () => undefined });
    await store.open();
    const gate = new Promise<void>((resolve) => (release = resolve));
    proto.datasync = async function (this: unknown) {
      heldSyncs += 1;
      await gate;
      return originalDatasync.call(this);
    };
    const journal = () => readFileSync(`${dbPath}.journal`, "utf8");

    store.saveTask(sampleTask({ taskId: "first" }));
    await until(() => journal().includes('"first"') && heldSyncs > 0, "the first change is written and its datasync held");
    store.saveTask(sampleTask({ taskId: "second" }));
    await until(() => journal().includes('"second"'), "the second change is written while the first datasync waits");

    let flushed = false;
    const flushing = store.flush().then(() => (flushed = true));
    await new Promise((resolve) => setTimeout(resolve, FLUSH_MS * 3));
    assert.equal(flushed, false, "flush() resolves only once a datasync covers what it wrote");
    release!();
    await flushing;
    proto.datasync = originalDatasync;
    await store.close();
  });
});

describe("SqlJsStore rows of tasks waiting across flush windows", () => {
  let dir: string;
  const originalSave = JournalApplier.prototype.save;
  let rowWrites: string[] = [];

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-journal-"));
    rowWrites = [];
    JournalApplier.prototype.save = function (this: JournalApplier, ...args: Parameters<JournalApplier["save"]>) {
      rowWrites.push(String(args[0].taskId));
      return originalSave.apply(this, args);
    };
  });
  afterEach(() => {
    JournalApplier.prototype.save = originalSave;
    rmSync(dir, { recursive: true, force: true });
  });

  const linesOf = (dbPath: string, taskId: string): string[] =>
    readFileSync(`${dbPath}.journal`, "utf8").split("\n").filter((line) => line.includes(`"${taskId}"`));

  it("journals a waiting task's row at the flush timer and writes it to the database once, when it has finished", async () => {
    const dbPath = path.join(dir, "tasks.db");
    const store = new SqlJsStore({ dbPath, flushIntervalMs: FLUSH_MS, onWarning: () => undefined });
    await store.open();
    const waiting = sampleTask({ taskId: "waiting", status: "pending", startTime: null, endTime: null, error: null, stacktrace: null, result: null, logs: [] });
    store.saveTask(waiting);
    await until(() => linesOf(dbPath, "waiting").length === 1, "the pending row is journalled");
    // More flush windows pass: the row is not journalled again, nor written to the database.
    store.saveTask(sampleTask({ taskId: "other", logs: [] }));
    await until(() => linesOf(dbPath, "other").length === 1, "a later change is journalled");
    assert.deepEqual(rowWrites, ["other"]);
    assert.equal(linesOf(dbPath, "waiting").length, 1);
    assert.equal(store.getTask("waiting")?.status, "pending", "getTask reads the buffered row");

    store.saveTask({ ...waiting, status: "success", startTime: waiting.createdAt + 1, endTime: waiting.createdAt + 2, result: 1 });
    await until(() => linesOf(dbPath, "waiting").length === 2, "the finished row is journalled");
    assert.deepEqual(rowWrites, ["other", "waiting"], "one row write for the waiting task, of its final state");
    await store.close();

    const reopened = new SqlJsStore({ dbPath, flushIntervalMs: FLUSH_MS, onWarning: () => undefined });
    await reopened.open();
    assert.equal(reopened.getTask("waiting")?.status, "success");
    await reopened.close();
  });

  it("writes a journalled waiting row to the database for an SQL read, without journalling it again", async () => {
    const dbPath = path.join(dir, "tasks.db");
    const store = new SqlJsStore({ dbPath, flushIntervalMs: FLUSH_MS, onWarning: () => undefined });
    await store.open();
    store.saveTask(sampleTask({ taskId: "waiting", status: "pending", startTime: null, endTime: null, error: null, stacktrace: null, result: null, logs: [] }));
    await until(() => linesOf(dbPath, "waiting").length === 1, "the pending row is journalled");
    assert.deepEqual(rowWrites, []);
    assert.deepEqual(store.listTasks({ status: "pending" }).map((task) => task.taskId), ["waiting"]);
    assert.deepEqual(rowWrites, ["waiting"]);
    await store.flush();
    assert.equal(linesOf(dbPath, "waiting").length, 1);
    await store.close();
  });
});
