import * as assert from "node:assert/strict";
import { mkdtempSync, promises as fsp, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SqlJsStore } from "../../src/store";
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
