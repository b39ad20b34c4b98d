import * as assert from "node:assert/strict";
import { request } from "node:http";
import fc from "fast-check";
import { TaskManager } from "../../src";
import { ApiServer } from "../../src/http";
import { API_ROUTES } from "../../src/http/routeTable";
import { fuzzParameters, fuzzTimeout, hostileKey, hostileObject, hostileString, hostileValue } from "./helpers/fuzz";

interface Reply {
  status: number;
  text: string;
}

interface Call {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** One request over a real socket; undefined when Node's own client refuses to send it (a header it cannot write). */
function send(port: number, call: Call): Promise<Reply | undefined> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...call.headers };
    if (call.body !== undefined) headers["Content-Length"] = Buffer.byteLength(call.body);
    let req;
    try {
      req = request({ host: "127.0.0.1", port, method: call.method, path: call.path, headers }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      });
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith("ERR_")) return resolve(undefined);
      return reject(error);
    }
    req.on("error", reject);
    req.end(call.body);
  });
}

const ROUTES = Object.values(API_ROUTES).filter((r) => (r.path as string) !== "/tasks/events");
/** encodeURIComponent, with lone surrogates (which it cannot encode) replaced by U+FFFD. */
function encode(text: string): string {
  return encodeURIComponent(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"));
}

/** A body's text: the value's JSON, or a broken JSON text when the value has none (a cycle, a BigInt). */
function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "null";
  } catch {
    return "{\"self\":";
  }
}

const BODY_KEYS = [
  "task", "args", "kwargs", "tags", "idempotencyKey", "queue", "priority", "delay", "runAt", "items", "taskIds", "since", "funcName", "name", "value",
  "resume", "fromStep", "paused", "concurrency", "maxSize", "rateLimit", "every", "cron", "timezone", "runOnStart", "olderThanSeconds",
];
const QUERY_KEYS = ["status", "funcName", "tag", "search", "queue", "limit", "offset", "sort", "order", "createdBefore", "withLogs", "bucket", "since", "olderThanSeconds", "parentId", "scheduleId"];

