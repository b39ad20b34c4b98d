import * as assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { BullmqTaskManager, TaskManager, type ConnectionState } from "../../src";
import { connectionUrl } from "../../src/extension/session/backendSetting";
import { requireRedisServer, startRedisServer, type RedisServer } from "./helpers/redisServer";

/** Resolves with the first state `manager` reports that matches. */
function next(manager: BullmqTaskManager, connected: boolean): Promise<ConnectionState> {
  return new Promise((resolve) => {
    const subscription = manager.onDidChangeConnection((state) => {
      if (state.connected !== connected) return;
      subscription.dispose();
      resolve(state);
    });
  });
}

describe("BullMQ backend: the Redis connection, lost and back", function () {
  this.timeout(60_000);
  let executable: string;
  const servers: RedisServer[] = [];
  const managers: BullmqTaskManager[] = [];

  before(function () {
    executable = requireRedisServer(this, "the BullMQ connection tests");
  });

  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.shutdown()));
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });

  function manager(url: string): BullmqTaskManager {
    const m = new TaskManager({ backend: { type: "bullmq", connection: url, prefix: `c${randomUUID().slice(0, 8)}`, worker: false }, onOutsideLog: () => undefined });
    managers.push(m);
    return m;
  }

  it("says when Redis goes away and when it is back, and keeps a run added while it was away", async () => {
    const server = await startRedisServer(executable, { durable: true });
    servers.push(server);
    const m = manager(server.url);
    m.task({ name: "later" }, async () => "done");
    await m.start();
    // A listener makes the manager read BullMQ's event streams, whose connections must come back too.
    const events: string[] = [];
    m.onLifecycle((e) => events.push(`${e.taskId} ${e.status}`));
    assert.equal(m.connection().connected, true);
    assert.equal(m.location, server.url);
    const before = await m.addTask("later");

    const lost = next(m, false);
    await server.halt();
    const lostState = await lost;
    assert.equal(m.connection().connected, false);
    assert.ok(lostState.since instanceof Date);

    // Acknowledged only once Redis has it: the call waits for the connection instead of failing.
    const during = m.addTask("later");
    const back = next(m, true);
    const restarted = await startRedisServer(executable, { durable: true, port: server.port, dir: server.dir });
    servers.push(restarted);
    await back;
    assert.equal(m.connection().connected, true);
    assert.equal(m.connection().error, null);
    const id = await during;
    assert.equal((await m.getTask(id))?.status, "pending", "the run added while Redis was away is in the queue");
    assert.equal((await m.getTask(before))?.status, "pending", "the run added before is still there (AOF)");
    await m.shutdown();
  });

  it("connects with a password put into the URL, and refuses to start without it, saying what to do", async () => {
    const server = await startRedisServer(executable, { durable: false, args: ["--requirepass", "p@ss:w/rd"] });
    servers.push(server);
    const good = manager(connectionUrl(server.url, "p@ss:w/rd"));
    await good.start();
    assert.equal(good.connection().connected, true);
    assert.doesNotMatch(good.location, /p@ss/, "the password is masked where the URL is shown");
    await assert.rejects(manager(server.url).start(), /^Error: Redis at redis:\/\/127\.0\.0\.1:\d+ refused the connection \(NOAUTH[^)]*\): give its password, .* Taskflow: Set Redis Password$/);
  });
});
