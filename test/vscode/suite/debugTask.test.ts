import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import type { TaskflowApi } from "../../../src/extension/extension";
import { activateTaskflow, assertRejects, waitUntil } from "./taskflowApi";

const MODULE = "debugging.tasks.ts";
const MARKER = "total += n * n";

/** A "stopped" event a debug adapter sent, with the session it came from. */
interface Stop {
  session: vscode.DebugSession;
  threadId: number;
  reason: string;
}

/** Collects every "stopped" event of every debug session from now on. */
function watchStops(): { stops: Stop[]; changed: vscode.Event<void>; dispose(): void } {
  const stops: Stop[] = [];
  const changed = new vscode.EventEmitter<void>();
  const registration = vscode.debug.registerDebugAdapterTrackerFactory("*", {
    createDebugAdapterTracker: (session) => ({
      onDidSendMessage: (message: { type?: string; event?: string; body?: { reason?: string; threadId?: number } }) => {
        if (message.type !== "event" || message.event !== "stopped" || message.body?.threadId === undefined) return;
        stops.push({ session, threadId: message.body.threadId, reason: message.body.reason ?? "" });
        changed.fire();
      },
    }),
  });
  return { stops, changed: changed.event, dispose: () => (registration.dispose(), changed.dispose()) };
}

function debugTask(name: string, options?: object): Thenable<string> {
  return vscode.commands.executeCommand<string>("taskflow.debugTask", name, options);
}

describe("Taskflow: Debug Task (extension host)", function () {
  // A cap, not a wait: each test launches a Node process under js-debug on a busy machine.
  this.timeout(90_000);
  let api: TaskflowApi;
  let file: string;
  let line: number;
  let watcher: ReturnType<typeof watchStops>;

  before(async () => {
    api = await activateTaskflow();
    await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().functions.some((f) => f.name === "sumSquares") ? true : undefined), "sumSquares to load");
    file = path.join(vscode.workspace.workspaceFolders?.[0].uri.fsPath ?? "", MODULE);
    line = fs.readFileSync(file, "utf8").split("\n").findIndex((text) => text.includes(MARKER)) + 1;
    assert.ok(line > 0, `expected "${MARKER}" in ${file}`);
  });

  beforeEach(() => {
    watcher = watchStops();
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(vscode.Uri.file(file), new vscode.Position(line - 1, 0)))]);
  });

  afterEach(async () => {
    watcher.dispose();
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    await vscode.debug.stopDebugging();
  });

  // The debugger opened the module when it stopped there; later suites expect no editor open.
  after(() => vscode.commands.executeCommand("workbench.action.closeAllEditors"));

  const breakpointStop = () =>
    waitUntil(watcher.changed, () => watcher.stops.find((s) => s.reason === "breakpoint"), `the debugger to stop at the breakpoint on ${MODULE}:${line}`, 60_000);

  it("stops at a breakpoint in the .ts source, then records the run's log lines, result and debug tag", async () => {
    const taskId = await debugTask("sumSquares", { args: [[4]] });
    assert.match(taskId, /^[0-9a-f-]{36}$/);
    const stop = await breakpointStop();
    const trace = (await stop.session.customRequest("stackTrace", { threadId: stop.threadId, startFrame: 0, levels: 1 })) as {
      stackFrames: Array<{ line: number; source?: { path?: string } }>;
    };
    const top = trace.stackFrames[0];
    assert.ok(top.source?.path?.endsWith(MODULE), `expected the top frame in ${MODULE}, got ${JSON.stringify(top)}`);
    assert.equal(top.line, line);
    assert.equal((await api.getTask(taskId))?.status, "running", "the run is running while held at the breakpoint");

    await stop.session.customRequest("continue", { threadId: stop.threadId });
    const record = await api.waitFor(taskId);
    assert.equal(record.status, "success", `${record.error}\n${record.stacktrace}`);
    assert.deepEqual(record.result, { total: 16 });
    assert.ok(record.logs.some((l) => l.endsWith(" added 4 squared, total 16")), JSON.stringify(record.logs));
    assert.deepEqual(record.tags, { debug: "true" });
    assert.equal(record.retriesUsed, 0);
    const history = await api.listTasks({ funcName: "sumSquares" });
    assert.ok(history.some((t) => t.taskId === taskId), "the debug run is in the history like any other");
  });

  it("cancels the run when its debug session is stopped at the breakpoint", async () => {
    const taskId = await debugTask("sumSquares", { args: [[5]] });
    const stop = await breakpointStop();
    await vscode.debug.stopDebugging(stop.session);
    const record = await api.waitFor(taskId);
    assert.equal(record.status, "cancelled", `${record.error}`);
    assert.deepEqual(record.tags, { debug: "true" });
  });

  it("stops the debug session when the run is cancelled while held at the breakpoint", async () => {
    const ended: vscode.DebugSession[] = [];
    const endings = vscode.debug.onDidTerminateDebugSession((session) => ended.push(session));
    try {
      const taskId = await debugTask("sumSquares", { args: [[6]] });
      await breakpointStop();
      await vscode.commands.executeCommand("taskflow.cancelTask", taskId);
      assert.equal((await api.waitFor(taskId)).status, "cancelled");
      await waitUntil(vscode.debug.onDidTerminateDebugSession, () => (ended.some((s) => s.configuration.taskflowTaskId === taskId) ? true : undefined), "the run's debug session to end after the cancel", 30_000);
    } finally {
      endings.dispose();
    }
  });

  it("fails the run with a clear error when its debug session never starts", async () => {
    // A configuration provider that cancels the launch makes startDebugging resolve false.
    const refuse = vscode.debug.registerDebugConfigurationProvider("pwa-node", {
      resolveDebugConfiguration: (_folder, config) => (config.taskflowTaskId ? undefined : config),
    });
    try {
      const record = await api.waitFor(await debugTask("sumSquares", { args: [[1]] }));
      assert.equal(record.status, "failed");
      assert.match(record.error ?? "", /The debugger did not start for sumSquares: VS Code's JavaScript debugger \(type "pwa-node"\) must be enabled/);
      assert.equal(record.retriesUsed, 0);
      assert.deepEqual(watcher.stops, []);
    } finally {
      refuse.dispose();
    }
  });

  it("rejects unknown options and task names with what was expected", async () => {
    await assertRejects(debugTask("sumSquares", { args: [[1]], tags: { a: "b" } }), /Debug Task options accept args, kwargs, got unknown tags: remove it/);
    await assertRejects(debugTask("sumSquares", { args: "x" }), /options\.args must be an array, got the string/);
    await assertRejects(debugTask("noSuchTask"), /No task function named "noSuchTask" in this workspace; known: .*sumSquares/);
  });
});
