import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { request } from "node:http";
import { promisify } from "node:util";
import * as vscode from "vscode";
import type { TaskflowApi } from "../../../src/extension/extension";
import { activateTaskflow, waitUntil } from "./taskflowApi";

const runFile = promisify(execFile);

/** The terminals' environment as the window's collection makes it, over `base`. */
function terminalEnv(api: TaskflowApi, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = { ...base };
  for (const { variable, value, type } of api.terminalEnvironment()) {
    const current = env[variable] ?? "";
    env[variable] = type === "replace" ? value : type === "prepend" ? value + current : current + value;
  }
  return env;
}

/** One GET over a real socket; resolves with the status and the parsed body. */
function get(url: string, token?: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) }));
    });
    req.on("error", reject);
    req.end();
  });
}

interface Access {
  url: string;
  token: string;
  /** The URL copied: `url` through vscode.env.asExternalUri. */
  externalUrl: string;
}

/** The next change of the window's HTTP API that `wanted` accepts. */
function nextHttpApiChange(api: TaskflowApi, wanted: (e: { url: string } | undefined) => boolean): Promise<{ url: string } | undefined> {
  return new Promise((resolve) => {
    const subscription = api.onDidChangeHttpApi((e) => {
      if (!wanted(e)) return;
      subscription.dispose();
      resolve(e);
    });
  });
}

const apiAccess = () => vscode.commands.executeCommand<Access>("taskflow.copyApiUrlAndToken");

