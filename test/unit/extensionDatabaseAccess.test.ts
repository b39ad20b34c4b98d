import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { TaskManager } from "../../src";
import { serveLocalEndpoint } from "../../src/http";
import { setTimeout as sleep } from "node:timers/promises";
import { HolderWithoutEndpointError, WINDOW_OWNER, openOrForward, watchHolder, type DatabaseAccess } from "../../src/extension/session/databaseAccess";
import { ManagerProxy } from "../../src/extension/session/managerProxy";
import { killHard, startUntilReady } from "./helpers/readyChild";

function manager(dbPath: string, lockOwner: string): TaskManager {
  const m = new TaskManager({ dbPath, lockOwner, onOutsideLog: () => undefined });
  m.task({ name: "double" }, async (n: number) => n * 2);
  return m;
}

/** What a window's start() does: a manager that is shut down again when it could not start. */
function starter(dbPath: string, started: TaskManager[]) {
  return async () => {
    const m = manager(dbPath, WINDOW_OWNER);
    try {
      await m.start();
    } catch (error) {
      await m.shutdown();
      throw error;
    }
    started.push(m);
    return m;
  };
}

/** Resolves once watchHolder says the holder `access` forwards to is gone. */
function holderGone(dbPath: string, access: Extract<DatabaseAccess<unknown>, { kind: "forwarded" }>, stops: Array<() => void>): Promise<void> {
  return new Promise((resolve) => {
    const watch = watchHolder({ dbPath, lock: access.lock, gone: resolve, intervalMs: 20, warn: (message) => assert.fail(message) });
    stops.push(() => watch.dispose());
  });
}

