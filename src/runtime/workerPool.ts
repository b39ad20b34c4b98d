import { availableParallelism } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { LogLevel } from "../model/events";
import { answerAttemptCall, isAttemptCall } from "./attemptCalls";
import { AttemptClaims } from "./attemptClaims";
import { abortError, isOutOfMemory, poolDisposedError, stopError, workerError, workerExitError } from "./runTaskWorker";
import { TurnBatcher, TurnFlusher } from "./turnBatcher";
import { deserializeError, type HostBatch, type HostMessage, type PoolJob, type WorkerMessage } from "./workerProtocol";
import { ATTEMPTS_PER_WORKER, SHORT_ATTEMPT_MS, type PoolRunRequest, type WorkerPoolOptions, type WorkerStopReason } from "./workerPoolOptions";

export type { PoolRunRequest, WorkerPoolOptions, WorkerStopReason } from "./workerPoolOptions";

/** One attempt from run() until it settles: waiting for a worker, or sent to one. */
interface Attempt {
  runId: number;
  request: PoolRunRequest;
  resolve(json: string | undefined): void;
  reject(error: Error): void;
  /** Called with the reason when the attempt is stopped (request.signal aborted, or request.onStop). */
  onAbort(reason: unknown): void;
  /** Stops following request.onStop. */
  unfollow?: () => void;
  /** Why it was stopped, once it was. */
  stopReason?: Error;
  /** The worker it was sent to; undefined while it waits in the pool. */
  slot?: Slot;
  /** Its AttemptClaims cell on `slot`. */
  cell: number;
  /** Its run message was posted to the worker of `slot`. */
  posted?: boolean;
  graceTimer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  /** Its messages of this turn, posted as one array at the turn's end. */
  outbox: TurnBatcher<HostMessage>;
  claims: AttemptClaims;
  /** Sent to it and not settled, in the order sent: the first is running (or about to), the rest wait behind it. */
  attempts: Map<number, Attempt>;
  /** Of `attempts`, those whose run message was posted. */
  posted: number;
  /** performance.now() when its current attempt started, as far as the host can tell (sent to it idle, or the one before settled). */
  startedAt: number;
  /** Takes back the attempts waiting behind a current one that runs longer than `queueMs`. */
  queueTimer?: NodeJS.Timeout;
  /** `queueTimer` is pending: an attempt queued behind the current one is not re-timed. */
  queueArmed: boolean;
  /** Its attempt was aborted and has `cancelGraceMs` to settle; not counted against maxWorkers. */
  aborting: boolean;
  stopping: boolean;
  idleTimer?: NodeJS.Timeout;
  /** Ends the owner's count of this worker as busy: when it is idle again, or once it is gone. */
  untrack?: () => void;
}

/**
 * Warm worker threads for one compiled module version: each loads the module once and then runs
 * attempts sent as messages, one at a time. While the pool's attempts are short and `spreadWorkers`
 * workers are busy, a worker whose current attempt began less than `queueMs` ago also takes the next
 * attempts to run after it (see WorkerPoolOptions.queueMs). Whatever goes
 * wrong with one worker (a cancel it does not honour, a crash, `process.exit()`, running out of
 * memory) stops only that worker and fails only the attempt it was running; the attempts waiting
 * behind it go to other workers, and the next attempt gets a fresh worker.
 */
export class WorkerPool {
  private readonly slots = new Set<Slot>();
  /** Idle workers, most recently used last: reuse takes the warmest, reaping takes the others. */
  private readonly idle: Slot[] = [];
  private readonly waiting: Attempt[] = [];
  /** One end-of-turn flush for the messages to all its workers. */
  private readonly flusher = new TurnFlusher();
  private nextRunId = 1;
  private draining = false;
  private disposed = false;
  private readonly maxWorkers: number;
  private readonly queueMs: number;
  private readonly spreadWorkers: number;
  /** Moving average of how long attempts ran (ms, as their workers timed them). */
  private attemptMs = 0;
  private readonly compiled: Omit<PoolJob, "claims">;

