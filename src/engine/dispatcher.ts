import { executeRun, TaskRun, type RunHost } from "./executor";
import type { TaskRecord } from "./taskRecord";
import type { TaskRegistry } from "./taskRegistry";
import type { LogLevel } from "./types";

/** What the run queue needs from the manager that owns it. */
export interface DispatcherOptions {
  /** How many runs may be in progress at once. */
  maxConcurrentTasks: number;
  registry: TaskRegistry;
  /** The unfinished records, by id (the ledger's). */
  live: ReadonlyMap<string, TaskRecord>;
  host: RunHost;
  /** Whether runs may start now: false before start() has finished and from shutdown() on. */
  canStart(): boolean;
  /** Where an internal error of a run is reported. */
  report(message: string, level: LogLevel): void;
}

/**
 * The run queue: pending tasks start first in, first out, up to `maxConcurrentTasks` at a time. A
 * task whose function is not registered waits, parked, until it is.
 */
export class Dispatcher {
  /** Runs in progress in this process, by task id, including cancelled ones still settling. */
  readonly runs = new Map<string, TaskRun>();
  /**
   * Task ids ready to run, FIFO, from `readyHead` on: `shift()` copies the whole array on each call
   * once it holds thousands of ids (a bulk addTasks), so starts advance an index instead.
   */
  private ready: string[] = [];
  private readyHead = 0;
  /** Pending tasks whose function is not registered (yet); they run once it is. */
  private parked: string[] = [];

  constructor(private readonly options: DispatcherOptions) {}

  /** Queues a pending task and starts what may start. */
  enqueue(taskId: string): void {
    this.ready.push(taskId);
    this.pump();
  }

  /** Queues pending tasks, in order, and starts what may start. */
  enqueueAll(taskIds: readonly string[]): void {
    for (const id of taskIds) this.ready.push(id);
    this.pump();
  }

  /** Queues the tasks parked for `funcName`, now that it is registered. */
  release(funcName: string): void {
    const { live } = this.options;
    const waiting = this.parked.filter((id) => live.get(id)?.funcName === funcName);
    if (waiting.length === 0) return;
    this.parked = this.parked.filter((id) => !waiting.includes(id));
    this.ready.push(...waiting);
    this.pump();
  }

  /** Takes a task out of the queue, so it never starts. */
  remove(taskId: string): void {
    this.ready = this.ready.slice(this.readyHead).filter((id) => id !== taskId);
    this.readyHead = 0;
    this.parked = this.parked.filter((id) => id !== taskId);
  }

  /** Empties the queue and returns the ids it held, oldest first (shutdown settles their records). */
  drain(): string[] {
    const queued = this.ready.slice(this.readyHead);
    this.ready = [];
    this.readyHead = 0;
    return queued;
  }

  /** Starts queued tasks while there is room. */
  pump(): void {
    const { registry, live, host, maxConcurrentTasks } = this.options;
    if (!this.options.canStart()) return;
    while (this.runs.size < maxConcurrentTasks && this.readyHead < this.ready.length) {
      const id = this.ready[this.readyHead++];
      const record = live.get(id);
      if (!record || record.status !== "pending" || this.runs.has(id)) continue;
      const registration = registry.get(record.funcName);
      if (!registration) {
        this.parked.push(id);
        continue;
      }
      const run = new TaskRun(record, registration.fn, registration.config);
      this.runs.set(id, run);
      void executeRun(host, run)
        .catch((error: unknown) => this.options.report(`Taskflow: internal error running task ${id}: ${String(error)}`, "error"))
        .finally(() => {
          this.runs.delete(id);
          this.pump();
        });
    }
    if (this.readyHead === this.ready.length) {
      this.ready = [];
      this.readyHead = 0;
    } else if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.readyHead);
      this.readyHead = 0;
    }
  }
}
