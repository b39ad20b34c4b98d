/**
 * The last run of each task function the workspace's modules declare, and its last failure until a
 * later run succeeds: what the CodeLens outcome and the failure decoration show. Loaded from the
 * history when the functions change, then kept current from the manager's lifecycle events.
 */
import * as vscode from "vscode";
import type { LifecycleEvent, TaskflowClient } from "../../model";
import { lastRunOfEvent, lastRunOfRecord, type LastRun } from "./lastRunLabel";

interface FunctionRuns {
  latest?: LastRun;
  /** The last failed run, kept while later runs are pending or running; cleared by a success. */
  failure?: LastRun;
}

export class LastRuns implements vscode.Disposable {
  private runs = new Map<string, FunctionRuns>();
  private loading = 0;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly subscription: { dispose(): void };
  /** Fired when a function's last run or last failure changed. */
  readonly onDidChange = this.changed.event;

  /** `client` answers undefined while no engine is attached. */
  constructor(private readonly client: () => TaskflowClient | undefined, onLifecycle: TaskflowClient["onLifecycle"], private readonly log: vscode.LogOutputChannel) {
    this.subscription = onLifecycle((event) => this.apply(event));
  }

  /** The last run of `funcName`, if it has one. */
  latest(funcName: string): LastRun | undefined {
    return this.runs.get(funcName)?.latest;
  }

  /** Every function's last failure not yet followed by a success. */
  failures(): LastRun[] {
    return [...this.runs.values()].flatMap((runs) => (runs.failure ? [runs.failure] : []));
  }

  /** Reads the last run (and last failure) of each of `funcNames` from the history; others are forgotten. */
  async load(funcNames: readonly string[]): Promise<void> {
    const client = this.client();
    const generation = ++this.loading;
    const next = new Map<string, FunctionRuns>();
    if (client) {
      await Promise.all(funcNames.map(async (funcName) => {
        try {
          next.set(funcName, await readRuns(client, funcName));
        } catch (err) {
          this.log.warn(`CodeLens: could not read the last run of ${funcName}: ${String(err)}`);
        }
      }));
    }
    // A newer load started meanwhile: its result wins.
    if (generation !== this.loading) return;
    const wanted = new Set(funcNames);
    for (const [funcName, runs] of this.runs) {
      // An event that arrived during the load is newer than what it read.
      const read = next.get(funcName);
      if (wanted.has(funcName) && runs.latest && (!read?.latest || runs.latest.atMs > read.latest.atMs)) next.set(funcName, runs);
    }
    this.runs = next;
    this.changed.fire();
  }

  private apply(event: LifecycleEvent): void {
    const run = lastRunOfEvent(event, Date.now());
    const runs = this.runs.get(event.funcName) ?? {};
    runs.latest = run;
    if (run.status === "failed") runs.failure = run;
    else if (run.status === "success") runs.failure = undefined;
    this.runs.set(event.funcName, runs);
    this.changed.fire();
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

async function readRuns(client: TaskflowClient, funcName: string): Promise<FunctionRuns> {
  const [latest] = await client.listTasks({ funcName, limit: 1, withLogs: false });
  if (!latest) return {};
  if (latest.status === "failed" || latest.status === "success") {
    return { latest: lastRunOfRecord(latest), failure: latest.status === "failed" ? lastRunOfRecord(latest) : undefined };
  }
  const [settled] = await client.listTasks({ funcName, status: ["failed", "success"], limit: 1, withLogs: false });
  return { latest: lastRunOfRecord(latest), failure: settled?.status === "failed" ? lastRunOfRecord(settled) : undefined };
}
