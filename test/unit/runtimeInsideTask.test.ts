import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ProgressEvent } from "../../src";
import { lineOf, startHost, Workspace } from "../fixtures/modules/harness";
import { useRuntimeDist } from "./helpers/runtimeDist";

const MODULE = readFileSync(path.join(__dirname, "../fixtures/modules/insideTask.tasks.ts"), "utf8");

// Real TaskManager, real esbuild compile, real worker threads: the "taskflow" module's enqueue,
// reportProgress and NonRetryableError reach the engine like their in-process counterparts.
describe("runtime: enqueue, reportProgress and NonRetryableError in task modules", function () {
  // A cap, not a wait: each test spawns real workers, slow when the shared machine is busy.
  this.timeout(30000);
  let distDir: string;
  let workspace: Workspace | undefined;
  let env: Awaited<ReturnType<typeof startHost>> | undefined;

  useRuntimeDist((dir) => (distDir = dir));
  afterEach(async () => {
    await env?.close();
    workspace?.dispose();
    env = undefined;
    workspace = undefined;
  });

  async function load(options: Parameters<typeof startHost>[2] = {}) {
    workspace = new Workspace({ "inside.tasks.ts": MODULE });
    env = await startHost(workspace, distDir, options);
    await env.host.setFiles([workspace.file("inside.tasks.ts")]);
    assert.deepEqual(env.host.diagnostics().filter((d) => d.severity === "error"), []);
    return env;
  }

  for (const isolation of ["warm", "fresh"] as const) {
    it(`enqueues children with parentId and reports progress from a ${isolation} worker, the result stored`, async () => {
      const { manager } = await load({ isolation });
      const progress: ProgressEvent[] = [];
      manager.onProgress((e) => progress.push(e));
      const parentId = await manager.addTask("parent", [21], { tags: { team: "qa" } });
      const parent = await manager.waitFor(parentId);
      assert.equal(parent.status, "success", parent.error ?? "");
      const { byHandle, byConfigName, byName } = parent.result as Record<string, string>;
      assert.deepEqual(parent.progress, { fraction: 1, message: "done" });
      assert.deepEqual(progress, [
        { taskId: parentId, funcName: "parent", fraction: 0.25, message: "starting", tags: { team: "qa" } },
        { taskId: parentId, funcName: "parent", fraction: 1, message: "done", tags: { team: "qa" } },
      ]);
      const children = await Promise.all([byHandle, byConfigName, byName].map((id) => manager.waitFor(id)));
      assert.deepEqual(children.map((c) => [c.funcName, c.parentId, c.status, c.result]), [
        ["child", parentId, "success", 42],
        ["renamedChild", parentId, "success", "renamed"],
        ["child", parentId, "success", 1],
      ]);
      assert.deepEqual(children[0].tags, { via: "handle" });
      assert.deepEqual(manager.listTasks({ parentId }).map((r) => r.taskId).sort(), [byHandle, byConfigName, byName].sort());
    });
  }

  it("gives clear errors for an unknown task, bad progress, bad arguments and a handle the module does not export", async () => {
    const { manager } = await load();
    const record = await manager.waitFor(await manager.addTask("misuses"));
    assert.equal(record.status, "success", record.error ?? "");
    const [unknown, progress, clone, hidden, notArray] = record.result as string[];
    assert.match(unknown, /^UnknownFunctionError: Task "misuses" \([0-9a-f-]{36}\) could not enqueue a child: Unknown task "noSuchTask": registered tasks are child, misuses, parent, renamedChild, strict, unknownChild/);
    assert.equal(progress, "RangeError: reportProgress() fraction must be a number from 0 to 1, got the number 1.5");
    assert.match(clone, /^TypeError: enqueue\("child"\) arguments and options must be JSON-serialisable: /);
    assert.equal(hidden, "TypeError: enqueue() needs a task handle this module exports, or a task name; got a task handle it does not export: pass the task's name as a string");
    assert.match(notArray, /^ValidationError: Arguments must be a JSON array, got the string "oops"/);
    assert.deepEqual(manager.listTasks({ parentId: record.taskId }), []);
  });

  it("fails the parent with an enqueue error whose stack points at the enqueue line", async () => {
    const { manager } = await load();
    const record = await manager.waitFor(await manager.addTask("unknownChild"));
    assert.equal(record.status, "failed");
    assert.match(record.error ?? "", /^UnknownFunctionError: Task "unknownChild" .* Unknown task "noSuchTask"/);
    const line = lineOf(MODULE, "unknownChild's enqueue line");
    assert.match(record.stacktrace ?? "", new RegExp(`inside\\.tasks\\.ts:${line}:`));
  });

  it("fails a task with retries: 3 after one attempt on NonRetryableError, with the worker's stack", async () => {
    const { manager } = await load();
    const record = await manager.waitFor(await manager.addTask("strict"));
    assert.equal(record.status, "failed");
    assert.equal(record.retriesUsed, 0);
    assert.equal(record.logs.length, 1);
    assert.match(record.logs[0], / attempt 0$/);
    assert.equal(record.error, "NonRetryableError: bad input");
    const line = lineOf(MODULE, "strict's throw line");
    assert.match(record.stacktrace ?? "", new RegExp(`^NonRetryableError: bad input\\n[\\s\\S]*inside\\.tasks\\.ts:${line}:`));
  });
});
