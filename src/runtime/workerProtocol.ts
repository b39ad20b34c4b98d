/**
 * Messages between the host (extension host thread) and a task worker. A fresh worker does one job,
 * given in `workerData`, reports through `parentPort`, and is then terminated by the host. A pool
 * worker (PoolJob) loads its module once and then runs the attempts the host sends it, one at a
 * time in the order sent, every message of an attempt carrying that attempt's `runId`; the host may
 * send the next attempts before the current one ends, and take back any not started yet (see
 * AttemptClaims). The host sends a pool worker its messages of one turn of the event loop as one
 * HostBatch (runs for a worker with two attempts or more to go wait for the next one to end and go
 * together); workers post each message on its own.
 */
import type { CompileResult } from "./compileModule";
import { NonRetryableError } from "../model/errors";
import type { StepRecord, WaitingFor } from "../model/durable";
import type { LogLevel } from "../model/events";
import type { TaskDict } from "../model/fields";
import type { AddTaskOptions, TaskConfig } from "../model/schemas";

/** A task as a module declares it; `task()` has checked its config against the model. */
export interface DeclaredTask {
  exportName: string;
  /** `config.name` ?? exportName. */
  name: string;
  config: TaskConfig;
  /** Where `task()` was called: 1-based line in `file`, or undefined when not found. */
  line?: number;
  /** The source file of that call (a local module the task module imports, or itself). */
  file?: string;
}

/** Host -> worker (workerData): run the module's top level and list its task handles. */
export interface LoadJob {
  kind: "load";
  compiledPath: string;
  sourcePath: string;
}

/** The part of an attempt's TaskContext that crosses to the worker (the worker makes the signal). */
export interface RunContext {
  taskId: string;
  funcName: string;
  attempt: number;
  tags: Record<string, string>;
}

/** Host -> worker (workerData): run one attempt of one task. */
export interface RunJob {
  kind: "run";
  compiledPath: string;
  sourcePath: string;
  exportName: string;
  /** Passed as `fn(...args)`; the host has already appended kwargs when not empty. */
  args: unknown[];
  context: RunContext;
}

/** Host -> worker (workerData): load the module once, then run the attempts sent as `run` messages. */
export interface PoolJob {
  kind: "pool";
  compiledPath: string;
  sourcePath: string;
  /** The AttemptClaims cells: the worker starts an attempt only once it has claimed the attempt's cell. */
  claims: SharedArrayBuffer;
}

export type WorkerJob = LoadJob | RunJob | PoolJob;

/** Host -> compiler process (dist/worker.js forked). */
export interface CompileRequest {
  type: "compile";
  id: number;
  file: string;
  workspaceRoot: string;
  cacheDir: string;
  taskflowPath: string;
}

/** Compiler process -> host, one per CompileRequest. */
export interface CompileResponse {
  type: "compiled";
  id: number;
  result: CompileResult;
}

/** An Error flattened for postMessage. */
export interface SerializedError {
  name: string;
  message: string;
  stack: string;
}

/**
 * Worker -> host. In a pool worker `runId` names the attempt a message belongs to; a log without one
 * was written outside any attempt (the module's top level), and an error without one means the module
 * could not be loaded, after which the worker does nothing more.
 */
export type WorkerMessage =
  /** taskLog() or console output in the worker. */
  | { type: "log"; runId?: number; message: string; level: LogLevel; extra: Record<string, unknown> }
  /** The load job finished. */
  | { type: "loaded"; tasks: DeclaredTask[] }
  /** The attempt's function returned; `json` is undefined when it returned undefined. */
  | { type: "result"; runId?: number; json: string | undefined; ms?: number }
  /** Loading the module or running the task threw. `ms` (both): how long a pool worker's attempt ran, from its start to this (not sent for its first). */
  | { type: "error"; runId?: number; error: SerializedError; ms?: number }
  | ProgressRequest
  | EnqueueRequest
  | DurableRequest;

/** Worker -> host: reportProgress() in attempt `runId`, already checked. No answer. */
export interface ProgressRequest {
  type: "progress";
  runId?: number;
  fraction: number;
  message: string | null;
}

/** Worker -> host: enqueue() in attempt `runId`; the host answers with `enqueued` or `enqueueFailed` of the same `requestId`. */
export interface EnqueueRequest {
  type: "enqueue";
  runId?: number;
  /** Unique within the worker. */
  requestId: number;
  /** The registered name of the task to enqueue. */
  task: string;
  args: unknown[];
  options: AddTaskOptions;
}

