import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { newTaskData } from "../../src/model";
import { SqlJsStore } from "../../src/store";
import { checksumRange, isSealedIntact, sealImage } from "../../src/store/imageSeal";

describe("the database file's seal", function () {
  this.timeout(20000);
  let dir: string;
  let dbPath: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-seal-"));
    dbPath = path.join(dir, "tasks.db");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function seeded(warnings: string[] = []): Promise<Buffer> {
    const store = new SqlJsStore({ dbPath, onWarning: (m) => warnings.push(m) });
    await store.open();
    for (let i = 0; i < 300; i++) {
      store.saveTask(newTaskData({ taskId: `t${i}`, funcName: "f", status: "success", createdAt: 1000 + i, error: "x".repeat(100) }));
      store.appendLogs(`t${i}`, [`line ${i}`]);
    }
    await store.close();
    return readFileSync(dbPath);
  }

  async function openWarnings(): Promise<string[]> {
    const warnings: string[] = [];
    const store = new SqlJsStore({ dbPath, onWarning: (m) => warnings.push(m) });
    await store.open();
    await store.close();
    return warnings;
  }

  it("holds for the image sealed and breaks at any byte changed or cut off", () => {
    const image = new Uint8Array(8192).map((_, i) => (i * 31) & 0xff);
    assert.equal(isSealedIntact(image), false, "an image never sealed");
    sealImage(image);
    assert.equal(isSealedIntact(image), true);
    for (const at of [0, 59, 64, 100, 4096, 8191]) {
      const changed = image.slice();
      changed[at] ^= 1;
      assert.equal(isSealedIntact(changed), false, `byte ${at} changed`);
    }
    assert.equal(isSealedIntact(image.subarray(0, 4096)), false, "cut off");
    assert.equal(isSealedIntact(sealImage(image.slice())), true, "sealing a sealed image again");
  });

  it("sums an image read in parts to the same checksum, wherever the parts split around the seal", () => {
    const image = sealImage(new Uint8Array(300).map((_, i) => (i * 131 + 7) & 0xff));
    const whole = checksumRange(image, 0, image.length);
    for (const cuts of [[1], [59], [60], [61], [63], [64], [65], [30, 62], [60, 64], [61, 62, 63, 200]]) {
      let crc = 0;
      let from = 0;
      for (const to of [...cuts, image.length]) {
        crc = checksumRange(image, from, to, crc);
        from = to;
      }
      assert.equal(crc, whole, `cut at ${cuts.join(", ")}`);
    }
    assert.equal(isSealedIntact(image, whole), true);
    assert.equal(isSealedIntact(image, whole ^ 1), false);
  });

  it("is on the file a store writes at close", async () => {
    assert.equal(isSealedIntact(await seeded()), true);
  });

  it("lets open skip the page-by-page check: damage under a matching seal goes unseen, without it the file is salvaged", async () => {
    const bytes = await seeded();
    const pageSize = bytes.readUInt16BE(16);
    // A page of log lines: open does not read it, quick_check does.
    const logPage = Math.floor(bytes.indexOf("line 150") / pageSize);
    assert.ok(logPage > 0);
    bytes.fill(0, logPage * pageSize, (logPage + 1) * pageSize);

    writeFileSync(dbPath, sealImage(Buffer.from(bytes)));
    assert.deepEqual(await openWarnings(), [], "a sealed file is trusted as it is");

    writeFileSync(dbPath, bytes);
    const warnings = await openWarnings();
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], /is damaged/);
    assert.equal(isSealedIntact(readFileSync(dbPath)), true, "the salvaged file written is sealed");
  });
});
