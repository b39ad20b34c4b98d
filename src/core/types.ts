/**
 * The engine's own contract: its options and ports. The model (src/model: fields, statuses,
 * schemas, events, the client interface) is re-exported from here, so engine code and the package
 * entry keep one import.
 */
export * from "../model";
import type { LogLevel } from "../model";

/** Time as a port: the engine never calls Date.now or setTimeout directly, so tests advance a fake clock. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface TaskManagerOptions {
  /**
   * Where the queue and the history live: `{ type: "local" }`, this process (with dbPath or in memory).
   * `new TaskManager({ backend: { type: "bullmq", connection: "redis://host:6379" } })` (see
   * BullmqManagerOptions in the engine entry) gives a manager on BullMQ instead. @default { type: "local" }
   */
  backend?: import("../model").LocalBackendOptions;
  /** sql.js database file. Without it, history lives in memory only. */
  dbPath?: string;
  /**
   * With `dbPath`: what this process is, named in the DatabaseLockedError a second writer of the
   * same database gets ("a VS Code window", "taskflow run"). @default "a node process (<script>)"
   */
  lockOwner?: string;
  /** A store to use instead of the one `dbPath` would open (tests, the extension). */
  store?: import("../store/types").TaskStore;
  /** Fernet key (URL-safe base64 of 32 bytes). When set, arguments are stored encrypted. */
  encryptArgsKey?: string;
  /** @default 4 */
  maxConcurrentTasks?: number;
  /** Dispatch pending tasks found in the store at start. @default true */
  requeuePending?: boolean;
  /** Log lines kept per task; later lines are dropped and counted in a marker line. @default 10000 */
  maxLogLinesPerTask?: number;
  /** Finished records kept; the oldest beyond this are deleted. @default 10000 */
  maxRecords?: number;
  /** @default the system clock */
  clock?: Clock;
  /** Random numbers for backoff jitter. @default Math.random */
  random?: RandomSource;
  /**
   * A text log of every task log line and status change, one line each (ISO time, level or status,
   * task id, function name, message), rotated by size: `{ path, maxBytes, keep }` (see LogFileOptions;
   * defaults 10 MiB and 5 rotated files). Written in the background; `flush()` and `shutdown()` wait
   * for it. Bad options throw at construction. @default no log file
   */
  logFile?: import("../store/logFile").LogFileOptions;
  /** Where taskLog outside a task, and contained listener errors, are reported. @default console */
  onOutsideLog?: (message: string, level: LogLevel) => void;
  /**
   * Runs whose one attempt is carried out elsewhere, e.g. under the editor's debugger: asked as each
   * run starts (see AttemptDelegate). @default every run calls its registered function
   */
  delegateAttempt?: import("./attemptDelegate").AttemptDelegate;
}

/** Source of uniform random numbers in [0, 1), a port like Clock so backoff jitter is testable. */
export type RandomSource = () => number;

