import { Emitter } from "../core/emitter";
import type { TaskRecord } from "./taskRecord";
import type { Clock, ProgressEvent, TaskProgress } from "../core/types";
import { noop } from "../core/noop";

/** Least milliseconds between two progress saves of one task; the events are not throttled. */
export const PROGRESS_SAVE_INTERVAL_MS = 250;

/** What a ProgressRecorder needs from the ledger that owns it. */
export interface ProgressRecorderOptions {
  clock: Clock;
  /** Saves the whole record (its progress with it). */
  save(record: TaskRecord): void;
  /** Gets what a progress listener threw. */
  onListenerError(error: unknown): void;
}

/**
 * Progress of running tasks: every report goes on the record and out as a ProgressEvent at once, and
 * to the store at most every PROGRESS_SAVE_INTERVAL_MS per task. A report inside the interval is saved
 * when it ends, unless a status change has saved the record (and its progress) first, so the value a
 * task finishes with is always the one stored.
 */
export class ProgressRecorder {
  readonly events: Emitter<ProgressEvent>;
  /** Epoch ms of each running task's last progress save. */
  private readonly lastSaved = new Map<string, number>();
  /** Aborts the save waiting for the end of a task's interval. */
  private readonly waiting = new Map<string, AbortController>();

  constructor(private readonly options: ProgressRecorderOptions) {
    this.events = new Emitter(options.onListenerError);
  }

  report(record: TaskRecord, progress: TaskProgress): void {
    record.progress = progress;
    const { taskId } = record;
    if (this.events.hasListeners) {
      this.events.fire({ taskId, funcName: record.funcName, fraction: progress.fraction, message: progress.message, tags: { ...record.tags } });
    }
    if (this.waiting.has(taskId)) return;
    const { clock, save } = this.options;
    const now = clock.now();
    const last = this.lastSaved.get(taskId);
    if (last === undefined || now - last >= PROGRESS_SAVE_INTERVAL_MS) {
      this.lastSaved.set(taskId, now);
      save(record);
      return;
    }
    const controller = new AbortController();
    this.waiting.set(taskId, controller);
    clock.sleep(last + PROGRESS_SAVE_INTERVAL_MS - now, controller.signal).then(() => {
      this.waiting.delete(taskId);
      this.lastSaved.set(taskId, clock.now());
      save(record);
    }, noop);
  }

  /**
   * The record was just saved whole by a status change: a waiting save is not needed any more. A
   * finished task is forgotten, so no save of it comes later (after it was deleted, say).
   */
  recordSaved(taskId: string, finished: boolean): void {
    const controller = this.waiting.get(taskId);
    if (controller) {
      this.waiting.delete(taskId);
      controller.abort();
    }
    if (finished) this.lastSaved.delete(taskId);
  }
}
