import * as assert from "node:assert/strict";
import { csvField, formatTags, toCsv, toJson } from "../../src/extension/panels/exportRows";
import { functionStats, percentile } from "../../src/extension/panels/functionStats";
import { resolveStack, workspaceLabel } from "../../src/extension/panels/stackFrames";
import { parseStackFrame as parseFrameLocation } from "../../src/runtime/stackFrames";
import { delayed, throttle } from "../../src/extension/panels/throttle";
import { contentSecurityPolicy, createNonce, webviewHtml } from "../../src/extension/panels/webviewHtml";
import { TaskRecord, type TaskDict, type Timers } from "../../src/model";
import { formatDuration, isAtBottom, logMatches, parseLogLine } from "../../webview/shared/format";

/** Fake timers: time moves only when the test calls advance(). */
export class FakeTimers implements Timers {
  now = 0;
  private timers: Array<{ at: number; callback: () => void; handle: number }> = [];
  private nextHandle = 1;
  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.nextHandle++;
    this.timers.push({ at: this.now + ms, callback, handle });
    return handle;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.handle !== handle);
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.now = due.at;
      due.callback();
    }
    this.now = end;
  }
  get pending(): number {
    return this.timers.length;
  }
}

function task(overrides: Partial<TaskDict>): TaskDict {
  const record = new TaskRecord({ taskId: "3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b", funcName: "f", status: "success", createdAt: new Date("2026-01-01T00:00:00.000Z") });
  return { ...record.toDict(), ...overrides };
}

describe("panel helpers: throttle", () => {
  it("delivers the first change at once and coalesces a burst into one call per 250 ms", () => {
    const timers = new FakeTimers();
    let calls = 0;
    const t = throttle(() => calls++, 250, timers);
    t.schedule();
    assert.equal(calls, 1, "the first change of a quiet period is sent at once");
    for (let i = 0; i < 100; i++) {
      t.schedule();
      timers.advance(2);
    }
    // 200 ms of streaming: nothing more yet, the burst waits for the interval to end.
    assert.equal(calls, 1);
    timers.advance(50);
    assert.equal(calls, 2, "the burst is delivered once when the interval ends");
    timers.advance(250);
    assert.equal(calls, 2, "no call without a new change");
    assert.equal(timers.pending, 0, "the timer stops when idle");
  });

  it("sends at most four updates a second while changes stream, and never loses the last", () => {
    const timers = new FakeTimers();
    const at: number[] = [];
    const t = throttle(() => at.push(timers.now), 250, timers);
    for (let ms = 0; ms < 1000; ms += 10) {
      t.schedule();
      timers.advance(10);
    }
    timers.advance(1000);
    assert.deepEqual(at, [0, 250, 500, 750, 1000]);
    for (let i = 1; i < at.length; i++) assert.ok(at[i] - at[i - 1] >= 250);
  });

  it("drops the waiting call when disposed", () => {
    const timers = new FakeTimers();
    let calls = 0;
    const t = throttle(() => calls++, 250, timers);
    t.schedule();
    t.schedule();
    t.dispose();
    timers.advance(1000);
    t.schedule();
    assert.equal(calls, 1);
    assert.equal(timers.pending, 0);
  });
});

describe("panel helpers: delayed", () => {
  it("calls once, the delay after the first ask, however many asks come meanwhile", () => {
    const timers = new FakeTimers();
    const at: number[] = [];
    const d = delayed(() => at.push(timers.now), 150, timers);
    d.schedule();
    timers.advance(100);
    d.schedule();
    d.schedule();
    timers.advance(49);
    assert.deepEqual(at, [], "nothing before the delay since the first ask");
    timers.advance(1);
    assert.deepEqual(at, [150]);
    d.schedule();
    timers.advance(150);
    assert.deepEqual(at, [150, 300], "an ask after the call starts a new delay");
    assert.equal(timers.pending, 0);
  });

  it("drops the waiting call when disposed, and takes no ask after", () => {
    const timers = new FakeTimers();
    let calls = 0;
    const d = delayed(() => calls++, 150, timers);
    d.schedule();
    d.dispose();
    d.schedule();
    timers.advance(1000);
    assert.equal(calls, 0);
    assert.equal(timers.pending, 0);
  });
});

