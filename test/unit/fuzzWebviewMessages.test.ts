import * as assert from "node:assert/strict";
import fc from "fast-check";
import { DashboardController } from "../../src/extension/panels/dashboardController";
import type { PanelHost } from "../../src/extension/panels/ports";
import { TaskPanelController } from "../../src/extension/panels/taskPanelController";
import type { Timers } from "../../src/model/timers";
import { DASHBOARD_INBOUND, TASK_PANEL_INBOUND, type HostToWebviewMessage, type ResponseMessage } from "../../src/protocol";
import { MemoryStore } from "../../src/store";
import { makeEngine, shutdownEngines, withOverrides } from "./helpers/engineHarness";
import { settle } from "./helpers/fakeClock";
import { fuzzParameters, fuzzTimeout, hostileObject, hostileNumber, hostileString, hostileValue } from "./helpers/fuzz";

/** Timers that never fire: the property looks at replies, not at throttled pushes. */
const stillTimers: Timers = { setTimeout: () => 0, clearTimeout: () => undefined };

const PARAM_KEYS = [
  "taskId", "taskIds", "statuses", "funcName", "tag", "search", "sort", "by", "order", "limit", "offset", "olderThanSeconds", "query", "format",
  "bucket", "name", "paused", "since", "fromStep", "value", "args", "kwargs", "path", "line", "column",
];
const METHODS = [...new Set([...DASHBOARD_INBOUND, ...TASK_PANEL_INBOUND].map((d) => d.method))];

function isRequest(raw: unknown): raw is { id: number; method: unknown } {
  const m = raw as { kind?: unknown; id?: unknown } | null;
  return typeof m === "object" && m !== null && m.kind === "request" && typeof m.id === "number" && Number.isSafeInteger(m.id) && m.id > 0;
}

