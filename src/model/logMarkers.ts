/**
 * The lines the engine writes into a task's logs: a logged message behind its timestamp, and the
 * marker lines, verbatim and without one. Written and parsed here only: users and the webviews read
 * these exact strings.
 */

/** A log line as a task's logs keep it: `YYYY-MM-DDTHH:MM:SS message` (UTC, whole seconds) from an ISO time. */
export function logLine(isoTime: string, message: string): string {
  return `${isoTime.slice(0, 19)} ${message}`;
}

/** The line that opens retry `retryNumber` (1-based): `--- Retry 2 ---`. */
export function retryMarker(retryNumber: number): string {
  return `--- Retry ${retryNumber} ---`;
}

/** The line that reports `dropped` log lines refused by the per-task cap of `limit` lines. */
export function droppedLinesMarker(dropped: number, limit: number): string {
  return `--- ${dropped} log lines dropped (limit ${limit} per task) ---`;
}

// A stored line may carry a timestamp in front (older records wrote the marker as a log line).
const RETRY_MARKER = /^(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S*\s+)?--- Retry (\d+) ---$/;

/** The retry number (1-based) of a `--- Retry N ---` line; null for any other line. */
export function parseRetryMarker(line: string): number | null {
  const match = RETRY_MARKER.exec(line);
  return match ? Number(match[1]) : null;
}
