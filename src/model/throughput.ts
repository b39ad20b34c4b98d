/** Throughput over time: how many tasks finished per minute or hour, by outcome, from the store. */
import { describeValue } from "./describe";
import { ValidationError } from "./schemas";
import type { TaskStatus } from "./status";

export type ThroughputBucketSize = "minute" | "hour";

/** Options of `throughput()`. */
export interface ThroughputQuery {
  bucket: ThroughputBucketSize;
  /** The first bucket holds this time: a Date or an ISO 8601 string. @default 60 buckets before now (the current bucket is the 60th) */
  since?: Date | string;
  /** Only tasks of this function. @default every function */
  funcName?: string;
}

/** One bucket: tasks whose run ended in [start, start + size), by final status. */
export interface ThroughputBucket {
  /** ISO 8601 start of the bucket, on a whole minute or hour (UTC). */
  start: string;
  succeeded: number;
  failed: number;
  cancelled: number;
  interrupted: number;
  rejected: number;
}

/** The bucket field counting each finished status. */
export const THROUGHPUT_FIELDS = {
  success: "succeeded", failed: "failed", cancelled: "cancelled", interrupted: "interrupted", rejected: "rejected",
} as const satisfies Partial<Record<TaskStatus, keyof ThroughputBucket>>;

/** Buckets one query may span (a week of minutes). */
export const THROUGHPUT_MAX_BUCKETS = 10080;
/** Buckets returned when `since` is not given. */
export const THROUGHPUT_DEFAULT_BUCKETS = 60;
const BUCKET_MS: Record<ThroughputBucketSize, number> = { minute: 60_000, hour: 3_600_000 };

/** A checked throughput query, as the stores take it: `count` buckets of `bucketMs` from `startMs` (epoch ms, on a bucket boundary). */
export interface ThroughputRange {
  bucketMs: number;
  startMs: number;
  count: number;
  funcName?: string;
}

/** The range of a query at `nowMs`; throws a ValidationError saying what was expected and got. */
export function resolveThroughputQuery(query: ThroughputQuery, nowMs: number): ThroughputRange {
  if (typeof query !== "object" || query === null) {
    throw new ValidationError(`The throughput query must be an object like { bucket: "minute" }, got ${describeValue(query)}`, "");
  }
  const bucketMs = BUCKET_MS[query.bucket];
  if (typeof query.bucket !== "string" || bucketMs === undefined) {
    throw new ValidationError(`throughput bucket must be "minute" or "hour", got ${describeValue(query.bucket)}`, "bucket");
  }
  if (query.funcName !== undefined && (typeof query.funcName !== "string" || query.funcName === "")) {
    throw new ValidationError(`throughput funcName must be a function name, got ${describeValue(query.funcName)}: leave it out for every function`, "funcName");
  }
  const current = Math.floor(nowMs / bucketMs) * bucketMs;
  let startMs = current - (THROUGHPUT_DEFAULT_BUCKETS - 1) * bucketMs;
  if (query.since !== undefined) {
    const sinceMs = query.since instanceof Date ? query.since.getTime() : typeof query.since === "string" ? Date.parse(query.since) : Number.NaN;
    if (Number.isNaN(sinceMs)) {
      throw new ValidationError(`throughput since must be a Date or an ISO time like "2026-12-01T00:00:00Z", got ${describeValue(query.since)}`, "since");
    }
    startMs = Math.floor(sinceMs / bucketMs) * bucketMs;
    if (startMs > current) throw new ValidationError(`throughput since must not be in the future, got ${new Date(sinceMs).toISOString()}`, "since");
  }
  const count = (current - startMs) / bucketMs + 1;
  if (count > THROUGHPUT_MAX_BUCKETS) {
    throw new ValidationError(`throughput spans at most ${THROUGHPUT_MAX_BUCKETS} buckets, got ${count} ${query.bucket}s since ${new Date(startMs).toISOString()}: give a later since or bucket "hour"`, "since");
  }
  return { bucketMs, startMs, count, ...(query.funcName === undefined ? {} : { funcName: query.funcName }) };
}

/** `range.count` empty buckets, oldest first. */
export function emptyBuckets(range: ThroughputRange): ThroughputBucket[] {
  return Array.from({ length: range.count }, (_, i) => ({
    start: new Date(range.startMs + i * range.bucketMs).toISOString(), succeeded: 0, failed: 0, cancelled: 0, interrupted: 0, rejected: 0,
  }));
}
