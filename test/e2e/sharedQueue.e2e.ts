// The window on the BullMQ backend, as a person meets it: taskflow.backend written into the
// workspace folder's .vscode/settings.json points it at a redis-server, and the status bar says it
// is connected; a run enqueued by the CLI (another machine) shows as succeeded in the Tasks view; a
// run started from Run Task is taken by the `taskflow worker` process, not the window
// (taskflow.redis.runTasks is off), and its panel shows the log lines that worker wrote; when Redis
// goes away the status bar, a notification and the Tasks view say so, and once the same Redis is
// back on the same port and files the status bar says connected and the history is still there.
// The backend goes back to local at the end, so the files after this one find the local engine.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { Queue } from "bullmq";
import type { Locator, Page } from "playwright-core";
import { DEFAULT_QUEUE } from "../../src/model";
import { requireRedisServer, startRedisServer, type RedisServer } from "../unit/helpers/redisServer";
import { startTaskflowWorker, type WorkerProcess } from "../unit/helpers/workerFleet";
import { repoRoot } from "../vscode/lib/harness";
import { startGroup, type ProcessGroup } from "../vscode/lib/processGroup";
import { waitFor } from "../vscode/lib/waitFor";
import { workbench, workspaceFolder } from "./fixture";
import { answerArguments, focusView, notification, runCommand, runCommandAndPick, shot, stepTimeoutMs, treeRow, treeRows, webviewFrame, withTasksViewFolded } from "./workbench";

const CLI = path.join(repoRoot, "dist", "cli.js");
/** What the worker started here has in its environment, and the tasks it runs can read; the window's extension host has no such variable. */
const RUNNER_ENV = "TASKFLOW_E2E_RUNNER";
const RUNNER = "the taskflow worker of sharedQueue.e2e.ts";
/** The default of taskflow.redis.prefix and of taskflow worker --prefix, which this file leaves as they are. */
const PREFIX = "taskflow";
const MODULE_FILE = "sharedQueueDemo.tasks.ts";
const WHERE = "whereRan";
/** Logs which process ran it: the worker, or (were runTasks ignored) the window. */
const MODULE_SOURCE = `import { task, taskLog } from "taskflow";

export const ${WHERE} = task({ description: "Says which process ran it" }, async (label: string) => {
  const runner = process.env.${RUNNER_ENV} ?? \`a process without ${RUNNER_ENV} (pid \${process.pid})\`;
  taskLog(\`\${label}: run by \${runner}\`);
  return runner;
});
`;
/** A module only the fleet's workers have: the window's folder has no such file. */
const FLEET_TASK = "fleetOnly";
const FLEET_SOURCE = `import { task } from "taskflow";

export const ${FLEET_TASK} = task({ description: "Run by the fleet's workers only" }, async () => "done");
`;
/** How long the engine may take to restart on another backend or to reconnect, on two shared cores. */
const ENGINE_TIMEOUT_MS = 60_000;

const STATUS_WHILE_AWAY = "says in the status bar that it is reconnecting while Redis is away";
/** Steps that no later step builds on: a failure there does not skip the rest. */
const STANDALONE = new Set([STATUS_WHILE_AWAY]);

const statusItem = (page: Page): Locator => page.locator('.part.statusbar .statusbar-item[id$=".taskflow.status"]');

async function statusLabel(page: Page): Promise<string> {
  const item = statusItem(page);
  return (await item.count()) > 0 && (await item.isVisible()) ? ((await item.getAttribute("aria-label")) ?? "") : "(hidden)";
}

/** Waits until the Taskflow status bar item's accessible label passes `check`; returns that label. */
async function waitForStatus(page: Page, what: string, check: (label: string) => boolean, timeoutMs = ENGINE_TIMEOUT_MS): Promise<string> {
  let label = "";
  await waitFor(async () => check((label = await statusLabel(page))), {
    what: `the Taskflow status bar item to say ${what}`,
    timeoutMs,
    intervalMs: 250,
    diagnose: () => `its accessible label: ${JSON.stringify(label)}`,
  });
  return label;
}

