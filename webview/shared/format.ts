/** Display formatting shared by both webviews. Pure, so it is unit-tested in Node. */
import * as l10n from "@vscode/l10n";
import { parseRetryMarker } from "../../src/model/logMarkers";

/** Seconds as `850 ms`, `12.3 s`, `4 m 05 s`, `2 h 03 m`; an em dash for null. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  if (seconds < 1) return l10n.t("{0} ms", Math.round(seconds * 1000));
  if (seconds < 60) return l10n.t("{0} s", seconds.toFixed(1));
  const whole = Math.round(seconds);
  if (whole < 3600) return l10n.t("{0} m {1} s", Math.floor(whole / 60), String(whole % 60).padStart(2, "0"));
  return l10n.t("{0} h {1} m", Math.floor(whole / 3600), String(Math.floor((whole % 3600) / 60)).padStart(2, "0"));
}

/** A 0..1 rate as a whole percentage. */
export function formatPercent(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}

/** An ISO time as `YYYY-MM-DD HH:MM:SS` (UTC, as the logs are); an em dash for null. */
export function formatTime(iso: string | null): string {
  if (!iso) return "—";
  return iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "");
}

const LOG_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S*)\s(.*)$/s;

/** A log line split for display: a retry separator, or an optional timestamp and the message. */
export type ParsedLogLine =
  | { kind: "retry"; retry: number; text: string }
  | { kind: "line"; timestamp: string | null; message: string };

export function parseLogLine(line: string): ParsedLogLine {
  const retry = parseRetryMarker(line);
  if (retry !== null) return { kind: "retry", retry, text: l10n.t("Retry {0}", retry) };
  const parts = LOG_LINE.exec(line);
  return parts ? { kind: "line", timestamp: parts[1], message: parts[2] } : { kind: "line", timestamp: null, message: line };
}

/** True when the line passes the log filter (case-insensitive substring; empty passes all). */
export function logMatches(line: string, filter: string): boolean {
  return filter === "" || line.toLowerCase().includes(filter.toLowerCase());
}

/** True when a scrolled box is at (or within `slackPx` of) its bottom: the view then follows new lines. */
export function isAtBottom(box: { scrollTop: number; clientHeight: number; scrollHeight: number }, slackPx = 24): boolean {
  return box.scrollHeight - box.scrollTop - box.clientHeight <= slackPx;
}