describe("Taskflow CLI and HTTP API from the window (extension host)", function () {
  // The CLI is a child process that loads the engine, on two shared cores.
  this.timeout(90_000);
  let api: TaskflowApi;
  const workspace = process.env.TASKFLOW_TEST_WORKSPACE ?? vscode.workspace.workspaceFolders![0].uri.fsPath;

  before(async () => {
    api = await activateTaskflow();
    await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().functions.some((f) => f.name === "hello") ? true : undefined), "the hello module to load", 60_000);
  });

  after(async () => {
    await vscode.workspace.getConfiguration("taskflow").update("api.enabled", undefined, vscode.ConfigurationTarget.Workspace);
  });

  it("holds its database itself, and gives terminals TASKFLOW_DB and the taskflow command", () => {
    const database = api.database();
    assert.ok(database, "a folder is open, so there is a database");
    assert.equal(database.forwardedTo, undefined, "no other process holds it");
    const variables = api.terminalEnvironment();
    assert.deepEqual(variables.find((v) => v.variable === "TASKFLOW_DB"), { variable: "TASKFLOW_DB", value: database.path, type: "replace" });
    assert.equal(variables.find((v) => v.variable === "PATH")?.type, "prepend");
  });

  it("runs a task from the terminal's taskflow command in the window, which keeps it in its history", async () => {
    const { stdout } = await runFile("taskflow", ["run", "hello", "--args", '["from the terminal"]', "--wait", "--json"], { env: terminalEnv(api), cwd: workspace });
    const finished = JSON.parse(stdout) as { taskId: string; status: string };
    assert.equal(finished.status, "success", stdout);
    const record = await api.getTask(finished.taskId);
    assert.equal(record?.status, "success", "the window's history has the CLI's task");
    assert.ok(record?.logs.some((line) => line.endsWith(" hello from the terminal")), `logs: ${JSON.stringify(record?.logs)}`);
  });

  it("finds the window's database from the workspace folder with no TASKFLOW_DB (the window recorded it)", async () => {
    const taskId = await vscode.commands.executeCommand<string>("taskflow.runTask", "hello", { args: ["from the window"] });
    await api.waitFor(taskId);
    const env = terminalEnv(api);
    delete env.TASKFLOW_DB;
    const { stdout } = await runFile("taskflow", ["show", taskId, "--json"], { env, cwd: workspace });
    assert.equal((JSON.parse(stdout) as { taskId: string; status: string }).status, "success");
  });

  it("still takes the terminal's commands after its engine restarted (a setting changed)", async () => {
    const config = () => vscode.workspace.getConfiguration("taskflow");
    const restarted = () => new Promise<void>((resolve) => {
      const subscription = api.onDidRestartEngine(() => {
        subscription.dispose();
        resolve();
      });
    });
    let done = restarted();
    await config().update("maxConcurrentTasks", 2, vscode.ConfigurationTarget.Workspace);
    try {
      await done;
      assert.equal(api.database()?.forwardedTo, undefined, "the window holds its database again");
      await waitUntil(api.onDidChangeTaskFunctions, () => (api.taskFunctions().functions.some((f) => f.name === "hello") ? true : undefined), "the modules to load again", 60_000);
      const { stdout } = await runFile("taskflow", ["run", "hello", "--args", '["after the restart"]', "--wait", "--json"], { env: terminalEnv(api), cwd: workspace });
      const finished = JSON.parse(stdout) as { taskId: string; status: string };
      assert.equal(finished.status, "success", stdout);
      assert.equal((await api.getTask(finished.taskId))?.status, "success");
    } finally {
      done = restarted();
      await config().update("maxConcurrentTasks", undefined, vscode.ConfigurationTarget.Workspace);
      await done;
    }
  });

  it("serves the HTTP API while taskflow.api.enabled is on: the token gets in, no token gets 401, regenerating it locks the old one out", async () => {
    assert.equal(await apiAccess(), undefined, "while the API is off the command shows why and gives nothing");
    const config = () => vscode.workspace.getConfiguration("taskflow");
    const served = nextHttpApiChange(api, (e) => e !== undefined);
    await config().update("api.enabled", true, vscode.ConfigurationTarget.Workspace);
    const url = (await served)?.url;
    const access = await apiAccess();
    assert.equal(access.url, url);
    assert.match(access.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const port = new URL(access.url).port;
    if (vscode.env.uiKind === vscode.UIKind.Web) {
      // code-server: the browser reaches the extension host's ports through code-server's /proxy/<port>/ route.
      assert.match(access.externalUrl, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/proxy/${port}$`));
      assert.notEqual(new URL(access.externalUrl).port, port, "the copied URL is code-server's, not the extension host's loopback port");
    } else {
      assert.equal(access.externalUrl, access.url, "a local desktop window reaches the loopback URL as it is");
    }
    assert.equal(await vscode.env.clipboard.readText(), access.externalUrl, "the URL is copied as asExternalUri gives it");

    const taskId = await vscode.commands.executeCommand<string>("taskflow.runTask", "hello", { args: ["over HTTP"] });
    await api.waitFor(taskId);
    const listed = await get(`${access.url}/tasks?funcName=hello`, access.token);
    assert.equal(listed.status, 200);
    assert.ok((listed.body as Array<{ taskId: string }>).some((t) => t.taskId === taskId), "GET /tasks lists the window's tasks");
    const refused = await get(`${access.url}/tasks`);
    assert.equal(refused.status, 401);
    const forwarded = await get(`${access.externalUrl}/tasks?funcName=hello`, access.token);
    assert.equal(forwarded.status, 200, "the copied URL reaches the API through code-server's port forwarding");
    assert.ok((forwarded.body as Array<{ taskId: string }>).some((t) => t.taskId === taskId));

    // The command resolves once the API took the new token.
    assert.equal(await vscode.commands.executeCommand("taskflow.regenerateApiToken"), true);
    const renewed = await apiAccess();
    assert.equal(renewed.url, access.url, "the API stays on its port");
    assert.notEqual(renewed.token, access.token);
    assert.equal((await get(`${access.url}/tasks`, access.token)).status, 401, "the old token no longer gets in");
    assert.equal((await get(`${access.url}/tasks`, renewed.token)).status, 200);

    const stopped = nextHttpApiChange(api, (e) => e === undefined);
    await config().update("api.enabled", false, vscode.ConfigurationTarget.Workspace);
    await stopped;
    await assert.rejects(get(`${access.url}/tasks`, renewed.token), /ECONNREFUSED/, "the port is closed");
  });
});
