import { BinaryHeap } from "./binaryHeap";
import type { TaskRecord } from "./taskRecord";
import { WakeTimer } from "./wakeTimer";
import { wakeTime, type Clock, type TaskStatus } from "../core/types";

/** What the waiting runs need from their manager. */
export interface WaitingRunsOptions {
  clock: Clock;
  /** The unfinished records, by id (the ledger's): waiting runs are among them. */
  live: ReadonlyMap<string, TaskRecord>;
  /** Whether the task `taskId` is finished (live or stored); false for an unknown one, whose wait then ends at its timeout. */
  isFinished(taskId: string): boolean;
  /** Sends waiting runs back to pending (their condition holds or their timeout passed) and queues them, in order. */
  resume(records: readonly TaskRecord[]): void;
}

interface Due {
  at: number;
  taskId: string;
}

/**
 * The runs that wait (status `waiting`): a sleep's end or a wait's timeout in one heap under one
 * timer, so thousands of waiting runs cost one wake-up for the earliest; and the runs a
 * waitForRuns waits for, so a finished run wakes its waiting parents. Input is given through
 * `provideInput`, which resumes the run itself. A woken run goes back to pending and, replayed,
 * decides whether its wait holds (or timed out).
 */
export class WaitingRuns {
  private readonly due = new BinaryHeap<Due>((a, b) => a.at < b.at);
  private readonly timer: WakeTimer;
  /** For each run some waitForRuns waits for: the ids of the waiting runs. */
  private readonly waitedOn = new Map<string, Set<string>>();
  /**
   * For each run waiting in a waitForRuns: the ids it waits for, as tracked. Kept here because a
   * cancel clears the record's waitingFor before the run is forgotten.
   */
  private readonly awaiting = new Map<string, readonly string[]>();
  private stopped = false;

  constructor(private readonly options: WaitingRunsOptions) {
    this.timer = new WakeTimer(options.clock, () => this.wakeDue());
  }

  /** A run became waiting (followed from now on) or finished (the runs waiting for it may resume). */
  settled(record: TaskRecord, status: TaskStatus): void {
    if (status === "waiting") {
      this.track(record);
      return;
    }
    this.forget(record);
    this.finished(record.taskId);
  }

  /** Starts following a run that has just become waiting (or was found waiting at start). */
  track(record: TaskRecord): void {
    const waitingFor = record.waitingFor;
    if (this.stopped || waitingFor === null) return;
    const at = wakeTime(waitingFor);
    if (at !== null) {
      const ms = new Date(at).getTime();
      this.due.push({ at: ms, taskId: record.taskId });
      // Already due (a sleep that ended while the process was down): woken once the caller's change is out.
      if (ms <= this.options.clock.now()) queueMicrotask(() => this.wakeDue());
      else this.timer.wakeBy(ms);
    }
    if (waitingFor.kind === "runs") {
      this.awaiting.set(record.taskId, waitingFor.taskIds);
      for (const id of waitingFor.taskIds) {
        let parents = this.waitedOn.get(id);
        if (parents === undefined) this.waitedOn.set(id, (parents = new Set()));
        parents.add(record.taskId);
      }
      // A run may have finished between the task's check and its wait being recorded.
      if (waitingFor.taskIds.every((id) => this.options.isFinished(id))) queueMicrotask(() => this.resume(record.taskId));
    }
  }

  /** A run finished: the runs waiting for it resume once every run they wait for has finished. */
  finished(taskId: string): void {
    const parents = this.waitedOn.get(taskId);
    if (parents === undefined) return;
    this.waitedOn.delete(taskId);
    for (const parentId of parents) {
      const waitingFor = this.options.live.get(parentId)?.waitingFor;
      if (waitingFor?.kind !== "runs") continue;
      if (waitingFor.taskIds.every((id) => id === taskId || this.options.isFinished(id))) this.resume(parentId);
    }
  }

  /** Stops following a run (cancelled, given its input, or resumed). Its heap entry is skipped when it comes due. */
  forget(record: TaskRecord): void {
    const taskIds = this.awaiting.get(record.taskId);
    if (taskIds === undefined) return;
    this.awaiting.delete(record.taskId);
    for (const id of taskIds) {
      const parents = this.waitedOn.get(id);
      parents?.delete(record.taskId);
      if (parents?.size === 0) this.waitedOn.delete(id);
    }
  }

  /** Drops the timer and everything tracked (shutdown: the runs stay waiting in the store). */
  stop(): void {
    this.stopped = true;
    this.timer.cancel();
    this.due.clear();
    this.waitedOn.clear();
    this.awaiting.clear();
  }

  private resume(taskId: string): void {
    const record = this.waiting(taskId);
    if (record !== undefined) this.options.resume([record]);
  }

  /** The live record of `taskId` while it waits, no longer followed; undefined when it does not wait. */
  private waiting(taskId: string): TaskRecord | undefined {
    const record = this.options.live.get(taskId);
    if (record?.status !== "waiting") return undefined;
    this.forget(record);
    return record;
  }

  private wakeDue(): void {
    const now = this.options.clock.now();
    // The runs due together go back to pending together: one pass of the queue for all of them.
    const woken: TaskRecord[] = [];
    for (let head = this.due.peek(); head !== undefined && head.at <= now; head = this.due.peek()) {
      this.due.pop();
      const record = this.options.live.get(head.taskId);
      // Skipped when the run is no longer waiting, or waits for another time now (a later wait of the run).
      const at = record?.status === "waiting" && record.waitingFor !== null ? wakeTime(record.waitingFor) : null;
      if (at === null || new Date(at).getTime() !== head.at) continue;
      const waiting = this.waiting(head.taskId);
      if (waiting !== undefined) woken.push(waiting);
    }
    if (woken.length > 0) this.options.resume(woken);
    const next = this.due.peek();
    if (next !== undefined && !this.stopped) this.timer.wakeBy(next.at);
  }
}
