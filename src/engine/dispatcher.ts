import { chooseRunFunction, type AttemptDelegate } from "../core/attemptDelegate";
import { DelayedTasks, type DelayedTask } from "./delayedTasks";
import { executeRun, TaskRun, type RunHost } from "./executor";
import { FlowControl } from "./flowControl";
import { QueueState, runsBefore, type QueueEntry } from "./queueState";
import type { TaskRecord } from "./taskRecord";
import type { Registration, TaskRegistry } from "../core/taskRegistry";
import { DEFAULT_QUEUE, type LogLevel, type QueueInfo, type QueueOptions } from "../core/types";
import { noop } from "../core/noop";

/** What the run queue needs from the manager that owns it. */
export interface DispatcherOptions {
  /** How many runs may be in progress at once, across every queue. */
  maxConcurrentTasks: number;
  registry: TaskRegistry;
  /** The unfinished records, by id (the ledger's). */
  live: ReadonlyMap<string, TaskRecord>;
  host: RunHost;
  /** Whether runs may start now: false before start() has finished and from shutdown() on. */
  canStart(): boolean;
  /** Where an internal error of a run is reported. */
  report(message: string, level: LogLevel): void;
  /** Runs whose attempt is carried out elsewhere (see AttemptDelegate). @default none */
  delegateAttempt?: AttemptDelegate;
}

/** A task parked until its function registers, with the queue it goes back to. */
interface Parked {
  entry: QueueEntry;
  queue: QueueState;
}


/**
 * The run queue. Pending tasks wait in their queue (higher priority first, then first in first out)
 * or, with a delay or runAt in the future, in a timer structure until due. A start takes the best
 * head among the queues that may start (not paused, under their concurrency and rate limit), up to
 * `maxConcurrentTasks` runs at a time. A task whose function is not registered waits, parked, until it
 * is; one its key's rule does not let start waits with its key (see FlowControl).
 */
export class Dispatcher {
  /** Runs in progress in this process, by task id, including cancelled ones still settling. */
  readonly runs = new Map<string, TaskRun>();
  private readonly queues = new Map<string, QueueState>();
  /** The "default" queue, looked up on every add and start of the common single-queue case. */
  private readonly defaultQueue: QueueState;
  private readonly delayed: DelayedTasks;
  /** Flow control per key, for runs of functions with concurrency, rateLimit or debounce. */
  readonly flow: FlowControl;
  private parked: Parked[] = [];
  private seq = 0;
  /** Aborts the rate-limit wake-ups at shutdown. */
  private readonly wakes = new AbortController();

  constructor(private readonly options: DispatcherOptions) {
    this.defaultQueue = this.queue(DEFAULT_QUEUE);
    this.delayed = new DelayedTasks(options.host.clock, (due) => this.dueNow(due));
    this.flow = new FlowControl({
      clock: options.host.clock, live: options.live, isRunning: (id) => this.runs.has(id),
      resolveArguments: (record) => options.host.resolveArguments(record), onRelease: () => this.pump(),
    });
  }

  /** Queues a pending task and starts what may start. */
  enqueue(taskId: string): void {
    this.add(taskId);
    this.pump();
  }

  /** Queues pending tasks, in order, and starts what may start. */
  enqueueAll(taskIds: readonly string[]): void {
    for (const id of taskIds) this.add(id);
    this.pump();
  }

  /** Queues the tasks parked for `funcName`, now that it is registered, and applies its flow rules. */
  release(funcName: string): void {
    const { live, registry } = this.options;
    const rules = registry.get(funcName)?.flow;
    if (rules !== undefined) this.flow.rulesChanged(funcName, rules);
    const waiting = this.parked.filter((p) => live.get(p.entry.taskId)?.funcName === funcName);
    if (waiting.length === 0) return;
    this.parked = this.parked.filter((p) => !waiting.includes(p));
    for (const { entry, queue } of waiting) {
      queue.parked--;
      queue.ready.push(entry);
    }
    this.pump();
  }

  /** Takes a task out of its queue, its key, the delayed tasks or the parked ones, so it never starts. */
  remove(taskId: string): void {
    if (this.flow.forget(taskId)) return;
    for (const queue of this.queues.values()) {
      if (queue.ready.remove((e) => e.taskId === taskId)) return;
    }
    if (this.delayed.remove(taskId)) return;
    const index = this.parked.findIndex((p) => p.entry.taskId === taskId);
    if (index >= 0) this.parked.splice(index, 1)[0].queue.parked--;
  }

  /**
   * Empties the queues and the delayed tasks, stops every timer, and returns the ids they held in
   * enqueue order (shutdown settles their records). Parked tasks stay as they are.
   */
  drain(): string[] {
    this.wakes.abort();
    const entries: QueueEntry[] = this.delayed.clear().map((t) => t.entry);
    entries.push(...this.flow.drain());
    for (const queue of this.queues.values()) entries.push(...queue.ready.clear());
    return entries.sort((a, b) => a.seq - b.seq).map((e) => e.taskId);
  }

  /** Whether `name` holds its maxSize of pending tasks; the maxSize when it does. */
  fullQueue(name: string): number | undefined {
    const queue = this.queues.get(name);
    return queue?.full ? (queue.maxSize as number) : undefined;
  }

