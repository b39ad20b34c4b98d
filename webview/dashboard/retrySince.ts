/** The times "Retry failed tasks created ..." offers, and the ISO time each means. Pure, so it is unit-tested in Node. */

/** The choices of Retry failed since; `custom` takes a typed ISO time. */
export const RETRY_SINCE_CHOICES = ["hour", "today", "day", "custom"] as const;
export type RetrySinceChoice = (typeof RETRY_SINCE_CHOICES)[number];
export const RETRY_SINCE_LABELS: Record<RetrySinceChoice, string> = { hour: "in the last hour", today: "today", day: "in the last 24 hours", custom: "since a time…" };

/** The ISO time a choice means now, or an error that says what was expected and what was got. */
export function sinceOf(choice: RetrySinceChoice, custom: string, now: Date): { ok: true; iso: string } | { ok: false; error: string } {
  if (choice === "hour") return { ok: true, iso: new Date(now.getTime() - 3_600_000).toISOString() };
  if (choice === "day") return { ok: true, iso: new Date(now.getTime() - 86_400_000).toISOString() };
  if (choice === "today") {
    const midnight = new Date(now);
    midnight.setHours(0, 0, 0, 0);
    return { ok: true, iso: midnight.toISOString() };
  }
  const text = custom.trim();
  const parsed = /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(parsed)) {
    return { ok: false, error: `Expected an ISO 8601 time like 2026-12-02T09:00:00Z, got ${text === "" ? "nothing" : `"${text}"`}: type a date, optionally with a time` };
  }
  return { ok: true, iso: new Date(parsed).toISOString() };
}
