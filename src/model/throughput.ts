/** Throughput over time: how many tasks finished per minute or hour, by outcome, from the store. */

export type ThroughputBucketSize = "minute" | "hour";

/** Options of `throughput()`. */
export interface ThroughputQuery {
  bucket: ThroughputBucketSize;
  /** The first bucket holds this time: a Date or an ISO 8601 string. @default 60 buckets before now */
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
