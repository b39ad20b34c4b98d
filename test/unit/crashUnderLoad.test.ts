import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { TaskManager } from "../../src";
import { isFinished, type TaskStatus } from "../../src/model";

const ROOT = path.join(__dirname, "../..");

/** Kills of the short form; the full-size run sets TASKFLOW_CRASH_KILLS=100. */
const KILLS = Number(process.env.TASKFLOW_CRASH_KILLS ?? 5);
/**
 * An add or a finish acknowledged this long before a kill must be in the database after it. The
 * promise is 100 ms (the journal is written 50 ms after a change) when the disk answers a datasync
 * in time; on a shared machine a write can take longer, so a test that must not fail on load checks
 * 1 s, and the full-size measurement sets TASKFLOW_CRASH_DURABLE_MS=100 and counts what was late.
 */
const DURABLE_MS = Number(process.env.TASKFLOW_CRASH_DURABLE_MS ?? 1000);
/** The child's heartbeat period (HEARTBEAT_MS in loadChild.ts), in ms. */
const HEARTBEAT_MS = 10;
/** Records the child keeps (its maxRecords): older finished ones are pruned, as in real use. */
const MAX_RECORDS = 10_000;

interface ChildRun {
  /** taskId -> Date.now() when the add was acknowledged. */
  added: Map<string, number>;
  /** taskId -> the status and Date.now() the child saw it finish with. */
  finished: Map<string, { status: TaskStatus; at: number }>;
  /** Date.now() just before SIGKILL was sent. */
  killedAt: number;
  /**
   * The end of the child's life as it saw it: the kill, or, when the child had no CPU for a while
   * before it (the machine busy), its last heartbeat plus one period. A process the scheduler does
   * not run cannot write, so the 100 ms are counted on the child's own clock of life.
   */
  lastAlive: number;
}

/**
 * Starts the load child on `dbPath`, kills it with SIGKILL `aliveMs` after its first acknowledged add
 * (after READY alone, a child the busy machine gave no CPU could be killed before it added anything),
 * and parses what it printed.
 */
async function runAndKill(dbPath: string, aliveMs: number): Promise<ChildRun> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/loadChild.ts", dbPath, String(MAX_RECORDS)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let killedAt = 0;
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (killedAt === 0 && /^A /m.test(out)) {
        killedAt = -1;
        setTimeout(() => {
          killedAt = Date.now();
          child.kill("SIGKILL");
          resolve();
        }, aliveMs);
      }
    });
    void exited.then(() => {
      if (killedAt <= 0) reject(new Error(`loadChild exited before it was killed: ${err}`));
    });
  });
  assert.equal(await exited, "SIGKILL", `loadChild ended on its own: ${err}`);
  const run: ChildRun = { added: new Map(), finished: new Map(), killedAt, lastAlive: 0 };
  for (const line of out.split("\n")) {
    const parts = line.split(" ");
    if (["A", "F", "T"].includes(parts[0])) run.lastAlive = Math.max(run.lastAlive, Number(parts[parts.length - 1]));
    if (parts[0] === "A" && parts.length === 3) run.added.set(parts[1], Number(parts[2]));
    if (parts[0] === "F" && parts.length === 4) run.finished.set(parts[1], { status: parts[2] as TaskStatus, at: Number(parts[3]) });
  }
  run.lastAlive = Math.min(killedAt, run.lastAlive + HEARTBEAT_MS);
  return run;
}

