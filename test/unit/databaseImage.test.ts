import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { newTaskData } from "../../src/model";
import { SqlJsStore } from "../../src/store";
import { fileImage, MIN_ROOM_BYTES, readDatabaseFile } from "../../src/store/databaseImage";
import { checksumRange, isSealedIntact } from "../../src/store/imageSeal";
import { applyPragmas } from "../../src/store/schema";
import { loadSqlJs } from "../../src/store/sqlJsLoader";

describe("the database loaded with room to grow", function () {
  this.timeout(20000);
  let dir: string;
  let dbPath: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-room-"));
    dbPath = path.join(dir, "tasks.db");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function store(maxRecords?: number): Promise<SqlJsStore> {
    const s = new SqlJsStore({ dbPath, maxRecords, onWarning: (m) => assert.fail(m) });
    await s.open();
    return s;
  }
  const save = (s: SqlJsStore, from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      s.saveTask(newTaskData({ taskId: `t${i}`, funcName: "f", status: "success", createdAt: 1000 + i, error: "e".repeat(200) }));
      s.appendLogs(`t${i}`, [`line ${i}`]);
    }
  };
  const pagesInHeader = (bytes: Buffer): number => bytes.readUInt32BE(28) * bytes.readUInt16BE(16);

  it("grows into the room in memory, without sql.js copying the file, and writes only the database's pages, sealed", async () => {
    const first = await store();
    save(first, 0, 2000);
    await first.close();
    const written = readFileSync(dbPath);
    assert.equal(written.length, pagesInHeader(written), "the file is the pages the header counts");
    assert.ok(isSealedIntact(written));

    const read = (await readDatabaseFile(dbPath))!;
    assert.deepEqual(read.file, written);
    assert.ok(read.withRoom.length >= written.length * 1.125, `room of an eighth of the file, got ${read.withRoom.length} bytes for ${written.length}`);
    const SQL = await loadSqlJs();
    const db = new SQL.Database(read.withRoom);
    applyPragmas(db);
    db.run("CREATE TABLE filler (b BLOB)");
    db.run("INSERT INTO filler VALUES (randomblob(?))", [Math.floor(written.length / 16)]);
    const pages = Number(db.exec("PRAGMA page_count")[0].values[0][0]);
    assert.ok(pages * written.readUInt16BE(16) > written.length, "the database grew");
    assert.ok(read.withRoom.subarray(written.length).some((byte) => byte !== 0), "its new pages were written into the room of the buffer given: no copy of the file was made");
    const image = fileImage(db.export());
    db.close();
    assert.equal(image.length, pages * written.readUInt16BE(16));
    assert.ok(isSealedIntact(image));
  });

  it("reads a file of several parts whole, its checksum summed as it was read", async () => {
    const bytes = Buffer.alloc(9 * 1024 * 1024 + 123).map((_, i) => (i * 2654435761) >>> 24);
    writeFileSync(dbPath, bytes);
    const read = (await readDatabaseFile(dbPath))!;
    assert.ok(read.file.equals(bytes));
    assert.equal(read.checksum, checksumRange(bytes, 0, bytes.length));
    assert.ok(read.withRoom.subarray(bytes.length).every((byte) => byte === 0), "the room is zeroed");
    assert.equal(await readDatabaseFile(path.join(dir, "missing.db")), undefined);
  });

  it("opens a file it wrote with that room, and reads it back whole after more writes", async () => {
    const first = await store();
    save(first, 0, 500);
    await first.close();
    const second = await store();
    save(second, 500, 1500);
    await second.close();
    const rewritten = readFileSync(dbPath);
    assert.equal(rewritten.length, pagesInHeader(rewritten));
    assert.ok(isSealedIntact(rewritten));
    const third = await store();
    assert.equal(third.countTasks(), 1500);
    assert.deepEqual(third.getTask("t1499")?.logs, ["line 1499"]);
    await third.close();
  });

  /** Runs `work` counting the arrays of 1 MB or more made meanwhile: sql.js makes one each time it copies its file to grow it. */
  async function growthCopies(work: () => Promise<void>): Promise<number> {
    const original = globalThis.Uint8Array;
    let copies = 0;
    globalThis.Uint8Array = new Proxy(original, {
      construct(target, args: unknown[], newTarget) {
        if (typeof args[0] === "number" && args[0] >= 1024 * 1024) copies++;
        return Reflect.construct(target, args, newTarget) as object;
      },
    });
    try {
      await work();
    } finally {
      globalThis.Uint8Array = original;
    }
    return copies;
  }

  it("starts a new database with room: 4 MB of runs are written without sql.js copying the file to grow it", async () => {
    let s: SqlJsStore | undefined;
    const copies = await growthCopies(async () => {
      s = await store(20000);
      for (let from = 0; from < 12000; from += 2000) {
        save(s, from, from + 2000);
        await s.flush();
      }
    });
    assert.equal(s!.countTasks(), 12000);
    await s!.close();
    const written = readFileSync(dbPath);
    assert.ok(written.length > 4 * 1024 * 1024, `the runs take more than 4 MB, got ${written.length} bytes`);
    assert.equal(copies, 0, "no growth copy of the file");
    assert.equal(written.length, pagesInHeader(written), "the file is the pages the header counts, without the room");
    assert.ok(isSealedIntact(written));
    const again = await store(20000);
    assert.equal(again.countTasks(), 12000);
    assert.deepEqual(again.getTask("t11999")?.logs, ["line 11999"]);
    await again.close();
  });

  it("gives a small file at least MIN_ROOM_BYTES of room", async () => {
    const first = await store();
    save(first, 0, 10);
    await first.close();
    const read = (await readDatabaseFile(dbPath))!;
    assert.ok(read.file.length < 1024 * 1024, `a small file, got ${read.file.length} bytes`);
    assert.equal(read.withRoom.length, read.file.length + MIN_ROOM_BYTES);
    assert.ok(read.withRoom.subarray(read.file.length).every((byte) => byte === 0), "the room is zeroed");
  });
});
