import * as assert from "node:assert/strict";
import IORedis from "ioredis";
import { reportProgress, taskLog, type LogEvent, type ProgressEvent } from "../../src";
import { EventStream, fieldOf } from "../../src/backends/bullmq/eventStream";
import { signal, useRedis } from "./helpers/bullmqHarness";

describe("BullMQ backend: the event stream", function () {
  this.timeout(30000);
  const redis = useRedis(this);

  it("tells a manager that runs nothing of a worker's log lines and progress", async () => {
    const worker = redis.manager();
    const chatty = worker.task({ name: "chatty" }, async () => {
      taskLog("first line", { extra: { n: 1 } });
      reportProgress(0.25, "a quarter");
      taskLog("second line", { level: "warning" });
    });
    await worker.start();
    const reader = redis.manager({ worker: false });
    await reader.start();
    const logs: LogEvent[] = [];
    const progress: ProgressEvent[] = [];
    const bothLines = signal();
    const quarter = signal();
    reader.onLog((event) => {
      logs.push(event);
      if (logs.length === 2) bothLines.resolve();
    });
    reader.onProgress((event) => {
      progress.push(event);
      quarter.resolve();
    });
    const id = await worker.addTask(chatty, [], { tags: { env: "dev" } });
    assert.equal((await reader.waitFor(id)).status, "success");
    const timeout = new Promise<string>((r) => setTimeout(() => r("timeout"), 10000));
    assert.equal(await Promise.race([bothLines.promise.then(() => "heard"), timeout]), "heard", `heard ${logs.length} log line(s)`);
    assert.equal(await Promise.race([quarter.promise.then(() => "heard"), timeout]), "heard", "heard no progress");
    assert.deepEqual(logs.map((e) => [e.taskId, e.funcName, e.message, e.level, e.tags, e.extra]), [
      [id, "chatty", "first line", "info", { env: "dev" }, { n: 1 }],
      [id, "chatty", "second line", "warning", { env: "dev" }, {}],
    ]);
    assert.deepEqual(progress.map((e) => [e.taskId, e.funcName, e.fraction, e.message, e.tags]), [[id, "chatty", 0.25, "a quarter", { env: "dev" }]]);
  });

  it("reads every entry once and in order across its connection being killed by Redis", async () => {
    const url = redis.server!.url;
    const writer = new IORedis(url);
    const key = `${redis.prefix}:events`;
    const heard: string[] = [];
    const all = signal();
    const stream = new EventStream({ connect: () => new IORedis(url, { maxRetriesPerRequest: null }), key, after: "0-0", gapMs: 20, blockMs: 500 }, (event, fields) => {
      assert.equal(event, "step");
      heard.push(fieldOf(fields, "n") ?? "?");
      if (heard.length === 40) all.resolve();
    });
    try {
      for (let n = 0; n < 20; n++) await writer.xadd(key, "*", "event", "step", "n", String(n));
      while (heard.length < 20) await new Promise((r) => setTimeout(r, 10));
      const readers = (await writer.client("LIST")) as string;
      const blocked = readers.split("\n").filter((line) => /cmd=xread/.test(line)).map((line) => /id=(\d+)/.exec(line)?.[1]);
      assert.equal(blocked.length, 1, `expected the reader's one blocked XREAD, found: ${readers}`);
      await writer.client("KILL", "ID", blocked[0]!);
      for (let n = 20; n < 40; n++) await writer.xadd(key, "*", "event", "step", "n", String(n));
      const timeout = new Promise<string>((r) => setTimeout(() => r("timeout"), 10000));
      assert.equal(await Promise.race([all.promise.then(() => "all"), timeout]), "all", `heard ${heard.join(",")}`);
    } finally {
      await stream.close();
      writer.disconnect();
    }
    assert.deepEqual(heard, Array.from({ length: 40 }, (_, n) => String(n)));
  });
});