describe("panel helpers: per-function statistics", () => {
  it("computes the 95th percentile by nearest rank", () => {
    assert.equal(percentile([], 95), null);
    assert.equal(percentile([7], 95), 7);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted input
    assert.equal(percentile(hundred, 95), 95);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), 10);
    assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20], 95), 19);
    assert.equal(percentile([3, 1, 2], 50), 2);
    assert.throws(() => percentile([1], 0), /expects p in \(0, 100\], got 0/);
  });

  it("groups by function: runs, success rate over finished, average, p95 and the newest five outcomes", () => {
    const tasks = [
      task({ funcName: "b", status: "running" }),
      task({ funcName: "a", status: "failed", duration: 4 }),
      task({ funcName: "a", status: "success", duration: 2 }),
      task({ funcName: "a", status: "success", duration: 1 }),
      task({ funcName: "a", status: "cancelled" }),
      task({ funcName: "a", status: "success", duration: 3 }),
      task({ funcName: "a", status: "interrupted" }),
    ];
    const [a, b] = functionStats(tasks);
    assert.equal(a.funcName, "a");
    assert.equal(a.runs, 6);
    assert.equal(a.successRate, 3 / 4);
    assert.equal(a.avgDuration, 2.5);
    assert.equal(a.p95Duration, 4);
    assert.deepEqual(a.lastOutcomes, ["failed", "success", "success", "cancelled", "success"]);
    assert.deepEqual(b, { funcName: "b", runs: 1, successRate: 0, avgDuration: null, p95Duration: null, lastOutcomes: ["running"] });
  });
});

