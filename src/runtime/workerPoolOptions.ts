/**
 * The options of a WorkerPool, one per compiled module version, and what it is given per attempt.
 */
import type { AsyncResource } from "node:async_hooks";
import type { ResourceLimits, Worker } from "node:worker_threads";
import type { LogLevel } from "../model/events";
import type { AttemptCalls } from "./attemptCalls";
import type { RunContext } from "./workerProtocol";

/** Why a pool worker was stopped (WorkerPoolOptions.onWorkerStopped). */
export type WorkerStopReason =
  /** Idle for `idleMs`. */
  | "idle"
  /** Its attempt was cancelled or timed out and did not settle within `cancelGraceMs`. */
  | "cancelled"
  /** An uncaught exception or unhandled rejection, during an attempt or after one, or the module failed to load. */
  | "crashed"
  /** User code called `process.exit()`. */
  | "exited"
  /** It hit its `resourceLimits`. */
  | "outOfMemory"
  /** A cancelled attempt settled in time, but the pool already had `maxWorkers` others. */
  | "surplus"
  /** Its module version was replaced (a reload) or unloaded. */
  | "drained"
  /** The pool was disposed. */
  | "disposed";

/** Options of `new WorkerPool(...)`: one pool per compiled module version. */
export interface WorkerPoolOptions {
  /** Absolute path of dist/worker.js. */
  workerPath: string;
  /** The compiled module (one version of it) every worker of this pool loads once. */
  compiledPath: string;
  /** The task module's source path, for messages. */
  sourcePath: string;
  /**
   * Workers taking attempts at once; further attempts wait, first come first served. A worker whose
   * attempt was cancelled is not counted while it has its grace period, so a new attempt need not wait for it.
   * @default 4
   */
  maxWorkers?: number;
  /** Milliseconds a worker may sit idle before it is terminated. @default 30000 */
  idleMs?: number;
  /** Milliseconds a cancelled or timed-out attempt gets to settle before its worker is terminated. @default 1000 */
  cancelGraceMs?: number;
  /** V8 heap limits of each worker. @default Node's defaults */
  resourceLimits?: ResourceLimits;
  /**
   * Where lines go that belong to no running attempt: the module's top level, a timer an attempt
   * left behind after it settled, a crash while no attempt was running.
   */
  onOutsideLog?: (message: string, level: LogLevel) => void;
  /** Told when an attempt starts on a worker, and when it is over and that worker idle again or gone. */
  track?: (worker: Worker) => () => void;
  /** Told after a worker has stopped, and why. */
  onWorkerStopped?: (reason: WorkerStopReason) => void;
  /**
   * The async scope workers are created in. A worker's events run in the scope it was created in, and
   * a pool may create one from inside a task: without this its crash report would land in that task.
   * @default the scope of the first run() that creates a worker
   */
  scope?: AsyncResource;
  /**
   * Milliseconds a worker's current attempt may have been running for a new attempt to be sent to
   * wait behind it, instead of waking an idle worker or starting one. This happens only while the
   * pool's recent attempts ran under 1 ms on average and `spreadWorkers` workers are busy: short
   * attempts then reach a worker in batches and each starts as soon as the one before ends, without a
   * round trip to the host. An attempt still waiting when the one before has run about this long (at
   * most twice) is taken back and goes to another worker, so a long attempt does not hold up the ones
   * sent after it. 0: every attempt goes to an idle worker, one attempt per worker at a time.
   * @default 5
   */
  queueMs?: number;
  /**
   * Workers busy at once before any attempt is queued behind another (see `queueMs`), so tasks that
   * use the CPU get every core. At most `maxWorkers`. @default os.availableParallelism()
   */
  spreadWorkers?: number;
}

/** One attempt for WorkerPool.run(), with where its log lines, progress and enqueue() calls go. */
export interface PoolRunRequest extends AttemptCalls {
  exportName: string;
  /** Passed as `fn(...args)`; kwargs already appended when not empty. */
  args: unknown[];
  context: RunContext;
  /** Aborting it aborts the task's signal in the worker; see WorkerPoolOptions.cancelGraceMs. */
  signal?: AbortSignal;
  /**
   * The same as `signal`, without making one: follows the attempt's stop (TaskScope.onStop), calling
   * its argument with the reason once, and returns what stops following.
   */
  onStop?: (stopped: (reason: unknown) => void) => () => void;
}

/** Attempts a worker may hold at once: the one running and those sent to wait behind it. */
export const ATTEMPTS_PER_WORKER = 8;

/**
 * Attempts are queued behind others only while the pool's recent attempts ran for less than this on
 * average (ms, as their workers timed them): below it the round trip to an idle worker costs as much
 * as the attempt.
 */
export const SHORT_ATTEMPT_MS = 1;
