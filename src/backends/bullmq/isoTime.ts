/**
 * Epoch milliseconds as an ISO 8601 string, the last one kept: the lifecycle events and audit
 * entries of a busy moment share their millisecond, and formatting a date is a large part of
 * what making one costs.
 */
let lastMs = Number.NaN;
let lastIso = "";

/** `new Date(ms).toISOString()`, formatted once per distinct `ms` in a row. */
export function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}
