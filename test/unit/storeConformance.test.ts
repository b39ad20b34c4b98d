import * as assert from "node:assert/strict";
import { AUDIT_MAX_ENTRIES, newTaskData, resolveThroughputQuery, type AuditEntry, type ListTasksQuery, type ScheduleData, type TaskData, type TaskStatus } from "../../src/model";
import type { TaskStore } from "../../src/store";
import { memoryHarness, sqlJsHarness, type StoreHarness } from "./helpers/storeHarness";

function task(overrides: Partial<TaskData> & { taskId: string }): TaskData {
  return newTaskData({
    funcName: "sendEmail",
    args: ["a@example.com", 3],
    kwargs: { subject: "hi", nested: { n: [1, 2] } },
    createdAt: 1_700_000_000_000,
    ...overrides,
  });
}

function ids(tasks: TaskData[]): string[] {
  return tasks.map((t) => t.taskId);
}

function storeConformance(name: string, makeHarness: () => StoreHarness): void {
  describe(`TaskStore conformance: ${name}`, () => {
    let harness: StoreHarness;
    let store: TaskStore;

    beforeEach(async () => {
      harness = makeHarness();
      store = await harness.create();
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it("round-trips every field of a task, payload and tags included", async () => {
      const full = task({
        taskId: "t1", status: "failed", startTime: 1_700_000_000_500, endTime: 1_700_000_002_000, retriesUsed: 2,
        error: "boom", stacktrace: "Error: boom\n    at x", idempotencyKey: "key-1", tags: { env: "prod", team: "core" },
        encryptedPayload: new Uint8Array([0, 1, 2, 255]), result: { rows: [1, "two", null] }, parentId: "p0", queue: "emails",
        priority: -3, runAt: 1_700_000_009_000, scheduleId: "s1", progress: { fraction: 0.4, message: "row 4 of 10" },
      });
      store.saveTask(full);
      store.appendLogs("t1", ["2026-01-01T00:00:00 one"]);
      store = await harness.reload(store);
      assert.deepEqual(store.getTask("t1"), { ...full, logs: ["2026-01-01T00:00:00 one"] });
      assert.equal(store.getTask("missing"), undefined);
    });

    it("copies what goes in and what comes out", async () => {
      const original = task({ taskId: "t1", tags: { env: "prod" }, encryptedPayload: new Uint8Array([1]) });
      store.saveTask(original);
      original.args.push("mutated");
      original.tags.env = "mutated";
      original.encryptedPayload![0] = 9;
      const got = store.getTask("t1")!;
      got.kwargs.subject = "mutated";
      (got.kwargs.nested as { n: number[] }).n.push(99);
      got.logs.push("mutated");
      store.listTasks()[0].tags.env = "mutated";
      const again = store.getTask("t1")!;
      assert.deepEqual(again.args, ["a@example.com", 3]);
      assert.deepEqual(again.tags, { env: "prod" });
      assert.deepEqual(again.kwargs, { subject: "hi", nested: { n: [1, 2] } });
      assert.deepEqual(again.logs, []);
      assert.deepEqual(again.encryptedPayload, new Uint8Array([1]));
    });

    it("replaces every field on save but keeps the logs, which only grow through appendLogs", async () => {
      store.saveTask(task({ taskId: "t1", logs: ["ignored on save"] }));
      store.appendLogs("t1", ["a", "b"]);
      store.appendLogs("t1", ["c"]);
      store.saveTask(task({ taskId: "t1", status: "success", startTime: 1, endTime: 2, logs: [] }));
      store.appendLogs("t1", ["d"]);
      store = await harness.reload(store);
      const got = store.getTask("t1")!;
      assert.equal(got.status, "success");
      assert.equal(got.endTime, 2);
      assert.deepEqual(got.logs, ["a", "b", "c", "d"]);
      store.appendLogs("t1", ["e"]);
      store = await harness.reload(store);
      assert.deepEqual(store.getTask("t1")!.logs, ["a", "b", "c", "d", "e"]);
    });

    it("saves a batch like one save per task, in order, copying each", async () => {
      const first = task({ taskId: "t1" });
      store.saveTasks([first, task({ taskId: "t2" }), task({ taskId: "t1", status: "running", startTime: 5 })]);
      first.args.push("mutated");
      store.saveTasks([]);
      store = await harness.reload(store);
      assert.deepEqual(ids(store.listTasks({ sort: { by: "createdAt", order: "asc" } })), ["t1", "t2"]);
      assert.deepEqual([store.getTask("t1")?.status, store.getTask("t1")?.startTime, store.getTask("t1")?.args], ["running", 5, ["a@example.com", 3]]);
    });

    it("saves, replaces and deletes schedules by id, every field kept across a reopen", async () => {
      const every: ScheduleData = {
        scheduleId: "s1", funcName: "sendEmail", every: 300, cron: null, timezone: null, args: [1, "two"], kwargs: { k: { n: [1] } },
        tags: { env: "dev" }, runOnStart: true, nextRunAt: "2026-01-01T00:05:00.000Z", lastRunAt: null, lastTaskId: null, paused: false, source: "api",
      };
      const cron: ScheduleData = {
        ...every, scheduleId: "s2", every: null, cron: "0 9 * * 1-5", timezone: "Europe/Berlin", args: [], kwargs: {}, tags: {},
        runOnStart: false, nextRunAt: null, lastRunAt: "2026-01-01T00:00:00.000Z", lastTaskId: "t9", paused: true, source: "module",
      };
      store.saveSchedule(cron);
      store.saveSchedule(every);
      every.args.push("changed by the caller");
      store = await harness.reload(store);
      assert.deepEqual(store.listSchedules().map((s) => s.scheduleId), ["s1", "s2"]);
      assert.deepEqual(store.listSchedules()[0].args, [1, "two"]);
      assert.deepEqual(store.listSchedules()[1], cron);
      store.saveSchedule({ ...cron, paused: false, nextRunAt: "2026-01-02T08:00:00.000Z" });
      store.deleteSchedule("s1");
      store.deleteSchedule("missing");
      store = await harness.reload(store);
      assert.deepEqual(store.listSchedules(), [{ ...cron, paused: false, nextRunAt: "2026-01-02T08:00:00.000Z" }]);
    });

    it("drops log lines of a task that does not exist", async () => {
      store.appendLogs("ghost", ["x"]);
      store = await harness.reload(store);
      assert.equal(store.getTask("ghost"), undefined);
      assert.equal(store.countTasks(), 0);
    });

    it("lists newest first, ties broken by task id, with limit, offset and a default page of 100", async () => {
      for (let i = 0; i < 120; i++) store.saveTask(task({ taskId: `t${String(i).padStart(3, "0")}`, createdAt: 1000 + Math.floor(i / 2) }));
      store = await harness.reload(store);
      const page = store.listTasks();
      assert.equal(page.length, 100);
      assert.deepEqual(ids(page.slice(0, 3)), ["t119", "t118", "t117"]);
      assert.deepEqual(ids(store.listTasks({ limit: 2, offset: 118 })), ["t001", "t000"]);
      assert.deepEqual(store.listTasks({ limit: 0 }), []);
      assert.equal(store.countTasks({ limit: 1 }), 120);
      assert.throws(() => store.listTasks({ limit: -1 }), /listTasks query "limit" must be a whole number >= 0, got the number -1/);
    });

    it("filters by one or many statuses, function name, tag key, tag key=value, creation time and search text", async () => {
      store.saveTask(task({ taskId: "a1", funcName: "seedDb", status: "success", createdAt: 1, tags: { env: "prod" } }));
      store.saveTask(task({ taskId: "a2", funcName: "seedDb", status: "failed", createdAt: 2, error: "Connection REFUSED", tags: { env: "dev" } }));
      store.saveTask(task({ taskId: "b3", funcName: "syncTranslations", status: "running", createdAt: 3, tags: { owner: "Ünïcode Team" } }));
      store.saveTask(task({ taskId: "b4", funcName: "syncTranslations", status: "pending", createdAt: 4 }));
      store = await harness.reload(store);
      assert.deepEqual(ids(store.listTasks({ status: "success" })), ["a1"]);
      assert.deepEqual(ids(store.listTasks({ status: ["failed", "pending"] })), ["b4", "a2"]);
      assert.deepEqual(ids(store.listTasks({ status: [] })), []);
      assert.deepEqual(ids(store.listTasks({ funcName: "seedDb" })), ["a2", "a1"]);
      assert.deepEqual(ids(store.listTasks({ tag: "env" })), ["a2", "a1"]);
      assert.deepEqual(ids(store.listTasks({ tag: "env=prod" })), ["a1"]);
      assert.deepEqual(ids(store.listTasks({ tag: "env=" })), []);
      assert.deepEqual(ids(store.listTasks({ createdBefore: 3 })), ["a2", "a1"]);
      assert.deepEqual(ids(store.listTasks({ search: "SEED" })), ["a2", "a1"], "function name, any case");
      assert.deepEqual(ids(store.listTasks({ search: "refused" })), ["a2"], "error");
      assert.deepEqual(ids(store.listTasks({ search: "B4" })), ["b4"], "task id");
      assert.deepEqual(ids(store.listTasks({ search: "ünïcode" })), ["b3"], "tag value, non-ASCII case folding");
      assert.deepEqual(ids(store.listTasks({ search: "env" })), [], "tag keys are not searched");
      assert.deepEqual(ids(store.listTasks({ funcName: "seedDb", status: "failed", tag: "env=dev", search: "conn" })), ["a2"]);
      assert.equal(store.countTasks({ funcName: "syncTranslations" }), 2);
      assert.equal(store.countTasks({ status: ["success", "failed"], createdBefore: 2 }), 1);
    });

    it("filters by parent task, queue and schedule, in listTasks and countTasks alike", async () => {
      store.saveTask(task({ taskId: "p", createdAt: 1 }));
      store.saveTask(task({ taskId: "c1", createdAt: 2, parentId: "p", queue: "emails", scheduleId: "s1" }));
      store.saveTask(task({ taskId: "c2", createdAt: 3, parentId: "p", queue: "emails", priority: 5 }));
      store.saveTask(task({ taskId: "x", createdAt: 4, queue: "reports", scheduleId: "s1" }));
      store = await harness.reload(store);
      assert.deepEqual(ids(store.listTasks({ parentId: "p" })), ["c2", "c1"]);
      assert.deepEqual(ids(store.listTasks({ queue: "emails" })), ["c2", "c1"]);
      assert.deepEqual(ids(store.listTasks({ queue: "default" })), ["p"], "a task saved without a queue is in \"default\"");
      assert.deepEqual(ids(store.listTasks({ scheduleId: "s1" })), ["x", "c1"]);
      assert.deepEqual(ids(store.listTasks({ parentId: "p", scheduleId: "s1" })), ["c1"]);
      assert.deepEqual(ids(store.listTasks({ parentId: "nobody" })), []);
      assert.equal(store.countTasks({ queue: "emails" }), 2);
      assert.equal(store.countTasks({ scheduleId: "s1", queue: "reports" }), 1);
    });

    it("sorts by createdAt, duration, funcName or status in either order, ties by taskId the same way, no duration last", async () => {
      const d = (startTime: number | null, endTime: number | null) => ({ startTime, endTime });
      store.saveTask(task({ taskId: "a", funcName: "beta", status: "success", createdAt: 3, ...d(0, 5000) }));
      store.saveTask(task({ taskId: "b", funcName: "alpha", status: "failed", createdAt: 1, ...d(0, 1000) }));
      store.saveTask(task({ taskId: "c", funcName: "beta", status: "pending", createdAt: 2, ...d(null, null) }));
      store.saveTask(task({ taskId: "d", funcName: "gamma", status: "running", createdAt: 2, ...d(10, null) }));
      store.saveTask(task({ taskId: "e", funcName: "alpha", status: "rejected", createdAt: 4, ...d(100, 5100) }));
      store.saveTask(task({ taskId: "f", funcName: "delta", status: "success", createdAt: 0, ...d(0, 2000) }));
      store = await harness.reload(store);
      const sorted = (by: "createdAt" | "duration" | "funcName" | "status", order: "asc" | "desc") => ids(store.listTasks({ sort: { by, order } })).join("");
      assert.equal(sorted("createdAt", "asc"), "fbcdae");
      assert.equal(sorted("createdAt", "desc"), "eadcbf");
      assert.equal(sorted("duration", "asc"), "bfaecd");
      assert.equal(sorted("duration", "desc"), "eafbdc");
      assert.equal(sorted("funcName", "asc"), "beacfd");
      assert.equal(sorted("funcName", "desc"), "dfcaeb");
      assert.equal(sorted("status", "asc"), "dcbeaf", "the model's status order: running, pending, failed, interrupted, rejected, cancelled, success");
      assert.equal(sorted("status", "desc"), "faebcd");
      assert.equal(ids(store.listTasks({ sort: { by: "funcName" } })).join(""), "dfcaeb", "descending unless told");
      assert.equal(ids(store.listTasks({ sort: { by: "duration", order: "asc" }, limit: 2, offset: 1 })).join(""), "fa");
      assert.equal(ids(store.listTasks()).join(""), "eadcbf", "newest first by default");
    });

    it("leaves the logs out when withLogs is false, and only then", async () => {
      store.saveTask(task({ taskId: "t1", createdAt: 1 }));
      store.saveTask(task({ taskId: "t2", createdAt: 2 }));
      store.appendLogs("t1", ["one", "two"]);
      store = await harness.reload(store);
      assert.deepEqual(store.listTasks({ withLogs: false }).map((t) => [t.taskId, t.logs]), [["t2", []], ["t1", []]]);
      assert.deepEqual(store.listTasks({ withLogs: true }).map((t) => t.logs), [[], ["one", "two"]]);
      assert.deepEqual(store.listTasks().map((t) => t.logs), [[], ["one", "two"]]);
      assert.deepEqual(store.getTask("t1")?.logs, ["one", "two"], "the stored logs are untouched");
    });

    it("refuses a malformed query with a ValidationError that says what was expected and what was got", () => {
      const bad = (query: unknown) => query as ListTasksQuery;
      assert.throws(() => store.listTasks(bad({ sort: { by: "name" } })), {
        name: "ValidationError", message: 'listTasks query "sort.by" must be one of createdAt, duration, funcName, status, got the string "name"',
      });
      assert.throws(() => store.listTasks(bad({ text: "seed" })), /listTasks query has an unknown key "text"\. Known keys: status, funcName, tag, search,/);
      assert.throws(() => store.countTasks(bad({ status: "done" })), /listTasks query "status" must be one of running, waiting, pending, .*got the string "done"/);
      assert.throws(() => store.listTasks(bad({ withLogs: "no" })), /listTasks query "withLogs" must be true or false, got the string "no"/);
    });

    it("returns tasks in given statuses oldest first, with their logs", async () => {
      store.saveTask(task({ taskId: "r2", status: "running", createdAt: 20 }));
      store.saveTask(task({ taskId: "p1", status: "pending", createdAt: 10 }));
      store.saveTask(task({ taskId: "s3", status: "success", createdAt: 5 }));
      store.appendLogs("r2", ["line"]);
      store = await harness.reload(store);
      const found = store.tasksWithStatus(["running", "pending"]);
      assert.deepEqual(ids(found), ["p1", "r2"]);
      assert.deepEqual(found[1].logs, ["line"]);
      assert.deepEqual(store.tasksWithStatus([]), []);
    });

    it("finds the newest task holding an idempotency key", async () => {
      store.saveTask(task({ taskId: "old", idempotencyKey: "k", createdAt: 1, status: "failed" }));
      store.saveTask(task({ taskId: "new", idempotencyKey: "k", createdAt: 2 }));
      store.saveTask(task({ taskId: "other", idempotencyKey: "k2", createdAt: 3 }));
      store = await harness.reload(store);
      assert.equal(store.findByIdempotencyKey("k")?.taskId, "new");
      assert.equal(store.findByIdempotencyKey("nope"), undefined);
      store.deleteTasks(["new"]);
      assert.equal(store.findByIdempotencyKey("k")?.taskId, "old");
    });

    it("deletes tasks with their logs and counts only those that existed", async () => {
      store.saveTask(task({ taskId: "t1" }));
      store.saveTask(task({ taskId: "t2" }));
      store.appendLogs("t1", ["gone"]);
      assert.equal(store.deleteTasks(["t1", "t1", "missing"]), 1);
      assert.equal(store.deleteTasks([]), 0);
      store.saveTask(task({ taskId: "t1" }));
      store = await harness.reload(store);
      assert.deepEqual(store.getTask("t1")!.logs, []);
      assert.deepEqual(ids(store.listTasks()), ["t2", "t1"]);
    });

    it("clears finished tasks, all or those created before a time, never pending, running or waiting ones", async () => {
      const statuses: TaskStatus[] = ["pending", "running", "waiting", "success", "failed", "interrupted", "cancelled", "rejected"];
      statuses.forEach((status, i) => {
        store.saveTask(task({ taskId: `old-${status}`, status, createdAt: 10 + i }));
        store.saveTask(task({ taskId: `new-${status}`, status, createdAt: 100 + i }));
      });
      assert.equal(store.clearFinished(50), 5);
      store = await harness.reload(store);
      assert.equal(store.countTasks(), 11);
      assert.equal(store.clearFinished(), 5);
      store = await harness.reload(store);
      assert.deepEqual(ids(store.listTasks()).sort(), ["new-pending", "new-running", "new-waiting", "old-pending", "old-running", "old-waiting"]);
    });

    it("computes metrics over the whole store", async () => {
      assert.deepEqual(store.metrics(), {
        total: 0, pending: 0, running: 0, success: 0, failed: 0, interrupted: 0, cancelled: 0, rejected: 0, waiting: 0, successRate: 0, avgDuration: 0,
      });
      store.saveTask(task({ taskId: "s1", status: "running", startTime: 0 }));
      store.saveTask(task({ taskId: "s1", status: "success", startTime: 0, endTime: 1000 }));
      store.saveTask(task({ taskId: "s2", status: "success", startTime: 0, endTime: 3000 }));
      store.saveTask(task({ taskId: "s3", status: "success" }));
      store.saveTask(task({ taskId: "f1", status: "failed", startTime: 0, endTime: 2000 }));
      store.saveTask(task({ taskId: "p1", status: "pending" }));
      store.saveTask(task({ taskId: "r1", status: "running", startTime: 5 }));
      store.saveTask(task({ taskId: "c1", status: "cancelled" }));
      store.saveTask(task({ taskId: "i1", status: "interrupted" }));
      store.saveTask(task({ taskId: "j1", status: "rejected" }));
      store.saveTask(task({ taskId: "j2", status: "rejected" }));
      store.saveTask(task({ taskId: "w1", status: "running", startTime: 5 }));
      store.saveTask(task({ taskId: "w1", status: "waiting", startTime: 5 }));
      store = await harness.reload(store);
      assert.deepEqual(store.metrics(), {
        total: 11, pending: 1, running: 1, waiting: 1, success: 3, failed: 1, interrupted: 1, cancelled: 1, rejected: 2, successRate: 0.75, avgDuration: 2,
      });
      store.deleteTasks(["s2"]);
      assert.equal(store.metrics().avgDuration, 1.5);
    });

    it("lists distinct function names", async () => {
      store.saveTask(task({ taskId: "1", funcName: "b" }));
      store.saveTask(task({ taskId: "2", funcName: "a" }));
      store.saveTask(task({ taskId: "3", funcName: "b" }));
      store = await harness.reload(store);
      assert.deepEqual(store.funcNames(), ["a", "b"]);
    });

    it("keeps maxRecords finished tasks, deleting the oldest finished first and never pending or running ones", async () => {
      await harness.cleanup();
      harness = makeHarness();
      store = await harness.create({ maxRecords: 3 });
      store.saveTask(task({ taskId: "p0", status: "pending", createdAt: 0 }));
      store.saveTask(task({ taskId: "r0", status: "running", createdAt: 0 }));
      for (let i = 1; i <= 5; i++) store.saveTask(task({ taskId: `s${i}`, status: i % 2 ? "success" : "failed", createdAt: i }));
      store = await harness.reload(store, { maxRecords: 3 });
      assert.deepEqual(ids(store.listTasks()), ["s5", "s4", "s3", "r0", "p0"]);
      store.saveTask(task({ taskId: "p0", status: "cancelled", createdAt: 0 }));
      assert.deepEqual(ids(store.listTasks()), ["s5", "s4", "s3", "r0"], "the oldest finished task is the one just cancelled");
      store.saveTask(task({ taskId: "s0", status: "success", createdAt: -1 }));
      store = await harness.reload(store, { maxRecords: 3 });
      assert.deepEqual(ids(store.listTasks()), ["s5", "s4", "s3", "r0"]);
    });

    it("stores a task saved live as it was at its last save, with its log lines, in order, and within maxRecords", async () => {
      await harness.cleanup();
      harness = makeHarness();
      store = await harness.create({ maxRecords: 2 });
      assert.ok(store.saveLive, "the store keeps live tasks");
      const live = (data: TaskData) => ({ data, get taskId() { return this.data.taskId; }, get status() { return this.data.status; }, toData() { return this.data; } });
      const a = live(task({ taskId: "a", status: "pending", createdAt: 1, startTime: null, endTime: null }));
      const b = live(task({ taskId: "b", status: "pending", createdAt: 2, startTime: null, endTime: null }));
      store.saveLive([a, b]);
      a.data = { ...a.data, status: "running", startTime: 10 };
      store.saveLive([a]);
      store.appendLogs("a", ["started"]);
      a.data = { ...a.data, status: "success", endTime: 20, result: { n: 1 } };
      store.saveLive([a]);
      const got = store.getTask("a");
      assert.equal(got?.status, "success");
      assert.deepEqual(got?.result, { n: 1 });
      assert.deepEqual(got?.logs, ["started"]);
      assert.deepEqual(ids(store.listTasks()), ["b", "a"]);
      // More finished tasks than a store may hold back at once: the oldest beyond maxRecords go.
      for (let i = 0; i < 300; i++) store.saveLive([live(task({ taskId: `s${String(i).padStart(3, "0")}`, status: "success", createdAt: 100 + i }))]);
      store = await harness.reload(store, { maxRecords: 2 });
      assert.deepEqual(ids(store.listTasks()), ["s299", "s298", "b"]);
    });

    it("breaks a tie on createdAt by task id when it deletes beyond maxRecords, whatever order the tied tasks came in", async () => {
      await harness.cleanup();
      harness = makeHarness();
      store = await harness.create({ maxRecords: 2 });
      // Added within one millisecond, in no id order; then one later task.
      for (const id of ["c", "a", "d", "b"]) store.saveTask(task({ taskId: id, status: "success", createdAt: 5 }));
      assert.deepEqual(ids(store.listTasks()).sort(), ["c", "d"]);
      store.saveTask(task({ taskId: "e", status: "success", createdAt: 6 }));
      assert.deepEqual(ids(store.listTasks()), ["e", "d"]);
      store = await harness.reload(store, { maxRecords: 2 });
      assert.deepEqual(ids(store.listTasks()), ["e", "d"]);
    });

    it("keeps the audit trail newest first, paged, across a reopen, and only the newest AUDIT_MAX_ENTRIES", async () => {
      const entry = (i: number): AuditEntry => ({
        at: new Date(1_700_000_000_000 + i * 1000).toISOString(), action: i % 2 === 0 ? "run" : "cancel", taskId: `t${i}`, actor: "cli", detail: i === 0 ? "sendEmail" : null,
      });
      for (let i = 0; i < 3; i++) store.appendAudit(entry(i));
      store = await harness.reload(store);
      assert.deepEqual(store.listAudit({ limit: 10, offset: 0 }), [entry(2), entry(1), entry(0)]);
      assert.deepEqual(store.listAudit({ limit: 1, offset: 1 }), [entry(1)]);
      assert.deepEqual(store.listAudit({ limit: 5, offset: 3 }), []);
      for (let i = 3; i < AUDIT_MAX_ENTRIES + 5; i++) store.appendAudit(entry(i));
      store = await harness.reload(store);
      const newest = store.listAudit({ limit: 2, offset: 0 });
      assert.deepEqual(newest.map((e) => e.taskId), [`t${AUDIT_MAX_ENTRIES + 4}`, `t${AUDIT_MAX_ENTRIES + 3}`]);
      assert.deepEqual(store.listAudit({ limit: 10, offset: AUDIT_MAX_ENTRIES - 1 }).map((e) => e.taskId), ["t5"], "the five oldest were dropped");
      // Past twice the cap too, where a store may cut the oldest in one go.
      for (let i = AUDIT_MAX_ENTRIES + 5; i < 2 * AUDIT_MAX_ENTRIES + 7; i++) store.appendAudit(entry(i));
      const last = 2 * AUDIT_MAX_ENTRIES + 6;
      assert.deepEqual(store.listAudit({ limit: 1, offset: 0 }).map((e) => e.taskId), [`t${last}`]);
      assert.deepEqual(store.listAudit({ limit: 10, offset: AUDIT_MAX_ENTRIES - 2 }).map((e) => e.taskId), [`t${last - AUDIT_MAX_ENTRIES + 2}`, `t${last - AUDIT_MAX_ENTRIES + 1}`]);
    });

    it("counts finished tasks per bucket of their end time by final status, empty buckets included, oldest first", async () => {
      const hour = Date.UTC(2026, 11, 2, 10, 0, 0);
      const at = (minute: number, second = 0) => hour + minute * 60_000 + second * 1000;
      const done = (id: string, status: TaskStatus, endTime: number | null, funcName = "sendEmail") =>
        task({ taskId: id, status, funcName, createdAt: hour - 3_600_000, startTime: endTime === null ? null : endTime - 500, endTime });
      store.saveTasks([
        done("a", "success", at(0, 1)), done("b", "success", at(0, 59)), done("c", "failed", at(0, 30)),
        done("d", "cancelled", at(2)), done("e", "interrupted", at(2, 10), "other"), done("f", "rejected", at(2, 20)),
        done("g", "running", null), done("h", "success", at(5)), done("i", "success", hour - 1),
      ]);
      store = await harness.reload(store);
      const zero = { succeeded: 0, failed: 0, cancelled: 0, interrupted: 0, rejected: 0 };
      const range = resolveThroughputQuery({ bucket: "minute", since: new Date(at(0, 40)) }, at(3, 30));
      assert.deepEqual(store.throughput(range), [
        { start: new Date(at(0)).toISOString(), ...zero, succeeded: 2, failed: 1 },
        { start: new Date(at(1)).toISOString(), ...zero },
        { start: new Date(at(2)).toISOString(), ...zero, cancelled: 1, interrupted: 1, rejected: 1 },
        { start: new Date(at(3)).toISOString(), ...zero },
      ], "from the bucket holding since to the one holding now; h ended after now, i before since");
      assert.deepEqual(store.throughput({ ...range, funcName: "other" }).map((b) => b.interrupted), [0, 0, 1, 0]);
      const hours = store.throughput(resolveThroughputQuery({ bucket: "hour" }, at(3, 30)));
      assert.equal(hours.length, 60);
      assert.deepEqual(hours.slice(-2), [
        { start: new Date(hour - 3_600_000).toISOString(), ...zero, succeeded: 1 },
        { start: new Date(hour).toISOString(), ...zero, succeeded: 3, failed: 1, cancelled: 1, interrupted: 1, rejected: 1 },
      ]);
    });

    it("refuses calls before open and after close", async () => {
      assert.throws(() => harness.unopened().listTasks(), /not opened yet: await open\(\) first/);
      await store.close();
      assert.throws(() => store.getTask("x"), /closed/);
      assert.throws(() => store.saveTask(task({ taskId: "x" })), /closed/);
      await assert.rejects(store.close(), /closed/);
    });
  });
}

storeConformance("MemoryStore", memoryHarness);
storeConformance("SqlJsStore", sqlJsHarness("none"));
storeConformance("SqlJsStore reopened after close", sqlJsHarness("close"));
storeConformance("SqlJsStore reopened from the journal after a crash", sqlJsHarness("crash"));
