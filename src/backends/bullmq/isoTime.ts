/**
 * Epoch milliseconds as an ISO 8601 string (`Date.prototype.toISOString`'s form), with the part up
 * to the minute formatted once per minute: the lifecycle events and audit entries of a busy
 * moment share it, and formatting a whole date is a large part of what making one costs.
 */
let lastMinute = Number.NaN;
let minutePrefix = "";

/** The first epoch millisecond of year 10000, from which toISOString writes a six-digit year. */
const YEAR_10000_MS = 253_402_300_800_000;

/** `new Date(ms).toISOString()` for an integer `ms`; the same call outside years 1970 to 9999. */
export function isoTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms >= YEAR_10000_MS) return new Date(ms).toISOString();
  const minute = Math.floor(ms / 60_000);
  if (minute !== lastMinute) {
    // "YYYY-MM-DDTHH:MM:"
    minutePrefix = new Date(minute * 60_000).toISOString().slice(0, 17);
    lastMinute = minute;
  }
  const inMinute = ms - minute * 60_000;
  const seconds = Math.floor(inMinute / 1000);
  const millis = inMinute - seconds * 1000;
  return `${minutePrefix}${seconds < 10 ? "0" : ""}${seconds}.${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
}
