import * as assert from "node:assert/strict";
import { rmSync } from "node:fs";
import * as esbuild from "esbuild";
import { TaskManager } from "../../src";
import { SharedTaskNames, type FolderRef } from "../../src/extension/modules/sharedTaskNames";
import { WorkspaceRuntime } from "../../src/runtime/index";
import { Workspace } from "../fixtures/modules/harness";
import { useRuntimeDist } from "./helpers/runtimeDist";

const SEND = (result: string) => `import { task } from "taskflow";
export const sendEmail = task(async () => "${result}");
`;

describe("extension: SharedTaskNames (task names unique across workspace folders)", function () {
  // A cap, not a wait: real compiles and worker threads, slow when the shared machine is busy.
  this.timeout(30000);
  let distDir: string;
  let manager: TaskManager;
  const runtimes: WorkspaceRuntime[] = [];
  const workspaces: Workspace[] = [];

  useRuntimeDist((dir) => (distDir = dir));
  beforeEach(async () => {
    manager = new TaskManager({ onOutsideLog: () => undefined });
    await manager.start();
  });
  afterEach(async () => {
    await manager.shutdown();
    await Promise.all(runtimes.splice(0).map((r) => r.dispose()));
    workspaces.splice(0).forEach((w) => w.dispose());
  });

  async function folder(names: SharedTaskNames, name: string, files: Record<string, string>): Promise<{ ref: FolderRef; runtime: WorkspaceRuntime; workspace: Workspace }> {
    const workspace = new Workspace(files);
    workspaces.push(workspace);
    const ref: FolderRef = { name, root: workspace.root };
    const registrar = names.forFolder(ref, (file) => void runtime.reload(file));
    const runtime: WorkspaceRuntime = new WorkspaceRuntime({ manager: registrar, root: workspace.root, distDir, esbuild, cacheDir: workspace.cacheDir });
    runtimes.push(runtime);
    await runtime.ready();
    return { ref, runtime, workspace };
  }

  function changeUntil(runtime: WorkspaceRuntime, predicate: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const subscription = runtime.onDidChange(() => {
        if (!predicate()) return;
        subscription.dispose();
        resolve();
      });
    });
  }

  it("keeps a name for the folder that registered it first and reports the clash on the other folder's module, naming the first file", async () => {
    const names = new SharedTaskNames(manager);
    const a = await folder(names, "app", { "mail/email.tasks.ts": SEND("from app") });
    const b = await folder(names, "lib", { "send.tasks.ts": SEND("from lib") });
    assert.deepEqual(a.runtime.tasks().map((t) => t.name), ["sendEmail"]);
    assert.deepEqual(b.runtime.tasks(), []);
    const [problem] = b.runtime.diagnostics();
    assert.equal(problem.file, b.workspace.file("send.tasks.ts"));
    assert.equal(problem.line, 2);
    assert.match(problem.message, /"sendEmail" could not be registered: the name is already declared in mail[/\\]email\.tasks\.ts \(line 2\) of workspace folder "app"/);
    assert.equal(names.holder("sendEmail")?.file, a.workspace.file("mail/email.tasks.ts"));
    assert.equal((await manager.waitFor(await manager.addTask("sendEmail"))).result, "from app");
  });

  it("gives the name to the refused folder once the first folder's module goes", async () => {
    const names = new SharedTaskNames(manager);
    const a = await folder(names, "app", { "email.tasks.ts": SEND("from app") });
    const b = await folder(names, "lib", { "send.tasks.ts": SEND("from lib") });
    const taken = changeUntil(b.runtime, () => b.runtime.tasks().length === 1);
    rmSync(a.workspace.file("email.tasks.ts"));
    await a.runtime.reload(a.workspace.file("email.tasks.ts"));
    await taken;
    assert.deepEqual(b.runtime.diagnostics(), []);
    assert.equal(names.holder("sendEmail")?.folder, b.ref);
    assert.equal((await manager.waitFor(await manager.addTask("sendEmail"))).result, "from lib");
  });

  it("lets the holder reload its module without handing the name over", async () => {
    const names = new SharedTaskNames(manager);
    const a = await folder(names, "app", { "email.tasks.ts": SEND("from app") });
    const b = await folder(names, "lib", { "send.tasks.ts": SEND("from lib") });
    a.workspace.write({ "email.tasks.ts": SEND("from app, edited") });
    await a.runtime.reload(a.workspace.file("email.tasks.ts"));
    // The refused module is offered the name only if it is still free after the reload: give that a turn.
    await new Promise((resolve) => setImmediate(resolve));
    await b.runtime.host.settled();
    assert.equal(names.holder("sendEmail")?.folder, a.ref);
    assert.deepEqual(b.runtime.tasks(), []);
    assert.equal((await manager.waitFor(await manager.addTask("sendEmail"))).result, "from app, edited");
  });
});
