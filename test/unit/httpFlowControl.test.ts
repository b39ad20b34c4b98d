import * as assert from "node:assert/strict";
import { TaskManager } from "../../src";
import { ApiServer, HttpTaskflowClient } from "../../src/http";
import { API_ROUTES } from "../../src/http/routeTable";
import type { FlowHold, KeyInfo, TaskflowClient } from "../../src/model";

const KEYS: KeyInfo[] = [
  { key: "ada", running: 1, pending: 3, held: 2, recentStarts: 4 },
  { key: "bob", running: 0, pending: 1, held: 0, recentStarts: 0 },
];
const HOLDS: Record<string, FlowHold> = {
  "task-1": { rule: "concurrency", key: "ada", running: 1, limit: 1 },
  "task-2": { rule: "debounce", key: "bob", until: "2026-01-01T00:00:05.000Z", adds: 3 },
};

/**
 * A real local TaskManager whose listKeys and flowHolds answer fixed results: the local engine's own
 * are written on another branch, and what is tested here is the HTTP layer (route, query, reply),
 * which must carry whatever the engine answers. `asked` records the calls that reached the engine.
 */
function withFixedFlow(manager: TaskManager, asked: Array<{ funcName: string; options: unknown }>): TaskflowClient {
  const fixed = {
    listKeys: async (funcName: string, options: unknown = {}) => {
      asked.push({ funcName, options });
      return KEYS;
    },
    flowHolds: async () => HOLDS,
  };
  const client: TaskflowClient = new Proxy(manager as unknown as TaskflowClient, {
    get(target, property) {
      if (property === "actingAs") return () => client;
      if (property in fixed) return fixed[property as keyof typeof fixed];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return client;
}

describe("HTTP API: flow control per key", function () {
  this.timeout(20000);
  let manager: TaskManager;
  let server: ApiServer;
  let client: HttpTaskflowClient;
  let base: string;
  let asked: Array<{ funcName: string; options: unknown }>;

  beforeEach(async () => {
    asked = [];
    manager = new TaskManager({ onOutsideLog: () => {} });
    manager.task({ name: "sync" }, async (user: string) => user);
    await manager.start();
    server = new ApiServer({ client: withFixedFlow(manager, asked) });
    base = await server.listen(0);
    client = await HttpTaskflowClient.connect({ url: base, token: server.token });
  });
  afterEach(async () => {
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

  it("lists a function's keys through HttpTaskflowClient, passing funcName and limit on", async () => {
    assert.deepEqual(await client.listKeys("sync", { limit: 5 }), KEYS);
    assert.deepEqual(await client.listKeys("sync"), KEYS);
    assert.deepEqual(asked, [{ funcName: "sync", options: { limit: 5 } }, { funcName: "sync", options: {} }]);
  });

  it("answers the held runs by task id through HttpTaskflowClient", async () => {
    assert.deepEqual(await client.flowHolds(), HOLDS);
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
    assert.deepEqual(asked, [], "a refused request does not reach the engine");
  });
});