describe("fuzz: HTTP bodies, query strings and headers on a real socket", function () {
  this.timeout(fuzzTimeout(120_000));
  let manager: TaskManager;
  let server: ApiServer;
  let port: number;

  before(async () => {
    manager = new TaskManager({ onOutsideLog: () => undefined });
    manager.task({ name: "echo" }, async (x: unknown) => x);
    manager.task({ name: "boom" }, async () => {
      throw new Error("boom");
    });
    await manager.start();
    server = new ApiServer({ client: manager, maxBodyBytes: 4096 });
    port = Number(new URL(await server.listen(0)).port);
  });
  after(async () => {
    await server.close();
    await manager.shutdown();
  });

  /** The stored tasks: every one while there are few, then the count and the newest 200, so a 10,000-case run stays linear. */
  function stored(): string {
    return `${manager.countTasks()} ${JSON.stringify(manager.listTasks({ limit: 200 }).map((t) => t.toDict()))}`;
  }

  it("answers a path segment that is not valid percent-encoding with 400 naming it, not 500", async () => {
    for (const segment of ["%", "%zz", "%E0%A4%A"]) {
      const reply = await send(port, { method: "GET", path: `/tasks/${segment}/logs`, headers: { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${server.token}` }, body: undefined });
      assert.equal(reply?.status, 400, reply?.text);
      assert.match(JSON.parse(reply.text).error, new RegExp(`^The path /tasks/${segment}/logs must be URL-encoded, got the segment "${segment}" that does not decode`));
    }
  });

  it("answers any request with a success or a 4xx whose error says what was expected, never a 500, and a refusal changes nothing stored", async () => {
    const seeded = [(await manager.waitFor(await manager.addTask("echo", [1]))).taskId, (await manager.waitFor(await manager.addTask("boom"))).taskId];
    const segment = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...seeded, "00000000-0000-4000-8000-000000000000", "emails", "default", "nope") },
      { weight: 2, arbitrary: hostileString.map((s) => encode(s.slice(0, 300))) },
      { weight: 1, arbitrary: fc.constantFrom("..", "%", "%zz", "%00", "a%2Fb", "", "%E0%A4%A") },
    );
    const routeCall = fc.tuple(fc.constantFrom(...ROUTES), segment).map(([route, value]) => ({ routeMethod: route.method, path: route.path.replace(/\{[a-z]+\}/g, value) }));
    const queryValue = fc.oneof(fc.constantFrom("failed", "success", "echo", "10", "-1", "0", "1.5", "NaN", "desc", "minute", "hour", "true", "2026-01-01T00:00:00Z", ""), hostileString.map((s) => s.slice(0, 500)));
    const query = fc.array(fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...QUERY_KEYS) }, { weight: 1, arbitrary: hostileKey }), queryValue), { maxLength: 4 })
      .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join("&")}`));
    const bodyValue = fc.oneof(
      { weight: 3, arbitrary: hostileValue },
      { weight: 2, arbitrary: fc.constantFrom("echo", "boom", "nope", ...seeded, [1, "a"], {}, [], true, 0, 5, "2026-01-01T00:00:00Z", "fetch#2", "*/5 * * * *", 60) },
      { weight: 1, arbitrary: fc.array(fc.constantFrom(...seeded, "x"), { maxLength: 3 }) },
    );
    const body = fc.oneof(
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 5, arbitrary: hostileObject(BODY_KEYS, bodyValue).map(jsonText) },
      { weight: 1, arbitrary: hostileValue.map(jsonText) },
      { weight: 1, arbitrary: fc.oneof(hostileString, fc.constantFrom("{", "[1,", "{\"a\":}", "\u0000", "x".repeat(5000))) },
    );
    const headers = fc.record({
      host: fc.oneof({ weight: 8, arbitrary: fc.constant(`127.0.0.1:${port}`) }, { weight: 1, arbitrary: fc.constantFrom(`localhost:${port}`, "evil.example", `127.0.0.1:${port + 1}`, "") }),
      authorization: fc.oneof({ weight: 8, arbitrary: fc.constant(`Bearer ${server.token}`) }, { weight: 1, arbitrary: fc.constantFrom("", "Bearer", "Bearer x", `bearer ${server.token}`, `Basic ${server.token}`) }),
      origin: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(`http://127.0.0.1:${port}`, "http://evil.example", "null", "") }),
      actor: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom("cli", "http", "extension", "user", "root"), hostileString.map((s) => s.slice(0, 100))) }),
      contentType: fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", ""),
    });
    const call = fc.record({
      method: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.constantFrom("GET", "POST", "PATCH", "DELETE") }, { weight: 1, arbitrary: fc.constantFrom("PUT", "OPTIONS", "HEAD", "TRACE") }),
      route: routeCall, query, body, headers,
    }).map(({ method, route, query, body, headers }): Call => ({
      method: method ?? route.routeMethod, path: `${route.path}${query}`, body,
      headers: {
        Host: headers.host, Authorization: headers.authorization, "Content-Type": headers.contentType,
        ...(headers.origin === null ? {} : { Origin: headers.origin }), ...(headers.actor === null ? {} : { "X-Taskflow-Actor": headers.actor }),
      },
    }));

    let n = 0;
    await fc.assert(fc.asyncProperty(call, async (c) => {
      const before = stored();
      const reply = await send(port, c);
      if (reply === undefined) return;
      assert.ok([200, 201, 400, 401, 403, 404, 405, 409, 413].includes(reply.status), `${c.method} ${c.path} answered ${reply.status}: ${reply.text}`);
      if (reply.status >= 400 && c.method !== "HEAD") {
        const error = JSON.parse(reply.text) as { error?: unknown; name?: unknown };
        assert.equal(typeof error.error, "string", `an error body has { error }: ${reply.text}`);
        assert.doesNotMatch(String(error.error), /Cannot read prop|is not a function|is not iterable|Maximum call stack/, `a crash, not a refusal: ${reply.text}`);
        assert.match(String(error.error), /must|expected|needs|takes|No |not supported|[Uu]nknown|not |got|only|use /, `the error says what was expected: ${reply.text}`);
        // A queue at its maxSize records the run as rejected by design; every other refusal stores nothing.
        if (error.name !== "QueueFullError") assert.equal(stored(), before, `${c.method} ${c.path} was refused with ${reply.status} but changed the store`);
      }
      // Every 20th case, and the last: the API still adds tasks (each check is a task more to compare).
      if (n++ % 20 !== 0) return;
      const check = await send(port, { method: "POST", path: "/tasks", headers: { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${server.token}`, "Content-Type": "application/json" }, body: JSON.stringify({ task: "echo", args: ["still working"] }) });
      assert.equal(check?.status, 201, `the API still adds tasks: ${check?.text}`);
    }), fuzzParameters());
    const last = await send(port, { method: "POST", path: "/tasks", headers: { Host: `127.0.0.1:${port}`, Authorization: `Bearer ${server.token}`, "Content-Type": "application/json" }, body: JSON.stringify({ task: "echo", args: ["still working"] }) });
    assert.equal(last?.status, 201, `the API still adds tasks: ${last?.text}`);
  });
});
