import { BinaryHeap } from "./binaryHeap";
import type { QueueInfo, QueueOptions } from "../core/types";
import { StartWindow } from "./startWindow";

/** A pending task waiting in a queue, with what orders it there. */
export interface QueueEntry {
  taskId: string;
  priority: number;
  /** Epoch ms. */
  createdAt: number;
  /** Enqueue order, the last tie-breaker. */
  seq: number;
}

/** Within a queue: higher priority first, then older, then enqueued first. */
export function runsBefore(a: QueueEntry, b: QueueEntry): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt;
  return a.seq < b.seq;
}

/**
 * One queue: its settings, its ready tasks in run order, and the counts its limits are checked
 * against. The dispatcher owns the tasks; this keeps the bookkeeping of one queue.
 */
export class QueueState {
  concurrency: number | null = null;
  maxSize: number | null = null;
  rateLimit: { max: number; perSeconds: number } | null = null;
  paused = false;
  /** Pending tasks that may start now, in run order. */
  readonly ready = new BinaryHeap<QueueEntry>(runsBefore);
  /** Runs of this queue in progress (holding a slot), including ones waiting for a retry. */
  running = 0;
  /** Pending tasks waiting for their delay or runAt. */
  delayed = 0;
  /** Pending tasks waiting for their function to register. */
  parked = 0;
  /** Pending tasks held by a rule of their key (see FlowControl). */
  held = 0;
  /** Whether a wake-up for the rate-limit window is armed. */
  rateWakeArmed = false;
  private readonly starts = new StartWindow();

  constructor(readonly name: string) {}

  /** Tasks waiting to start: what maxSize counts. */
  get pending(): number {
    return this.ready.size + this.delayed + this.parked + this.held;
  }

  /** Whether the queue has room for one more pending task. */
  get full(): boolean {
    return this.maxSize !== null && this.pending >= this.maxSize;
  }

  /** Applies settings: a key left out keeps its value, null removes the setting. */
  configure(options: QueueOptions): void {
    if (options.concurrency !== undefined) this.concurrency = options.concurrency;
    if (options.maxSize !== undefined) this.maxSize = options.maxSize;
    if (options.rateLimit !== undefined) this.rateLimit = options.rateLimit && { ...options.rateLimit };
  }

  /** Whether a slot of the queue's own is free (the global cap is the dispatcher's). */
  get hasSlot(): boolean {
    return !this.paused && (this.concurrency === null || this.running < this.concurrency);
  }

  /** Milliseconds until the rate limit allows one more start; 0 when it allows one now. */
  rateWaitMs(now: number): number {
    const limit = this.rateLimit;
    return limit === null ? 0 : this.starts.waitMs(now, limit.perSeconds * 1000, limit.max);
  }

  /** Counts a start against the rate limit. */
  recordStart(now: number): void {
    if (this.rateLimit !== null) this.starts.record(now);
  }

  /** Holds nothing and has no settings: listQueues leaves it out. */
  get idle(): boolean {
    return this.pending === 0 && this.running === 0 && !this.paused && this.concurrency === null && this.maxSize === null && this.rateLimit === null;
  }

  info(): QueueInfo {
    return {
      name: this.name,
      concurrency: this.concurrency,
      maxSize: this.maxSize,
      paused: this.paused,
      rateLimit: this.rateLimit && { ...this.rateLimit },
      pending: this.pending,
      running: this.running,
    };
  }
}
