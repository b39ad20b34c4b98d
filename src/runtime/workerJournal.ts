/**
 * Steps and waits of an attempt running in a task worker (or under the debugger): the core's
 * StepJournal replays them here, over a sink whose records, run checks and suspension go to the host,
 * which has the run's record. Made on the attempt's first step or wait, so an attempt without any
 * sends nothing for them.
 */
import { performance } from "node:perf_hooks";
import { StepJournal, type JournalSink } from "../core/stepJournal";
import type { WorkerRequests } from "./workerRequests";

/**
 * The host clock as seen from the worker: the host's time at its latest answer plus the time elapsed
 * here since. The engine's clock may be a test's fake one, so the worker never reads its own wall clock.
 */
class HostTime {
  private hostMs: number;
  private at: number;

  constructor(hostMs: number) {
    this.hostMs = hostMs;
    this.at = performance.now();
  }

  sync(hostMs: number): void {
    this.hostMs = hostMs;
    this.at = performance.now();
  }

  now(): number {
    return this.hostMs + Math.floor(performance.now() - this.at);
  }
}

/**
 * Asks the host for attempt `runId`'s steps and resolves with its journal. `onSuspend` runs after the
 * host was told that the attempt waits: the caller drops the attempt (its code never goes on).
 */
export async function openWorkerJournal(requests: WorkerRequests, runId: number | undefined, onSuspend: () => void): Promise<StepJournal> {
  const { steps, attempt, now } = await requests.openJournal(runId);
  const time = new HostTime(now);
  const sink: JournalSink = {
    now: () => time.now(),
    record: async (entry) => time.sync(await requests.recordStep(runId, entry)),
    suspend: (waitingFor) => {
      requests.suspend(runId, waitingFor);
      onSuspend();
    },
    finishedRuns: async (taskIds) => {
      const answer = await requests.finishedRuns(runId, [...taskIds]);
      time.sync(answer.now);
      return answer.runs ?? undefined;
    },
  };
  return new StepJournal(steps, attempt, sink);
}
