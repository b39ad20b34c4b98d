import { Worker, type ResourceLimits } from "node:worker_threads";
import { answerAttemptCall, isAttemptCall, type AttemptCalls } from "./attemptCalls";
import { deserializeError, type DeclaredTask, type HostMessage, type WorkerJob, type WorkerMessage } from "./workerProtocol";

/** Options of one worker job, with where its log lines (and a run job's progress and enqueue() calls) go. */
export interface RunTaskWorkerOptions extends AttemptCalls {
  /** Absolute path of dist/worker.js. */
  workerPath: string;
  job: WorkerJob;
  /** On abort the worker's context signal aborts; after `graceMs` the worker is terminated. */
  signal?: AbortSignal;
  /** Milliseconds between abort and terminate, so the task can clean up. @default 1000 */
  graceMs?: number;
  /** Milliseconds, from the moment the thread is online, before the worker is terminated and the job fails. @default no limit */
  timeoutMs?: number;
  /** V8 heap limits of the worker. @default Node's defaults */
  resourceLimits?: ResourceLimits;
  /** Told when the worker starts and when it is gone, so the owner can count and stop workers. */
  track?: (worker: Worker) => () => void;
}

/** What a job settles with: the task's JSON result, the module's declared tasks, or `suspended` when the attempt reached a wait that does not hold (the engine has it waiting). */
export type WorkerOutcome = { type: "result"; json: string | undefined } | { type: "loaded"; tasks: DeclaredTask[] } | { type: "suspended" };

/** Runs one job in a fresh worker thread and terminates it when the job settles. */
export function runTaskWorker(options: RunTaskWorkerOptions): Promise<WorkerOutcome> {
  const { job, signal } = options;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<WorkerOutcome>((resolve, reject) => {
    const worker = new Worker(options.workerPath, {
      workerData: job,
      resourceLimits: options.resourceLimits,
      stderr: false,
      stdout: false,
    });
    const untrack = options.track?.(worker);
    const timers: NodeJS.Timeout[] = [];
    let settled = false;
    const finish = (outcome: WorkerOutcome | undefined, error?: Error): void => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      signal?.removeEventListener("abort", onAbort);
      void worker.terminate().catch(() => undefined).finally(() => untrack?.());
      if (error) reject(error);
      else resolve(outcome as WorkerOutcome);
    };
    const onAbort = (): void => {
      const reason = abortError(signal as AbortSignal);
      const message: HostMessage = { type: "abort", reason: reason.message, name: reason.name };
      worker.postMessage(message);
      timers.push(setTimeout(() => finish(undefined, abortError(signal as AbortSignal)), options.graceMs ?? 1000));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    if (options.timeoutMs !== undefined) {
      // Counted from when the thread is up, so a slow thread start on a busy machine is not blamed on user code.
      worker.once("online", () => {
        timers.push(setTimeout(() => finish(undefined, timeoutError(job, options.timeoutMs as number)), options.timeoutMs));
      });
    }
    worker.on("message", (message: WorkerMessage) => {
      if (isAttemptCall(message)) {
        answerAttemptCall(message, settled ? undefined : options, (answer) => worker.postMessage(answer));
        if (message.type === "suspend") finish({ type: "suspended" });
        return;
      }
      if (settled) return;
      if (message.type === "log") options.onLog?.(message.message, message.level, message.extra);
      else if (message.type === "error") finish(undefined, deserializeError(message.error));
      else finish(message);
    });
    worker.on("error", (error) => finish(undefined, workerError(error, job.kind === "load" ? `Loading ${job.sourcePath}` : "The task")));
    worker.on("exit", (code) => {
      untrack?.();
      finish(undefined, workerExitError(code, job.kind === "load" ? "module load" : "task"));
    });
  });
}

/** Whether a worker's `error` event is V8 running out of the heap its resourceLimits allow. */
export function isOutOfMemory(error: unknown): boolean {
  return (error as { code?: string } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY";
}

/** A worker's `error` event as the task's error; `what` is the subject of the sentence ("The task"). */
export function workerError(error: unknown, what: string): Error {
  if (!(error instanceof Error)) return new Error(`The task worker failed with a non-Error value: ${String(error)}`);
  if (isOutOfMemory(error)) {
    const result = new Error(`${what} ran out of memory and its worker was stopped (${error.message}): process the data in smaller pieces`);
    result.name = "OutOfMemoryError";
    return result;
  }
  return error;
}

/** The error of a job whose worker exited by itself (`what`: "task" or "module load"). */
export function workerExitError(code: number, what: string): Error {
  return new Error(
    `The task worker stopped (exit code ${code}) before the ${what} finished: ` +
      `the code called process.exit(), or the worker ran out of memory`,
  );
}

/** The error a cancelled or timed-out attempt fails with: the signal's reason. */
export function abortError(signal: AbortSignal): Error {
  return stopError(signal.reason);
}

/** The Error an attempt stopped for `reason` (a cancel, a timeout, a shutdown) fails with. */
export function stopError(reason: unknown): Error {
  if (reason instanceof Error) return reason;
  return new Error(reason === undefined ? "The task was cancelled" : String(reason));
}

function timeoutError(job: WorkerJob, ms: number): Error {
  if (job.kind === "load") {
    return new Error(
      `Loading ${job.sourcePath} took longer than ${ms} ms: its top level must finish quickly ` +
        `(no endless loops or waiting on servers there; do that work inside a task)`,
    );
  }
  return new Error(`The task did not finish within ${ms} ms`);
}

/** Why a warm pool's attempt failed when its pool was disposed. */
export function poolDisposedError(): Error {
  return new Error(`The task's worker was stopped: its module host was disposed (the window is closing or the workspace changed)`);
}
