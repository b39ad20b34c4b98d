import type { Clock, RandomSource } from "./types";

export type { Clock } from "./types";

/** The real clock: wall time and timers. The only place in the engine that touches them. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};

/** The real random source, kept beside the clock so the engine has one place for its ports. */
export const systemRandom: RandomSource = () => Math.random();