/** The Tasks view's task labels by status group, in screen order, and each group's count: `{ groups: { Succeeded: ["hello"] }, counts: { Succeeded: 1 } }`. */
async function rowsByGroup(pane: Locator): Promise<{ groups: Record<string, string[]>; counts: Record<string, number> }> {
  const rows = await pane.locator('.pane-body .monaco-list-row[role="treeitem"]').evaluateAll((elements) => elements.map((e) => ({
    index: Number(e.getAttribute("data-index")),
    level: Number(e.getAttribute("aria-level")),
    label: e.querySelector<HTMLElement>(".label-name")?.innerText.trim() ?? "",
    description: e.querySelector<HTMLElement>(".label-description")?.innerText.trim() ?? "",
  })));
  rows.sort((a, b) => a.index - b.index);
  const groups: Record<string, string[]> = {};
  const counts: Record<string, number> = {};
  let group: string | undefined;
  for (const row of rows) {
    if (row.level === 1) {
      group = row.label;
      groups[group] = [];
      counts[group] = Number(row.description);
    } else if (row.level === 2 && group !== undefined) {
      groups[group].push(row.label);
    }
  }
  return { groups, counts };
}

async function waitForGroups(pane: Locator, what: string, check: (view: Awaited<ReturnType<typeof rowsByGroup>>) => boolean): Promise<void> {
  let view: Awaited<ReturnType<typeof rowsByGroup>> = { groups: {}, counts: {} };
  await waitFor(async () => check((view = await rowsByGroup(pane))), {
    what,
    timeoutMs: ENGINE_TIMEOUT_MS,
    intervalMs: 250,
    diagnose: () => `Tasks view: ${JSON.stringify(view.groups)}, counts ${JSON.stringify(view.counts)}`,
  });
}

/** Waits for the toast with `text`, and for its fade-in to end, so a screenshot shows it whole. */
async function settledNotification(page: Page, text: string): Promise<void> {
  await notification(page, text);
  await page.locator(".notification-toast.notification-fade-in-done", { hasText: text }).first().waitFor({ timeout: stepTimeoutMs });
}

const runsOf = (labels: string[] | undefined, name: string): number => (labels ?? []).filter((label) => label === name).length;

/**
 * How many BullMQ workers take the jobs of the default queue (by their Redis client names): each
 * `taskflow worker` process is one, and so would be a window with taskflow.redis.runTasks on.
 */
async function workersOnDefaultQueue(url: string): Promise<number> {
  const queue = new Queue(DEFAULT_QUEUE, { connection: { url }, prefix: PREFIX });
  try {
    return await queue.getWorkersCount();
  } finally {
    await queue.close();
  }
}

/** Enqueues `task` with `args` through the CLI on the shared queue, as another machine would; returns its task id. */
async function enqueueFromCli(url: string, home: string, task: string, args: unknown[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, "run", task, "--args", JSON.stringify(args), "--redis", url, "--workspace", workspaceFolder(), "--json"], {
    env: { ...process.env, TASKFLOW_HOME: home },
    timeout: ENGINE_TIMEOUT_MS,
  });
  const { taskId } = JSON.parse(stdout) as { taskId?: string };
  assert.ok(typeof taskId === "string" && taskId !== "", `expected taskflow run --json to print {"taskId"}, got ${stdout}`);
  return taskId;
}

