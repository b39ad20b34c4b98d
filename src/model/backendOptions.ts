/**
 * What `new TaskManager({ backend })` accepts: the local backend or BullMQ on Redis. Declared with the
 * model so the engine, the backends and the settings share one shape without importing each other.
 */
import { ValidationError } from "./schemas";
import { describeValue } from "./describe";

const EXAMPLE = "redis://127.0.0.1:6379";

/** `new TaskManager({ backend })`: where the queue and the history live. */
export type BackendOptions = LocalBackendOptions | BullmqBackendOptions;

/** The default: this process runs the tasks and keeps the history in sql.js (dbPath) or in memory. */
export interface LocalBackendOptions {
  type: "local";
}

/** BullMQ on Redis: the queue and the history live in Redis; any number of processes share them. */
export interface BullmqBackendOptions {
  type: "bullmq";
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://` for TLS. Port 6379 when left out. */
  connection: string;
  /** Prefix of every Redis key Taskflow and BullMQ write. @default "taskflow" */
  prefix?: string;
  /**
   * Whether this manager also takes jobs and runs them with its registered functions (a worker). A
   * manager that only enqueues and reads (a window, `taskflow run`) passes false.
   * @default true
   */
  worker?: boolean;
  /**
   * Milliseconds a worker holds an active job's lock before renewing it (BullMQ `lockDuration`); the
   * job of a worker that died is taken back by another worker within about twice this.
   * @default 30000
   */
  lockDurationMs?: number;
}

/** A Redis URL as given, once checked: redis:// or rediss://, with a host. */
export function checkRedisUrl(value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new ValidationError(`backend.connection must be a Redis URL like ${EXAMPLE}, got ${describeValue(value)}`, "backend.connection");
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(`backend.connection must be a Redis URL like ${EXAMPLE}, got ${JSON.stringify(value)}, which does not parse as a URL`, "backend.connection");
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new ValidationError(`backend.connection must start with redis:// (or rediss:// for TLS), got ${JSON.stringify(value)}: write it like ${EXAMPLE}`, "backend.connection");
  }
  if (url.hostname === "") {
    throw new ValidationError(`backend.connection names no host: got ${JSON.stringify(value)}, expected one like ${EXAMPLE}`, "backend.connection");
  }
  return value;
}

/** The error for a backend type nothing implements. */
export function unknownBackendError(type: unknown): ValidationError {
  return new ValidationError(
    `backend.type must be "local" or "bullmq", got ${describeValue(type)}: use { type: "bullmq", connection: "${EXAMPLE}" } for a shared queue, or leave backend out`,
    "backend.type",
  );
}
