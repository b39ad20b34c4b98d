/**
 * Messages for one thread gathered over a turn of the event loop and posted as one array at its end
 * (a setImmediate), so the thread at the other end wakes once for all of them, and a message costs
 * one structured clone inside the batch's instead of a postMessage of its own.
 */
export class TurnBatcher<T> {
  private pending: T[] = [];
  private scheduled = false;

  /**
   * @param post posts a batch (throws what postMessage throws).
   * @param replace for a message structured clone cannot copy (found when a batch failed): what to
   *   send instead, or undefined to drop it. The other messages of the batch still go.
   * @param flusher shared by the batchers of several threads, so a turn costs one setImmediate for all.
   * @param hold whether the queued messages may wait (the other thread has work enough): then they stay
   *   queued, and the owner calls schedule() once they should go.
   */
  constructor(
    private readonly post: (batch: T[]) => void,
    private readonly replace: (message: T, error: Error) => T | undefined = () => undefined,
    private readonly flusher: TurnFlusher = new TurnFlusher(),
    private readonly hold: (queued: readonly T[]) => boolean = () => false,
  ) {}

  /** Queues `message` for the end of this turn. */
  push(message: T): void {
    this.pending.push(message);
    this.schedule();
  }

  /** Flushes what is queued at the end of this turn (again, for messages `hold` kept back). */
  schedule(): void {
    if (this.scheduled || this.pending.length === 0) return;
    this.scheduled = true;
    this.flusher.schedule(this.flush);
  }

  /** Posts what is queued now, unless `hold` keeps it; the turn's next message starts a new batch. */
  readonly flush = (): void => {
    this.scheduled = false;
    if (!this.hold(this.pending)) this.send();
  };

  private send(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.post(batch);
    } catch {
      // One message structured clone refuses fails the whole batch: send them one by one, replacing that one.
      for (const message of batch) {
        try {
          this.post([message]);
        } catch (error) {
          const instead = this.replace(message, error as Error);
          try {
            if (instead !== undefined) this.post([instead]);
          } catch {
            // Its replacement cannot be copied either: nothing of it goes.
          }
        }
      }
    }
  }

  /** Drops what is queued (the other thread is gone). */
  discard(): void {
    this.pending = [];
  }
}

/** Runs the flushes scheduled during a turn at its end, with one setImmediate for all of them. */
export class TurnFlusher {
  private due: Array<() => void> = [];

  schedule(flush: () => void): void {
    if (this.due.push(flush) === 1) setImmediate(this.run);
  }

  private readonly run = (): void => {
    const due = this.due;
    this.due = [];
    for (const flush of due) flush();
  };
}
