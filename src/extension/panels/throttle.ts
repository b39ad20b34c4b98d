import { systemTimers, type Timers } from "../../model/timers";

export interface Throttled {
  /** Asks for a call: runs now when idle, otherwise once when the current interval ends. */
  schedule(): void;
  /** Drops any call still waiting and stops the timer. */
  dispose(): void;
}

/**
 * Coalesces bursts of changes into calls of `fn` at most once per `intervalMs` (milliseconds):
 * the first change of a quiet period is delivered at once, changes during an interval are merged
 * into one call at its end, so the last change is never lost. `timers` defaults to the system's.
 */
export function throttle(fn: () => void, intervalMs: number, timers: Timers = systemTimers): Throttled {
  let handle: unknown;
  let running = false;
  let pending = false;
  let disposed = false;

  const tick = (): void => {
    if (pending && !disposed) {
      pending = false;
      fn();
      handle = timers.setTimeout(tick, intervalMs);
    } else {
      running = false;
    }
  };

  return {
    schedule() {
      if (disposed) return;
      if (running) {
        pending = true;
        return;
      }
      running = true;
      fn();
      handle = timers.setTimeout(tick, intervalMs);
    },
    dispose() {
      disposed = true;
      pending = false;
      if (running) timers.clearTimeout(handle);
      running = false;
    },
  };
}

/**
 * One call of `fn` `delayMs` (milliseconds) after the first ask: asks before it runs join that call
 * (the trees' refresh after a burst of lifecycle events). `timers` defaults to the system's.
 */
export function delayed(fn: () => void, delayMs: number, timers: Timers = systemTimers): Throttled {
  let handle: unknown;
  let waiting = false;
  let disposed = false;
  return {
    schedule() {
      if (waiting || disposed) return;
      waiting = true;
      handle = timers.setTimeout(() => {
        waiting = false;
        fn();
      }, delayMs);
    },
    dispose() {
      disposed = true;
      if (waiting) timers.clearTimeout(handle);
      waiting = false;
    },
  };
}
