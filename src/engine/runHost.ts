import type { ArgumentCipher } from "../core/argumentCipher";
import { putStep } from "../core/stepJournal";
import type { TaskStore } from "../store/types";
import type { RunHost, TaskRun } from "./executor";
import type { TaskLedger } from "./taskLedger";
import { TaskRecord } from "./taskRecord";
import { isFinished, UnknownTaskError, type AddTaskOptions, type Clock, type RandomSource, type TaskDict, type TaskHandle } from "../core/types";

/** What the local engine's runs write to: its ledger, store and cipher, and how a run enqueues a child. */
export interface LocalRunHostParts {
  clock: Clock;
  random: RandomSource;
  maxLogLinesPerTask: number;
  ledger: TaskLedger;
  store: TaskStore;
  cipher: ArgumentCipher;
  enqueueChild(run: TaskRun, task: TaskHandle | string, args: unknown[], options: AddTaskOptions): Promise<string>;
}

/**
 * The local engine's RunHost: a run's changes go to the ledger (nothing once the run is detached:
 * cancelled or shut down), its steps to the record and, when they must be durable, through a flush.
 */
export function localRunHost(parts: LocalRunHostParts): RunHost {
  const { ledger, store, cipher } = parts;
  return {
    clock: parts.clock,
    random: parts.random,
    maxLogLinesPerTask: parts.maxLogLinesPerTask,
    transition: (run, status, changes) => {
      if (!run.detached) ledger.transition(run.record, status, changes, run);
    },
    log: (run, message, level, extra, marker) => {
      if (!run.detached) ledger.appendLog(run.record, run, message, level, extra, marker);
    },
    enqueueChild: parts.enqueueChild,
    reportProgress: (run, progress) => {
      if (!run.detached) ledger.progress.report(run.record, progress);
    },
    recordStep: async (run, entry, durable) => {
      if (run.detached) return;
      putStep(run.record.steps, entry);
      ledger.save(run.record);
      if (durable) await store.flush();
    },
    finishedRuns: async (taskIds) => finishedRunDicts(ledger, store, taskIds),
    resolveArguments: (record) => cipher.open(record),
  };
}

/** The runs' dicts in order once every one is finished; undefined while any is not. Throws UnknownTaskError for an id no run has. */
function finishedRunDicts(ledger: TaskLedger, store: TaskStore, taskIds: readonly string[]): TaskDict[] | undefined {
  const out: TaskDict[] = [];
  for (const id of taskIds) {
    const live = ledger.live.get(id);
    if (live !== undefined) {
      if (!isFinished(live.status)) return undefined;
      out.push(live.toDict());
      continue;
    }
    const data = store.getTask(id);
    if (data === undefined) throw new UnknownTaskError(id, `waitForRuns() was given task id "${id}", which no run has: pass the ids enqueue() resolved with`);
    if (!isFinished(data.status)) return undefined;
    out.push(TaskRecord.fromData(data).toDict());
  }
  return out;
}
