import * as assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { TaskManager } from "../../src";
import { ApiServer } from "../../src/http";
import type { TaskDict } from "../../src/model";
import { cliCommandLine, curlCommandLine, TOKEN_PLACEHOLDER, type RunInput } from "../../src/model/runCommandLine";

const run = promisify(execFile);
const ROOT = path.join(__dirname, "../..");
const CLI = path.join(ROOT, "dist/cli.js");

const MODULE = `import { task } from "taskflow";
export const echo = task(async (...inputs: unknown[]) => inputs);
`;

const ARGS = ["it's \"quoted\"", "two  spaces", "grüße 🚀", "line one\nline two", "$HOME `date` \\ !", { n: -1.5 }];
const KWARGS = { "key with space": "a'b", "ünï": "x\ny" };
const TAGS = { env: "dev's", note: "a=b=c", multi: "one\ntwo" };

function inputOf(task: TaskDict): RunInput & Record<string, unknown> {
  return { funcName: task.funcName, args: task.args, kwargs: task.kwargs, tags: task.tags, queue: task.queue, priority: task.priority };
}

describe("copied commands, run in a shell, add the same task with the same input", function () {
  this.timeout(60000);
  let dir: string;

  before(() => {
    execFileSync(process.execPath, ["esbuild.mjs"], { cwd: ROOT, stdio: "ignore" });
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-copied-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("Copy as CLI Command: sh -c with the built CLI on PATH as taskflow, on a real database", async () => {
    const workspace = path.join(dir, "workspace");
    const bin = path.join(dir, "bin");
    mkdirSync(workspace);
    mkdirSync(bin);
    writeFileSync(path.join(workspace, "demo.tasks.ts"), MODULE);
    writeFileSync(path.join(bin, "taskflow"), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
    chmodSync(path.join(bin, "taskflow"), 0o755);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, TASKFLOW_HOME: path.join(dir, "home"), NO_COLOR: "1" };
    delete env.TASKFLOW_DB;
    const taskflow = async (...argv: string[]): Promise<string> => (await run(process.execPath, [CLI, ...argv], { cwd: workspace, env })).stdout;

    const tagFlags = Object.entries(TAGS).flatMap(([k, v]) => ["--tag", `${k}=${v}`]);
    const original = JSON.parse(await taskflow("run", "echo", "--args", JSON.stringify(ARGS), "--kwargs", JSON.stringify(KWARGS), ...tagFlags, "--queue", "mail", "--priority", "3", "--wait", "--json")) as TaskDict;
    assert.equal(original.status, "success");

    const copied = cliCommandLine(original);
    const { stdout } = await run("sh", ["-c", copied], { cwd: workspace, env });
    const newId = stdout.trim().split("\n")[0];
    assert.notEqual(newId, original.taskId);
    const again = JSON.parse(await taskflow("show", newId, "--json")) as TaskDict;
    assert.deepEqual(inputOf(again), inputOf(original));
    assert.equal(again.status, "success", again.error ?? "");
    assert.deepEqual(again.result, original.result);
  });

  it("Copy as curl: sh -c with the token put in place of the placeholder, against the HTTP API on a real database", async function () {
    try {
      execFileSync("curl", ["--version"], { stdio: "ignore" });
    } catch {
      this.skip();
    }
    const manager = new TaskManager({ dbPath: path.join(dir, "tasks.sqlite"), onOutsideLog: () => {} });
    manager.task({ name: "echo" }, async (...inputs: unknown[]) => inputs);
    await manager.start();
    const server = new ApiServer({ client: manager });
    try {
      const url = await server.listen(0);
      const id = await manager.addTask("echo", ARGS, { kwargs: KWARGS, tags: TAGS, queue: "mail", priority: 3 });
      const original = (await manager.waitFor(id)).toDict();

      const copied = curlCommandLine(original, url);
      assert.ok(copied.includes(`'Authorization: Bearer ${TOKEN_PLACEHOLDER}'`), copied);
      const { stdout } = await run("sh", ["-c", copied.replace(TOKEN_PLACEHOLDER, server.token)]);
      const { taskId } = JSON.parse(stdout) as { taskId: string };
      assert.notEqual(taskId, id);
      const again = (await manager.waitFor(taskId)).toDict();
      assert.deepEqual(inputOf(again), inputOf(original));
      assert.deepEqual(again.result, original.result);
    } finally {
      await server.close();
      await manager.shutdown();
    }
  });
});