  /** Room left in `name` for pending tasks: Infinity without a maxSize. */
  room(name: string): number {
    const queue = this.queues.get(name);
    return queue?.maxSize == null ? Infinity : Math.max(0, queue.maxSize - queue.pending);
  }

  /** The maxSize of `name`, null when it has none. */
  maxSize(name: string): number | null {
    return this.queues.get(name)?.maxSize ?? null;
  }

  /** Applies settings to a queue (made when new), starts what may now start, and returns its state. */
  configure(name: string, options: QueueOptions): QueueInfo {
    const queue = this.queue(name);
    queue.configure(options);
    this.pump();
    return queue.info();
  }

  /** Holds (true) or lets go (false) the starts of a queue (made when new). */
  setPaused(name: string, paused: boolean): void {
    this.queue(name).paused = paused;
    if (!paused) this.pump();
  }

  /** Every queue that is configured, paused or holds tasks, and "default", sorted by name. */
  listQueues(): QueueInfo[] {
    return [...this.queues.values()]
      .filter((q) => q.name === DEFAULT_QUEUE || !q.idle)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((q) => q.info());
  }

  /** Starts queued tasks while there is room. */
  pump(): void {
    const { registry, live, maxConcurrentTasks } = this.options;
    if (!this.options.canStart()) return;
    while (this.runs.size < maxConcurrentTasks) {
      const queue = this.nextQueue();
      if (queue === undefined) break;
      const entry = queue.ready.pop() as QueueEntry;
      const id = entry.taskId;
      const record = live.get(id);
      if (!record || record.status !== "pending" || this.runs.has(id)) continue;
      const registration = registry.get(record.funcName);
      if (!registration) {
        this.parked.push({ entry, queue });
        queue.parked++;
        continue;
      }
      if (registration.flow !== undefined && !this.flow.admit(entry, queue, record, registration.flow)) continue;
      this.start(queue, record, registration);
    }
  }

  private queue(name: string): QueueState {
    let queue = this.queues.get(name);
    if (queue === undefined) {
      queue = new QueueState(name);
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Puts a pending task in its queue, or with the delayed tasks while its runAt is ahead. */
  private add(taskId: string): void {
    const record = this.options.live.get(taskId);
    if (!record) return;
    const queue = record.queue === DEFAULT_QUEUE ? this.defaultQueue : this.queue(record.queue);
    const entry: QueueEntry = { taskId, priority: record.priority, createdAt: record.createdAt.getTime(), seq: this.seq++ };
    const due = record.runAt?.getTime();
    if (due !== undefined && due > this.options.host.clock.now()) this.delayed.add({ entry, queue, due });
    else queue.ready.push(entry);
  }

  private dueNow(tasks: DelayedTask[]): void {
    for (const { entry, queue } of tasks) queue.ready.push(entry);
    this.pump();
  }

  /** The queue whose head starts next: the best head among queues that may start now. */
  private nextQueue(): QueueState | undefined {
    // Only "default" exists (the common case): no scan, no comparison of heads.
    if (this.queues.size === 1) {
      const only = this.defaultQueue;
      if (only.ready.size === 0 || !only.hasSlot) return undefined;
      return only.rateLimit !== null && this.rateLimited(only, this.options.host.clock.now()) ? undefined : only;
    }
    let best: QueueState | undefined;
    let bestHead: QueueEntry | undefined;
    let now: number | undefined;
    for (const queue of this.queues.values()) {
      const head = queue.ready.peek();
      if (head === undefined || !queue.hasSlot) continue;
      if (queue.rateLimit !== null) {
        now ??= this.options.host.clock.now();
        if (this.rateLimited(queue, now)) continue;
      }
      if (bestHead === undefined || runsBefore(head, bestHead)) {
        best = queue;
        bestHead = head;
      }
    }
    return best;
  }

  /** Whether the queue's rate limit holds its next start (arming a wake-up for when it frees). */
  private rateLimited(queue: QueueState, now: number): boolean {
    const waitMs = queue.rateWaitMs(now);
    if (waitMs <= 0) return false;
    this.wakeAfter(queue, waitMs);
    return true;
  }

  /** One wake-up per rate-limited queue, when its window lets the next start through. */
  private wakeAfter(queue: QueueState, ms: number): void {
    if (queue.rateWakeArmed || this.wakes.signal.aborted) return;
    queue.rateWakeArmed = true;
    this.options.host.clock.sleep(ms, this.wakes.signal).then(() => {
      queue.rateWakeArmed = false;
      this.pump();
    }, noop);
  }

  private start(queue: QueueState, record: TaskRecord, registration: Registration): void {
    const { host, report } = this.options;
    const id = record.taskId;
    queue.running++;
    if (queue.rateLimit !== null) queue.recordStart(host.clock.now());
    const rules = registration.flow;
    if (rules !== undefined) this.flow.started(record, rules);
    const { fn, config } = chooseRunFunction(this.options.delegateAttempt, record, registration, report);
    const run = new TaskRun(host, record, fn, config);
    this.runs.set(id, run);
    const ended = (): void => {
      this.runs.delete(id);
      queue.running--;
      if (rules !== undefined) this.flow.finished(record);
      this.pump();
    };
    // One reaction for both outcomes, not .catch().finally(): two promises fewer per run.
    executeRun(host, run).then(ended, (error: unknown) => {
      report(`Taskflow: internal error running task ${id}: ${String(error)}`, "error");
      ended();
    });
  }
}