  constructor(private readonly options: WorkerPoolOptions) {
    this.maxWorkers = options.maxWorkers ?? 4;
    if (!Number.isInteger(this.maxWorkers) || this.maxWorkers < 1) {
      throw new RangeError(`maxWorkers must be a whole number >= 1, got ${String(options.maxWorkers)}`);
    }
    this.queueMs = options.queueMs ?? 5;
    if (!(this.queueMs >= 0)) throw new RangeError(`queueMs must be a number of milliseconds >= 0, got ${String(options.queueMs)}`);
    this.spreadWorkers = Math.min(this.maxWorkers, options.spreadWorkers ?? availableParallelism());
    this.compiled = { kind: "pool", compiledPath: options.compiledPath, sourcePath: options.sourcePath };
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
      const attempt: Attempt = { runId: this.nextRunId++, request, resolve, reject, cell: -1, onAbort: (reason) => this.abort(attempt, reason) };
      // First come first served: while attempts wait in the pool, a new one waits behind them.
      const slot = this.waiting.length === 0 ? this.place() : undefined;
      if (slot) this.send(slot, attempt);
      else this.waiting.push(attempt);
      // Followed once placed: a stop that has already happened takes it back at once.
      if (request.onStop) attempt.unfollow = request.onStop(attempt.onAbort);
      else request.signal?.addEventListener("abort", attempt.onAbort, { once: true });
    });
  }

  /**
   * Stops taking this version into use: idle workers are terminated now, busy ones once their
   * attempts settle. Attempts still sent here run, each on a worker terminated afterwards.
   */
  drain(): void {
    this.draining = true;
    for (const slot of [...this.idle]) void this.stop(slot, "drained");
  }

  /** Terminates every worker now; attempts still running or waiting fail. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const error = poolDisposedError();
    for (const attempt of this.waiting.splice(0)) this.settle(attempt).reject(error);
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

  /**
   * Where the next attempt goes: while attempts are short and `spreadWorkers` workers are busy, behind
   * the attempts of a worker that is not late; else an idle worker, else a new one if allowed. What was
   * taken back from a late worker so goes elsewhere.
   */
  private place(): Slot | undefined {
    if (this.queueMs > 0 && this.attemptMs < SHORT_ATTEMPT_MS) {
      let busy = 0;
      let behind: Slot | undefined;
      for (const slot of this.slots) {
        if (slot.attempts.size === 0 || slot.stopping) continue;
        busy++;
        if (!behind && slot.attempts.size < ATTEMPTS_PER_WORKER && !slot.aborting && !this.late(slot)) behind = slot;
      }
      if (behind && busy >= this.spreadWorkers) return behind;
    }
    return this.idle.pop() ?? (this.counted() < this.maxWorkers ? this.spawn() : undefined);
  }

  private spawn(): Slot {
    const { workerPath, resourceLimits, scope } = this.options;
    const claims = new AttemptClaims(ATTEMPTS_PER_WORKER);
    const job: PoolJob = { ...this.compiled, claims: claims.buffer };
    const create = (): Worker => new Worker(workerPath, { workerData: job, resourceLimits, stderr: false, stdout: false });
    const worker = scope ? scope.runInAsyncScope(create) : create();
    const slot: Slot = {
      worker, claims, attempts: new Map(), posted: 0, startedAt: 0, queueArmed: false, aborting: false, stopping: false,
      outbox: new TurnBatcher(
        (batch: HostBatch) => this.post(slot, batch),
        (message, error) => this.unsent(slot, message, error),
        this.flusher,
        // Runs for a worker with two posted attempts or more wait for its next one to end: it is not
        // about to go idle, and they then go in one message instead of one per turn, each waking it.
        (queued) => slot.posted >= 2 && queued.every((message) => message.type === "run"),
      ),
    };
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

  private send(slot: Slot, attempt: Attempt): void {
    const { request, runId } = attempt;
    attempt.slot = slot;
    attempt.cell = slot.claims.take(runId);
    if (slot.attempts.size === 0) {
      slot.worker.ref();
      slot.untrack = this.options.track?.(slot.worker);
      slot.startedAt = performance.now();
    } else if (!slot.queueArmed) {
      // Armed once for the attempts queued while it is pending (queueTimeout checks the time itself
      // and re-arms it), not re-timed per attempt: that cost a timer-list insert for each one.
      slot.queueArmed = true;
      if (slot.queueTimer) slot.queueTimer.refresh();
      else slot.queueTimer = setTimeout(() => this.queueTimeout(slot), this.queueMs);
    }
    slot.attempts.set(runId, attempt);
    slot.outbox.push({ type: "run", runId, cell: attempt.cell, exportName: request.exportName, args: request.args, context: request.context });
  }

  private post(slot: Slot, batch: HostBatch): void {
    slot.worker.postMessage(batch);
    for (const message of batch) {
      const attempt = message.type === "run" ? slot.attempts.get(message.runId) : undefined;
      if (attempt && !attempt.posted) {
        attempt.posted = true;
        slot.posted++;
      }
    }
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    const runId = "runId" in message ? message.runId : undefined;
    const attempt = runId === undefined ? undefined : slot.attempts.get(runId);
    if (message.type === "log") {
      if (attempt) attempt.request.onLog?.(message.message, message.level, message.extra);
      else this.outsideLog(message.message, message.level);
    } else if (isAttemptCall(message)) {
      answerAttemptCall(message, attempt?.request, (answer) => slot.outbox.push(answer));
      // The attempt waits: the engine has ended it, and the worker dropped it and takes the next one.
      if (attempt && message.type === "suspend") this.ended(slot, attempt).resolve(undefined);
    } else if (message.type === "error" && message.runId === undefined) {
      // The module failed to load in this worker: nothing it could run.
      this.fail(slot, deserializeError(message.error));
      void this.stop(slot, "crashed");
    } else if (attempt && message.type !== "loaded") {
      if (message.ms !== undefined) this.attemptMs += (message.ms - this.attemptMs) / 8;
      if (message.type === "result") this.ended(slot, attempt).resolve(message.json);
      else this.ended(slot, attempt).reject(deserializeError(message.error));
    }
  }

  /** A message structured clone could not copy (arguments that are not plain data): its attempt fails, the worker never runs it. */
  private unsent(slot: Slot, message: HostMessage, error: Error): undefined {
    const attempt = message.type === "run" ? slot.attempts.get(message.runId) : undefined;
    if (!attempt || !slot.claims.takeBack(attempt.cell, attempt.runId)) return undefined;
    this.ended(slot, attempt).reject(new TypeError(`The task's arguments could not be sent to its worker (${error.message}): pass plain data (JSON values)`));
    return undefined;
  }

  /** The worker's attempt settled (or suspended): the next one behind it has started, or the worker is free. */
  private ended(slot: Slot, attempt: Attempt): Attempt {
    this.settle(attempt);
    this.detach(slot, attempt);
    slot.outbox.schedule();
    slot.startedAt = performance.now();
    if (slot.attempts.size === 0) this.release(slot);
    return attempt;
  }

  private abort(attempt: Attempt, stopped: unknown): void {
    const slot = attempt.slot;
    const signal = attempt.request.signal;
    const reason = (attempt.stopReason = signal && !attempt.request.onStop ? abortError(signal) : stopError(stopped));
    if (!slot) {
      const index = this.waiting.indexOf(attempt);
      if (index >= 0) this.waiting.splice(index, 1);
      return void this.settle(attempt).reject(reason);
    }
    if (slot.claims.takeBack(attempt.cell, attempt.runId)) return void this.ended(slot, attempt).reject(reason);
    slot.outbox.push({ type: "abort", runId: attempt.runId, reason: reason.message, name: reason.name });
    // Its worker may be terminated: what waits behind the attempt goes elsewhere now.
    this.takeBackUnstarted(slot, attempt);
    slot.aborting = true;
    attempt.graceTimer = setTimeout(() => {
      if (slot.attempts.get(attempt.runId) !== attempt) return;
      this.fail(slot, attempt.stopReason as Error);
      void this.stop(slot, "cancelled");
    }, this.options.cancelGraceMs ?? 1000);
    this.pump();
  }

  /**
   * Whether the worker of `slot` is late: its current attempt has run `queueMs`, or, while it runs
   * none, the host has seen none of its attempts end for that long (it is starting, or not getting the CPU).
   */
  private late(slot: Slot): boolean {
    const ranMs = slot.claims.runningMs();
    return ranMs >= this.queueMs || (ranMs === 0 && performance.now() - slot.startedAt >= this.queueMs);
  }

  /** Once the worker of `slot` is late, the attempts waiting behind its current one go to other workers. */
  private queueTimeout(slot: Slot): void {
    slot.queueArmed = false;
    if (slot.attempts.size < 2 || slot.stopping) return;
    if (!this.late(slot)) {
      slot.queueArmed = true;
      return void slot.queueTimer?.refresh();
    }
    this.takeBackUnstarted(slot, slot.attempts.values().next().value);
    this.pump();
  }

  /**
   * Takes back the attempts on `slot` other than `current` that its worker has not started (claimed,
   * so it never will): first in line for the pool's next free worker or, once the pool is disposed,
   * failed. What stays on `slot` is `current` and the attempts the worker had started.
   */
  private takeBackUnstarted(slot: Slot, current?: Attempt): void {
    const back: Attempt[] = [];
    for (const attempt of slot.attempts.values()) {
      if (attempt === current || !slot.claims.takeBack(attempt.cell, attempt.runId)) continue;
      this.detach(slot, attempt);
      attempt.slot = undefined;
      if (this.disposed) this.settle(attempt).reject(poolDisposedError());
      else back.push(attempt);
    }
    this.waiting.unshift(...back);
  }

  private detach(slot: Slot, attempt: Attempt): void {
    slot.attempts.delete(attempt.runId);
    if (attempt.posted) slot.posted--;
    attempt.posted = false;
  }

  /** Detaches an attempt that is over (its listener and timer); returns it for the caller to settle its promise. */
  private settle(attempt: Attempt): Attempt {
    clearTimeout(attempt.graceTimer);
    if (attempt.unfollow) attempt.unfollow();
    else attempt.request.signal?.removeEventListener("abort", attempt.onAbort);
    return attempt;
  }

  /**
   * The worker of `slot` is gone or going: its started attempts fail with `error`, those it had not
   * started go to other workers (or fail too, once the pool is disposed). True when one had started.
   */
  private fail(slot: Slot, error: Error): boolean {
    this.takeBackUnstarted(slot);
    const started = slot.attempts.size > 0;
    for (const attempt of slot.attempts.values()) this.settle(attempt).reject(error);
    slot.attempts.clear();
    slot.posted = 0;
    return started;
  }

  /** The worker of `slot` has nothing left to run: it takes waiting attempts, goes idle, or is stopped. */
  private release(slot: Slot): void {
    if (slot.stopping) return;
    if (this.draining || this.disposed) return void this.stop(slot, "drained");
    if (slot.aborting) {
      if (this.counted() >= this.maxWorkers) return void this.stop(slot, "surplus");
      slot.aborting = false;
    }
    slot.untrack?.();
    slot.untrack = undefined;
    const next = this.waiting.shift();
    if (next) return this.send(slot, next);
    slot.worker.unref();
    this.idle.push(slot);
    // One timer per worker, restarted at each release (a worker busy when it fires is left alone).
    if (slot.idleTimer) {
      slot.idleTimer.refresh();
    } else {
      slot.idleTimer = setTimeout(() => void (slot.attempts.size === 0 && this.idle.includes(slot) && this.stop(slot, "idle")), this.options.idleMs ?? 30_000);
      slot.idleTimer.unref();
    }
  }

  private stop(slot: Slot, reason: WorkerStopReason): Promise<void> {
    if (slot.stopping) return Promise.resolve();
    slot.stopping = true;
    slot.outbox.discard();
    clearTimeout(slot.idleTimer);
    clearTimeout(slot.queueTimer);
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

  /** Sends waiting attempts to workers that became free or may now be created. */
  private pump(): void {
    while (this.waiting.length > 0 && !this.disposed) {
      const slot = this.place();
      if (!slot) return;
      this.send(slot, this.waiting.shift() as Attempt);
    }
  }

  private outsideLog(message: string, level: LogLevel): void {
    this.options.onOutsideLog?.(`${path.basename(this.options.sourcePath)}: ${message}`, level);
  }
}
