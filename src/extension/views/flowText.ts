/**
 * Flow control per key in words: a task function's `concurrency`, `rateLimit` and `debounce` for the
 * Task Functions view, and why a pending run is held (a FlowHold) for the Tasks view and the task
 * panel. No vscode import.
 */
import type { FlowHold, TaskConfig } from "../../model";

/** The flow-control part of a task config. */
export type FlowConfig = Pick<TaskConfig, "concurrency" | "rateLimit" | "debounce">;

/** Longest key shown before it is cut with `…`, in characters. */
const MAX_KEY_LENGTH = 40;

/** A key as shown: `(empty)` for "" (runs whose key path reads nothing), long keys cut. */
export function keyLabel(key: string): string {
  if (key === "") return "(empty)";
  return key.length > MAX_KEY_LENGTH ? `${key.slice(0, MAX_KEY_LENGTH - 1)}…` : key;
}

/**
 * `1 per args[0] · 10/60s per kwargs.tenant · debounce 5s per args[0]`: the rules in short, for a
 * row's description; "" without flow control.
 */
export function flowSummary(config: FlowConfig): string {
  const parts: string[] = [];
  if (config.concurrency) parts.push(`${config.concurrency.limit} per ${config.concurrency.key}`);
  if (config.rateLimit) parts.push(`${config.rateLimit.max}/${config.rateLimit.perSeconds}s per ${config.rateLimit.key}`);
  if (config.debounce) parts.push(`debounce ${config.debounce.seconds}s per ${config.debounce.key}`);
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
    parts.push(`at most ${limit} ${limit === 1 ? "run" : "runs"} at once per key ${key}`);
  }
  if (config.rateLimit) {
    const { max, perSeconds, key } = config.rateLimit;
    parts.push(`at most ${max} ${max === 1 ? "start" : "starts"} per ${perSeconds} s per key ${key}`);
  }
  if (config.debounce) {
    const { seconds, key } = config.debounce;
    parts.push(`debounced per key ${key}: a run starts ${seconds} s after the last add of its key, with that add's input`);
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
        summary: `held: ${hold.running} running for key ${key}`,
        detail: `Held by its key ${key}: ${hold.running} ${hold.running === 1 ? "run" : "runs"} of this key running, at most ${hold.limit} at once. It starts when one of them ends.`,
      };
    case "rateLimit":
      return {
        summary: `held: rate ${hold.max}/${hold.perSeconds}s for key ${key} until ${clockTime(hold.until)}`,
        detail: `Held by its key ${key}: at most ${hold.max} ${hold.max === 1 ? "start" : "starts"} per ${hold.perSeconds} s, and the window is full. It may start at ${clockTime(hold.until, true)}.`,
      };
    case "debounce":
      return {
        summary: `debounced: starts ${clockTime(hold.until)} (${hold.adds} ${hold.adds === 1 ? "add" : "adds"})`,
        detail: `Debounced on its key ${key} after ${hold.adds} ${hold.adds === 1 ? "add" : "adds"}: it starts at ${clockTime(hold.until, true)} with the last input, unless another add of this key restarts the wait.`,
      };
  }
}