describe("kill -9 of the local engine under load", function () {
  this.timeout(60_000 + KILLS * 20_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "taskflow-crash-load-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it(`loses nothing acknowledged ${DURABLE_MS} ms before a kill, un-finishes nothing and leaves nothing running, over ${KILLS} kills at random moments`, async () => {
    const dbPath = path.join(dir, "tasks.sqlite");
    /** Every run seen finished (in the database after a kill, or by the child well before one), and how. */
    const finishedEver = new Map<string, TaskStatus>();
    const totals = { added: 0, finished: 0, pruned: 0, starved: 0, longestStarvedMs: 0, startedAt: Date.now() };
    /** Broken promises, per kill; collected so a full-size run reports them all with its figures. */
    const lost: string[] = [];
    const unfinished: string[] = [];
    /** How long before the child's last heartbeat each lost add or finish was acknowledged, in ms. */
    const lostAgesMs: number[] = [];
    for (let kill = 1; kill <= KILLS; kill++) {
      const run = await runAndKill(dbPath, 200 + Math.floor(Math.random() * 1800));
      totals.added += run.added.size;
      totals.finished += run.finished.size;
      if (run.killedAt - run.lastAlive > DURABLE_MS) totals.starved += 1;
      totals.longestStarvedMs = Math.max(totals.longestStarvedMs, run.killedAt - run.lastAlive);
      assert.ok(run.added.size > 0, `kill ${kill}: the child acknowledged no add before it was killed`);

      const warnings: string[] = [];
      const checker = new TaskManager({ dbPath, requeuePending: false, onOutsideLog: (m) => warnings.push(m) });
      await checker.start().catch((error: unknown) => assert.fail(`kill ${kill}: the database did not open: ${String(error)}`));
      try {
        const stored = new Map(checker.listTasks({ limit: MAX_RECORDS * 2, withLogs: false }).map((r) => [r.taskId, r.status]));
        const context = `kill ${kill} (${run.added.size} adds, ${run.finished.size} finishes before it); outside log: ${warnings.join(" | ")}`;

        for (const [id, at] of run.added) {
          if (at >= run.lastAlive - DURABLE_MS || stored.has(id)) continue;
          lost.push(`${id} acknowledged ${run.killedAt - at} ms before the kill, ${run.lastAlive - at} ms before the child's last heartbeat: missing after ${context}`);
          lostAgesMs.push(run.lastAlive - at);
        }
        for (const [id, { status, at }] of run.finished) {
          if (at >= run.lastAlive - DURABLE_MS || stored.get(id) === status) continue;
          unfinished.push(`${id} finished as ${status} ${run.lastAlive - at} ms before the child's last heartbeat, ${stored.get(id) ?? "missing"} after ${context}`);
          lostAgesMs.push(run.lastAlive - at);
        }
        const changed = [...finishedEver].filter(([id, status]) => stored.has(id) && stored.get(id) !== status);
        assert.deepEqual(changed, [], `runs found finished after an earlier kill whose status changed after ${context}`);
        const gone = [...finishedEver.keys()].filter((id) => !stored.has(id));
        if (gone.length > 0) {
          const finishedStored = [...stored.values()].filter(isFinished).length;
          assert.ok(finishedStored >= MAX_RECORDS, `${gone.length} finished runs are gone while only ${finishedStored} finished are kept (under maxRecords ${MAX_RECORDS}, so none was pruned) after ${context}`);
          for (const id of gone) finishedEver.delete(id);
          totals.pruned += gone.length;
        }

        const running = [...stored].filter(([, status]) => status === "running");
        assert.deepEqual(running, [], `runs left running after recovery, ${context}`);
        for (const [id, status] of stored) if (isFinished(status)) finishedEver.set(id, status);
      } finally {
        await checker.shutdown();
      }
    }
    if (process.env.TASKFLOW_CRASH_KILLS) {
      console.log(`    ${KILLS} kills: ${totals.added} acknowledged adds, ${totals.finished} completions, ${totals.pruned} finished records pruned by maxRecords, ${totals.starved} kills after the child had no CPU for over ${DURABLE_MS} ms (longest ${totals.longestStarvedMs} ms), ${((Date.now() - totals.startedAt) / 1000).toFixed(1)} s`);
      console.log(`    not durable ${DURABLE_MS} ms after: ${lost.length} adds and ${unfinished.length} finishes, acknowledged at most ${Math.max(0, ...lostAgesMs)} ms before the end`);
    }
    assert.deepEqual(lost, [], `acknowledged adds missing after a kill`);
    assert.deepEqual(unfinished, [], `runs the child saw finish that were not finished after a kill`);
  });
});
