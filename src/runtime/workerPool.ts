import type { AsyncResource } from "node:async_hooks";
import path from "node:path";
import { Worker, type ResourceLimits } from "node:worker_threads";
import type { LogLevel } from "../model/events";
import { answerAttemptCall, isAttemptCall, type AttemptCalls } from "./attemptCalls";
import { abortError, isOutOfMemory, workerError, workerExitError } from "./runTaskWorker";
import { TurnBatcher, TurnFlusher } from "./turnBatcher";
import { deserializeError, type HostBatch, type HostMessage, type PoolJob, type RunContext, type WorkerMessage } from "./workerProtocol";

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
}

/** One attempt for WorkerPool.run(), with where its log lines, progress and enqueue() calls go. */
export interface PoolRunRequest extends AttemptCalls {
  exportName: string;
  /** Passed as `fn(...args)`; kwargs already appended when not empty. */
  args: unknown[];
  context: RunContext;
  /** Aborting it aborts the task's signal in the worker; see WorkerPoolOptions.cancelGraceMs. */
  signal?: AbortSignal;
}

interface ActiveRun {
  runId: number;
  request: PoolRunRequest;
  resolve(json: string | undefined): void;
  reject(error: Error): void;
  onAbort(): void;
  graceTimer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  /** Its messages of this turn, posted as one array at the turn's end. */
  outbox: TurnBatcher<HostMessage>;
  run?: ActiveRun;
  /** Its attempt was aborted and has `cancelGraceMs` to settle; not counted against maxWorkers. */
  aborting: boolean;
  stopping: boolean;
  idleTimer?: NodeJS.Timeout;
  /** Ends the owner's count of this worker as busy: when it is idle again, or once it is gone. */
  untrack?: () => void;
}

interface Waiter {
  request: PoolRunRequest;
  resolve(json: string | undefined): void;
  reject(error: Error): void;
}

/**
 * Warm worker threads for one compiled module version: each loads the module once and then runs
 * attempts sent as messages, one at a time. Whatever goes wrong with one worker (a cancel it does not
 * honour, a crash, `process.exit()`, running out of memory) stops only that worker; other attempts go
 * on and the next attempt gets a fresh worker.
 */
export class WorkerPool {
  private readonly slots = new Set<Slot>();
  /** Idle workers, most recently used last: reuse takes the warmest, reaping takes the others. */
  private readonly idle: Slot[] = [];
  private readonly waiting: Waiter[] = [];
  /** One end-of-turn flush for the messages to all its workers. */
  private readonly flusher = new TurnFlusher();
  private nextRunId = 1;
  private draining = false;
  private disposed = false;
  private readonly maxWorkers: number;
  private readonly job: PoolJob;

  constructor(private readonly options: WorkerPoolOptions) {
    this.maxWorkers = options.maxWorkers ?? 4;
    if (!Number.isInteger(this.maxWorkers) || this.maxWorkers < 1) {
      throw new RangeError(`maxWorkers must be a whole number >= 1, got ${String(options.maxWorkers)}`);
    }
    this.job = { kind: "pool", compiledPath: options.compiledPath, sourcePath: options.sourcePath };
  }

  /** Live worker threads, idle or busy (including ones being stopped). */
  get size(): number {
    return this.slots.size;
  }