describe("The window on the shared queue of BullMQ (UI)", function () {
  // Every step waits on an engine restart, a worker or a reconnection, on two shared cores.
  this.timeout(180_000);
  const settingsFile = () => path.join(workspaceFolder(), ".vscode", "settings.json");
  let redisExe = "";
  let redis: RedisServer | undefined;
  let redisRunning = false;
  let redisAt: { port: number; dir: string; url: string } | undefined;
  let worker: ProcessGroup | undefined;
  /** Two more workers, on a workspace of their own (the fleet's), while one step runs. */
  const fleet: WorkerProcess[] = [];
  const stopFleet = async () => {
    for (const member of fleet.splice(0)) {
      member.child.kill("SIGTERM");
      await member.exited;
    }
  };
  let scratch = "";
  let workerLog = "";
  /** The settings file as it was before this file changed it; null when there was none. */
  let originalSettings: string | null = null;
  let settingsChanged = false;
  let failed = false;

  const notConnectedMessage = (tasks: Locator) => tasks.locator(".tree-explorer-viewlet-tree-view > .message", {
    hasText: `Not connected to Redis at ${shownUrl()}: retrying. What is shown may be out of date.`,
  });

  /**
   * Where the window says the shared queue is: `redactedUrl` of the setting, which for
   * redis://host:port is the URL as written (WHATWG URL adds no "/" to a non-special scheme).
   */
  const shownUrl = () => redisAt?.url ?? "(no Redis started)";

  before(async function () {
    this.timeout(180_000);
    redisExe = requireRedisServer(this, "the shared-queue scenario's steps");
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "taskflow-e2e-shared-"));
    redis = await startRedisServer(redisExe, { durable: true });
    redisRunning = true;
    redisAt = { port: redis.port, dir: redis.dir, url: redis.url };
    // The module is in the folder before the worker starts (it loads modules once); the window finds it through its file watcher.
    fs.writeFileSync(path.join(workspaceFolder(), MODULE_FILE), MODULE_SOURCE);
    workerLog = path.join(scratch, "worker.log");
    worker = startGroup("taskflow worker", process.execPath, [CLI, "worker", "--redis", redis.url, "--workspace", workspaceFolder(), "--json"], {
      env: { ...process.env, TASKFLOW_HOME: path.join(scratch, "home"), [RUNNER_ENV]: RUNNER },
      logFile: workerLog,
    });
    const started = worker;
    await waitFor(() => {
      if (started.hasExited()) throw new Error(`taskflow worker exited before it was ready:\n${fs.readFileSync(workerLog, "utf8")}`);
      return fs.readFileSync(workerLog, "utf8").includes('"ready":true');
    }, { what: "taskflow worker to print its ready line", timeoutMs: 120_000, intervalMs: 250, diagnose: () => fs.readFileSync(workerLog, "utf8") });
    const ready = JSON.parse(fs.readFileSync(workerLog, "utf8").split("\n").find((line) => line.includes('"ready":true')) as string) as { tasks: string[] };
    assert.ok(ready.tasks.includes("hello") && ready.tasks.includes(WHERE), `expected the worker to run hello and ${WHERE}, its ready line: ${JSON.stringify(ready)}`);
    originalSettings = fs.existsSync(settingsFile()) ? fs.readFileSync(settingsFile(), "utf8") : null;
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed" && !STANDALONE.has(this.currentTest.title)) failed = true;
  });

  after(async function () {
    this.timeout(180_000);
    const page = workbench();
    const problems: string[] = [];
    const attempt = async (what: string, step: () => Promise<unknown>) => {
      try {
        await step();
      } catch (error) {
        problems.push(`${what}: ${(error as Error).message}`);
      }
    };
    // A window leaving a Redis that is gone would wait on it: bring it back first when a step failed with it down.
    if (redisAt && !redisRunning) await attempt("restarting redis-server", async () => {
      redis = await startRedisServer(redisExe, { port: redisAt!.port, dir: redisAt!.dir, durable: true });
      redisRunning = true;
    });
    if (settingsChanged) {
      await attempt("restoring .vscode/settings.json", async () => {
        if (originalSettings === null) fs.rmSync(settingsFile(), { force: true });
        else fs.writeFileSync(settingsFile(), originalSettings);
        settingsChanged = false;
        await waitForStatus(page, "nothing about Redis (the local engine)", (label) => !label.includes("Redis"));
      });
    }
    await attempt("closing editors and notifications", async () => {
      await runCommand(page, "View: Close All Editors");
      await runCommand(page, "Notifications: Clear All Notifications");
    });
    await attempt("stopping the fleet's workers", stopFleet);
    await attempt("stopping taskflow worker", async () => worker?.stop(15_000));
    await attempt("stopping redis-server", async () => redis?.stop());
    fs.rmSync(path.join(workspaceFolder(), MODULE_FILE), { force: true });
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
    if (problems.length > 0) throw new Error(`cleaning up after the shared-queue scenario failed:\n${problems.join("\n")}`);
  });

  beforeEach(function () {
    // The steps are one story: after a failed one, the next would only fail for the same reason.
    if (failed) this.skip();
  });

  it("points the window at Redis through the workspace settings, and the status bar says it is connected", async () => {
    const page = workbench();
    const before = await statusLabel(page);
    assert.ok(!before.includes("Redis"), `expected the window to start on the local engine, its status bar item says ${JSON.stringify(before)}`);
    const current = originalSettings === null ? {} : (JSON.parse(originalSettings) as Record<string, unknown>);
    fs.mkdirSync(path.dirname(settingsFile()), { recursive: true });
    settingsChanged = true;
    fs.writeFileSync(settingsFile(), `${JSON.stringify({ ...current, "taskflow.backend": redisAt!.url }, null, 2)}\n`);
    const label = await waitForStatus(page, `it is on the shared queue at ${shownUrl()}, connected`, (l) => l.includes(`Shared queue on BullMQ at ${shownUrl()}, connected.`));
    assert.match(label, /^Taskflow: \d+ running, \d+ failed\. /);
    assert.match((await statusItem(page).innerText()).trim(), /^Redis\b/, "the status bar text starts with Redis (after the cloud icon)");
  });

  it("shows a run that another machine enqueued with the CLI as succeeded, run by the worker", async () => {
    const page = workbench();
    const tasks = await focusView(page, "Tasks");
    // A new Redis: no run of this file's is there yet.
    await waitForGroups(tasks, "the Tasks view to show no hello run yet", (view) => runsOf(view.groups.Succeeded, "hello") === 0);
    await enqueueFromCli(redisAt!.url, path.join(scratch, "home"), "hello", ["from another machine"]);
    // The CLI has exited: only the worker can have run it (the window takes no job, as the next step shows).
    await waitForGroups(tasks, "the CLI's hello run under Succeeded", (view) => runsOf(view.groups.Succeeded, "hello") === 1);
    await shot(page, "shared queue cli run succeeded");
  });

  it("runs a task started from Run Task on the worker, not in the window, and its panel shows the worker's log lines", async () => {
    const page = workbench();
    const functions = await focusView(page, "Task Functions");
    await withTasksViewFolded(page, () => waitFor(async () => (await treeRows(page, functions)).some((row) => row.startsWith(WHERE)), {
      what: `the Task Functions view to list ${WHERE} from ${MODULE_FILE}`,
      timeoutMs: ENGINE_TIMEOUT_MS,
      intervalMs: 250,
    }));
    // The window is started on the shared queue (its modules are loaded) and takes no job of it.
    assert.equal(await workersOnDefaultQueue(redisAt!.url), 1, "expected one worker on the shared queue: the taskflow worker process, not the window");
    await runCommandAndPick(page, "Taskflow: Run Task...", WHERE);
    await answerArguments(page, WHERE, ["from the window"]);
    await (await notification(page, `Taskflow: started ${WHERE}`)).getByRole("button", { name: "Show Task" }).click();
    const title = await waitFor(async () => (await page.locator(".tabs-container .tab .label-name").allInnerTexts()).find((t) => t.startsWith(`${WHERE} · `)), {
      what: `a task panel tab titled "${WHERE} · <id>"`,
      timeoutMs: stepTimeoutMs,
    });
    const panel = await webviewFrame(page, title);
    await panel.locator("#status", { hasText: "success" }).waitFor({ timeout: ENGINE_TIMEOUT_MS });
    const line = panel.locator(".log-lines .log-line", { hasText: "from the window: run by" }).first();
    await line.waitFor({ timeout: stepTimeoutMs });
    assert.match(await line.innerText(), new RegExp(`from the window: run by ${RUNNER}$`), "the log line the worker wrote (a run in the window would name another process)");
    // Debugging is refused on the shared queue: the panel does not offer it, and its tooltip says why.
    const debugAgain = panel.locator("#debug-again");
    await waitFor(async () => (await debugAgain.getAttribute("disabled")) !== null, { what: "Debug Again to be disabled on the shared queue", timeoutMs: stepTimeoutMs });
    assert.match((await debugAgain.getAttribute("title")) ?? "", /^Debug Task runs the task in this window's debugger, but on the shared queue \(redis:\/\/.+\) any worker may take the run: set taskflow\.backend to "local"/);
    await debugAgain.hover();
    await shot(page, "shared queue task panel with the worker's log");

    const tasks = await focusView(page, "Tasks");
    await waitForGroups(tasks, `the ${WHERE} run under Succeeded beside the CLI's hello run`, (view) =>
      runsOf(view.groups.Succeeded, WHERE) === 1 && runsOf(view.groups.Succeeded, "hello") === 1);
    await runCommand(page, "View: Close All Editors");
    await shot(page, "shared queue sidebar and status bar");
  });

  it("shows the shared queue on the dashboard: its runs, its queue, its throughput and who started what", async () => {
    const page = workbench();
    await runCommand(page, "Taskflow: Open Dashboard");
    const dash = await webviewFrame(page, "Taskflow Dashboard");
    // Two runs in Redis: the CLI's hello and the window's whereRan, both run by the worker.
    await dash.locator("#page-range", { hasText: /–2 of 2$/ }).waitFor({ timeout: ENGINE_TIMEOUT_MS });
    await dash.locator('#queues-table tr[data-queue="default"]').waitFor({ timeout: stepTimeoutMs });
    const chart = dash.locator("#throughput-chart");
    await chart.waitFor({ timeout: stepTimeoutMs });
    assert.match((await chart.getAttribute("aria-label")) ?? "", /: 2 succeeded/);
    const audit = dash.locator("#audit-table tbody tr");
    await audit.first().waitFor({ timeout: stepTimeoutMs });
    const rows = await audit.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].slice(1, 3).map((td) => td.textContent?.trim()).join(" ")));
    assert.ok(rows.includes("cli run") && rows.includes("vscode run"), `expected a run by the CLI and one by the window in the audit trail, got ${JSON.stringify(rows)}`);
    await shot(page, "shared queue dashboard");
    await runCommand(page, "View: Close All Editors");
  });

  it("lists the workers' functions in Task Functions with how many workers run each, also those whose module this window does not have", async () => {
    const page = workbench();
    const fleetDir = path.join(scratch, "fleet");
    fs.mkdirSync(fleetDir, { recursive: true });
    fs.writeFileSync(path.join(fleetDir, `${FLEET_TASK}.tasks.ts`), FLEET_SOURCE);
    for (const n of [1, 2]) {
      fleet.push(await startTaskflowWorker(["--redis", redisAt!.url, "--workspace", fleetDir], { TASKFLOW_HOME: path.join(scratch, `fleet-home-${n}`) }));
    }
    assert.ok(!fs.existsSync(path.join(workspaceFolder(), `${FLEET_TASK}.tasks.ts`)), "the window's folder has no module of the fleet's");
    const functions = await focusView(page, "Task Functions");
    let rows: string[] = [];
    // A row's text is its label, then its description (the row's innerText may join them with no space).
    const listed = (name: string, description: string) => rows.some((row) => new RegExp(`^${name}\\s*${description}$`).test(row));
    await withTasksViewFolded(page, async () => {
      await waitFor(async () => {
        rows = await treeRows(page, functions);
        return listed(FLEET_TASK, "2 workers");
      }, { what: `Task Functions to list ${FLEET_TASK} run by 2 workers`, timeoutMs: ENGINE_TIMEOUT_MS, intervalMs: 250, diagnose: () => `rows: ${JSON.stringify(rows)}` });
      await treeRow(functions, new RegExp(`^${FLEET_TASK}\\s*2 workers`)).scrollIntoViewIfNeeded();
      await shot(page, "shared queue task functions with their workers");
      // The tree renders only the rows in view: the window's own module comes last, so scroll to the end.
      await functions.locator(".monaco-list").first().focus();
      await page.keyboard.press("End");
      await waitFor(async () => {
        rows = await treeRows(page, functions);
        return listed(WHERE, "1 worker");
      }, { what: `Task Functions to list ${WHERE} run by 1 worker`, timeoutMs: ENGINE_TIMEOUT_MS, intervalMs: 250, diagnose: () => `rows: ${JSON.stringify(rows)}` });
    });
    await stopFleet();
    await withTasksViewFolded(page, () => waitFor(async () => !(rows = await treeRows(page, functions)).some((row) => row.startsWith(FLEET_TASK)), {
      what: `Task Functions to drop ${FLEET_TASK} once the workers running it stopped`,
      timeoutMs: ENGINE_TIMEOUT_MS,
      intervalMs: 250,
      diagnose: () => `rows: ${JSON.stringify(rows)}`,
    }));
  });

  it("tells in a notification and on the Tasks view that the connection to Redis is lost", async () => {
    const page = workbench();
    const tasks = await focusView(page, "Tasks");
    await redis!.halt();
    redisRunning = false;
    await settledNotification(page, `Taskflow lost its connection to Redis at ${shownUrl()}: reconnecting.`);
    await notConnectedMessage(tasks).waitFor({ timeout: stepTimeoutMs });
    await shot(page, "shared queue redis lost");
  });

  // On src as of this file's first commit this step fails: updateCounts (then in src/extension/extension.ts, now src/extension/views/taskViews.ts)
  // awaits the task counts from Redis before it updates the status bar, and ioredis holds that
  // command until the connection is back, so the item says "connected" for the whole outage.
  it(STATUS_WHILE_AWAY, async () => {
    const page = workbench();
    assert.equal(redisRunning, false, "expected the step before to have taken Redis away");
    await waitForStatus(page, "it is reconnecting", (l) => l.startsWith(`Taskflow: not connected to Redis at ${shownUrl()}`) && l.includes("Retrying"), 30_000);
    assert.equal((await statusItem(page).innerText()).trim(), `Redis 127.0.0.1:${redisAt!.port}: reconnecting`);
    assert.ok(await statusItem(page).evaluate((e) => e.classList.contains("warning-kind")), "the status bar item has the warning background");
    await shot(page, "shared queue status bar reconnecting");
  });

  it("says connected again once the same Redis is back, and lists the history kept there", async () => {
    const page = workbench();
    const tasks = await focusView(page, "Tasks");
    redis = await startRedisServer(redisExe, { port: redisAt!.port, dir: redisAt!.dir, durable: true });
    redisRunning = true;
    await settledNotification(page, `Taskflow: connected to Redis at ${shownUrl()} again.`);
    await waitForStatus(page, "it is connected again", (l) => l.includes(`Shared queue on BullMQ at ${shownUrl()}, connected.`));
    await notConnectedMessage(tasks).waitFor({ state: "hidden", timeout: stepTimeoutMs });
    // A run enqueued after the restart shows only once the view has read the queue again; the two
    // earlier runs listed beside it in that same reading come from the Redis that was brought back.
    await enqueueFromCli(redisAt!.url, path.join(scratch, "home"), "hello", ["after Redis came back"]);
    await waitForGroups(tasks, "the runs from before the restart and the new one under Succeeded", (view) =>
      view.counts.Succeeded === 3 && runsOf(view.groups.Succeeded, "hello") === 2 && runsOf(view.groups.Succeeded, WHERE) === 1);
    await shot(page, "shared queue redis back with its history");
  });
});
