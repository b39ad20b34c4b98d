/**
 * A stop for a run or one attempt that costs next to nothing until it is used. Most runs are never
 * stopped and most tasks never read their signal, yet an AbortController (with its listeners) per
 * run and per attempt was a measurable share of each job's CPU in the BullMQ bench.
 */
export class Stopper {
  /** Whether `stop` was called. */
  stopped = false;
  /** The reason of the first `stop`; undefined until then. */
  reason: unknown = undefined;
  private controller: AbortController | undefined;
  private followers: ((reason: unknown) => void)[] | undefined;

  /** Stops with `reason`: aborts the signal (if it was read) and calls the followers. Only the first call counts. */
  stop(reason: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.reason = reason;
    this.controller?.abort(reason);
    const followers = this.followers;
    this.followers = undefined;
    if (followers) for (const follower of followers) follower(reason);
  }

  /** Calls `follower` with the reason once this stops, at once when it has; returns what stops following. */
  onStop(follower: (reason: unknown) => void): () => void {
    if (this.stopped) {
      follower(this.reason);
      return () => undefined;
    }
    (this.followers ??= []).push(follower);
    return () => {
      const index = this.followers?.indexOf(follower) ?? -1;
      if (index >= 0) this.followers?.splice(index, 1);
    };
  }

  /** An AbortSignal that aborts with the reason; made on first read (already aborted when stopped before). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.stopped) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }
}
