import type { TaskStore } from "../store/types";
import type { Dispatcher } from "./dispatcher";
import { ShutdownError } from "../core/errors";
import type { TaskLedger } from "./taskLedger";
import { TaskRecord } from "./taskRecord";
import type { TaskRegistry } from "../core/taskRegistry";
import type { Clock, TaskConfig, WaitingFor } from "../core/types";

const NOT_RAN = "Taskflow shut down before this task ran";
const SHUT_DOWN_RUNNING = "Taskflow shut down while this task was running";
const SHUT_DOWN_WAITING = "Taskflow shut down while this task waited for its next retry";
const PROCESS_EXITED = "The process running this task exited before it finished (found still running at the next start)";

/**
 * The wait a running record had reached when it was cut off: its last entry, recorded by this
 * attempt, is a wait still open. Such a run was about to wait, and waits.
 */
function reachedWait(record: TaskRecord): WaitingFor | null {
  const last = record.steps[record.steps.length - 1];
  return last?.status === "waiting" && last.attempt === record.retriesUsed ? last.waitingFor : null;
}

/** The parts of a manager that start-up recovery and shutdown change. */
export interface RecoveryParts {
  store: TaskStore;
  clock: Clock;
  registry: TaskRegistry;
  ledger: TaskLedger;
  dispatcher: Dispatcher;
}

/**
 * What happens to tasks across a stop and a start: at start, runs a dead process left `running`
 * are interrupted (or requeued) and stored pending tasks are queued; at shutdown, every run and
 * queued task gets the status it keeps until the next start.
 */
export class Recovery {
  /**
   * Runs a dead process left `running` whose function was not registered at start: they were marked
   * interrupted, and go back to pending if their function registers with requeueOnInterrupt
   * (workspace modules load after the store opens).
   */
  private readonly recoveredWithoutFunction = new Map<string, string>();

  constructor(private readonly parts: RecoveryParts) {}

  /**
   * Recovers runs left `running`, then (with `requeuePending`) queues the stored pending tasks and
   * hands the waiting ones to `track`. A run left running whose last entry is a wait it had reached
   * was stopping to wait when its process died: it waits.
   */
  recoverAtStart(requeuePending: boolean, track: (record: TaskRecord) => void): void {
    const { store, clock, registry, ledger, dispatcher } = this.parts;
    for (const data of store.tasksWithStatus(["running"])) {
      const record = TaskRecord.fromData(data);
      const waitingFor = reachedWait(record);
      if (waitingFor !== null) {
        ledger.transition(record, "waiting", { waitingFor });
        continue;
      }
      if (registry.get(record.funcName)?.config.requeueOnInterrupt) {
        ledger.transition(record, "pending", { startTime: null, endTime: null, error: null, stacktrace: null });
      } else {
        if (!registry.get(record.funcName)) this.recoveredWithoutFunction.set(record.taskId, record.funcName);
        ledger.transition(record, "interrupted", { endTime: new Date(clock.now()), error: PROCESS_EXITED });
      }
    }
    if (!requeuePending) return;
    for (const data of store.tasksWithStatus(["waiting"])) {
      if (ledger.live.has(data.taskId)) continue; // recovered above, and tracked as it became waiting
      const record = TaskRecord.fromData(data);
      ledger.live.set(record.taskId, record);
      track(record);
    }
    for (const data of store.tasksWithStatus(["pending"])) {
      if (!ledger.live.has(data.taskId)) ledger.live.set(data.taskId, TaskRecord.fromData(data));
      dispatcher.enqueue(data.taskId);
    }
  }

  /** See recoveredWithoutFunction: a late registration with requeueOnInterrupt requeues its runs. */
  functionRegistered(name: string, config: TaskConfig): void {
    const { store, ledger, dispatcher } = this.parts;
    for (const [id, funcName] of this.recoveredWithoutFunction) {
      if (funcName !== name) continue;
      this.recoveredWithoutFunction.delete(id);
      if (!config.requeueOnInterrupt) continue;
      const data = store.getTask(id);
      // Untouched since recovery only: a person may have retried or deleted it meanwhile.
      if (!data || data.status !== "interrupted" || data.error !== PROCESS_EXITED) continue;
      ledger.transition(TaskRecord.fromData(data), "pending", { startTime: null, endTime: null, error: null, stacktrace: null });
      dispatcher.enqueue(id);
    }
  }

  /**
   * Running tasks become interrupted (or pending with requeueOnInterrupt) and their signals abort;
   * pending tasks of persist functions, and one-off runs (a runAt, from runAt or delay), stay
   * pending; other pending ones become interrupted.
   */
  settleForShutdown(): void {
    const { clock, registry, ledger, dispatcher } = this.parts;
    const now = new Date(clock.now());
    for (const run of [...dispatcher.runs.values()]) {
      // A detached run (cancelled, still settling) no longer owns its record.
      if (run.detached) continue;
      run.detached = true;
      const { record, config } = run;
      const waitingFor = record.status === "running" ? reachedWait(record) : null;
      if (waitingFor !== null) ledger.transition(record, "waiting", { waitingFor }, run);
      else if (record.status === "running") {
        if (config.requeueOnInterrupt) ledger.transition(record, "pending", { startTime: null, endTime: null });
        else ledger.transition(record, "interrupted", { endTime: now, error: SHUT_DOWN_RUNNING }, run);
      } else if (record.status === "pending" && !config.persist && !config.requeueOnInterrupt && record.runAt === null) {
        ledger.transition(record, "interrupted", { endTime: now, error: SHUT_DOWN_WAITING }, run);
      }
      run.stopper.stop(new ShutdownError(SHUT_DOWN_RUNNING));
    }
    for (const id of dispatcher.drain()) {
      const record = ledger.live.get(id);
      if (!record || record.status !== "pending" || record.runAt !== null) continue;
      if (!registry.get(record.funcName)?.config.persist) {
        ledger.transition(record, "interrupted", { endTime: now, error: NOT_RAN });
      }
    }
  }
}
