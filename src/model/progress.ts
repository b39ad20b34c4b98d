/** The check of what `reportProgress()` is given, shared by the engine and the "taskflow" module of task modules. */
import { describeValue } from "./describe";
import type { TaskProgress } from "./fields";

/**
 * `{ fraction, message }` from reportProgress's arguments; throws a RangeError for a fraction outside
 * 0..1 and a TypeError for a message that is not a string.
 */
export function checkProgress(fraction: unknown, message: unknown): TaskProgress {
  if (typeof fraction !== "number" || !Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
    // A whole number up to 100 is most likely a percentage.
    const percent = typeof fraction === "number" && Number.isInteger(fraction) && fraction > 1 && fraction <= 100;
    const hint = percent ? `: pass a fraction, ${fraction / 100} for ${fraction}%` : "";
    throw new RangeError(`reportProgress() fraction must be a number from 0 to 1, got ${describeValue(fraction)}${hint}`);
  }
  if (message !== undefined && message !== null && typeof message !== "string") {
    throw new TypeError(`reportProgress() message must be a string (or left out), got ${describeValue(message)}`);
  }
  return { fraction, message: message ?? null };
}
