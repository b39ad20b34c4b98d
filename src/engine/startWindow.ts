/**
 * The start times inside a sliding rate-limit window, oldest first: what a queue's `rateLimit` and a
 * key's `rateLimit` count. A start at t counts for the window [t, t + windowMs).
 */
export class StartWindow {
  /** Epoch-ms start times; those before `head` have left the window. */
  private starts: number[] = [];
  private head = 0;

  record(now: number): void {
    this.starts.push(now);
  }

  /** Starts inside the window of `windowMs` that ends at `now`. */
  count(now: number, windowMs: number): number {
    while (this.head < this.starts.length && this.starts[this.head] <= now - windowMs) this.head++;
    if (this.head > 64 && this.head * 2 > this.starts.length) {
      this.starts = this.starts.slice(this.head);
      this.head = 0;
    }
    return this.starts.length - this.head;
  }

  /** Milliseconds until the window has room for one more start under `max`; 0 when it has now. */
  waitMs(now: number, windowMs: number, max: number): number {
    if (this.count(now, windowMs) < max) return 0;
    return this.starts[this.starts.length - max] + windowMs - now;
  }
}
