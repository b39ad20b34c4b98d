import type { Clock } from "../core/types";
import { noop } from "../core/noop";

/**
 * One clock sleep for the earliest of many due times, so thousands of waiting things cost one timer:
 * armed for a time, re-armed only when an earlier one comes, and calling `onWake` once it passes.
 * The owner re-arms for its next due time from `onWake`.
 */
export class WakeTimer {
  private armedFor: number | null = null;
  private wake: AbortController | undefined;

  constructor(private readonly clock: Clock, private readonly onWake: () => void) {}

  /** Wakes at `at` (epoch ms), or earlier when an earlier wake-up is armed already. */
  wakeBy(at: number): void {
    if (this.armedFor === null || at < this.armedFor) this.arm(at);
  }

  /** Wakes at exactly `at`, replacing whatever was armed. */
  arm(at: number): void {
    this.wake?.abort();
    const wake = new AbortController();
    this.wake = wake;
    this.armedFor = at;
    this.clock.sleep(at - this.clock.now(), wake.signal).then(() => {
      if (this.wake !== wake) return;
      this.wake = undefined;
      this.armedFor = null;
      this.onWake();
    }, noop);
  }

  /** Drops the armed wake-up, if any. */
  cancel(): void {
    this.wake?.abort();
    this.wake = undefined;
    this.armedFor = null;
  }
}
