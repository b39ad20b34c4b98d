import type { RandomSource, TaskConfig } from "./types";

/**
 * Milliseconds to wait before retry `retryNumber` (1-based): `delay * backoff^(n-1)` seconds, capped
 * by `maxDelay` seconds, then multiplied by a factor in `[1 - jitter, 1]` drawn from `random`.
 * Pure: the same inputs always give the same output.
 */
export function backoffDelayMs(
  config: Pick<TaskConfig, "delay" | "backoff" | "maxDelay" | "jitter">,
  retryNumber: number,
  random: RandomSource,
): number {
  if (!Number.isInteger(retryNumber) || retryNumber < 1) {
    throw new RangeError(`retryNumber must be an integer >= 1 (retries are numbered from 1), got ${retryNumber}`);
  }
  const delaySeconds = config.delay ?? 0;
  const backoff = config.backoff ?? 1;
  let waitSeconds = delaySeconds * backoff ** (retryNumber - 1);
  if (config.maxDelay !== undefined) waitSeconds = Math.min(waitSeconds, config.maxDelay);
  const jitter = config.jitter ?? 0;
  if (jitter > 0) waitSeconds *= 1 - jitter * random();
  return Math.round(waitSeconds * 1000);
}
