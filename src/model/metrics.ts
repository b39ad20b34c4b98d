import { ALL_STATUSES, isFinished, type TaskStatus } from "./status";

/** Counts per status over the whole history, and figures over the finished tasks. */
export type Metrics = Record<TaskStatus, number> & {
  total: number;
  /** success / (success + failed), 0..1; 0 when nothing finished. */
  successRate: number;
  /** Mean duration in seconds of finished tasks that have one; 0 when none. */
  avgDuration: number;
};

/** Accumulates Metrics one status count at a time. */
export class MetricsAccumulator {
  private readonly counts = Object.fromEntries(ALL_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  private total = 0;
  private durationSumMs = 0;
  private durationCount = 0;

  /** Adds `count` tasks in `status`; with start and end times, their durations count too. */
  add(status: TaskStatus, startTime: number | null, endTime: number | null, count = 1): void {
    this.addCount(status, count);
    if (isFinished(status) && startTime !== null && endTime !== null) this.addDurations((endTime - startTime) * count, count);
  }

  addCount(status: TaskStatus, count: number): void {
    this.total += count;
    this.counts[status] += count;
  }

  /** Adds an aggregate: `durationCount` finished tasks whose durations sum to `durationSumMs`. */
  addDurations(durationSumMs: number, durationCount: number): void {
    this.durationSumMs += durationSumMs;
    this.durationCount += durationCount;
  }

  result(): Metrics {
    const done = this.counts.success + this.counts.failed;
    return {
      total: this.total,
      ...this.counts,
      successRate: done === 0 ? 0 : this.counts.success / done,
      avgDuration: this.durationCount === 0 ? 0 : this.durationSumMs / this.durationCount / 1000,
    };
  }
}
