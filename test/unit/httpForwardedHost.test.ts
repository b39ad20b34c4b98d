import * as assert from "node:assert/strict";
import { request } from "node:http";
import { TaskManager } from "../../src";
import { ApiServer } from "../../src/http";

/** GET /tasks over a real socket to 127.0.0.1:`port`, addressed to `host`. */
function getTasks(port: number, host: string, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = { Host: host, ...(token ? { Authorization: `Bearer ${token}` } : {}) };
    const req = request({ host: "127.0.0.1", port, path: "/tasks", headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("HTTP API: requests a remote window's port forwarding delivers", () => {
  let manager: TaskManager;
  let server: ApiServer;
  let port: number;

  beforeEach(async () => {
    manager = new TaskManager({ onOutsideLog: () => undefined });
    await manager.start();
    server = new ApiServer({ client: manager });
    port = Number(new URL(await server.listen()).port);
  });
  afterEach(async () => {
    await server.close();
    await manager.shutdown();
  });

  it("answers a forwarded Host only once it is allowed, and still only with the token", async () => {
    const forwarded = "Code.Example:8443";
    assert.equal(await getTasks(port, forwarded, server.token), 403, "another Host is refused (DNS rebinding)");
    server.allowForwardedHost(forwarded);
    assert.equal(await getTasks(port, "code.example:8443", server.token), 200);
    assert.equal(await getTasks(port, "code.example:8443"), 401);
    assert.equal(await getTasks(port, "evil.example:8443", server.token), 403, "only the Host allowed");
    assert.equal(await getTasks(port, `127.0.0.1:${port}`, server.token), 200, "the loopback address still answers");
  });
});
