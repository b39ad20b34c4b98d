/** Throughput in SQL: finished tasks grouped by the bucket of their end time and their status. */
import type { Database } from "sql.js";
import { THROUGHPUT_FIELDS, emptyBuckets, type ThroughputBucket, type ThroughputRange } from "../model";
import { FINISHED_SQL } from "./schema";

/** Every bucket of the range, oldest first, empty ones included. */
export function readThroughput(db: Database, range: ThroughputRange): ThroughputBucket[] {
  const buckets = emptyBuckets(range);
  const endMs = range.startMs + range.count * range.bucketMs;
  // The unary + keeps SQLite from choosing the status or function index, which would read every
  // finished task: the end_time range is what bounds the rows read.
  const byFunction = range.funcName === undefined ? "" : " AND +func_name = ?";
  // sql.js binds numbers as REAL, so the quotient is truncated explicitly (it is never negative here).
  const result = db.exec(
    `SELECT CAST((end_time - ?) / ? AS INTEGER) AS bucket, status, count(*) FROM tasks
      WHERE +status IN ${FINISHED_SQL} AND end_time >= ? AND end_time < ?${byFunction}
      GROUP BY bucket, status`,
    [range.startMs, range.bucketMs, range.startMs, endMs, ...(range.funcName === undefined ? [] : [range.funcName])],
  );
  for (const [bucket, status, n] of result[0]?.values ?? []) {
    const field = THROUGHPUT_FIELDS[status as keyof typeof THROUGHPUT_FIELDS];
    if (field !== undefined) buckets[Number(bucket)][field] += Number(n);
  }
  return buckets;
}