describe("fuzz: webview messages through the real panel controllers", function () {
  this.timeout(fuzzTimeout(120_000));
  afterEach(shutdownEngines);

  it("answers every request exactly once, refuses malformed params naming what was expected, and changes nothing on a refusal", async () => {
    const memory = new MemoryStore();
    const made = makeEngine({ store: withOverrides(memory, { close: async () => {} }) });
    const { manager } = made;
    manager.task({ name: "echo" }, async (...args: unknown[]) => args);
    manager.task({ name: "boom" }, async () => {
      throw new Error("boom");
    });
    await manager.start();
    const existing = [
      (await manager.waitFor(await manager.addTask("echo", [1]))).taskId,
      (await manager.waitFor(await manager.addTask("boom"))).taskId,
    ];
    const sent: HostToWebviewMessage[] = [];
    const commands: unknown[][] = [];
    const host: PanelHost = {
      workspaceFolders: () => ["/w"],
      openFile: async () => undefined,
      executeCommand: async (...args) => {
        commands.push(args);
        return existing[0];
      },
      showTask: () => undefined,
      confirm: async () => false,
      saveFile: async () => null,
      showError: () => undefined,
      log: () => undefined,
    };
    const post = (m: HostToWebviewMessage) => void sent.push(m);
    const dashboard = new DashboardController({ manager, host, post, timers: stillTimers, now: () => Date.UTC(2026, 0, 2) });
    const panel = new TaskPanelController(existing[1], { manager, host, post, timers: stillTimers, realpath: async (p) => p });

    const taskId = fc.oneof(fc.constantFrom(...existing, existing[0].toUpperCase(), "00000000-0000-4000-8000-000000000000", "not-a-uuid"), hostileString);
    const value = fc.oneof(
      { weight: 3, arbitrary: hostileValue },
      { weight: 2, arbitrary: taskId },
      { weight: 1, arbitrary: fc.array(taskId, { maxLength: 3 }) },
      { weight: 1, arbitrary: fc.constantFrom("failed", "success", "createdAt", "desc", "csv", "json", "minute", "default", "2026-01-01T00:00:00Z", 0, 1, 25, 500, 501) },
      { weight: 1, arbitrary: hostileNumber },
    );
    const params = fc.oneof({ weight: 4, arbitrary: hostileObject(PARAM_KEYS, fc.oneof(value, hostileObject(PARAM_KEYS, value))) }, { weight: 1, arbitrary: hostileValue });
    const envelope = fc.record({
      kind: fc.oneof({ weight: 5, arbitrary: fc.constantFrom("request", "command") }, { weight: 1, arbitrary: hostileValue }),
      id: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) }, { weight: 1, arbitrary: hostileValue }),
      method: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...METHODS) }, { weight: 1, arbitrary: hostileString }),
      params,
    }, { requiredKeys: ["kind", "method"] });
    const filters = { statuses: ["failed"], funcName: "echo", tag: null, search: "boom", sort: { by: "createdAt", order: "desc" } };
    const valid: Record<string, Record<string, unknown>> = {
      ready: {}, showTask: { taskId: existing[0] }, retryTask: { taskId: existing[1] }, resumeTask: { taskId: existing[1], fromStep: "fetch#2" },
      provideInput: { taskId: existing[0], name: "approval", value: { approve: true } }, openFrame: { path: "/w/a.tasks.ts", line: 3, column: 9 },
      cancelTask: { taskId: existing[0] }, runAgain: { taskId: existing[0] }, runWithArguments: { taskId: existing[0], args: [1], kwargs: {} },
      debugAgain: { taskId: existing[0] }, queryTasks: { ...filters, limit: 25, offset: 0 }, retryTasks: { taskIds: existing },
      clearHistory: { olderThanSeconds: 3600 }, exportTasks: { query: filters, format: "csv" }, queryThroughput: { bucket: "minute" },
      queryQueues: {}, setQueuePaused: { name: "emails", paused: false }, retryFailedSince: { since: "2026-01-01T00:00:00Z" }, queryAudit: { limit: 50 },
    };
    const panelMethods = new Set<string>(TASK_PANEL_INBOUND.map((d) => d.method));
    // A valid message of the method, sent to the panel that takes it, with one field changed, added or left out.
    const nearValid = fc.tuple(fc.constantFrom(...METHODS), fc.integer({ min: 1, max: 1_000_000 }), fc.nat(), value, fc.constantFrom("keep", "replace", "add", "drop"))
      .map(([method, id, pick, replacement, change]) => {
        const params: Record<string, unknown> = { ...valid[method] };
        const keys = Object.keys(params);
        const key = keys.length > 0 ? keys[pick % keys.length] : PARAM_KEYS[pick % PARAM_KEYS.length];
        if (change === "replace" || change === "add") params[change === "add" ? PARAM_KEYS[pick % PARAM_KEYS.length] : key] = replacement;
        if (change === "drop") delete params[key];
        const kind = [...DASHBOARD_INBOUND, ...TASK_PANEL_INBOUND].find((d) => d.method === method)?.kind;
        return { raw: { kind, id, method, params }, toDashboard: !panelMethods.has(method) };
      });
    const message = fc.oneof(
      { weight: 4, arbitrary: nearValid },
      { weight: 3, arbitrary: fc.tuple(envelope, fc.boolean()).map(([raw, toDashboard]) => ({ raw, toDashboard })) },
      { weight: 1, arbitrary: fc.tuple(hostileValue, fc.boolean()).map(([raw, toDashboard]) => ({ raw, toDashboard })) },
    );

    await fc.assert(fc.asyncProperty(message, async ({ raw, toDashboard }) => {
      await settle();
      sent.length = 0;
      commands.length = 0;
      const before = JSON.stringify([memory.countTasks(), memory.listTasks({ limit: 200 })]);
      await (toDashboard ? dashboard : panel).handleMessage(raw);
      await settle();
      const responses = sent.filter((m): m is ResponseMessage => m.kind === "response");
      if (!isRequest(raw)) {
        assert.equal(responses.length, 0, "only a request is answered");
        return;
      }
      assert.deepEqual(responses.map((r) => r.id), [raw.id], "a request gets exactly one response, with its id");
      const reply = responses[0];
      if (reply.ok) return;
      assert.doesNotMatch(reply.error, /Cannot read prop|is not a function|is not iterable|Maximum call stack/, "a crash, not a refusal");
      if (/^(Rejected|Unknown message)/.test(reply.error)) {
        assert.match(reply.error, /must|expected|unknown key|is missing|accepts/, `the refusal says what was expected: ${reply.error}`);
        assert.equal(JSON.stringify([memory.countTasks(), memory.listTasks({ limit: 200 })]), before, "a refused message changed the store");
        assert.deepEqual(commands, [], "a refused message ran a command");
      }
    }), fuzzParameters());

    dashboard.dispose();
    panel.dispose();
    assert.equal((await manager.waitFor(await manager.addTask("echo", ["still working"]))).status, "success");
  });
});
