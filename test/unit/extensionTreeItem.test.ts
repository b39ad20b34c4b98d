import * as assert from "node:assert/strict";
import { ALL_STATUSES, capabilities, TaskRecord, type TaskRecordInit, type TaskStatus } from "../../src/model";
import type { WaitingFor } from "../../src/model/durable";
import {
  escapeMarkdown,
  formatDuration,
  formatRelativeTime,
  localClockTime,
  statusTitle,
  taskContextValue,
  toGroupItemModel,
  toTaskItemModel,
} from "../../src/extension/views/taskTreeItem";

const NOW = Date.parse("2026-01-01T12:00:00Z");

function task(overrides: Partial<TaskRecordInit> = {}): TaskRecord {
  return new TaskRecord({
    taskId: "0b7c1a52-6c1e-4a43-9a51-0d6f7c3e9e10",
    funcName: "sendEmail",
    status: "success",
    args: ["a@example.com"],
    createdAt: new Date("2026-01-01T11:57:00.000Z"),
    startTime: new Date("2026-01-01T11:57:00.000Z"),
    endTime: new Date("2026-01-01T11:57:02.500Z"),
    ...overrides,
  });
}

describe("extension: task tree item mapping", () => {
  it("labels a task with its function name and uses the task id as the item id", () => {
    const item = toTaskItemModel(task(), NOW);
    assert.equal(item.label, "sendEmail");
    assert.equal(item.id, "0b7c1a52-6c1e-4a43-9a51-0d6f7c3e9e10");
  });

  it("describes a finished task by relative time and duration", () => {
    assert.equal(toTaskItemModel(task(), NOW).description, "3 min ago · 2.5 s");
  });

  it("adds the attempts when a task was retried, and its tags", () => {
    const item = toTaskItemModel(task({ status: "failed", retriesUsed: 2, tags: { env: "dev", team: "data" } }), NOW);
    assert.equal(item.description, "3 min ago · 2.5 s · 3 attempts · env=dev team=data");
  });

  it("names the queue in the description unless it is the default one, and the parent in the tooltip", () => {
    assert.equal(toTaskItemModel(task(), NOW).description, "3 min ago · 2.5 s");
    const queued = toTaskItemModel(task({ queue: "emails", priority: 5, parentId: "9d7c1a52-6c1e-4a43-9a51-0d6f7c3e9e11" }), NOW);
    assert.equal(queued.description, "3 min ago · 2.5 s · queue emails");
    assert.match(queued.tooltip, /Queue: emails, priority 5/);
    assert.match(queued.tooltip, /Enqueued by: `9d7c1a52-6c1e-4a43-9a51-0d6f7c3e9e11`/);
    assert.doesNotMatch(toTaskItemModel(task(), NOW).tooltip, /Enqueued by/);
  });

  it("leaves out the duration while a task is still running", () => {
    const item = toTaskItemModel(task({ status: "running", endTime: null }), NOW);
    assert.equal(item.description, "3 min ago");
  });

  it("shows a running task's progress first in the description and in the tooltip", () => {
    const item = toTaskItemModel(task({ status: "running", endTime: null, progress: { fraction: 0.4, message: "row 400 of 1000" } }), NOW);
    assert.equal(item.description, "40% · row 400 of 1000 · 3 min ago");
    assert.match(item.tooltip, /Progress: 40% · row 400 of 1000/);
  });

  it("shows only the percentage, rounded down, when progress has no message", () => {
    const item = toTaskItemModel(task({ status: "running", endTime: null, progress: { fraction: 0.996, message: null } }), NOW);
    assert.equal(item.description, "99% · 3 min ago");
  });

  it("leaves out the last progress once a task finished", () => {
    const item = toTaskItemModel(task({ progress: { fraction: 1, message: "done" } }), NOW);
    assert.equal(item.description, "3 min ago · 2.5 s");
  });

  it("says first in the description and in the tooltip why a pending run is held by its key", () => {
    const pending = task({ status: "pending", startTime: null, endTime: null, args: ["ada"] });
    const item = toTaskItemModel(pending, NOW, { rule: "concurrency", key: "ada", running: 1, limit: 1 });
    assert.equal(item.description, "held: 1 running for key ada · 3 min ago");
    assert.match(item.tooltip, /Not started: Held by its key ada: 1 run of this key running, at most 1 at once/);
    assert.equal(toTaskItemModel(pending, NOW).description, "3 min ago");
    assert.doesNotMatch(toTaskItemModel(pending, NOW).tooltip, /Not started/);
  });

  it("ignores a hold read before the run started", () => {
    const running = task({ status: "running", endTime: null });
    const item = toTaskItemModel(running, NOW, { rule: "debounce", key: "ada", until: "2026-01-01T12:00:05.000Z", adds: 2 });
    assert.equal(item.description, "3 min ago");
    assert.doesNotMatch(item.tooltip, /Debounced|Not started/);
  });

  it("gives each status its own codicon and title", () => {
    const expected: Record<TaskStatus, [string, string]> = {
      running: ["loading~spin", "Running"],
      waiting: ["watch", "Waiting"],
      pending: ["clock", "Pending"],
      success: ["pass", "Succeeded"],
      failed: ["error", "Failed"],
      interrupted: ["debug-disconnect", "Interrupted"],
      cancelled: ["circle-slash", "Cancelled"],
      rejected: ["stop-circle", "Rejected"],
    };
    for (const status of ALL_STATUSES) {
      assert.equal(toTaskItemModel(task({ status }), NOW).iconId, expected[status][0], status);
      assert.equal(statusTitle(status), expected[status][1]);
    }
    assert.equal(new Set(ALL_STATUSES.map((s) => toGroupItemModel(s, 1).iconId)).size, ALL_STATUSES.length, "no two statuses share an icon");
  });

  it("puts the status's capabilities in the contextValue the menus match on", () => {
    const expected: Record<TaskStatus, string> = {
      running: "task.running.cancellable",
      waiting: "task.waiting.cancellable",
      pending: "task.pending.cancellable",
      success: "task.success.deletable",
      failed: "task.failed.retryable.deletable",
      interrupted: "task.interrupted.retryable.deletable",
      cancelled: "task.cancelled.deletable",
      rejected: "task.rejected.retryable.deletable",
    };
    for (const status of ALL_STATUSES) {
      assert.equal(toTaskItemModel(task({ status }), NOW).contextValue, expected[status], status);
      assert.deepEqual(taskContextValue(status).split(".").slice(2), capabilities(status), status);
    }
  });

  it("puts details in the tooltip: id, attempts, tags, key and the error's first line", () => {
    const item = toTaskItemModel(
      task({ status: "failed", retriesUsed: 1, tags: { env: "dev" }, idempotencyKey: "seed-1", error: "boom\n    at x.ts:1" }),
      NOW,
    );
    assert.match(item.tooltip, /^\*\*sendEmail\*\*: failed/);
    assert.ok(item.tooltip.includes("ID: `0b7c1a52-6c1e-4a43-9a51-0d6f7c3e9e10`"));
    assert.ok(item.tooltip.includes("Created: 2026-01-01T11:57:00.000Z"));
    assert.ok(item.tooltip.includes("Attempts: 2"));
    assert.ok(item.tooltip.includes("Tags: env=dev"));
    assert.ok(item.tooltip.includes("Idempotency key: seed\\-1"));
    assert.ok(item.tooltip.endsWith("Error: boom"));
  });

  it("says when arguments are encrypted and never shows them", () => {
    const item = toTaskItemModel(task({ encryptedPayload: new Uint8Array([1, 2, 3]), args: [] }), NOW);
    assert.ok(item.tooltip.includes("Arguments: encrypted"));
    assert.ok(!toTaskItemModel(task(), NOW).tooltip.includes("Arguments"));
  });

  it("maps a status group to a stable id, its title and count", () => {
    assert.deepEqual(toGroupItemModel("waiting", 3), {
      id: "group:waiting",
      label: "Waiting",
      description: "3",
      iconId: "watch",
      iconColor: "charts.purple",
      contextValue: "group.waiting",
    });
    assert.deepEqual(toGroupItemModel("failed", 12), {
      id: "group:failed",
      label: "Failed",
      description: "12",
      iconId: "error",
      iconColor: "testing.iconFailed",
      contextValue: "group.failed",
    });
  });
});