  /** Runs one attempt; resolves with its JSON result (undefined when it returned undefined). */
  run(request: PoolRunRequest): Promise<string | undefined> {
    if (this.disposed) return Promise.reject(new Error(`The worker pool of ${this.options.sourcePath} was disposed: the task cannot run`));
    if (request.signal?.aborted) return Promise.reject(abortError(request.signal));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { request, resolve, reject };
      const slot = this.idle.pop() ?? (this.counted() < this.maxWorkers ? this.spawn() : undefined);
      if (slot) return this.start(slot, waiter);
      this.waiting.push(waiter);
      request.signal?.addEventListener("abort", () => {
        const index = this.waiting.indexOf(waiter);
        if (index < 0) return;
        this.waiting.splice(index, 1);
        reject(abortError(request.signal as AbortSignal));
      }, { once: true });
    });
  }

  /**
   * Stops taking this version into use: idle workers are terminated now, busy ones once their
   * attempt settles. Attempts still sent here run, each on a worker terminated afterwards.
   */
  drain(): void {
    this.draining = true;
    for (const slot of [...this.idle]) void this.stop(slot, "drained");
  }

  /** Terminates every worker now; attempts still running fail. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const error = new Error(`The task's worker was stopped: its module host was disposed (the window is closing or the workspace changed)`);
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    await Promise.all([...this.slots].map((slot) => {
      this.fail(slot, error);
      return this.stop(slot, "disposed");
    }));
  }

  private counted(): number {
    let n = 0;
    for (const slot of this.slots) if (!slot.aborting && !slot.stopping) n++;
    return n;
  }

  private spawn(): Slot {
    const { workerPath, resourceLimits, scope } = this.options;
    const create = (): Worker => new Worker(workerPath, { workerData: this.job, resourceLimits, stderr: false, stdout: false });
    const worker = scope ? scope.runInAsyncScope(create) : create();
    const slot: Slot = { worker, outbox: new TurnBatcher((batch: HostBatch) => worker.postMessage(batch), (message, error) => this.unsent(slot, message, error), this.flusher), aborting: false, stopping: false };
    this.slots.add(slot);
    worker.on("message", (message: WorkerMessage) => this.onMessage(slot, message));
    worker.on("error", (error) => {
      const oom = isOutOfMemory(error);
      if (!this.fail(slot, workerError(error, "The task")) && !slot.stopping) {
        this.outsideLog(`A task worker crashed after its task had returned: ${workerError(error, "A task").message}`, "error");
      }
      void this.stop(slot, oom ? "outOfMemory" : "crashed");
    });
    worker.on("exit", (code) => {
      if (slot.stopping) return;
      this.fail(slot, workerExitError(code, "task"));
      void this.stop(slot, "exited");
    });
    return slot;
  }

  private start(slot: Slot, waiter: Waiter): void {
    const { request } = waiter;
    const runId = this.nextRunId++;
    slot.worker.ref();
    const run: ActiveRun = { runId, request, resolve: waiter.resolve, reject: waiter.reject, onAbort: () => this.abort(slot, run) };
    slot.run = run;
    slot.untrack = this.options.track?.(slot.worker);
    slot.outbox.push({ type: "run", runId, exportName: request.exportName, args: request.args, context: request.context });
    request.signal?.addEventListener("abort", run.onAbort, { once: true });
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    const run = slot.run;
    if (message.type === "log") {
      if (run && message.runId === run.runId) run.request.onLog?.(message.message, message.level, message.extra);
      else this.outsideLog(message.message, message.level);
    } else if (isAttemptCall(message)) {
      const current = run && message.runId === run.runId ? run.request : undefined;
      answerAttemptCall(message, current, (answer) => slot.outbox.push(answer));
      // The attempt waits: the engine has ended it, and the worker dropped it and takes the next one.
      if (run && current && message.type === "suspend") {
        this.detach(slot, run);
        run.resolve(undefined);
        this.release(slot);
      }
    } else if (message.type === "error" && message.runId === undefined) {
      // The module failed to load in this worker: nothing it could run.
      this.fail(slot, deserializeError(message.error));
      void this.stop(slot, "crashed");
    } else if (run && message.type !== "loaded" && message.runId === run.runId) {
      this.detach(slot, run);
      if (message.type === "result") run.resolve(message.json);
      else run.reject(deserializeError(message.error));
      this.release(slot);
    }
  }

  /** A message structured clone could not copy (arguments that are not plain data): its attempt fails, the worker never had it. */
  private unsent(slot: Slot, message: HostMessage, error: Error): undefined {
    if (message.type !== "run" || slot.run?.runId !== message.runId) return undefined;
    const run = slot.run;
    this.detach(slot, run);
    run.reject(new TypeError(`The task's arguments could not be sent to its worker (${error.message}): pass plain data (JSON values)`));
    this.release(slot);
    return undefined;
  }

  private abort(slot: Slot, run: ActiveRun): void {
    const reason = abortError(run.request.signal as AbortSignal);
    slot.outbox.push({ type: "abort", runId: run.runId, reason: reason.message, name: reason.name });
    slot.aborting = true;
    run.graceTimer = setTimeout(() => {
      if (slot.run !== run) return;
      this.fail(slot, abortError(run.request.signal as AbortSignal));
      void this.stop(slot, "cancelled");
    }, this.options.cancelGraceMs ?? 1000);
    this.pump();
  }

  /** Detaches the slot's attempt (timers, listeners); the caller settles its promise. */
  private detach(slot: Slot, run: ActiveRun): void {
    slot.run = undefined;
    clearTimeout(run.graceTimer);
    run.request.signal?.removeEventListener("abort", run.onAbort);
  }

  /** Fails the slot's running attempt, if any; true when there was one. */
  private fail(slot: Slot, error: Error): boolean {
    const run = slot.run;
    if (!run) return false;
    this.detach(slot, run);
    run.reject(error);
    return true;
  }

  /** After an attempt settled: the worker takes the next waiting attempt, goes idle, or is stopped. */
  private release(slot: Slot): void {
    if (this.draining || this.disposed) return void this.stop(slot, "drained");
    if (slot.aborting) {
      if (this.counted() >= this.maxWorkers) return void this.stop(slot, "surplus");
      slot.aborting = false;
    }
    slot.untrack?.();
    slot.untrack = undefined;
    const next = this.waiting.shift();
    if (next) return this.start(slot, next);
    slot.worker.unref();
    this.idle.push(slot);
    // One timer per worker, restarted at each release (a worker busy when it fires is left alone).
    if (slot.idleTimer) {
      slot.idleTimer.refresh();
    } else {
      slot.idleTimer = setTimeout(() => void (slot.run === undefined && this.idle.includes(slot) && this.stop(slot, "idle")), this.options.idleMs ?? 30_000);
      slot.idleTimer.unref();
    }
  }

  private stop(slot: Slot, reason: WorkerStopReason): Promise<void> {
    if (slot.stopping) return Promise.resolve();
    slot.stopping = true;
    slot.outbox.discard();
    clearTimeout(slot.idleTimer);
    const index = this.idle.indexOf(slot);
    if (index >= 0) this.idle.splice(index, 1);
    const untrack = slot.untrack;
    slot.untrack = undefined;
    // A replacement may start while this one terminates.
    this.pump();
    return slot.worker.terminate().catch(() => undefined).then(() => {
      this.slots.delete(slot);
      untrack?.();
      this.options.onWorkerStopped?.(reason);
    });
  }

  /** Starts waiting attempts on workers that became free or may now be created. */
  private pump(): void {
    while (this.waiting.length > 0 && !this.disposed) {
      const slot = this.idle.pop() ?? (this.counted() < this.maxWorkers ? this.spawn() : undefined);
      if (!slot) return;
      this.start(slot, this.waiting.shift() as Waiter);
    }
  }

  private outsideLog(message: string, level: LogLevel): void {
    this.options.onOutsideLog?.(`${path.basename(this.options.sourcePath)}: ${message}`, level);
  }
}
