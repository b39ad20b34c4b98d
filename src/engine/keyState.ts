import { BinaryHeap } from "./binaryHeap";
import { runsBefore, type QueueEntry, type QueueState } from "./queueState";
import { StartWindow } from "./startWindow";

/** A pending run held by a rule of its key, with the queue it goes back to. */
export interface HeldRun {
  entry: QueueEntry;
  queue: QueueState;
}

/**
 * One key under one rule (`concurrency` or `rateLimit`) of one task function: the counts its rule
 * is checked against, and the runs it holds in run order (priority, then first in first out).
 */
export class KeyState {
  /** Runs of this key in progress (holding a slot), including ones waiting for a retry. */
  running = 0;
  /** Held runs put back in their queue's ready heap and not taken out again yet. */
  releasing = 0;
  readonly held = new BinaryHeap<HeldRun>((a, b) => runsBefore(a.entry, b.entry));
  /** When the rate limit's window next has room (epoch ms), while queued for a wake-up. */
  wakeAt = 0;
  wakeQueued = false;
  private readonly starts = new StartWindow();

  /**
   * @param limit runs at once (concurrency) or starts per window (rateLimit)
   * @param windowMs the rate limit's window in ms; 0 for concurrency
   */
  constructor(
    readonly funcName: string, readonly rule: "concurrency" | "rateLimit", readonly key: string, public limit: number, public windowMs: number,
  ) {}

  /** Starts inside the window that ends at `now`; 0 for concurrency. */
  inWindow(now: number): number {
    return this.rule === "rateLimit" ? this.starts.count(now, this.windowMs) : 0;
  }

  /** Whether the rule lets one more run of this key start now. */
  allows(now: number): boolean {
    return this.rule === "concurrency" ? this.running < this.limit : this.inWindow(now) < this.limit;
  }

  /** Milliseconds until the rate limit's window has room for one more start; 0 when it has now (and for concurrency). */
  waitMs(now: number): number {
    return this.rule === "concurrency" ? 0 : this.starts.waitMs(now, this.windowMs, this.limit);
  }

  /** How many held runs may go back to their queues now, beside those already on their way. */
  room(now: number): number {
    const used = this.rule === "concurrency" ? this.running : this.inWindow(now);
    return this.limit - used - this.releasing;
  }

  recordStart(now: number): void {
    if (this.rule === "rateLimit") this.starts.record(now);
    else this.running++;
  }

  /** Holds nothing and counts nothing: it can be forgotten. */
  idle(now: number): boolean {
    return this.running === 0 && this.releasing === 0 && this.held.size === 0 && !this.wakeQueued && this.inWindow(now) === 0;
  }
}
