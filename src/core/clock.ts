import type { Clock, RandomSource } from "./types";

export type { Clock } from "./types";

/** setTimeout's longest delay (about 24.8 days); a longer one fires at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * The real clock: wall time and timers. The only place in the engine that touches them. A sleep
 * longer than setTimeout allows (a runAt weeks ahead) is made of several timeouts.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let remaining = Math.max(0, ms);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const step = (): void => {
        const chunk = Math.min(remaining, MAX_TIMEOUT_MS);
        remaining -= chunk;
        timer = setTimeout(() => {
          if (remaining > 0) return step();
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, chunk);
      };
      step();
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};

/**
 * The clock's time as ISO 8601 UTC text, `new Date(clock.now()).toISOString()`, reusing the last
 * text while the clock stays on the same millisecond: a burst of events and log lines shares it.
 */
export function isoClock(clock: Clock): () => string {
  let lastMs = Number.NaN;
  let lastText = "";
  return () => {
    const ms = clock.now();
    if (ms !== lastMs) {
      lastMs = ms;
      lastText = new Date(ms).toISOString();
    }
    return lastText;
  };
}

/** The real random source, kept beside the clock so the engine has one place for its ports. */
export const systemRandom: RandomSource = () => Math.random();