describe("extension: a window holds its database or forwards to its holder", () => {
  let dir: string;
  let dbPath: string;
  const cleanup: Array<() => Promise<unknown> | void> = [];

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "taskflow-access-"));
    dbPath = path.join(dir, "taskflow.sqlite");
  });

  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup.length = 0;
    rmSync(dir, { recursive: true, force: true });
  });

  it("holds a database that nobody holds", async () => {
    const started: TaskManager[] = [];
    const access = await openOrForward({ dbPath, start: starter(dbPath, started) });
    cleanup.push(() => started[0]?.shutdown());
    assert.equal(access.kind, "local");
    assert.equal(started.length, 1);
  });

  it("forwards to a holder with an endpoint: tasks run there, and registering here is refused", async () => {
    const holder = manager(dbPath, "taskflow serve");
    await holder.start();
    const endpoint = await serveLocalEndpoint({ client: holder, dbPath, owner: "taskflow serve" });
    cleanup.push(() => holder.shutdown(), () => endpoint.close());

    const access = await openOrForward({ dbPath, start: starter(dbPath, []), wait: () => assert.fail("a holder with an endpoint is not waited for") });
    assert.equal(access.kind, "forwarded");
    if (access.kind !== "forwarded") return;
    cleanup.push(() => access.client.dispose());
    assert.equal(access.holder, `taskflow serve (process ${process.pid})`);

    const proxy = new ManagerProxy("unavailable");
    proxy.attach(access.client, `This window uses the task database of ${access.holder}`);
    assert.deepEqual(proxy.registeredTasks().map((t) => t.name), ["double"]);
    const taskId = await proxy.addTask("double", [21]);
    assert.equal((await proxy.waitFor(taskId)).result, 42);
    assert.equal(holder.getTask(taskId)?.status, "success", "the holder ran and stored it");
    assert.throws(() => proxy.task({ name: "mine" }, async () => 1), /^Error: This window uses the task database of taskflow serve/);
    proxy.attach(undefined);
  });

  it("waits briefly for a holder without an endpoint, then says who holds it", async () => {
    const holder = manager(dbPath, "taskflow run");
    await holder.start();
    cleanup.push(() => holder.shutdown());
    const waits: number[] = [];
    const refused = openOrForward({ dbPath, start: starter(dbPath, []), attempts: 3, retryDelayMs: 50, wait: async (ms) => waits.push(ms) });
    await assert.rejects(refused, (error: Error) => {
      assert.ok(error instanceof HolderWithoutEndpointError);
      assert.match(error.message, new RegExp(`held by taskflow run \\(process ${process.pid}\\), which does not accept forwarded calls`));
      assert.match(error.message, /Close that process \(or let its command finish\)/);
      return true;
    });
    assert.deepEqual(waits, [50, 50]);
  });

  it("takes the database once a holder without an endpoint lets it go", async () => {
    const holder = manager(dbPath, "taskflow run");
    await holder.start();
    const started: TaskManager[] = [];
    const access = await openOrForward({ dbPath, start: starter(dbPath, started), wait: () => holder.shutdown() });
    cleanup.push(() => started[0]?.shutdown());
    assert.equal(access.kind, "local");
    assert.ok(started[0]?.registeredTasks().some((t) => t.name === "double"));
  });

  it("takes the database over when the window it forwards to closes, and runs every task that window acknowledged", async () => {
    const holder = manager(dbPath, WINDOW_OWNER);
    await holder.start();
    const endpoint = await serveLocalEndpoint({ client: holder, dbPath, owner: WINDOW_OWNER });
    const access = await openOrForward({ dbPath, start: starter(dbPath, []) });
    assert.equal(access.kind, "forwarded");
    if (access.kind !== "forwarded") return;
    const stops: Array<() => void> = [];
    cleanup.push(() => stops.forEach((stop) => stop()), () => access.client.dispose());
    const gone = holderGone(dbPath, access, stops);
    const ranThere = await access.client.addTask("double", [50]);
    assert.equal((await access.client.waitFor(ranThere)).result, 100);
    // Due in a second: still pending when their holder closes.
    const pending = await Promise.all(Array.from({ length: 10 }, (_, i) => access.client.addTask("double", [i], { delay: 1 })));
    // What a window does when it closes: the endpoint first, then the manager (which releases the lock).
    await endpoint.close();
    await holder.shutdown();
    await gone;

    const started: TaskManager[] = [];
    const again = await openOrForward({ dbPath, start: starter(dbPath, started) });
    cleanup.push(() => started[0]?.shutdown());
    assert.equal(again.kind, "local", "nobody holds the database any more, so the window takes it");
    const taken = started[0];
    assert.equal(taken.getTask(ranThere)?.result, 100, "the run that finished in the holder is in the history");
    const results = await Promise.all(pending.map(async (id) => (await taken.waitFor(id)).result));
    assert.deepEqual(results, Array.from({ length: 10 }, (_, i) => i * 2));
  });

  it("takes the database over when the process it forwards to is killed, with every task acknowledged more than 100 ms before", async function () {
    this.timeout(60_000);
    const { child } = await startUntilReady("test/fixtures/holderChild.ts", [dbPath]);
    cleanup.push(() => (child.exitCode === null && child.signalCode === null ? killHard(child) : undefined));
    const access = await openOrForward({ dbPath, start: starter(dbPath, []) });
    assert.equal(access.kind, "forwarded");
    if (access.kind !== "forwarded") return;
    assert.equal(access.lock.pid, child.pid);
    const stops: Array<() => void> = [];
    cleanup.push(() => stops.forEach((stop) => stop()), () => access.client.dispose());
    const gone = holderGone(dbPath, access, stops);
    const acknowledged = await Promise.all(Array.from({ length: 20 }, (_, i) => access.client.addTask("double", [i], { delay: 1 })));
    // The engine's promise: an acknowledged add is on disk within 100 ms.
    await sleep(150);
    await killHard(child);
    await gone;

    const started: TaskManager[] = [];
    const again = await openOrForward({ dbPath, start: starter(dbPath, started) });
    cleanup.push(() => started[0]?.shutdown());
    assert.equal(again.kind, "local", "the killed holder's lock is stale, so the window takes it");
    const results = await Promise.all(acknowledged.map(async (id) => (await started[0].waitFor(id)).result));
    assert.deepEqual(results, Array.from({ length: 20 }, (_, i) => i * 2));
  });

  it("passes on an error that is not about the lock", async () => {
    await assert.rejects(openOrForward({ dbPath, start: () => Promise.reject(new Error("disk full")) }), /^Error: disk full$/);
  });

  it("registers the proxy's own functions again once it is attached to a manager that holds the database", async () => {
    const holder = manager(dbPath, "taskflow serve");
    await holder.start();
    const endpoint = await serveLocalEndpoint({ client: holder, dbPath, owner: "taskflow serve" });
    const proxy = new ManagerProxy("unavailable");
    const own = manager(path.join(dir, "own.sqlite"), WINDOW_OWNER);
    await own.start();
    proxy.attach(own);
    proxy.task({ name: "fromAnotherExtension" }, async () => "ok");
    await own.shutdown();
    const forwarded = await openOrForward({ dbPath, start: starter(dbPath, []) });
    assert.equal(forwarded.kind, "forwarded");
    if (forwarded.kind !== "forwarded") return;
    proxy.attach(forwarded.client, "forwarding");
    assert.ok(!holder.registeredTasks().some((t) => t.name === "fromAnotherExtension"), "nothing is registered on the holder");
    const next = manager(path.join(dir, "own.sqlite"), WINDOW_OWNER);
    await next.start();
    proxy.attach(next);
    assert.ok(next.registeredTasks().some((t) => t.name === "fromAnotherExtension"));
    forwarded.client.dispose();
    await endpoint.close();
    await Promise.all([holder.shutdown(), next.shutdown()]);
  });
});
