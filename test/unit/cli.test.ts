import * as assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { TaskManager, taskLog } from "../../src";
import { HttpTaskflowClient, serveLocalEndpoint, type LocalEndpoint } from "../../src/http";
import { recordWorkspaceDatabase } from "../../src/store/workspaceDatabase";
import { paletteFor } from "../../src/cli/format";

const ROOT = path.join(__dirname, "../..");
const CLI = path.join(ROOT, "dist/cli.js");

const MODULE = `import { task, taskLog } from "taskflow";
export const echo = task(async (x: unknown) => { taskLog("echoing"); return x; });
export const boom = task(async () => { throw new Error("boom from the module"); });
`;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe("taskflow CLI (dist/cli.js)", function () {
  this.timeout(60000);
  let dir: string;
  let workspace: string;
  let env: NodeJS.ProcessEnv;

  /** Runs the built CLI in the workspace; `onLine` sees stdout lines as they come. */
  function cli(args: string[], options: { cwd?: string; onLine?: (line: string) => void } = {}): Promise<Result> {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? workspace, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      const before = stdout.split("\n").length - 1;
      stdout += c.toString();
      stdout.split("\n").slice(before, -1).forEach((line) => options.onLine?.(line));
    });
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  }

  before(() => {
    execFileSync(process.execPath, ["esbuild.mjs"], { cwd: ROOT, stdio: "ignore" });
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-cli-"));
    workspace = path.join(dir, "workspace");
    mkdirSync(workspace);
    writeFileSync(path.join(workspace, "demo.tasks.ts"), MODULE);
    env = { ...process.env, TASKFLOW_HOME: path.join(dir, "home"), NO_COLOR: "1" };
    delete env.TASKFLOW_DB;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("runs a workspace task itself when nothing holds the database, in <workspace>/.taskflow, and prints one JSON value", async () => {
    const run = await cli(["run", "echo", "--args", '["hi"]', "--tag", "env=dev", "--wait", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const record = JSON.parse(run.stdout);
    assert.equal(record.status, "success");
    assert.equal(record.result, "hi");
    assert.deepEqual(record.tags, { env: "dev" });
    assert.ok(existsSync(path.join(workspace, ".taskflow", "taskflow.sqlite")));

    const list = await cli(["list", "--json"]);
    assert.deepEqual(JSON.parse(list.stdout).map((t: { taskId: string }) => t.taskId), [record.taskId]);
    const table = await cli(["list"]);
    assert.match(table.stdout, /^ID +TASK +STATUS +CREATED +DURATION +TRIES +TAGS\n/);
    assert.match(table.stdout, new RegExp(`${record.taskId} +echo +success .* env=dev`));
    assert.ok(!table.stdout.includes("\u001b["), "no colour codes when stdout is not a terminal");
    const show = await cli(["show", record.taskId, "--json"]);
    assert.equal(JSON.parse(show.stdout).taskId, record.taskId);
    const logs = await cli(["logs", record.taskId]);
    assert.match(logs.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d echoing\n$/);
  });

  it("passes --queue and --priority to the run and records it in the audit trail as done by the cli", async () => {
    const run = await cli(["run", "echo", "--args", '["q"]', "--queue", "emails", "--priority", "5", "--wait", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const printed = JSON.parse(run.stdout);
    const reader = new TaskManager({ dbPath: path.join(workspace, ".taskflow", "taskflow.sqlite"), onOutsideLog: () => {} });
    await reader.start();
    try {
      const stored = reader.getTask(printed.taskId)!;
      assert.deepEqual([stored.queue, stored.priority, stored.status], ["emails", 5, "success"]);
      assert.deepEqual(reader.audit().map((e) => [e.action, e.actor, e.taskId, e.detail]), [["run", "cli", printed.taskId, "echo"]]);
    } finally {
      await reader.shutdown();
    }
  });

  it("exits 1 when the task failed or is not found, and 0 for a retry started", async () => {
    const failed = await cli(["run", "boom", "--wait", "--json"]);
    assert.equal(failed.code, 1);
    const record = JSON.parse(failed.stdout);
    assert.equal(record.status, "failed");
    assert.match(record.error, /boom from the module/);
    const retry = await cli(["retry", record.taskId, "--json"]);
    assert.equal(retry.code, 0, retry.stderr);
    assert.notEqual(JSON.parse(retry.stdout).taskId, record.taskId);
    const missing = await cli(["show", "no-such-id"]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim().split("\n").length, 1);
    assert.match(missing.stderr, /No task with id "no-such-id"/);
    const unknown = await cli(["run", "nope", "--json"]);
    assert.equal(unknown.code, 1);
    assert.match(JSON.parse(unknown.stdout).error, /Unknown task "nope": registered tasks are boom, echo/);
  });

  it("lists the schedules the database holds, one JSON line each or one JSON array with --json", async () => {
    const none = await cli(["schedules"]);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, "No schedules.\n");
    const writer = new TaskManager({ dbPath: path.join(workspace, ".taskflow", "taskflow.sqlite"), onOutsideLog: () => {} });
    await writer.start();
    let scheduleId: string;
    try {
      writer.task({ name: "echo" }, async () => undefined);
      scheduleId = await writer.schedule("echo", { every: 300 });
    } finally {
      await writer.shutdown();
    }
    const listed = await cli(["schedules", "--json"]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).map((s: { scheduleId: string; funcName: string; every: number }) => [s.scheduleId, s.funcName, s.every]), [[scheduleId, "echo", 300]]);
    const text = await cli(["schedules"]);
    assert.equal(JSON.parse(text.stdout.trim()).scheduleId, scheduleId);
  });

  it("exits 2 with one line for bad usage, and for worker without a shared backend", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["frobnicate"], /Unknown command "frobnicate": expected one of run, list/],
      [["run"], /taskflow run needs <task>/],
      [["run", "echo", "--args", "{}"], /--args must be a JSON array, got an object: wrap it in \[ \]/],
      [["run", "echo", "--args", "[1"], /--args must be JSON/],
      [["run", "echo", "--tag", "novalue"], /--tag must be key=value/],
      [["list", "--limit", "lots"], /--limit must be a whole number >= 0, got "lots"/],
      [["list", "--status", "done"], /must be one of/],
      [["list", "--colour"], /Unknown option '--colour'/],
      [["logs", "x", "--follow", "--json"], /cannot be combined with --json/],
      [["worker"], /needs --redis/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    }
    const help = await cli(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /\.taskflow[/\\]taskflow\.sqlite/);
  });

  describe("with another process holding the database", () => {
    let dbPath: string;
    let holder: TaskManager;
    let endpoint: LocalEndpoint | undefined;
    let release: () => void;

    beforeEach(async () => {
      dbPath = path.join(dir, "storage", "taskflow.sqlite");
      holder = new TaskManager({ dbPath, lockOwner: "a VS Code window", onOutsideLog: () => {} });
      holder.task({ name: "hello" }, async (name: string) => `hello ${name}`);
      const gate = new Promise<void>((resolve) => (release = resolve));
      holder.task({ name: "gated" }, async () => {
        taskLog("one");
        await gate;
        taskLog("two");
      });
      await holder.start();
      endpoint = await serveLocalEndpoint({ client: holder, dbPath, owner: "a VS Code window" });
    });
    afterEach(async () => {
      release();
      await endpoint?.close();
      await holder.shutdown();
    });

    it("forwards run --wait, list and show to the holder, which records the run as done by the cli", async () => {
      const run = await cli(["run", "hello", "--args", '["cli"]', "--queue", "greetings", "--priority", "-2", "--wait", "--json", "--db", dbPath]);
      assert.equal(run.code, 0, run.stderr);
      const record = JSON.parse(run.stdout);
      assert.equal(record.result, "hello cli");
      assert.deepEqual([holder.getTask(record.taskId)?.status, record.queue, record.priority], ["success", "greetings", -2]);
      assert.deepEqual(holder.audit().map((e) => [e.action, e.actor, e.taskId]), [["run", "cli", record.taskId]]);
      const list = await cli(["list", "--json", "--db", dbPath]);
      assert.deepEqual(JSON.parse(list.stdout).map((t: { taskId: string }) => t.taskId), [record.taskId]);
    });

    it("finds the window's database from the workspace folder through the workspace record", async () => {
      await recordWorkspaceDatabase(workspace, dbPath, env);
      const id = await holder.addTask("hello", ["record"]);
      await holder.waitFor(id);
      const nested = path.join(workspace, "src");
      mkdirSync(nested);
      const show = await cli(["show", id, "--json"], { cwd: nested });
      assert.equal(show.code, 0, show.stderr);
      assert.equal(JSON.parse(show.stdout).result, "hello record");
    });

    it("follows a task's logs until it finishes", async () => {
      const id = await holder.addTask("gated");
      const lines: string[] = [];
      const follow = await cli(["logs", id, "--follow", "--db", dbPath], {
        onLine: (line) => {
          lines.push(line);
          if (line.endsWith(" one")) release();
        },
      });
      assert.equal(follow.code, 0, follow.stderr);
      assert.deepEqual(lines.map((l) => l.slice(20)), ["one", "two"]);
    });

    it("loses none of 200 tasks written by the holder and by forwarded callers, across a reopen", async () => {
      const client = await HttpTaskflowClient.connect({ socketPath: endpoint!.socketPath, token: endpoint!.token });
      try {
        const forwarded = Promise.all(Array.from({ length: 99 }, (_, i) => client.addTask("hello", [`f${i}`])));
        const local = Promise.all(Array.from({ length: 100 }, (_, i) => holder.addTask("hello", [`l${i}`])));
        const viaCli = cli(["run", "hello", "--args", '["cli"]', "--wait", "--json", "--db", dbPath]);
        const ids = [...(await forwarded), ...(await local)];
        assert.equal((await viaCli).code, 0);
        await Promise.all(ids.map((id) => holder.waitFor(id)));
      } finally {
        client.dispose();
      }
      await endpoint!.close();
      endpoint = undefined;
      await holder.shutdown();
      const reopened = new TaskManager({ dbPath, onOutsideLog: () => {} });
      await reopened.start();
      try {
        assert.equal(reopened.countTasks({ status: "success" }), 200);
      } finally {
        await reopened.shutdown();
      }
    });

    it("refuses, naming the holder, when the holder serves no endpoint", async () => {
      await endpoint!.close();
      endpoint = undefined;
      const list = await cli(["list", "--db", dbPath]);
      assert.equal(list.code, 1);
      assert.match(list.stderr, new RegExp(`in use by a VS Code window \\(process ${process.pid}\\), which does not accept forwarded calls`));
    });
  });

  it("serves the HTTP API and prints its url and token as one JSON line", async () => {
    const child = spawn(process.execPath, [CLI, "serve", "--json"], { cwd: workspace, env, stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const first = await new Promise<string>((resolve) => {
      let out = "";
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
      });
    });
    const { url, token } = JSON.parse(first) as { url: string; token: string };
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const client = await HttpTaskflowClient.connect({ url, token });
    try {
      assert.deepEqual(client.registeredTasks().map((t) => t.name).sort(), ["boom", "echo"]);
      const record = await client.waitFor(await client.addTask("echo", [7]));
      assert.equal(record.result, 7);
      // serve holds the database, so other commands forward to it.
      const show = await cli(["show", record.taskId, "--json"]);
      assert.equal(JSON.parse(show.stdout).status, "success");
    } finally {
      client.dispose();
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0);
  });

  it("colours statuses only on a terminal without NO_COLOR", () => {
    assert.equal(paletteFor(true, {}).status("failed"), "\u001b[31mfailed\u001b[0m");
    assert.equal(paletteFor(true, { NO_COLOR: "1" }).status("failed"), "failed");
    assert.equal(paletteFor(false, {}).status("failed"), "failed");
  });
});
