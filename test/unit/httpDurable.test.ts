import * as assert from "node:assert/strict";
import { request } from "node:http";
import { TaskManager, step, waitForInput } from "../../src";
import { ApiServer, HttpTaskflowClient } from "../../src/http";
import { TaskStateError, UnknownTaskError, ValidationError, type InputSchema, type LifecycleEvent } from "../../src/model";
import { untilStatus } from "./helpers/runStatus";

interface Reply {
  status: number;
  body: { error?: string; name?: string; path?: string; taskId?: string };
}

function send(port: number, token: string, method: string, urlPath: string, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${token}` };
    if (body !== undefined) Object.assign(headers, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
    const req = request({ host: "127.0.0.1", port, method, path: urlPath, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text === "" ? {} : JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}


const APPROVAL_SCHEMA: InputSchema = { type: "object", properties: { approve: { type: "boolean" } }, required: ["approve"] };

describe("HTTP API: durable runs", function () {
  this.timeout(20000);
  let manager: TaskManager;
  let server: ApiServer;
  let port: number;
  let client: HttpTaskflowClient;
  let fetched: number;
  let failSave: boolean;
  const post = (urlPath: string, body?: unknown) => send(port, server.token, "POST", urlPath, body === undefined ? undefined : JSON.stringify(body));

  beforeEach(async () => {
    fetched = 0;
    failSave = true;
    manager = new TaskManager({ onOutsideLog: () => {} });
    manager.task({ name: "approve" }, async (user: string) => {
      const answer = await waitForInput<{ approve: boolean }>("approval", { prompt: `Approve ${user}?`, schema: APPROVAL_SCHEMA });
      return answer.approve;
    });
    manager.task({ name: "flaky" }, async () => {
      const n = await step("fetch", () => ++fetched);
      await step("save", () => {
        if (failSave) throw new Error("the disk is full");
        return n;
      });
      return n;
    });
    await manager.start();
    server = new ApiServer({ client: manager });
    const url = await server.listen(0);
    port = Number(new URL(url).port);
    client = await HttpTaskflowClient.connect({ url, token: server.token });
  });
  afterEach(async () => {
    client.dispose();
    await server.close();
    await manager.shutdown();
  });

  it("gives a waiting run its input with POST /tasks/{id}/input: 200 resumes it, 400 names the field, 404 and 409", async () => {
    const events: LifecycleEvent[] = [];
    const subscription = client.onLifecycle((e) => events.push(e));
    await client.eventsReady();
    const id = await manager.addTask("approve", ["ada"]);
    await untilStatus(manager, id, "waiting");

    const noName = await post(`/tasks/${id}/input`, { value: true });
    assert.equal(noName.status, 400);
    assert.equal(noName.body.error, '"name" must be the name of the input the run waits for, got undefined');
    const noValue = await post(`/tasks/${id}/input`, { name: "approval" });
    assert.equal(noValue.status, 400);
    assert.match(noValue.body.error!, /^"value" must be the input's value, any JSON, got undefined/);
    const refused = await post(`/tasks/${id}/input`, { name: "approval", value: { approve: "yes" } });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.name, "ValidationError");
    assert.match(refused.body.error!, /approve: expected boolean/);
    assert.equal(manager.getTask(id)?.status, "waiting", "a refused value leaves the run waiting");
    const unknown = await post("/tasks/no-such-id/input", { name: "approval", value: { approve: true } });
    assert.deepEqual([unknown.status, unknown.body.name], [404, "UnknownTaskError"]);
    const other = await post(`/tasks/${id}/input`, { name: "budget", value: 1 });
    assert.deepEqual([other.status, other.body.name], [409, "TaskStateError"]);
    assert.match(other.body.error!, /is not waiting for input "budget": it is waiting, needs input: approval/);

    const given = await post(`/tasks/${id}/input`, { name: "approval", value: { approve: true } });
    assert.deepEqual([given.status, given.body], [200, { taskId: id }]);
    const done = await manager.waitFor(id);
    assert.deepEqual([done.status, done.result], ["success", true]);
    assert.equal((await post(`/tasks/${id}/input`, { name: "approval", value: { approve: true } })).status, 409, "a finished run waits for nothing");
    assert.ok(manager.audit().some((e) => e.action === "input" && e.actor === "http" && e.taskId === id));

    const waiting = events.find((e) => e.taskId === id && e.status === "waiting");
    assert.deepEqual(waiting?.waitingFor, { kind: "input", name: "approval", prompt: "Approve ada?", schema: APPROVAL_SCHEMA, timeoutAt: null, step: "input:approval#1" });
    subscription.dispose();
  });

  it("gives HttpTaskflowClient.provideInput the errors of the local client, and resumes the run", async () => {
    const id = await client.addTask("approve", ["bob"]);
    await untilStatus(manager, id, "waiting");
    assert.equal((await client.getTask(id))?.waitingFor?.kind, "input");
    await assert.rejects(client.provideInput(id, "approval", { approve: 1 }), (e: Error) => e instanceof ValidationError && /approve: expected boolean/.test(e.message));
    await assert.rejects(client.provideInput(id, "budget", 1), TaskStateError);
    await assert.rejects(client.provideInput("no-such-id", "approval", true), UnknownTaskError);
    await client.provideInput(id, "approval", { approve: false });
    const done = await client.waitFor(id);
    assert.deepEqual([done.status, done.result], ["success", false]);
  });

  it("retries with POST /tasks/{id}/retry from scratch, with { resume } and with { fromStep }, refusing a bad body with 400", async () => {
    const failed = await manager.addTask("flaky");
    assert.equal((await manager.waitFor(failed)).status, "failed");
    assert.equal(fetched, 1);

    const badResume = await post(`/tasks/${failed}/retry`, { resume: "yes" });
    assert.deepEqual([badResume.status, badResume.body.error], [400, '"resume" must be true or false, got the string "yes"']);
    const unknownKey = await post(`/tasks/${failed}/retry`, { from: "fetch#1" });
    assert.deepEqual([unknownKey.status, unknownKey.body.error], [400, 'retry takes "resume" and "fromStep", got the unknown key "from"']);
    const noStep = await post(`/tasks/${failed}/retry`, { fromStep: "load#1" });
    assert.equal(noStep.status, 400);
    assert.match(noStep.body.error!, /the run has no step "load#1": give one of "fetch#1", "save#1"/);

    failSave = false;
    const resumed = await post(`/tasks/${failed}/retry`, { resume: true });
    assert.equal(resumed.status, 201);
    const resumedRun = await manager.waitFor(resumed.body.taskId!);
    assert.deepEqual([resumedRun.status, resumedRun.result, fetched], ["success", 1, 1], "the done step is replayed, not run again");

    const fromFetch = await client.retryTask(failed, { fromStep: "fetch#1" });
    assert.deepEqual([(await manager.waitFor(fromFetch)).result, fetched], [2, 2], "fromStep runs that step again");
    const fromScratch = await post(`/tasks/${failed}/retry`);
    assert.equal(fromScratch.status, 201);
    assert.deepEqual([(await manager.waitFor(fromScratch.body.taskId!)).result, fetched], [3, 3]);
  });
});
