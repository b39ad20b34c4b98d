import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { TaskManager } from "../../src";
import { killHard, startUntilReady } from "./helpers/readyChild";

describe("crash recovery", function () {
  this.timeout(30000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "taskflow-crash-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("brings back a run killed with SIGKILL as interrupted, with its tags and logs", async () => {
    const dbPath = path.join(dir, "tasks.sqlite");
    const { child, ready: taskId } = await startUntilReady("test/fixtures/crashChild.ts", [dbPath]);
    await killHard(child);

    const outside: string[] = [];
    const manager = new TaskManager({ dbPath, onOutsideLog: (m) => outside.push(m) });
    await manager.start();
    try {
      const record = manager.getTask(taskId);
      assert.equal(record?.status, "interrupted", `outside log: ${outside.join("\n")}`);
      assert.deepEqual(record?.tags, { run: "crash-test" });
      assert.deepEqual(record?.args, [1]);
      assert.equal(record?.logs.length, 1);
      assert.match(record?.logs[0] ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d working on it$/);
      assert.match(record?.error ?? "", /process running this task exited/);
      assert.ok(record?.endTime);
      assert.deepEqual(manager.listTasks({ tag: "run=crash-test" }).map((r) => r.taskId), [taskId]);
    } finally {
      await manager.shutdown();
    }
  });
});
