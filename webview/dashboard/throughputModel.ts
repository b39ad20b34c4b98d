/**
 * The throughput chart's geometry, apart from the DOM so it is unit-tested in Node: one stacked bar
 * per bucket (succeeded at the bottom, then failed, then the other outcomes), a y scale rounded up
 * to a readable maximum, and a few x labels that never crowd.
 */
import * as l10n from "@vscode/l10n";
import type { ThroughputBucket, ThroughputBucketSize } from "../../src/model/throughput";

/** The outcomes the chart stacks, bottom first; `other` is cancelled, interrupted and rejected. */
export const SERIES = ["succeeded", "failed", "other"] as const;
export type Series = (typeof SERIES)[number];

export interface BarSegment {
  series: Series;
  count: number;
  /** From the top of the plot, in px. */
  y: number;
  height: number;
}

export interface ChartBar {
  start: string;
  x: number;
  width: number;
  total: number;
  segments: BarSegment[];
  /** `12:05 UTC: 4 succeeded, 1 failed` */
  title: string;
}

export interface ChartModel {
  bars: ChartBar[];
  /** The count at the top of the y axis. */
  yMax: number;
  /** X labels under the plot: at most about one per 70 px. */
  xLabels: Array<{ x: number; text: string }>;
  totals: Record<Series, number>;
}

/** `4 succeeded`, `1 failed`, `2 other`: a bar's count of one series, in the display language. */
function seriesCount(series: Series, count: number): string {
  switch (series) {
    case "succeeded": return l10n.t("{0} succeeded", count);
    case "failed": return l10n.t("{0} failed", count);
    case "other": return l10n.t("{0} other", count);
  }
}

/** The smallest of 1, 2, 5, 10, 20, 50... that is at least `n` (and at least 1). */
export function niceMax(n: number): number {
  if (n <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= n) return step * magnitude;
  return 10 * magnitude;
}

function countOf(bucket: ThroughputBucket, series: Series): number {
  if (series === "other") return bucket.cancelled + bucket.interrupted + bucket.rejected;
  return bucket[series];
}

/** `12:05` for a minute bucket, `12-02 14:00` for an hour bucket (UTC, as the logs are). */
export function bucketLabel(start: string, bucket: ThroughputBucketSize): string {
  const iso = new Date(start).toISOString();
  return bucket === "minute" ? iso.slice(11, 16) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/** Lays out `buckets` in a plot `width` x `height` px. */
export function chartModel(buckets: ThroughputBucket[], bucket: ThroughputBucketSize, width: number, height: number): ChartModel {
  const totals: Record<Series, number> = { succeeded: 0, failed: 0, other: 0 };
  const slot = buckets.length === 0 ? width : width / buckets.length;
  const barWidth = Math.max(1, slot * 0.8);
  const yMax = niceMax(Math.max(0, ...buckets.map((b) => SERIES.reduce((n, s) => n + countOf(b, s), 0))));
  const bars = buckets.map((b, i): ChartBar => {
    let top = height;
    const segments: BarSegment[] = [];
    const parts: string[] = [];
    for (const series of SERIES) {
      const count = countOf(b, series);
      totals[series] += count;
      if (count === 0) continue;
      const segmentHeight = (count / yMax) * height;
      top -= segmentHeight;
      segments.push({ series, count, y: top, height: segmentHeight });
      parts.push(seriesCount(series, count));
    }
    const total = segments.reduce((n, s) => n + s.count, 0);
    return {
      start: b.start,
      x: i * slot + (slot - barWidth) / 2,
      width: barWidth,
      total,
      segments,
      title: l10n.t("{0} UTC: {1}", bucketLabel(b.start, bucket), parts.length === 0 ? l10n.t("nothing finished") : parts.join(", ")),
    };
  });
  const every = Math.max(1, Math.ceil(70 / Math.max(slot, 1)));
  const xLabels = bars.filter((_, i) => i % every === 0).map((bar) => ({ x: bar.x + bar.width / 2, text: bucketLabel(bar.start, bucket) }));
  return { bars, yMax, xLabels, totals };
}
