import * as assert from "node:assert/strict";
import { rmSync } from "node:fs";
import * as esbuild from "esbuild";
import { TaskManager } from "../../src";
import { WorkspaceRuntime } from "../../src/runtime/index";
import { Workspace } from "../fixtures/modules/harness";
import { useRuntimeDist } from "./helpers/runtimeDist";

const moduleWith = (schedule: string) => `import { task } from "taskflow";
export const report = task(${schedule}, async () => "done");
`;

describe("runtime: schedules declared in task modules", function () {
  // A cap, not a wait: real compiles, slow when the shared machine is busy.
  this.timeout(30000);
  let distDir: string;
  let workspace: Workspace | undefined;
  let manager: TaskManager | undefined;
  let runtime: WorkspaceRuntime | undefined;

  useRuntimeDist((dir) => (distDir = dir));
  afterEach(async () => {
    await manager?.shutdown();
    await runtime?.dispose();
    workspace?.dispose();
  });

  it("creates the task's schedule when the module registers, updates it when it changes and removes it when it is gone", async () => {
    workspace = new Workspace({ "r.tasks.ts": moduleWith("{ schedule: { every: 3600 } }") });
    manager = new TaskManager({ onOutsideLog: () => undefined });
    await manager.start();
    runtime = new WorkspaceRuntime({ manager, root: workspace.root, distDir, esbuild });
    await runtime.ready();
    const [created] = manager.listSchedules();
    assert.deepEqual([created.funcName, created.every, created.source], ["report", 3600, "module"]);

    workspace.write({ "r.tasks.ts": moduleWith("{ schedule: { cron: \"0 9 * * 1-5\", timezone: \"Europe/Berlin\" } }") });
    await runtime.reload(workspace.file("r.tasks.ts"));
    const schedules = manager.listSchedules();
    assert.equal(schedules.length, 1);
    assert.deepEqual([schedules[0].scheduleId, schedules[0].every, schedules[0].cron, schedules[0].timezone], [created.scheduleId, null, "0 9 * * 1-5", "Europe/Berlin"]);

    workspace.write({ "r.tasks.ts": moduleWith("{ retries: 1 }") });
    await runtime.reload(workspace.file("r.tasks.ts"));
    assert.deepEqual(manager.listSchedules(), []);
  });

  it("removes a module's schedule when the module file is deleted, and keeps it while the module does not compile", async () => {
    workspace = new Workspace({
      "r.tasks.ts": moduleWith("{ schedule: { every: 3600 } }"),
      "other.tasks.ts": `import { task } from "taskflow";\nexport const nightly = task({ schedule: { cron: "0 3 * * *" } }, async () => "ok");\n`,
    });
    manager = new TaskManager({ onOutsideLog: () => undefined });
    await manager.start();
    runtime = new WorkspaceRuntime({ manager, root: workspace.root, distDir, esbuild });
    await runtime.ready();
    assert.deepEqual(manager.listSchedules().map((s) => s.funcName).sort(), ["nightly", "report"]);
    const reportId = manager.listSchedules().find((s) => s.funcName === "report")!.scheduleId;

    workspace.write({ "r.tasks.ts": "export const report = task(;" });
    await runtime.reload(workspace.file("r.tasks.ts"));
    assert.deepEqual(manager.listSchedules().map((s) => s.scheduleId).includes(reportId), true, "a syntax error mid-edit keeps the schedule");

    rmSync(workspace.file("r.tasks.ts"));
    await runtime.reload(workspace.file("r.tasks.ts"));
    assert.deepEqual(manager.listSchedules().map((s) => s.funcName), ["nightly"]);
  });

  it("removes a task's schedule when the task is deleted from its module, and keeps the schedules at dispose", async () => {
    workspace = new Workspace({
      "r.tasks.ts": moduleWith("{ schedule: { every: 3600 } }") + `export const weekly = task({ schedule: { every: 604800 } }, async () => "w");\n`,
    });
    manager = new TaskManager({ onOutsideLog: () => undefined });
    await manager.start();
    runtime = new WorkspaceRuntime({ manager, root: workspace.root, distDir, esbuild });
    await runtime.ready();
    assert.deepEqual(manager.listSchedules().map((s) => s.funcName), ["report", "weekly"]);

    workspace.write({ "r.tasks.ts": moduleWith("{ schedule: { every: 3600 } }") });
    await runtime.reload(workspace.file("r.tasks.ts"));
    assert.deepEqual(manager.listSchedules().map((s) => s.funcName), ["report"]);

    await runtime.dispose();
    runtime = undefined;
    assert.deepEqual(manager.listSchedules().map((s) => s.funcName), ["report"], "a window closing is not the task leaving the workspace");
  });

  it("reports a cron expression that does not parse as a diagnostic quoting it", async () => {
    workspace = new Workspace({ "r.tasks.ts": moduleWith("{ schedule: { cron: \"0 25 * * *\" } }") });
    manager = new TaskManager({ onOutsideLog: () => undefined });
    await manager.start();
    runtime = new WorkspaceRuntime({ manager, root: workspace.root, distDir, esbuild });
    await runtime.ready();
    assert.deepEqual(manager.listSchedules(), []);
    const messages = runtime.diagnostics().map((d) => d.message).join("\n");
    assert.match(messages, /Schedule cron "0 25 \* \* \*" does not parse/);
  });
});
