import * as assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { TaskManager, taskLog } from "../../src";
import { makeEngine, shutdownEngines } from "./helpers/engineHarness";

describe("engine: log file with rotation", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-logfile-"));
  });
  afterEach(async () => {
    await shutdownEngines();
    rmSync(dir, { recursive: true, force: true });
  });
  const lines = (file: string) => readFileSync(file, "utf8").split("\n").filter((l) => l !== "");

  it("appends every task log line and every status change as one line, written by flush()", async () => {
    const file = path.join(dir, "logs", "taskflow.log");
    const { manager } = makeEngine({ logFile: { path: file } });
    manager.task({ name: "greet" }, async (name: string) => {
      taskLog(`hello\n${name}`, { level: "warning" });
      return name;
    });
    manager.task({ name: "boom" }, async () => {
      throw new Error("it broke");
    });
    await manager.start();
    const ok = await manager.addTask("greet", ["ada"]);
    const bad = await manager.addTask("boom");
    await manager.waitFor(ok);
    await manager.waitFor(bad);
    await manager.flush();
    const written = lines(file);
    const iso = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";
    assert.deepEqual(written.filter((l) => l.includes(ok)).map((l) => l.replace(new RegExp(`^${iso} `), "")), [
      `PENDING ${ok} greet attempt 1`,
      `RUNNING ${ok} greet attempt 1`,
      `WARNING ${ok} greet hello\\nada`,
      `SUCCESS ${ok} greet attempt 1 0s`,
    ]);
    assert.match(written.find((l) => l.includes(`FAILED ${bad}`))!, new RegExp(`^${iso} FAILED ${bad} boom attempt 1 0s error: Error: it broke$`));
  });

  it("rotates to path.1 ... path.keep when maxBytes would be exceeded, dropping the oldest", async () => {
    const file = path.join(dir, "taskflow.log");
    const { manager } = makeEngine({ logFile: { path: file, maxBytes: 1024, keep: 2 } });
    manager.task({ name: "chatty" }, async () => {
      for (let i = 0; i < 100; i++) taskLog(`line ${String(i).padStart(3, "0")} ${"x".repeat(40)}`);
    });
    await manager.start();
    await manager.waitFor(await manager.addTask("chatty"));
    await manager.shutdown();
    assert.ok(existsSync(`${file}.1`) && existsSync(`${file}.2`), "two rotated files are kept");
    assert.ok(!existsSync(`${file}.3`), "keep is honoured");
    for (const f of [file, `${file}.1`, `${file}.2`]) assert.ok(statSync(f).size <= 1024, `${f} is ${statSync(f).size} bytes`);
    const numbers = [`${file}.2`, `${file}.1`, file].flatMap(lines).map((l) => /line (\d{3})/.exec(l)?.[1]).filter((n) => n !== undefined).map(Number);
    assert.ok(numbers[0] > 0, "the oldest lines were dropped");
    assert.deepEqual(numbers, Array.from({ length: 100 - numbers[0] }, (_, i) => numbers[0] + i), "oldest file first, the lines run on without a gap");
    assert.match(lines(file).at(-1)!, /SUCCESS .* chatty attempt 1/);
  });

  it("refuses bad logFile options at construction, saying what was expected and what was got", () => {
    assert.throws(() => new TaskManager({ logFile: { path: "" } }), /logFile\.path must be the path of the log file, got "": give a file path, or leave logFile out/);
    assert.throws(() => new TaskManager({ logFile: { path: "a.log", maxBytes: 10 } }), /logFile\.maxBytes must be a whole number of bytes >= 1024, got 10/);
    assert.throws(() => new TaskManager({ logFile: { path: "a.log", keep: -1 } }), /logFile\.keep must be a whole number of rotated files from 0 to 100, got -1/);
  });
});
