/**
 * Flow control per key in words: a task function's `concurrency`, `rateLimit` and `debounce` for the
 * Task Functions view, and why a pending run is held (a FlowHold) for the Tasks view and the task
 * panel. No vscode import.
 */
import * as l10n from "@vscode/l10n";
import type { FlowHold, TaskConfig } from "../../model";

/** The flow-control part of a task config. */
export type FlowConfig = Pick<TaskConfig, "concurrency" | "rateLimit" | "debounce">;

/** Longest key shown before it is cut with `…`, in characters. */
const MAX_KEY_LENGTH = 40;

/** A key as shown: `(empty)` for "" (runs whose key path reads nothing), long keys cut. */
export function keyLabel(key: string): string {
  if (key === "") return l10n.t("(empty)");
  return key.length > MAX_KEY_LENGTH ? `${key.slice(0, MAX_KEY_LENGTH - 1)}…` : key;
}

/**
 * `1 per args[0] · 10/60s per kwargs.tenant · debounce 5s per args[0]`: the rules in short, for a
 * row's description; "" without flow control.
 */
export function flowSummary(config: FlowConfig): string {
  const parts: string[] = [];
  if (config.concurrency) parts.push(l10n.t("{0} per {1}", config.concurrency.limit, config.concurrency.key));
  if (config.rateLimit) parts.push(l10n.t("{0}/{1}s per {2}", config.rateLimit.max, config.rateLimit.perSeconds, config.rateLimit.key));
  if (config.debounce) parts.push(l10n.t("debounce {0}s per {1}", config.debounce.seconds, config.debounce.key));
  return parts.join(" · ");
}

/**
 * The rules in full, one sentence: `At most 1 run at once per key args[0]; at most 10 starts per
 * 60 s per key kwargs.tenant; ...`. "" without flow control.
 */
export function flowDetail(config: FlowConfig): string {
  const parts: string[] = [];
  if (config.concurrency) {
    const { limit, key } = config.concurrency;
    parts.push(limit === 1 ? l10n.t("at most {0} run at once per key {1}", limit, key) : l10n.t("at most {0} runs at once per key {1}", limit, key));
  }
  if (config.rateLimit) {
    const { max, perSeconds, key } = config.rateLimit;
    parts.push(max === 1 ? l10n.t("at most {0} start per {1} s per key {2}", max, perSeconds, key) : l10n.t("at most {0} starts per {1} s per key {2}", max, perSeconds, key));
  }
  if (config.debounce) {
    const { seconds, key } = config.debounce;
    parts.push(l10n.t("debounced per key {0}: a run starts {1} s after the last add of its key, with that add's input", key, seconds));
  }
  if (parts.length === 0) return "";
  const text = `${parts.join("; ")}.`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Why a pending run has not started, in short (`summary`, for a row or under a status) and in full (`detail`). */
export interface HoldText {
  summary: string;
  detail: string;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** `14:05`, in local time; an unreadable time is shown as given. */
export function clockTime(iso: string, withSeconds = false): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const time = `${pad(at.getHours())}:${pad(at.getMinutes())}`;
  return withSeconds ? `${time}:${pad(at.getSeconds())}` : time;
}

/**
 * `held: 1 running for key ada`, `held: rate 10/60s for key t1 until 14:05`, `debounced: starts
 * 14:05 (3 adds)`, and the same in full. Times are local.
 */
export function holdText(hold: FlowHold): HoldText {
  const key = keyLabel(hold.key);
  switch (hold.rule) {
    case "concurrency":
      return {
        summary: l10n.t("held: {0} running for key {1}", hold.running, key),
        detail: hold.running === 1
          ? l10n.t("Held by its key {0}: {1} run of this key running, at most {2} at once. It starts when one of them ends.", key, hold.running, hold.limit)
          : l10n.t("Held by its key {0}: {1} runs of this key running, at most {2} at once. It starts when one of them ends.", key, hold.running, hold.limit),
      };
    case "rateLimit":
      return {
        summary: l10n.t("held: rate {0}/{1}s for key {2} until {3}", hold.max, hold.perSeconds, key, clockTime(hold.until)),
        detail: hold.max === 1
          ? l10n.t("Held by its key {0}: at most {1} start per {2} s, and the window is full. It may start at {3}.", key, hold.max, hold.perSeconds, clockTime(hold.until, true))
          : l10n.t("Held by its key {0}: at most {1} starts per {2} s, and the window is full. It may start at {3}.", key, hold.max, hold.perSeconds, clockTime(hold.until, true)),
      };
    case "debounce":
      return {
        summary: hold.adds === 1
          ? l10n.t("debounced: starts {0} ({1} add)", clockTime(hold.until), hold.adds)
          : l10n.t("debounced: starts {0} ({1} adds)", clockTime(hold.until), hold.adds),
        detail: hold.adds === 1
          ? l10n.t("Debounced on its key {0} after {1} add: it starts at {2} with the last input, unless another add of this key restarts the wait.", key, hold.adds, clockTime(hold.until, true))
          : l10n.t("Debounced on its key {0} after {1} adds: it starts at {2} with the last input, unless another add of this key restarts the wait.", key, hold.adds, clockTime(hold.until, true)),
      };
  }
}
