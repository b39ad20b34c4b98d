import * as assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { TaskManager, step, waitForInput } from "../../src";
import { serveLocalEndpoint, type LocalEndpoint } from "../../src/http";
import { untilStatus } from "./helpers/runStatus";

const ROOT = path.join(__dirname, "../..");
const CLI = path.join(ROOT, "dist/cli.js");

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}


/** A task that waits for an approval (`{ approve: boolean }` required) and returns it. */
function registerApprove(manager: TaskManager): void {
  manager.task({ name: "approve" }, async (user: string) => {
    const answer = await waitForInput<{ approve: boolean }>("approval", {
      prompt: `Approve ${user}?`,
      schema: { type: "object", properties: { approve: { type: "boolean" } }, required: ["approve"] },
    });
    return answer.approve;
  });
}

describe("taskflow CLI: durable runs (dist/cli.js)", function () {
  this.timeout(60000);
  let dir: string;
  let workspace: string;
  let dbPath: string;
  let env: NodeJS.ProcessEnv;

  function cli(args: string[]): Promise<Result> {
    const child = spawn(process.execPath, [CLI, ...args, "--db", dbPath], { cwd: workspace, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  }

  before(() => {
    execFileSync(process.execPath, ["esbuild.mjs"], { cwd: ROOT, stdio: "ignore" });
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-cli-durable-"));
    workspace = path.join(dir, "workspace");
    mkdirSync(workspace);
    dbPath = path.join(dir, "storage", "taskflow.sqlite");
    env = { ...process.env, TASKFLOW_HOME: path.join(dir, "home"), NO_COLOR: "1" };
    delete env.TASKFLOW_DB;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe("with another process holding the database", () => {
    let holder: TaskManager;
    let endpoint: LocalEndpoint;
    let fetched: number;
    let failSave: boolean;

    beforeEach(async () => {
      fetched = 0;
      failSave = true;
      holder = new TaskManager({ dbPath, lockOwner: "a VS Code window", onOutsideLog: () => {} });
      registerApprove(holder);
      holder.task({ name: "flaky" }, async () => {
        const n = await step("fetch", () => ++fetched);
        await step("save", () => {
          if (failSave) throw new Error("the disk is full");
          return n;
        });
        return n;
      });
      await holder.start();
      endpoint = await serveLocalEndpoint({ client: holder, dbPath, owner: "a VS Code window" });
    });
    afterEach(async () => {
      await endpoint.close();
      await holder.shutdown();
    });

    it("lists and shows a waiting run with what it waits for, and its steps", async () => {
      await holder.addTask("flaky");
      const id = await holder.addTask("approve", ["ada"]);
      await untilStatus(holder, id, "waiting");
      const table = await cli(["list", "--status", "waiting"]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^ID +TASK +STATUS +CREATED +DURATION +TRIES +TAGS +WAITING FOR\n/);
      assert.match(table.stdout, new RegExp(`^${id} +approve +waiting .* needs input: approval\\n$`, "m"));
      assert.equal(table.stdout.trim().split("\n").length, 2, "only the waiting run is listed");
      const listed = JSON.parse((await cli(["list", "--status", "waiting", "--json"])).stdout);
      assert.deepEqual(listed.map((t: { taskId: string; waitingFor: { name: string } }) => [t.taskId, t.waitingFor.name]), [[id, "approval"]]);
      const show = await cli(["show", id]);
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, /^Waiting for +needs input: approval \("Approve ada\?"\)$/m);
      assert.match(show.stdout, /^Steps \(1\)\nSTEP +STATUS +DURATION +ATTEMPT +VALUE\ninput:approval#1 +waiting +- +1 +needs input: approval$/m);
    });

    it("gives a waiting run its input: exit 0 resumes it, 2 for a value the schema refuses, 1 for an unknown task or one not waiting", async () => {
      const id = await holder.addTask("approve", ["ada"]);
      await untilStatus(holder, id, "waiting");

      const refused = await cli(["input", id, "--value", '{"approve":"yes"}']);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /approve: expected boolean/);
      assert.equal(refused.stderr.trim().split("\n").length, 1, refused.stderr);
      assert.equal(holder.getTask(id)?.status, "waiting", "a refused value leaves the run waiting");
      const usageCases: Array<[string[], RegExp]> = [
        [["input", id], /taskflow input needs --value JSON/],
        [["input", id, "--value", "{"], /--value must be JSON/],
        [["input", id, "--name", "", "--value", "1"], /--name must be the name of the input/],
      ];
      for (const [args, message] of usageCases) {
        const result = await cli(args);
        assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
        assert.match(result.stderr, message);
      }
      const unknown = await cli(["input", "no-such-id", "--value", "true"]);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /No task with id "no-such-id"/);
      const unknownNamed = await cli(["input", "no-such-id", "--name", "approval", "--value", "true"]);
      assert.equal(unknownNamed.code, 1);
      assert.match(unknownNamed.stderr, /Unknown task id "no-such-id"/);
      const otherName = await cli(["input", id, "--name", "budget", "--value", "1"]);
      assert.equal(otherName.code, 1);
      assert.match(otherName.stderr, /is not waiting for input "budget": it is waiting, needs input: approval/);

      const given = await cli(["input", id, "--value", '{"approve":true}', "--json"]);
      assert.equal(given.code, 0, given.stderr);
      assert.deepEqual(JSON.parse(given.stdout), { taskId: id, name: "approval" });
      const done = await holder.waitFor(id);
      assert.deepEqual([done.status, done.result], ["success", true]);
      assert.ok(holder.audit().some((e) => e.action === "input" && e.actor === "cli" && e.taskId === id));
      const again = await cli(["input", id, "--value", '{"approve":true}']);
      assert.equal(again.code, 1);
      assert.match(again.stderr, new RegExp(`Task ${id} is not waiting for input: it is success`));
    });

    it("retries with --resume from the recorded steps and with --from-step from that step", async () => {
      const failed = await holder.addTask("flaky");
      assert.equal((await holder.waitFor(failed)).status, "failed");
      const badKey = await cli(["retry", failed, "--from-step", "fetch"]);
      assert.equal(badKey.code, 2);
      assert.match(badKey.stderr, /--from-step must be a step's name and occurrence like "fetch#2", got "fetch"/);
      const noStep = await cli(["retry", failed, "--from-step", "load#1"]);
      assert.equal(noStep.code, 2);
      assert.match(noStep.stderr, /the run has no step "load#1": give one of "fetch#1", "save#1"/);

      failSave = false;
      const resumed = await cli(["retry", failed, "--resume", "--json"]);
      assert.equal(resumed.code, 0, resumed.stderr);
      const resumedRun = await holder.waitFor(JSON.parse(resumed.stdout).taskId);
      assert.deepEqual([resumedRun.status, resumedRun.result, fetched], ["success", 1, 1], "the done step is replayed, not run again");
      const show = await cli(["show", resumedRun.taskId]);
      assert.match(show.stdout, /^fetch#1 +done +\S+ +1 +1$/m);
      assert.match(show.stdout, /^save#1 +done +\S+ +1 +1$/m);

      const fromFetch = await cli(["retry", failed, "--from-step", "fetch#1", "--json"]);
      assert.equal(fromFetch.code, 0, fromFetch.stderr);
      assert.deepEqual([(await holder.waitFor(JSON.parse(fromFetch.stdout).taskId)).result, fetched], [2, 2], "--from-step runs that step again");
    });
  });

  it("gives input to a run waiting in a database no process holds; the next holder resumes it", async () => {
    const writer = new TaskManager({ dbPath, onOutsideLog: () => {} });
    registerApprove(writer);
    await writer.start();
    const id = await writer.addTask("approve", ["bob"]);
    await untilStatus(writer, id, "waiting");
    await writer.shutdown();

    const table = await cli(["list", "--status", "waiting"]);
    assert.match(table.stdout, new RegExp(`^${id} +approve +waiting .* needs input: approval$`, "m"));
    const given = await cli(["input", id, "--value", '{"approve":false}']);
    assert.equal(given.code, 0, given.stderr);
    assert.equal(given.stdout, `Gave "approval" to ${id}: it resumes\n`);
    assert.match(given.stderr, new RegExp(`no VS Code window or taskflow serve holds .*, so task ${id} resumes when one opens it`));

    const next = new TaskManager({ dbPath, onOutsideLog: () => {} });
    registerApprove(next);
    await next.start();
    try {
      const done = await next.waitFor(id);
      assert.deepEqual([done.status, done.result], ["success", false]);
    } finally {
      await next.shutdown();
    }
  });
});