/**
 * Worker -> host: a step or wait of attempt `runId` (the worker replays them with the core's
 * StepJournal; the host has the record). `journal`, `recordStep` and `finishedRuns` are answered with
 * the message of the same `requestId` named beside them, or `durableFailed`; `suspend` is not
 * answered: the attempt is over (it waits), and the worker drops it.
 */
export type DurableRequest =
  /** The attempt's first step or wait: answered by `journalOpened`. */
  | { type: "journal"; runId?: number; requestId: number }
  /** Store a step or wait entry before the code goes on (flushed when `durable`): answered by `stepRecorded` once stored. */
  | { type: "recordStep"; runId?: number; requestId: number; entry: StepRecord; durable: boolean }
  /** waitForRuns(): answered by `runsChecked`. */
  | { type: "finishedRuns"; runId?: number; requestId: number; taskIds: string[] }
  /** A wait whose condition does not hold: the run waits for `waitingFor` (its entry already recorded). */
  | { type: "suspend"; runId?: number; waitingFor: WaitingFor };

/** Host -> worker: the answers to a DurableRequest. `now` is the host clock's time (epoch ms), which the worker's journal keeps to. */
export type DurableAnswer =
  /** The run's steps as recorded when the attempt began, and the attempt (0-based). */
  | { type: "journalOpened"; requestId: number; steps: StepRecord[]; attempt: number; now: number }
  | { type: "stepRecorded"; requestId: number; now: number }
  /** The runs' dicts in order once all are finished; null while any is not. */
  | { type: "runsChecked"; requestId: number; runs: TaskDict[] | null; now: number }
  | { type: "durableFailed"; requestId: number; error: SerializedError };

/**
 * Host -> pool worker: run one attempt after those sent before it have ended, unless the host took it
 * back first; the worker answers with `result` or `error` carrying `runId` (nothing for one taken back).
 */
export interface RunMessage {
  type: "run";
  runId: number;
  /** Its cell in the PoolJob's `claims`, holding `runId` until the worker or the host claims it. */
  cell: number;
  exportName: string;
  /** Passed as `fn(...args)`; the host has already appended kwargs when not empty. */
  args: unknown[];
  context: RunContext;
}

/** Host -> worker. */
export type HostMessage =
  /** Abort the context signal (of attempt `runId` in a pool worker); the host terminates the worker after a grace period. */
  | { type: "abort"; runId?: number; reason: string; name: string }
  | RunMessage
  /** The answer to EnqueueRequest `requestId`: the child task's id. */
  | { type: "enqueued"; requestId: number; taskId: string }
  /** The answer to EnqueueRequest `requestId`: why nothing was enqueued. */
  | { type: "enqueueFailed"; requestId: number; error: SerializedError }
  | DurableAnswer;

/** Host -> pool worker: the host's messages to it from one turn of the event loop, in order. */
export type HostBatch = HostMessage[];

/**
 * A stack without the frames of the runtime that called the task (`runtimeFile`, the worker bundle)
 * and of Node's internals: what is left is the user's code, which is what the task panel shows.
 * A stack with no other frame is returned unchanged.
 */
export function userStack(stack: string, runtimeFile: string | undefined): string {
  const lines = stack.split("\n");
  const isHidden = (line: string): boolean =>
    /^\s+at /.test(line) && (line.includes("(node:") || /^\s+at node:/.test(line) || (runtimeFile !== undefined && line.includes(runtimeFile)));
  const kept = lines.filter((line) => !isHidden(line));
  return kept.some((line) => /^\s+at /.test(line)) ? kept.join("\n") : stack;
}

/**
 * Turns anything thrown into an Error-shaped object, keeping name, message and stack (without the
 * frames of `runtimeFile` and Node's internals, see userStack).
 */
export function serializeError(thrown: unknown, runtimeFile?: string): SerializedError {
  if (thrown instanceof Error) {
    const stack = thrown.stack ?? `${thrown.name}: ${thrown.message}`;
    return { name: thrown.name, message: thrown.message, stack: userStack(stack, runtimeFile) };
  }
  let shown: string;
  try {
    shown = typeof thrown === "string" ? JSON.stringify(thrown) : JSON.stringify(thrown) ?? String(thrown);
  } catch {
    shown = String(thrown);
  }
  const message = `Task threw a non-Error value: ${shown}. Throw an Error to get a stack trace.`;
  return { name: "Error", message, stack: `Error: ${message}` };
}

/** The inverse of serializeError. A NonRetryableError comes back as one, so it still stops retries. */
export function deserializeError(error: SerializedError): Error {
  if (error.name === "NonRetryableError") return Object.assign(new NonRetryableError(error.message), { stack: error.stack });
  const result = new Error(error.message);
  result.name = error.name;
  result.stack = error.stack;
  return result;
}