describe("extension: tree rows of waiting runs", () => {
  // Local times, so the rows read the same in every time zone the tests run in.
  const localNow = new Date(2026, 0, 1, 12, 0).getTime();
  const localIso = (...parts: [number, number, number, number, number]) => new Date(...parts).toISOString();
  const approvalTimeoutAt = localIso(2026, 0, 2, 12, 0);
  const approval: WaitingFor = {
    kind: "input",
    name: "approval",
    prompt: "Approve the account of ada?",
    schema: { type: "object", properties: { approve: { type: "boolean" } }, required: ["approve"] },
    timeoutAt: approvalTimeoutAt,
    step: "input:approval#1",
  };
  function waiting(waitingFor: WaitingFor): TaskRecord {
    return task({ funcName: "onboard", status: "waiting", waitingFor, createdAt: new Date(localNow - 180_000), startTime: new Date(localNow - 180_000), endTime: null });
  }

  it("leads the description with what the run waits for, sleep times in local hh:mm", () => {
    assert.equal(toTaskItemModel(waiting({ kind: "sleep", until: localIso(2026, 0, 1, 14, 5), step: "sleep#1" }), localNow).description, "sleeping until 14:05 · 3 min ago");
    assert.equal(toTaskItemModel(waiting(approval), localNow).description, "needs input: approval · 3 min ago");
    const runs: WaitingFor = { kind: "runs", taskIds: ["a", "b", "c"], timeoutAt: null, step: "runs#1" };
    assert.equal(toTaskItemModel(waiting(runs), localNow).description, "waiting for 3 runs · 3 min ago");
  });

  it("gives a wake-up on another day its date", () => {
    assert.equal(localClockTime(localIso(2026, 0, 1, 9, 7), localNow), "09:07");
    assert.equal(localClockTime(localIso(2026, 0, 3, 9, 30), localNow), "2026-01-03 09:30");
    const item = toTaskItemModel(waiting({ kind: "sleep", until: localIso(2026, 0, 3, 9, 30), step: "sleep#1" }), localNow);
    assert.equal(item.description, "sleeping until 2026-01-03 09:30 · 3 min ago");
  });

  it("puts the prompt and the timeout of an input wait in the tooltip", () => {
    const tooltip = toTaskItemModel(waiting(approval), localNow).tooltip;
    assert.match(tooltip, /^\*\*onboard\*\*: waiting/);
    assert.ok(tooltip.includes("Waiting: needs input: approval"), tooltip);
    assert.ok(tooltip.includes("Prompt: Approve the account of ada?"), tooltip);
    assert.ok(tooltip.includes(`Times out: 2026-01-02 12:00 (${approvalTimeoutAt})`), tooltip);
    const noTimeout = toTaskItemModel(waiting({ ...approval, prompt: null, timeoutAt: null }), localNow).tooltip;
    assert.ok(!noTimeout.includes("Times out") && !noTimeout.includes("Prompt"), noTimeout);
  });

  it("puts when a sleep wakes and which runs are awaited in the tooltip", () => {
    const until = localIso(2026, 0, 1, 14, 5);
    assert.ok(toTaskItemModel(waiting({ kind: "sleep", until, step: "sleep#1" }), localNow).tooltip.includes(`Wakes: 14:05 (${until})`));
    const timeoutAt = localIso(2026, 0, 1, 13, 0);
    const runs = toTaskItemModel(waiting({ kind: "runs", taskIds: ["a1", "b2"], timeoutAt, step: "runs#1" }), localNow).tooltip;
    assert.ok(runs.includes("Waiting: waiting for 2 runs") && runs.includes("Runs: `a1`, `b2`") && runs.includes(`Times out: 13:00 (${timeoutAt})`), runs);
  });

  it("marks only a run waiting for input with needsInput, for Provide Input", () => {
    assert.equal(toTaskItemModel(waiting(approval), localNow).contextValue, "task.waiting.cancellable.needsInput");
    assert.equal(toTaskItemModel(waiting({ kind: "sleep", until: localIso(2026, 0, 1, 14, 5), step: "sleep#1" }), localNow).contextValue, "task.waiting.cancellable");
    assert.equal(taskContextValue("failed", approval), "task.failed.retryable.deletable", "a stale wait on a finished run asks for nothing");
  });

  it("ignores a wait left on a run that is no longer waiting", () => {
    const item = toTaskItemModel(task({ status: "cancelled", waitingFor: approval }), NOW);
    assert.ok(!item.description.includes("needs input") && !item.tooltip.includes("Waiting:"), item.description);
  });
});

describe("extension: time formatting", () => {
  it("formats relative times in seconds, minutes, hours and days", () => {
    assert.equal(formatRelativeTime(NOW - 200, NOW), "just now");
    assert.equal(formatRelativeTime(NOW - 5_000, NOW), "5 s ago");
    assert.equal(formatRelativeTime(NOW - 3 * 60_000, NOW), "3 min ago");
    assert.equal(formatRelativeTime(NOW - 2 * 3_600_000, NOW), "2 h ago");
    assert.equal(formatRelativeTime(NOW - 4 * 86_400_000, NOW), "4 d ago");
    assert.equal(formatRelativeTime(NOW + 10_000, NOW), "just now");
  });

  it("formats durations in ms, s, min and h", () => {
    assert.equal(formatDuration(0.35), "350 ms");
    assert.equal(formatDuration(12.34), "12.3 s");
    assert.equal(formatDuration(125), "2 min 5 s");
    assert.equal(formatDuration(3720), "1 h 2 min");
  });

  it("escapes Markdown in tooltips", () => {
    assert.equal(escapeMarkdown("a*b_[c](d)"), "a\\*b\\_\\[c\\]\\(d\\)");
  });
});
