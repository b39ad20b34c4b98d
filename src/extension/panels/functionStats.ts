import type { TaskDict } from "../../model/fields";
import type { TaskStatus } from "../../model/status";
import type { FunctionStats } from "../../protocol";

/** How many of a function's newest runs `lastOutcomes` lists. */
export const LAST_OUTCOMES = 5;

/**
 * The p-th percentile (0 < p <= 100) by the nearest-rank method: the smallest value with at
 * least p% of the values at or below it. Null for an empty list.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile expects p in (0, 100], got ${p}`);
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(rank, 1) - 1];
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Per-function figures from a list of tasks given newest first (the order listTasks returns):
 * TaskRecords or their JSON form. Functions are sorted by name.
 */
export function functionStats(tasksNewestFirst: ReadonlyArray<Pick<TaskDict, "funcName" | "status" | "duration">>): FunctionStats[] {
  const groups = new Map<string, Array<Pick<TaskDict, "status" | "duration">>>();
  for (const task of tasksNewestFirst) {
    const group = groups.get(task.funcName) ?? [];
    group.push(task);
    groups.set(task.funcName, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([funcName, runs]) => {
      const success = runs.filter((r) => r.status === "success").length;
      const failed = runs.filter((r) => r.status === "failed").length;
      const durations = runs.map((r) => r.duration).filter((d): d is number => typeof d === "number");
      return {
        funcName,
        runs: runs.length,
        successRate: success + failed === 0 ? 0 : success / (success + failed),
        avgDuration: mean(durations),
        p95Duration: percentile(durations, 95),
        lastOutcomes: runs.slice(0, LAST_OUTCOMES).map((r): TaskStatus => r.status),
      };
    });
}
