import type { TaskDict } from "../../model/fields";

/** The CSV columns, in order. */
export const CSV_COLUMNS = ["taskId", "funcName", "status", "createdAt", "startTime", "endTime", "duration", "retriesUsed", "error", "tags"] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, or starts or ends with
 * a space, with quotes doubled. Text starting with `=`, `+`, `-`, `@` or a tab gets a leading `'`
 * so a spreadsheet shows it instead of evaluating it as a formula.
 */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return "";
  if (typeof value !== "string") return String(value);
  let text = value;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]|^ | $/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Tags as `key=value` pairs joined by `; `. */
export function formatTags(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");
}

/** The rows as CSV text with a header line, CRLF line ends. */
export function toCsv(tasks: ReadonlyArray<Omit<TaskDict, "logs">>): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const t of tasks) {
    lines.push(
      [t.taskId, t.funcName, t.status, t.createdAt, t.startTime, t.endTime, t.duration, t.retriesUsed, t.error, formatTags(t.tags)]
        .map(csvField)
        .join(","),
    );
  }
  return lines.join("\r\n") + "\r\n";
}

/**
 * The rows as a JSON array. Logs are left out (they can be huge); arguments appear only as the
 * task record holds them, so encrypted arguments stay absent.
 */
export function toJson(tasks: ReadonlyArray<TaskDict>): string {
  return JSON.stringify(
    tasks.map(({ logs: _logs, ...rest }) => rest),
    null,
    2,
  ) + "\n";
}
