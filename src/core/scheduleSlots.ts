/**
 * When a schedule's slots fall: `every` steps from the previous slot, a cron expression is read in
 * its time zone by croner (5 or 6 fields, IANA zones, daylight saving handled).
 */
import { Cron } from "croner";
import { ValidationError, parseScheduleSpec, type ScheduleSpec } from "../model";

const CRON_EXPECTED = "expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first, like \"0 9 * * 1-5\" or \"*/30 * * * * *\"";

function checkTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw new ValidationError(`Schedule timezone "${timezone}" is not an IANA time zone: expected a name like "Europe/Berlin", "America/New_York" or "UTC"`, "timezone");
  }
}

function cronOf(expression: string, timezone: string | undefined): Cron {
  const fields = expression.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    throw new ValidationError(`Schedule cron "${expression}" has ${fields} field${fields === 1 ? "" : "s"}: ${CRON_EXPECTED}`, "cron");
  }
  try {
    return new Cron(expression.trim(), { timezone, paused: true });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ValidationError(`Schedule cron "${expression}" does not parse (${reason}): ${CRON_EXPECTED}`, "cron");
  }
}

/**
 * Checks a schedule: its shape, that a cron expression parses and that its time zone is an IANA
 * name. Throws a ValidationError that quotes the bad input and says what was expected.
 */
export function checkScheduleSpec(spec: unknown): ScheduleSpec {
  const parsed = parseScheduleSpec(spec);
  if ("cron" in parsed) {
    if (parsed.timezone !== undefined) checkTimezone(parsed.timezone);
    cronOf(parsed.cron, parsed.timezone);
  }
  return parsed;
}

/**
 * The first slot strictly after `afterMs` (epoch ms), or null when a cron expression has no more.
 * An `every` schedule steps from `fromSlotMs`, its previous slot, so its slots never drift with
 * the time a pass happens to run; a cron schedule's slots are fixed by the expression.
 */
export function nextSlot(spec: ScheduleSpec, fromSlotMs: number, afterMs: number): number | null {
  if ("every" in spec) {
    const periodMs = spec.every * 1000;
    const steps = afterMs < fromSlotMs ? 0 : Math.floor((afterMs - fromSlotMs) / periodMs) + 1;
    return fromSlotMs + steps * periodMs;
  }
  const next = cronOf(spec.cron, spec.timezone).nextRun(new Date(afterMs));
  return next === null ? null : next.getTime();
}
