import * as assert from "node:assert/strict";
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { TaskManager } from "../../src";
import { ApiServer, HttpTaskflowClient, serveLocalEndpoint } from "../../src/http";
import { TaskStateError, UnknownTaskError, ValidationError, type LifecycleEvent, type LogEvent, type ProgressEvent } from "../../src/model";

interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

/** One request over a real socket; `headers` replace the defaults (Host, Authorization). */
function send(port: number, method: string, urlPath: string, options: { token?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Host: `127.0.0.1:${port}`, ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}), ...options.headers };
    if (options.body !== undefined) Object.assign(headers, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(options.body) });
    const req = request({ host: "127.0.0.1", port, method, path: urlPath, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text, body: text === "" ? undefined : JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

describe("HTTP API", function () {
  this.timeout(20000);
  let manager: TaskManager;
  let server: ApiServer;
  let port: number;
  let token: string;
  let release: () => void;
  const call = (method: string, urlPath: string, body?: unknown) =>
    send(port, method, urlPath, { token, body: body === undefined ? undefined : JSON.stringify(body) });

  beforeEach(async () => {
    manager = new TaskManager({ onOutsideLog: () => {} });
    manager.task({ name: "echo" }, async (x: unknown) => x);
    manager.task({ name: "boom" }, async () => {
      throw new Error("boom");
    });
    let gate!: () => void;
    const opened = new Promise<void>((resolve) => (gate = resolve));
    release = gate;
    manager.task({ name: "gated" }, async () => {
      const { taskLog } = await import("../../src");
      taskLog("one");
      await opened;
      taskLog("two");
    });
    await manager.start();
    server = new ApiServer({ client: manager, maxBodyBytes: 1024 });
    port = Number(new URL(await server.listen(0)).port);
    token = server.token;
  });
  afterEach(async () => {
    release();
    await server.close();
    await manager.shutdown();
  });

  it("refuses a request without the bearer token, or with a wrong one, with 401", async () => {
    const none = await send(port, "GET", "/tasks");
    assert.equal(none.status, 401);
    assert.match(none.body.error, /Authorization: Bearer <token>/);
    assert.equal((await send(port, "GET", "/tasks", { token: "wrong" })).status, 401);
  });

  it("refuses a Host or Origin that is not the loopback address and port with 403 (DNS rebinding)", async () => {
    const host = await send(port, "GET", "/tasks", { token, headers: { Host: `evil.example:${port}` } });
    assert.equal(host.status, 403);
    assert.match(host.body.error, /Host must be 127\.0\.0\.1:\d+ or localhost:\d+, got "evil\.example/);
    assert.equal((await send(port, "GET", "/tasks", { token, headers: { Host: `127.0.0.1:${port + 1}` } })).status, 403);
    const origin = await send(port, "GET", "/tasks", { token, headers: { Origin: "http://evil.example" } });
    assert.equal(origin.status, 403);
    assert.equal((await send(port, "GET", "/tasks", { token, headers: { Host: `localhost:${port}`, Origin: `http://localhost:${port}` } })).status, 200);
  });

  it("enqueues with POST /tasks and serves the task, its logs and the list", async () => {
    const added = await call("POST", "/tasks", { task: "echo", args: [42], tags: { env: "dev" } });
    assert.equal(added.status, 201);
    const record = await manager.waitFor(added.body.taskId);
    assert.equal(record.status, "success");
    const got = await call("GET", `/tasks/${added.body.taskId}`);
    assert.deepEqual(got.body, JSON.parse(JSON.stringify(manager.getTask(added.body.taskId)!.toDict())));
    assert.deepEqual(got.body.result, 42);
    const logs = await call("GET", `/tasks/${added.body.taskId}/logs`);
    assert.deepEqual(logs.body, { taskId: added.body.taskId, status: "success", logs: [] });
    const listed = await call("GET", "/tasks?status=success&tag=env%3Ddev&limit=5");
    assert.deepEqual(listed.body.map((t: { taskId: string }) => t.taskId), [added.body.taskId]);
    assert.equal((await call("GET", "/tasks/count?status=success")).body.count, 1);
    assert.deepEqual((await call("GET", "/tasks/metrics")).body.success, 1);
  });

  it("enqueues many runs with POST /tasks/bulk, ids in order, and refuses a bad item by its index", async () => {
    const created = await call("POST", "/tasks/bulk", { task: "echo", items: [{ args: [1] }, { args: [2], tags: { n: "2" } }] });
    assert.equal(created.status, 201);
    const ids = created.body.taskIds as string[];
    assert.equal(ids.length, 2);
    const done = await Promise.all(ids.map((id) => manager.waitFor(id)));
    assert.deepEqual(done.map((r) => r.result), [1, 2]);
    assert.deepEqual(done[1].tags, { n: "2" });

    const bad = await call("POST", "/tasks/bulk", { task: "echo", items: [{ args: [1] }, { args: {} }] });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /item 1/);
    assert.equal(manager.countTasks({}), 2, "a refused batch enqueues nothing");
  });

  it("answers 400 saying what was expected for bad bodies and queries", async () => {
    const args = await call("POST", "/tasks", { task: "echo", args: { a: 1 } });
    assert.equal(args.status, 400);
    assert.match(args.body.error, /"args" must be a JSON array, got an object: wrap it in \[ \]/);
    const option = await call("POST", "/tasks", { task: "echo", colour: "red" });
    assert.equal(option.status, 400);
    assert.match(option.body.error, /unknown key "colour"/);
    const noTask = await call("POST", "/tasks", { args: [] });
    assert.match(noTask.body.error, /"task" must be the name of a task function, got undefined/);
    const notJson = await send(port, "POST", "/tasks", { token, body: "{nope" });
    assert.equal(notJson.status, 400);
    assert.match(notJson.body.error, /Request body must be JSON/);
    const limit = await call("GET", "/tasks?limit=many");
    assert.equal(limit.status, 400);
    assert.match(limit.body.error, /"limit" must be a whole number >= 0, got the string "many"/);
    const status = await call("GET", "/tasks?status=done");
    assert.match(status.body.error, /must be one of/);
  });

  it("refuses a body over the size limit with 413", async () => {
    const big = await call("POST", "/tasks", { task: "echo", args: ["x".repeat(2000)] });
    assert.equal(big.status, 413);
    assert.match(big.body.error, /at most 1024 bytes/);
  });

  it("answers 404 for an unknown task or function and 409 for the wrong state", async () => {
    const missing = await call("GET", "/tasks/no-such-id");
    assert.equal(missing.status, 404);
    assert.match(missing.body.error, /Unknown task id "no-such-id"/);
    assert.equal((await call("POST", "/tasks/no-such-id/retry")).status, 404);
    const fn = await call("POST", "/tasks", { task: "nope" });
    assert.equal(fn.status, 404);
    assert.equal(fn.body.name, "UnknownFunctionError");
    const done = await manager.waitFor(await manager.addTask("echo", [1]));
    const cancel = await call("POST", `/tasks/${done.taskId}/cancel`);
    assert.equal(cancel.status, 409);
    assert.match(cancel.body.error, /already success/);
    assert.equal((await call("POST", `/tasks/${done.taskId}/retry`)).status, 409);
  });

  it("retries one, many or every failed task, and clears history", async () => {
    const failed = await Promise.all([1, 2].map(async () => manager.waitFor(await manager.addTask("boom"))));
    const one = await call("POST", `/tasks/${failed[0].taskId}/retry`);
    assert.equal(one.status, 201);
    await manager.waitFor(one.body.taskId);
    const bulk = await call("POST", "/tasks/bulk-retry", { taskIds: [failed[1].taskId, "missing"] });
    assert.equal(bulk.body.taskIds.length, 1);
    assert.deepEqual(bulk.body.errors.map((e: { taskId: string }) => e.taskId), ["missing"]);
    await manager.waitFor(bulk.body.taskIds[0]);
    const all = await call("POST", "/tasks/retry-failed", { funcName: "boom" });
    assert.equal(all.body.taskIds.length, 4);
    await Promise.all(all.body.taskIds.map((id: string) => manager.waitFor(id)));
    assert.equal((await call("POST", "/tasks/retry-failed", { since: "soon" })).status, 400);
    const cleared = await call("DELETE", "/tasks/history?olderThanSeconds=0");
    assert.equal(cleared.body.deleted, 8);
    assert.equal((await call("DELETE", "/tasks/history?olderThanSeconds=-1")).status, 400);
  });

  it("lists queues with GET /tasks/queues and changes one with PATCH /tasks/queues/{name}", async () => {
    const idle = { concurrency: null, maxSize: null, paused: false, rateLimit: null, pending: 0, running: 0 };
    assert.deepEqual((await call("GET", "/tasks/queues")).body, [{ name: "default", ...idle }]);
    const patched = await call("PATCH", "/tasks/queues/emails", { paused: true, concurrency: 2, maxSize: 1 });
    assert.equal(patched.status, 200);
    assert.deepEqual(patched.body, { ...idle, name: "emails", concurrency: 2, maxSize: 1, paused: true });
    const added = await call("POST", "/tasks", { task: "echo", args: [1], queue: "emails" });
    assert.deepEqual((await call("GET", "/tasks/queues")).body, [{ name: "default", ...idle }, { ...idle, name: "emails", concurrency: 2, maxSize: 1, paused: true, pending: 1 }]);
    const full = await call("POST", "/tasks", { task: "echo", args: [2], queue: "emails" });
    assert.equal(full.status, 409);
    assert.match(full.body.error, /^Queue "emails" is full: it holds its maxSize of 1 pending tasks\. Task \S+ was stored as rejected/);
    assert.equal(full.body.name, "QueueFullError");
    assert.equal(manager.getTask(full.body.taskId)?.status, "rejected", "the refused run is stored, and the answer names it");
    assert.equal((await call("PATCH", "/tasks/queues/emails", { paused: false })).body.paused, false);
    assert.equal((await manager.waitFor(added.body.taskId)).status, "success");
    const bad = await call("PATCH", "/tasks/queues/emails", { concurrency: 0 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'Queue options "concurrency" must be a whole number >= 1, or null for no limit of its own, got the number 0');
    assert.match((await call("PATCH", "/tasks/queues/emails", { colour: "red" })).body.error, /unknown key "colour"\. Known keys: concurrency, maxSize, rateLimit/);
    assert.match((await call("PATCH", "/tasks/queues/emails", { paused: "yes" })).body.error, /"paused" must be true or false, got the string "yes"/);
    assert.deepEqual((await call("GET", "/tasks/schedules")).body, []);
    const trail = (await call("GET", "/tasks/audit")).body as Array<{ action: string; actor: string; taskId: string | null; detail: string | null }>;
    assert.deepEqual(trail.map((e) => [e.action, e.actor, e.taskId, e.detail]), [
      ["resume", "http", null, "queue emails"],
      ["run", "http", added.body.taskId, "echo"],
      ["pause", "http", null, "queue emails"],
      ["configure", "http", null, 'queue emails: {"concurrency":2,"maxSize":1}'],
    ], "newest first; refused calls (the full queue, bad settings) record nothing");
  });

  it("creates, pauses, resumes, runs and removes schedules through their routes, 404 for an unknown id", async () => {
    const created = await call("POST", "/tasks/schedules", { task: "echo", every: 300, args: [7], tags: { via: "api" } });
    assert.equal(created.status, 201);
    const sid = created.body.scheduleId as string;
    assert.equal((await call("POST", `/tasks/schedules/${sid}/pause`)).body.paused, true);
    assert.equal((await call("POST", `/tasks/schedules/${sid}/resume`)).body.paused, false);
    const run = await call("POST", `/tasks/schedules/${sid}/run`);
    assert.equal(run.status, 201);
    const record = await manager.waitFor(run.body.taskId);
    assert.deepEqual([record.scheduleId, record.result, record.tags], [sid, 7, { via: "api" }]);
    assert.equal(manager.listSchedules()[0].lastTaskId, run.body.taskId);
    assert.equal((await call("DELETE", `/tasks/schedules/${sid}`)).status, 200);
    assert.deepEqual(manager.listSchedules(), []);
    for (const [method, suffix] of [["POST", "/pause"], ["POST", "/resume"], ["POST", "/run"], ["DELETE", ""]]) {
      const missing = await call(method, `/tasks/schedules/${sid}${suffix}`);
      assert.equal(missing.status, 404, `${method} ${suffix}`);
      assert.deepEqual([missing.body.name, missing.body.scheduleId], ["UnknownScheduleError", sid]);
      assert.match(missing.body.error, /No schedule has id .*listSchedules\(\) gives the ids there are/);
    }
    assert.match((await call("POST", "/tasks/schedules", { task: "echo" })).body.error, /exactly one of "every" \(seconds\) and "cron", got neither/);
    assert.match((await call("POST", "/tasks/schedules", { task: "echo", cron: "0 25 * * *" })).body.error, /does not parse/);
    assert.equal((await call("POST", "/tasks/schedules", { task: "nope", every: 5 })).status, 404);
    assert.deepEqual(manager.listSchedules(), [], "refused schedules create nothing");
    assert.deepEqual(manager.audit().map((e) => [e.action, e.actor]), [["unschedule", "http"], ["run", "http"], ["resume", "http"], ["pause", "http"], ["schedule", "http"]]);
  });

  it("records the X-Taskflow-Actor header's actor, serves throughput and the audit trail, and retries failed tasks through the engine", async () => {
    const client = await HttpTaskflowClient.connect({ url: `http://127.0.0.1:${port}`, token, actor: "cli" });
    try {
      const failed = await client.addTask("boom");
      await manager.waitFor(failed);
      const [again] = await client.retryFailed({ funcName: "boom" });
      await manager.waitFor(again);
      const sid = await client.schedule("echo", { cron: "0 9 * * 1-5", timezone: "Europe/Berlin" });
      await client.removeSchedule(sid);
      await assert.rejects(client.runScheduleNow(sid), (e: unknown) => (e as Error).name === "UnknownScheduleError");
      assert.deepEqual((await client.audit({ limit: 3 })).map((e) => [e.action, e.actor, e.taskId]), [["unschedule", "cli", null], ["schedule", "cli", null], ["retry", "cli", again]]);
      assert.deepEqual((await client.audit({ limit: 1, offset: 3 })).map((e) => e.taskId), [failed]);
      const buckets = await client.throughput({ bucket: "hour", funcName: "boom" });
      assert.equal(buckets.length, 60);
      assert.equal(buckets[59].failed, 2);
    } finally {
      client.dispose();
    }
    const unknownFunction = await call("POST", "/tasks/retry-failed", { funcName: "nothing" });
    assert.equal(unknownFunction.status, 404, "the engine's retryFailed refuses a function it does not know");
    const badActor = await send(port, "GET", "/tasks/audit", { token, headers: { "X-Taskflow-Actor": "robot" } });
    assert.equal(badActor.status, 400);
    assert.match(badActor.body.error, /X-Taskflow-Actor must be one of vscode, cli, http, api, got the string "robot"/);
    assert.match((await call("GET", "/tasks/audit?limit=lots")).body.error, /audit limit must be a whole number from 0 to 1000, got the string "lots"/);
    assert.match((await call("GET", "/tasks/throughput?bucket=week")).body.error, /bucket must be "minute" or "hour", got the string "week"/);
  });

  it("streams lifecycle and log events as server-sent events", async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/tasks/events", headers: { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${token}` } }, (res) => {
        assert.equal(res.headers["content-type"], "text/event-stream; charset=utf-8");
        let seen = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          seen += chunk;
          if (seen.includes("event: ready") && !seen.includes("started")) {
            seen += "started";
            void manager.addTask("gated").then(() => release());
          }
          if (/event: lifecycle\ndata: \{[^\n]*"status":"success"/.test(seen)) {
            req.destroy();
            resolve(seen);
          }
        });
      });
      req.on("error", reject);
      req.end();
    });
    assert.match(text, /event: lifecycle\ndata: \{[^\n]*"status":"pending"/);
    assert.match(text, /event: log\ndata: \{[^\n]*"message":"one"/);
    assert.match(text, /event: log\ndata: \{[^\n]*"message":"two"/);
  });

  it("gives progress events and retryFailed through the TaskflowClient over the local socket", async () => {
    const { reportProgress } = await import("../../src");
    manager.task({ name: "halfway" }, async () => reportProgress(0.5, "half"));
    const dir = mkdtempSync(path.join(tmpdir(), "taskflow-http-"));
    const endpoint = await serveLocalEndpoint({ client: manager, dbPath: path.join(dir, "tasks.sqlite"), owner: "the test" });
    const client = await HttpTaskflowClient.connect({ socketPath: endpoint.socketPath, token: endpoint.token });
    try {
      const progress: ProgressEvent[] = [];
      const sub = client.onProgress((e) => progress.push(e));
      await client.eventsReady();
      const id = await client.addTask("halfway", [], { tags: { via: "socket" } });
      assert.equal((await client.waitFor(id)).status, "success");
      assert.deepEqual(progress, [{ taskId: id, funcName: "halfway", fraction: 0.5, message: "half", tags: { via: "socket" } }]);
      sub.dispose();
      const since = new Date();
      const failed = await manager.waitFor(await manager.addTask("boom"));
      const ids = await client.retryFailed({ since, funcName: "boom" });
      assert.equal(ids.length, 1);
      assert.notEqual(ids[0], failed.taskId);
      assert.equal((await manager.waitFor(ids[0])).funcName, "boom");
    } finally {
      client.dispose();
      await endpoint.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lists schedules with GET /tasks/schedules and through the HTTP client's listSchedules", async () => {
    const sid = await manager.schedule("echo", { cron: "0 9 * * 1-5", timezone: "Europe/Berlin" }, { args: [1] });
    const listed = (await call("GET", "/tasks/schedules")).body as Array<Record<string, unknown>>;
    assert.deepEqual(listed, JSON.parse(JSON.stringify(manager.listSchedules())));
    assert.deepEqual([listed[0].scheduleId, listed[0].cron, listed[0].timezone, listed[0].source], [sid, "0 9 * * 1-5", "Europe/Berlin", "api"]);
    const dir = mkdtempSync(path.join(tmpdir(), "taskflow-http-"));
    const endpoint = await serveLocalEndpoint({ client: manager, dbPath: path.join(dir, "tasks.sqlite"), owner: "the test" });
    const client = await HttpTaskflowClient.connect({ socketPath: endpoint.socketPath, token: endpoint.token });
    try {
      assert.deepEqual(await client.listSchedules(), listed);
    } finally {
      client.dispose();
      await endpoint.close();
      rmSync(dir, { recursive: true, force: true });
      await manager.removeSchedule(sid);
    }
  });

  it("gives a TaskflowClient over the holder's local socket that behaves like the manager", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "taskflow-http-"));
    const endpoint = await serveLocalEndpoint({ client: manager, dbPath: path.join(dir, "tasks.sqlite"), owner: "the test" });
    const client = await HttpTaskflowClient.connect({ socketPath: endpoint.socketPath, token: endpoint.token });
    try {
      assert.deepEqual(client.registeredTasks().map((t) => t.name).sort(), ["boom", "echo", "gated"]);
      const logs: LogEvent[] = [];
      const lifecycles: LifecycleEvent[] = [];
      const subs = [client.onLog((e) => logs.push(e)), client.onLifecycle((e) => lifecycles.push(e))];
      await client.eventsReady();
      const id = await client.addTask("gated", [], { tags: { via: "socket" } });
      release();
      const record = await client.waitFor(id);
      assert.equal(record.status, "success");
      assert.deepEqual(record.tags, { via: "socket" });
      assert.ok(record.createdAt instanceof Date);
      assert.deepEqual(logs.map((e) => e.message), ["one", "two"]);
      assert.ok(lifecycles.some((e) => e.taskId === id && e.status === "success"));
      subs.forEach((s) => s.dispose());
      assert.deepEqual((await client.listTasks({ tag: "via=socket" })).map((r) => r.taskId), [id]);
      assert.equal(await client.countTasks({ status: ["success"] }), 1);
      assert.equal(await client.getTask("missing"), undefined);
      assert.equal((await client.metrics()).success, 1);
      assert.deepEqual(await client.funcNames(), ["gated"]);
      await assert.rejects(client.cancelTask(id), TaskStateError);
      await assert.rejects(client.retryTask("missing"), UnknownTaskError);
      await assert.rejects(client.listTasks({ limit: -1 }), ValidationError);
      await assert.rejects(client.waitFor("missing"), UnknownTaskError);
      assert.equal(await client.deleteTasks([id]), 1);
      assert.equal(await client.clearHistory(), 0);
      assert.deepEqual(await client.configureQueue("bulk", { concurrency: 3, rateLimit: { max: 5, perSeconds: 2 } }), {
        name: "bulk", concurrency: 3, maxSize: null, paused: false, rateLimit: { max: 5, perSeconds: 2 }, pending: 0, running: 0,
      });
      await client.pauseQueue("bulk");
      assert.deepEqual((await client.listQueues()).map((q) => [q.name, q.paused]), [["bulk", true], ["default", false]]);
      await client.resumeQueue("bulk");
      assert.equal(manager.listQueues()[0].paused, false);
      await assert.rejects(Promise.resolve(client.configureQueue("bulk", { maxSize: -1 })), ValidationError);
    } finally {
      client.dispose();
      await endpoint.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
