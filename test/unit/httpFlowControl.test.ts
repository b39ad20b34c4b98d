import * as assert from "node:assert/strict";
import { TaskManager } from "../../src";
import { ApiServer, HttpTaskflowClient } from "../../src/http";
import { API_ROUTES } from "../../src/http/routeTable";
import type { FlowHold, KeyInfo } from "../../src/model";

describe("HTTP API: flow control per key", function () {
  this.timeout(20000);
  let manager: TaskManager;
  let server: ApiServer;
  let client: HttpTaskflowClient;
  let base: string;
  let ids: string[];
  let release: () => void;

  // A real local engine with one run of key "ada" running and a second one held by its key.
  beforeEach(async () => {
    manager = new TaskManager({ onOutsideLog: () => {} });
    const gate = new Promise<void>((resolve) => (release = resolve));
    manager.task({ name: "sync", concurrency: { key: "args[0]", limit: 1 } }, async (user: string) => {
      await gate;
      return user;
    });
    await manager.start();
    ids = [await manager.addTask("sync", ["ada"]), await manager.addTask("sync", ["ada"])];
    server = new ApiServer({ client: manager });
    base = await server.listen(0);
    client = await HttpTaskflowClient.connect({ url: base, token: server.token });
  });
  afterEach(async () => {
    release();
    client.dispose();
    await server.close();
    await manager.shutdown();
  });

  it("declares GET /tasks/keys with its funcName and limit query, and GET /tasks/holds, in the route table", () => {
    assert.deepEqual([API_ROUTES.listKeys.method, API_ROUTES.listKeys.path, API_ROUTES.listKeys.status], ["GET", "/tasks/keys", 200]);
    assert.equal(API_ROUTES.listKeys.query.toParams({ funcName: "sync", limit: 5 }).toString(), "funcName=sync&limit=5");
    assert.deepEqual(API_ROUTES.listKeys.query.fromParams(new URLSearchParams("funcName=sync&limit=5")), { funcName: "sync", limit: 5 });
    assert.deepEqual([API_ROUTES.flowHolds.method, API_ROUTES.flowHolds.path, API_ROUTES.flowHolds.query], ["GET", "/tasks/holds", undefined]);
    // The reply types, checked at compile time: a wrong one fails `tsc -b`.
    const keys: KeyInfo[] = API_ROUTES.listKeys.reply([]);
    const holds: Record<string, FlowHold> = API_ROUTES.flowHolds.reply({});
    assert.deepEqual([keys, holds], [[], {}]);
  });

  it("lists a function's keys through HttpTaskflowClient, as the engine counts them, within the limit", async () => {
    const expected: KeyInfo[] = [{ key: "ada", running: 1, pending: 1, held: 1, recentStarts: 0 }];
    assert.deepEqual(await client.listKeys("sync"), expected);
    assert.deepEqual(await client.listKeys("sync", { limit: 1 }), expected);
    assert.deepEqual(await client.listKeys("sync"), manager.listKeys("sync"));
  });

  it("answers the held runs by task id through HttpTaskflowClient", async () => {
    const expected: Record<string, FlowHold> = { [ids[1]]: { rule: "concurrency", key: "ada", running: 1, limit: 1 } };
    assert.deepEqual(await client.flowHolds(), expected);
  });

  it("answers 400 for GET /tasks/keys without funcName or with a limit that is not a whole number >= 1, saying so", async () => {
    const get = (query: string) => fetch(`${base}/tasks/keys${query}`, { headers: { Authorization: `Bearer ${server.token}` } });
    const missing = await get("");
    assert.equal(missing.status, 400);
    assert.deepEqual(await missing.json(), {
      name: "HttpError",
      error: "GET /tasks/keys needs funcName, the task function whose keys to list, got none: /tasks/keys?funcName=sync",
    });
    const badLimit = await get("?funcName=sync&limit=0");
    assert.equal(badLimit.status, 400);
    assert.equal(((await badLimit.json()) as { error: string }).error, 'limit must be a whole number >= 1, got "0"');
  });
});
