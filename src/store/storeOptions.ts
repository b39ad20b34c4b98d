import type { SqlJsStoreOptions } from "./types";

const MAX_FLUSH_INTERVAL_MS = 200;

/** Throws a RangeError naming the first SqlJsStore option out of range; `resolved` holds the values with defaults applied. */
export function checkStoreOptions(options: SqlJsStoreOptions, resolved: { maxRecords: number; flushIntervalMs: number; foldBytes: number }): void {
  if (!Number.isInteger(resolved.maxRecords) || resolved.maxRecords < 0) {
    throw new RangeError(`maxRecords must be a whole number >= 0, got ${String(options.maxRecords)}`);
  }
  if (!(resolved.flushIntervalMs >= 0 && resolved.flushIntervalMs <= MAX_FLUSH_INTERVAL_MS)) {
    throw new RangeError(`flushIntervalMs must be between 0 and ${MAX_FLUSH_INTERVAL_MS} ms, got ${String(options.flushIntervalMs)}`);
  }
  if (!(resolved.foldBytes > 0)) {
    throw new RangeError(`journalFoldBytes must be a positive number of bytes, got ${String(options.journalFoldBytes)}`);
  }
}
