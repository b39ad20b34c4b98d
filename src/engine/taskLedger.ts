import type { TaskStore } from "../store/types";
import { isoClock } from "../core/clock";
import { Emitter } from "../core/emitter";
import type { TaskRun } from "./executor";
import { ProgressRecorder } from "./progressRecorder";
import type { TaskRecord } from "./taskRecord";
import { isFinished, type Clock, type LifecycleEvent, type LogEvent, type LogLevel, type TaskStatus } from "../core/types";
import { logLine } from "../model/logMarkers";

interface Waiter {
  resolve(record: TaskRecord): void;
  reject(error: Error): void;
}

/** What a ledger needs from the manager that owns it. */
export interface TaskLedgerOptions {
  store: TaskStore;
  clock: Clock;
  /** Where failed store writes and throwing listeners are reported. */
  report(message: string, level: LogLevel): void;
  /** Told of every record that became waiting or finished, after it was saved and before its event. */
  settled?(record: TaskRecord, status: TaskStatus): void;
}

/**
 * The records of unfinished tasks and every change to them: each status change and log line is
 * saved to the store, emitted, and settles whoever waits for the task to finish.
 */
export class TaskLedger {
  /** Unfinished records this process knows: queued, parked, running or waiting to retry. */
  readonly live = new Map<string, TaskRecord>();
  readonly lifecycle: Emitter<LifecycleEvent>;
  readonly logs: Emitter<LogEvent>;
  /** reportProgress() of running tasks: their events and throttled saves. */
  readonly progress: ProgressRecorder;
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly store: TaskStore;
  private readonly clock: Clock;
  private readonly isoNow: () => string;
  private readonly report: (message: string, level: LogLevel) => void;
  private readonly settled: ((record: TaskRecord, status: TaskStatus) => void) | undefined;

  constructor(options: TaskLedgerOptions) {
    this.store = options.store;
    this.settled = options.settled;
    this.clock = options.clock;
    this.isoNow = isoClock(options.clock);
    this.report = options.report;
    this.lifecycle = new Emitter(this.listenerErrorReporter("lifecycle"));
    this.logs = new Emitter(this.listenerErrorReporter("log"));
    this.progress = new ProgressRecorder({ clock: this.clock, save: (record) => this.save(record), onListenerError: this.listenerErrorReporter("progress") });
  }

  /** Reports an error a `kind` listener threw, so the engine goes on. */
  listenerErrorReporter(kind: string): (error: unknown) => void {
    return (error) => this.report(`Taskflow: a ${kind} listener threw (ignored): ${error instanceof Error ? error.stack : String(error)}`, "error");
  }

  /**
   * Applies a status change with its field changes, saves the record and emits the lifecycle event.
   * A finished record leaves `live` and resolves its waiters.
   */
  transition(record: TaskRecord, status: TaskStatus, changes: Partial<TaskRecord>, run?: TaskRun): void {
    Object.assign(record, changes);
    record.status = status;
    const finished = isFinished(status);
    // A run finished from outside (cancel, shutdown) reports its dropped lines here: its attempt, still
    // settling, no longer writes to the record.
    const dropped = finished ? run?.logCap.takeMarker() : undefined;
    if (dropped !== undefined) this.appendLog(record, run, dropped, "warning", {}, true);
    this.save(record);
    this.progress.recordSaved(record.taskId, finished);
    if (finished) this.live.delete(record.taskId);
    else this.live.set(record.taskId, record);
    if (finished || status === "waiting") this.settled?.(record, status);
    this.emitLifecycle(record, status, run);
    if (finished) {
      const list = this.waiters.get(record.taskId);
      if (list === undefined) return;
      this.waiters.delete(record.taskId);
      for (const w of list) w.resolve(record);
    }
  }

  /** Makes new records pending, saved in one store batch, then emits their lifecycle events in order. */
  addPending(records: readonly TaskRecord[]): void {
    for (const record of records) record.status = "pending";
    try {
      if (this.store.saveLive) this.store.saveLive(records);
      else this.store.saveTasks(records.map((record) => record.toData()));
    } catch (error) {
      this.reportStoreError(error);
    }
    for (const record of records) {
      this.live.set(record.taskId, record);
      this.emitLifecycle(record, "pending", undefined);
    }
  }

  /**
   * Appends a log line to the record and the store and emits the LogEvent. A `marker` line is kept
   * verbatim, without a timestamp. The per-task cap is the attempt's (see runAttempt).
   */
  appendLog(
    record: TaskRecord, run: TaskRun | undefined, message: string, level: LogLevel, extra: Record<string, unknown>,
    marker: boolean, attempt = run?.attempt ?? record.retriesUsed,
  ): void {
    const now = this.isoNow();
    const line = marker ? message : logLine(now, message);
    record.logs.push(line);
    try {
      this.store.appendLogs(record.taskId, [line]);
    } catch (error) {
      this.reportStoreError(error);
    }
    if (!this.logs.hasListeners) return;
    this.logs.fire({
      taskId: record.taskId, funcName: record.funcName, message, level, timestamp: now, attempt,
      tags: { ...record.tags }, extra, line,
    });
  }

  /** Resolves with the record when the unfinished task `taskId` finishes. */
  whenFinished(taskId: string): Promise<TaskRecord> {
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(taskId);
      if (list) list.push({ resolve, reject });
      else this.waiters.set(taskId, [{ resolve, reject }]);
    });
  }

  /** Rejects everyone still waiting, with the error `reason` gives for each task. */
  rejectAllWaiters(reason: (taskId: string) => Error): void {
    for (const [id, list] of this.waiters) {
      for (const w of list) w.reject(reason(id));
    }
    this.waiters.clear();
  }

  /** The event is built only when someone listens: most short tasks change status unobserved. */
  private emitLifecycle(record: TaskRecord, status: TaskStatus, run: TaskRun | undefined): void {
    if (!this.lifecycle.hasListeners) return;
    this.lifecycle.fire({
      taskId: record.taskId,
      funcName: record.funcName,
      status,
      timestamp: this.isoNow(),
      attempt: run?.attempt ?? record.retriesUsed,
      retriesUsed: record.retriesUsed,
      duration: record.duration,
      error: record.error,
      stacktrace: record.stacktrace,
      tags: { ...record.tags },
      waitingFor: record.waitingFor,
    });
  }

  /** Saves the record as it is now (a step it recorded); the caller flushes the store when it must be durable. */
  save(record: TaskRecord): void {
    try {
      if (this.store.saveLive) this.store.saveLive([record]);
      else this.store.saveTask(record.toData());
    } catch (error) {
      this.reportStoreError(error);
    }
  }

  /** A store write that throws (a full disk) is reported, never allowed to break a task's bookkeeping. */
  private reportStoreError(error: unknown): void {
    this.report(`Taskflow: could not save to the task store: ${error instanceof Error ? error.message : String(error)}`, "error");
  }
}
