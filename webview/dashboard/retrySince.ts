/** The times "Retry failed tasks created ..." offers, and the ISO time each means. Pure, so it is unit-tested in Node. */
import * as l10n from "@vscode/l10n";

/** The choices of Retry failed since; `custom` takes a typed ISO time. */
export const RETRY_SINCE_CHOICES = ["hour", "today", "day", "custom"] as const;
export type RetrySinceChoice = (typeof RETRY_SINCE_CHOICES)[number];

/** What a choice reads as in the dropdown, in the display language. */
export function retrySinceLabel(choice: RetrySinceChoice): string {
  switch (choice) {
    case "hour": return l10n.t("in the last hour");
    case "today": return l10n.t("today");
    case "day": return l10n.t("in the last 24 hours");
    case "custom": return l10n.t("since a time…");
  }
}

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
    const got = text === "" ? l10n.t("nothing") : `"${text}"`;
    return { ok: false, error: l10n.t("Expected an ISO 8601 time like 2026-12-02T09:00:00Z, got {0}: type a date, optionally with a time", got) };
  }
  return { ok: true, iso: new Date(parsed).toISOString() };
}
