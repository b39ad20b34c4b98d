/**
 * The BullMQ backend's options (declared in src/model/backendOptions.ts), checked once: a Redis URL,
 * a key prefix and the worker settings. Bad input gets an error that says what was expected, what
 * was got and what to do.
 */
import { ValidationError, checkRedisUrl, describeValue, type BullmqBackendOptions } from "../../model";

/** The checked options, every default filled in. */
export interface ResolvedBullmqOptions {
  url: string;
  prefix: string;
  worker: boolean;
  lockDurationMs: number;
}

const DEFAULT_PREFIX = "taskflow";
const DEFAULT_LOCK_MS = 30_000;

/** Checks `options.backend`; throws a ValidationError naming the bad field. */
export function resolveBullmqOptions(backend: BullmqBackendOptions): ResolvedBullmqOptions {
  return {
    url: checkRedisUrl(backend.connection),
    prefix: checkPrefix(backend.prefix),
    worker: backend.worker ?? true,
    lockDurationMs: checkLock(backend.lockDurationMs),
  };
}

function checkPrefix(value: unknown): string {
  if (value === undefined) return DEFAULT_PREFIX;
  if (typeof value !== "string" || !/^[A-Za-z0-9_.-]+$/.test(value)) {
    throw new ValidationError(`backend.prefix must be letters, digits, "_", "." or "-" (it starts every Redis key), got ${describeValue(value)}`, "backend.prefix");
  }
  return value;
}

function checkLock(value: unknown): number {
  if (value === undefined) return DEFAULT_LOCK_MS;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 100) {
    throw new ValidationError(`backend.lockDurationMs must be a whole number of milliseconds >= 100, got ${describeValue(value)}`, "backend.lockDurationMs");
  }
  return value;
}