describe("panel helpers: export", () => {
  it("escapes CSV fields per RFC 4180", () => {
    assert.equal(csvField("plain"), "plain");
    assert.equal(csvField("a,b"), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField("line1\nline2"), '"line1\nline2"');
    assert.equal(csvField("cr\r"), '"cr\r"');
    assert.equal(csvField(" padded"), '" padded"');
    assert.equal(csvField(null), "");
    assert.equal(csvField(1.5), "1.5");
  });

  it("defuses spreadsheet formulas in text fields", () => {
    assert.equal(csvField("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    assert.equal(csvField("+1"), "'+1");
    assert.equal(csvField("-cmd"), "'-cmd");
    assert.equal(csvField("@SUM(A1)"), "'@SUM(A1)");
  });

  it("writes a header and one CRLF line per task, tags as key=value pairs", () => {
    const csv = toCsv([task({ funcName: "send,mail", error: "bad \"x\"", duration: 2, tags: { env: "dev", team: "a" } })]);
    const lines = csv.split("\r\n");
    assert.equal(lines[0], "taskId,funcName,status,createdAt,startTime,endTime,duration,retriesUsed,error,tags");
    assert.equal(lines[1], '3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b,"send,mail",success,2026-01-01T00:00:00.000Z,,,2,0,"bad ""x""",env=dev; team=a');
    assert.equal(lines[2], "");
    assert.equal(formatTags({}), "");
  });

  it("exports JSON without logs", () => {
    const parsed = JSON.parse(toJson([task({ logs: ["secret-ish log"], args: [1] })])) as Array<Record<string, unknown>>;
    assert.equal(parsed.length, 1);
    assert.equal("logs" in parsed[0], false);
    assert.deepEqual(parsed[0].args, [1]);
  });
});

describe("panel helpers: stack frames", () => {
  it("finds the file, line and column of V8 frames", () => {
    assert.deepEqual(parseFrameLocation("    at sendEmail (/w/src/mail.tasks.ts:12:7)"), { path: "/w/src/mail.tasks.ts", line: 12, column: 7 });
    assert.deepEqual(parseFrameLocation("    at /w/a.js:3:1"), { path: "/w/a.js", line: 3, column: 1 });
    assert.deepEqual(parseFrameLocation("    at async Promise.all (index 0) (/w/a (copy).ts:3:1)"), { path: "/w/a (copy).ts", line: 3, column: 1 });
    assert.deepEqual(parseFrameLocation("    at run (file:///w/a%20b.mjs:9:2)"), { path: "/w/a b.mjs", line: 9, column: 2 });
    assert.deepEqual(parseFrameLocation("    at f (C:\\w\\a.ts:4:5)"), { path: "C:\\w\\a.ts", line: 4, column: 5 });
  });

  it("finds no location in message lines, internal, native and anonymous frames", () => {
    for (const line of ["Error: boom at /w/a.ts:1:1", "    at node:internal/process/task_queues:95:5", "    at new Promise (<anonymous>)", "    at Array.map (native)", "    at relative/a.ts:1:1"]) {
      assert.equal(parseFrameLocation(line), null, line);
    }
  });

  it("labels paths inside a workspace folder and refuses the rest, including .. escapes", () => {
    assert.equal(workspaceLabel("/w/src/a.ts", ["/w"], "linux"), "src/a.ts");
    assert.equal(workspaceLabel("/w/../etc/passwd", ["/w"], "linux"), null);
    assert.equal(workspaceLabel("/work/a.ts", ["/w"], "linux"), null);
    assert.equal(workspaceLabel("/w", ["/w"], "linux"), null);
    assert.equal(workspaceLabel("/x/b.ts", ["/w", "/x"], "linux"), "x/b.ts");
    assert.equal(workspaceLabel("c:\\W\\a.ts", ["C:\\w"], "win32"), "a.ts");
  });

  it("links only the workspace frames of a stack", () => {
    const stack = ["Error: boom", "    at fail (/w/a.tasks.ts:3:9)", "    at run (/ext/dist/worker.js:1:2)", "    at node:internal/x:1:1"].join("\n");
    const lines = resolveStack(stack, ["/w"], "linux");
    assert.deepEqual(lines.map((l) => l.link?.label ?? null), [null, "a.tasks.ts", null, null]);
    assert.deepEqual(lines[1].link, { path: "/w/a.tasks.ts", line: 3, column: 9, label: "a.tasks.ts" });
    assert.equal(lines[2].text, "    at run (/ext/dist/worker.js:1:2)");
    assert.deepEqual(resolveStack(null, ["/w"]), []);
  });
});

describe("panel helpers: webview HTML", () => {
  it("uses a fresh 128-bit nonce for each render", () => {
    const a = createNonce();
    const b = createNonce();
    assert.notEqual(a, b);
    assert.equal(Buffer.from(a, "base64").length, 16);
  });

  it("sets a CSP that denies by default, allows scripts by nonce and styles from the extension only", () => {
    const csp = contentSecurityPolicy("https://ext.example", "abc");
    assert.match(csp, /^default-src 'none'/);
    assert.match(csp, /script-src 'nonce-abc'/);
    assert.match(csp, /style-src https:\/\/ext\.example 'nonce-abc'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  });

  it("renders one nonce-tagged external script and no inline script", () => {
    const html = webviewHtml({ title: "T <x>", cspSource: "vscode-src", scriptUri: "https://x/app.js", styleUris: ["https://x/a.css"], nonce: "N1" });
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    assert.deepEqual(scripts, ['<script nonce="N1" src="https://x/app.js">']);
    assert.match(html, /<script nonce="N1" src="https:\/\/x\/app.js"><\/script>/);
    assert.match(html, /<title>T &lt;x&gt;<\/title>/);
    assert.match(html, /<link rel="stylesheet" href="https:\/\/x\/a.css">/);
    assert.match(html, /<meta property="csp-nonce" content="N1">/, "the toolkit reads the style nonce from this tag");
  });
});

describe("panel helpers: log display", () => {
  it("recognises retry separators with or without a timestamp", () => {
    assert.deepEqual(parseLogLine("--- Retry 2 ---"), { kind: "retry", retry: 2, text: "Retry 2" });
    assert.deepEqual(parseLogLine("2026-01-01T00:00:01 --- Retry 1 ---"), { kind: "retry", retry: 1, text: "Retry 1" });
    assert.deepEqual(parseLogLine("2026-01-01T00:00:01 said --- Retry 1 ---"), { kind: "line", timestamp: "2026-01-01T00:00:01", message: "said --- Retry 1 ---" });
    assert.deepEqual(parseLogLine("no stamp"), { kind: "line", timestamp: null, message: "no stamp" });
  });

  it("filters case-insensitively and follows the tail only at the bottom", () => {
    assert.equal(logMatches("2026 Sending MAIL", "mail"), true);
    assert.equal(logMatches("x", ""), true);
    assert.equal(logMatches("x", "y"), false);
    assert.equal(isAtBottom({ scrollTop: 880, clientHeight: 100, scrollHeight: 1000 }), true);
    assert.equal(isAtBottom({ scrollTop: 500, clientHeight: 100, scrollHeight: 1000 }), false);
  });

  it("formats durations with their unit", () => {
    assert.equal(formatDuration(null), "—");
    assert.equal(formatDuration(0.25), "250 ms");
    assert.equal(formatDuration(12.34), "12.3 s");
    assert.equal(formatDuration(245), "4 m 05 s");
    assert.equal(formatDuration(7380), "2 h 03 m");
  });
});
