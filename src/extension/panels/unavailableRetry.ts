import type { Timers } from "../../model/timers";

/** First wait before asking an unavailable engine again, in ms; it doubles up to MAX_RETRY_MS. */
export const FIRST_RETRY_MS = 250;
/** Longest wait between two tries, in ms. */
export const MAX_RETRY_MS = 4000;

/**
 * What a panel does while the task engine cannot answer (a panel revived after a reload before the
 * engine has started, or during a restart): tells the webview why once, then tries again with a
 * doubling wait until it works or the panel closes.
 */
export class UnavailableRetry {
  private delayMs = FIRST_RETRY_MS;
  private handle: unknown;
  private scheduled = false;
  private lastMessage: string | undefined;

  constructor(
    private readonly timers: Timers,
    private readonly tell: (message: string) => void,
  ) {}

  /** True from a failure until the next success. */
  get waiting(): boolean {
    return this.lastMessage !== undefined;
  }

  failed(error: unknown, retry: () => void): void {
    const message = error instanceof Error ? error.message : String(error);
    if (message !== this.lastMessage) this.tell(message);
    this.lastMessage = message;
    if (this.scheduled) return;
    this.scheduled = true;
    this.handle = this.timers.setTimeout(() => {
      this.scheduled = false;
      retry();
    }, this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, MAX_RETRY_MS);
  }

  succeeded(): void {
    this.delayMs = FIRST_RETRY_MS;
    this.lastMessage = undefined;
  }

  dispose(): void {
    if (this.scheduled) this.timers.clearTimeout(this.handle);
    this.scheduled = false;
  }
}
