// The window on the BullMQ backend (taskflow.backend set to a Redis URL), against a real
// redis-server the test starts on a free loopback port: the engine moves to the shared queue and
// back, runs wait for a worker unless taskflow.redis.runTasks is on, a lost connection is reported
// and recovered, a Redis out of reach at start is tried again, and bad values say what to write.
import * as assert from "node:assert/strict";
import * as vscode from "vscode";
import type { TaskflowApi } from "../../../src/extension/extension";
import { requireRedisServer, startRedisServer, type RedisServer } from "../../unit/helpers/redisServer";
import { activateTaskflow, assertRejects, nextRestart, waitUntil } from "./taskflowApi";

/** An event fired every 200 ms: for conditions nothing announces to the API (the connection). */
const poll = (listener: (tick: undefined) => void): vscode.Disposable => {
  const timer = setInterval(() => listener(undefined), 200);
  return { dispose: () => clearInterval(timer) };
};

const config = () => vscode.workspace.getConfiguration("taskflow");

describe("Taskflow on a shared queue: BullMQ on Redis (extension host)", function () {
  this.timeout(120_000);
  let api: TaskflowApi;
  let executable: string;
  let server: RedisServer | undefined;

  before(async function () {
    executable = requireRedisServer(this, "the shared-queue tests");
    api = await activateTaskflow();
  });

  afterEach(async () => {
    // The backend goes back to local first: a taskflow.redis.* change restarts nothing then.
    if (config().inspect("backend")?.workspaceValue !== undefined) {
      const restarted = nextRestart(api);
      await config().update("backend", undefined, vscode.ConfigurationTarget.Workspace);
      await restarted;
    }
    await config().update("redis.runTasks", undefined, vscode.ConfigurationTarget.Workspace);
    await server?.stop();
    server = undefined;
  });

  it("moves to the shared queue and back: runs wait for a worker until the window takes jobs itself, and the local history stays", async () => {
    const local = await api.addTask("hello", ["local"]);
    await api.waitFor(local);
    server = await startRedisServer(executable, { durable: false });
    const onRedis = nextRestart(api);
    await config().update("backend", server.url, vscode.ConfigurationTarget.Workspace);
    await onRedis;
    assert.deepEqual(api.backend(), { kind: "redis", url: server.url, connected: true, error: null });
    assert.equal(await api.getTask(local), undefined, "the shared queue has its own history");
    const redisVariables = api.terminalEnvironment().filter((v) => v.variable.startsWith("TASKFLOW_REDIS"));
    assert.deepEqual(redisVariables, [
      { variable: "TASKFLOW_REDIS", value: server.url, type: "replace" },
      { variable: "TASKFLOW_REDIS_PREFIX", value: "taskflow", type: "replace" },
    ], "the window's terminals reach the shared queue");

    const waiting = await api.addTask("hello", ["shared"]);
    assert.equal((await api.getTask(waiting))?.status, "pending", "with taskflow.redis.runTasks off, the run waits for a worker");
    await assertRejects(vscode.commands.executeCommand("taskflow.debugTask", "hello"), /any worker may take the run/);
    const hello = await waitUntil(api.onDidChangeTaskFunctions, () => api.taskFunctions().functions.find((f) => f.name === "hello"), "hello to load on the shared queue", 60_000);
    // The workspace folder is a remote URI in code-server: the file keeps its scheme and authority.
    const helloModule = vscode.workspace.workspaceFolders![0].uri.with({ path: hello.file });
    await vscode.window.showTextDocument(helloModule);
    const lensTitles = async () => (await vscode.commands.executeCommand<vscode.CodeLens[]>("vscode.executeCodeLensProvider", helloModule, 100))
      .filter((lens) => lens.command?.command.startsWith("taskflow.")).map((lens) => lens.command!.title);
    const sharedTitles = await waitUntil(poll, async () => {
      const titles = await lensTitles();
      return titles.includes("Run") ? titles : undefined;
    }, "the Run lens above hello");
    assert.ok(!sharedTitles.includes("Debug"), `expected no Debug lens on the shared queue, got ${JSON.stringify(sharedTitles)}`);

    const working = nextRestart(api);
    await config().update("redis.runTasks", true, vscode.ConfigurationTarget.Workspace);
    await working;
    await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().functions.some((f) => f.name === "hello") ? true : undefined), "the modules to load on the shared queue", 60_000);
    const done = await api.waitFor(waiting);
    assert.equal(done.status, "success", "the window, now a worker, ran the run that waited");
    assert.deepEqual(done.result, "hello shared");
    assert.ok(done.logs.some((line) => line.endsWith("hello shared")), `expected the task's log line, got ${JSON.stringify(done.logs)}`);
    await waitUntil(poll, async () => ((await api.tasksView()).some((g) => g.tasks.some((t) => t.id === waiting)) ? true : undefined), "the Tasks view to list the shared run");

    const back = nextRestart(api);
    await config().update("backend", undefined, vscode.ConfigurationTarget.Workspace);
    await back;
    assert.deepEqual(api.backend(), { kind: "local" });
    assert.equal((await api.getTask(local))?.status, "success", "the local history is where it was");
    assert.deepEqual(api.terminalEnvironment().filter((v) => v.variable.startsWith("TASKFLOW_REDIS")), [], "the terminals reach the database again");
    await waitUntil(poll, async () => ((await lensTitles()).includes("Debug") ? true : undefined), "the Debug lens back on the local backend");
    await vscode.commands.executeCommand("workbench.action.closeAllEditors");
  });

  it("reports a lost connection, refuses commands meanwhile with why, and catches up when Redis is back", async () => {
    server = await startRedisServer(executable, { durable: true });
    const onRedis = nextRestart(api);
    await config().update("backend", server.url, vscode.ConfigurationTarget.Workspace);
    await onRedis;
    const before = await api.addTask("hello", ["before"]);

    await server.halt();
    await waitUntil(poll, () => (api.backend().kind === "redis" && !(api.backend() as { connected: boolean }).connected ? true : undefined), "the window to see the connection lost");
    await assertRejects(vscode.commands.executeCommand("taskflow.retryTask", before), new RegExp(`not connected to Redis at ${server.url.replace(/[.]/g, "\\.")}.*it keeps retrying`));

    server = await startRedisServer(executable, { durable: true, port: server.port, dir: server.dir });
    await waitUntil(poll, () => ((api.backend() as { connected?: boolean }).connected ? true : undefined), "the window to reconnect", 30_000);
    assert.equal((await api.getTask(before))?.status, "pending", "the run added before the outage is still in the queue");
  });

  it("tries a Redis that is out of reach at start again, and starts once it answers", async () => {
    const probe = await startRedisServer(executable, { durable: false });
    const { port } = probe;
    await probe.stop();
    const url = `redis://127.0.0.1:${port}`;
    const failed = nextRestart(api);
    await config().update("backend", url, vscode.ConfigurationTarget.Workspace);
    await failed;
    assert.deepEqual({ ...api.backend(), error: undefined }, { kind: "redis", url, connected: false, error: undefined });
    assert.match((api.backend() as { error: string | null }).error ?? "", /Cannot reach Redis at/);
    await assertRejects(Promise.resolve().then(() => api.metrics()), /Cannot reach Redis at/);

    server = await startRedisServer(executable, { durable: false, port });
    await waitUntil(api.onDidRestartEngine, () => ((api.backend() as { connected?: boolean }).connected ? true : undefined), "the window to start on Redis once it answers", 30_000);
    assert.equal((await api.metrics()).total, 0);
  });

  it("refuses a password in the URL, saying where it goes, and starts again once the setting is fixed", async () => {
    const refused = nextRestart(api);
    await config().update("backend", "redis://:hunter2@127.0.0.1:6379", vscode.ConfigurationTarget.Workspace);
    await refused;
    await assertRejects(Promise.resolve().then(() => api.metrics()), /holds a password.*Taskflow: Set Redis Password/);
    const fixed = nextRestart(api);
    await config().update("backend", undefined, vscode.ConfigurationTarget.Workspace);
    await fixed;
    assert.deepEqual(api.backend(), { kind: "local" });
    assert.equal(typeof (await api.metrics()).total, "number");
  });
});
