/**
 * Entry of dist/worker.js: a worker thread per job (load a module, run one attempt, or serve the
 * attempts of a warm pool), or, when forked as a process, the module compiler.
 * User code runs here so it never blocks the extension host; the host terminates the worker when
 * its job ends, on a cancel or timeout the task does not honour within the grace period, or when
 * a pool reaps or drains it.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { StepJournal } from "../core/stepJournal";
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { claimAttempt, claimViews } from "./attemptClaims";
import { stackFrames } from "./stackFrames";
import type { TaskContext } from "../model/taskFunction";
import { handleInfo, installRuntime } from "./runtimeGlobals";
import { abortReason, callExport, routeConsole, taskContext, taskRuntime, type LoadedModule, type Log } from "./exportCall";
import { compileModule, type CompileResult } from "./compileModule";
import {
  serializeError, type CompileRequest, type CompileResponse, type DeclaredTask, type HostBatch, type HostMessage, type LoadJob,
  type PoolJob, type RunJob, type RunMessage, type WorkerJob, type WorkerMessage,
} from "./workerProtocol";
import { createWasmEsbuild } from "./wasmEsbuild";
import { openWorkerJournal } from "./workerJournal";
import { WorkerRequests } from "./workerRequests";

function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

function loadModule(job: LoadJob | RunJob | PoolJob, log: Log): Record<string, unknown> {
  routeConsole(log);
  // Inline source maps in the compiled output make stacks point at the user's .ts lines.
  process.setSourceMapsEnabled(true);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(job.compiledPath) as Record<string, unknown>;
}

function declaredTasks(exports: Record<string, unknown>, job: LoadJob): DeclaredTask[] {
  const tasks: DeclaredTask[] = [];
  for (const [exportName, value] of Object.entries(exports)) {
    const info = handleInfo(value);
    if (!info) continue;
    const frame = stackFrames(info.callSite)[0];
    const name = info.config.name ?? exportName;
    tasks.push({ exportName, name, config: info.config, line: frame?.line, file: frame?.file });
  }
  // Bundled exports come in alphabetical order; the task list (and who wins a duplicate name) follows the source.
  const position = (t: DeclaredTask): number => (t.file === job.sourcePath ? t.line ?? Infinity : Infinity);
  return tasks.sort((a, b) => position(a) - position(b));
}

async function run(job: RunJob): Promise<void> {
  const controller = new AbortController();
  const requests = new WorkerRequests(post, () => undefined);
  parentPort?.on("message", (message: HostMessage) => {
    if (message.type === "abort") controller.abort(abortReason(message));
    else requests.answer(message);
  });
  const context = taskContext(job.context, controller.signal);
  const log: Log = (message, level, extra) => post({ type: "log", message, level, extra });
  const loaded: LoadedModule = {};
  // After a suspend the host terminates this worker: nothing to drop here.
  let journal: Promise<StepJournal> | undefined;
  installRuntime(taskRuntime(() => context, log, requests, loaded, () => (journal ??= openWorkerJournal(requests, undefined, () => undefined))));
  const exports = loadModule(job, log);
  loaded.exports = exports;
  post({ type: "result", json: await callExport(exports, job.exportName, job.sourcePath, job.args) });
}

/** What a pool worker keeps of one attempt, in the attempt's async scope. */
interface PoolAttempt {
  runId: number;
  /** The context the host sent; the TaskContext is made from it when the task first reads it. */
  sent: RunMessage["context"];
  context?: TaskContext;
  /** Made when the task first reads `context.signal`. */
  controller?: AbortController;
  /** The host's abort, kept for a signal read after it. */
  abortedWith?: Error;
  /** Its steps and waits, opened with the host on first use. */
  journal?: Promise<StepJournal>;
}

/** The attempt's TaskContext; its AbortSignal is made only when the task reads it. */
function poolContext(attempt: PoolAttempt, sent: RunMessage["context"]): TaskContext {
  return Object.freeze({
    taskId: sent.taskId,
    funcName: sent.funcName,
    attempt: sent.attempt,
    // A copy made by structured clone, which nothing else holds.
    tags: Object.freeze(sent.tags),
    get signal(): AbortSignal {
      if (!attempt.controller) {
        attempt.controller = new AbortController();
        if (attempt.abortedWith) attempt.controller.abort(attempt.abortedWith);
      }
      return attempt.controller.signal;
    },
  });
}

/**
 * Pool mode: loads the module once, then runs the `run` messages one at a time, in the order sent,
 * each once it has claimed it (the host may have taken it back for another worker). Every attempt
 * runs in an async scope of its own, so its context and log attribution follow its continuations
 * (timers, promises) and a timer one attempt leaves behind logs under that attempt's runId, never
 * the next one's. The host's messages come in one array per turn of its event loop; this side posts
 * each message at once, since the code that logs may block right after (a synchronous loop, or the
 * next attempt), and its line must not wait for that to end.
 */
function servePool(job: PoolJob): void {
  const scopes = new AsyncLocalStorage<PoolAttempt>();
  const attempts = new Map<number, PoolAttempt>();
  const { busy, cells } = claimViews(job.claims);
  /** Sent and not started: run in order once the current attempt is over. */
  const queued: RunMessage[] = [];
  let current: number | undefined;
  // A worker's first attempt runs its code cold: its time says little about the next ones, and is not sent.
  let attemptsStarted = 0;
  const { timeOrigin } = performance;
  const log: Log = (message, level, extra) => post({ type: "log", runId: scopes.getStore()?.runId, message, level, extra });
  const requests = new WorkerRequests(post, () => scopes.getStore()?.runId);
  const loaded: LoadedModule = {};
  // An attempt that suspends is over: its code is abandoned where it waits (nothing refers to it after
  // this), and the worker takes the next attempt.
  const journal = (): Promise<StepJournal> => {
    const attempt = scopes.getStore() as PoolAttempt;
    return (attempt.journal ??= openWorkerJournal(requests, attempt.runId, () => over(attempt.runId)));
  };
  const context = (): TaskContext | undefined => {
    const attempt = scopes.getStore();
    return attempt && (attempt.context ??= poolContext(attempt, attempt.sent));
  };
  installRuntime(taskRuntime(context, log, requests, loaded, journal));
  const exports = loadModule(job, log);
  loaded.exports = exports;
  /** Attempt `runId` settled or suspended: the next queued one starts, once this one's answer is posted. */
  const over = (runId: number): void => {
    attempts.delete(runId);
    if (current !== runId) return;
    current = undefined;
    busy[0] = 0;
    startNext();
  };
  const startNext = (): void => {
    while (current === undefined && queued.length > 0) {
      const message = queued.shift() as RunMessage;
      if (claimAttempt(cells, message.cell, message.runId)) start(message);
    }
  };
  const start = (message: RunMessage): void => {
    const { runId } = message;
    const attempt: PoolAttempt = { runId, sent: message.context };
    attempts.set(runId, attempt);
    current = runId;
    const began = performance.now();
    busy[0] = timeOrigin + began;
    const timed = attemptsStarted++ > 0;
    scopes
      .run(attempt, callExport, exports, message.exportName, job.sourcePath, message.args)
      .then(
        (json) => {
          post({ type: "result", runId, json, ms: timed ? performance.now() - began : undefined });
          over(runId);
        },
        (error: unknown) => {
          post({ type: "error", runId, error: serializeError(error, __filename), ms: timed ? performance.now() - began : undefined });
          over(runId);
        },
      );
  };
  const receive = (message: HostMessage): void => {
    if (message.type === "run") return void queued.push(message);
    if (message.type !== "abort") return void requests.answer(message);
    const attempt = message.runId === undefined ? undefined : attempts.get(message.runId);
    if (!attempt || attempt.abortedWith) return;
    attempt.abortedWith = abortReason(message);
    attempt.controller?.abort(attempt.abortedWith);
  };
  parentPort?.on("message", (batch: HostBatch) => {
    batch.forEach(receive);
    startNext();
  });
}

function load(job: LoadJob): void {
  const log: Log = (message, level, extra) => post({ type: "log", message, level, extra });
  const outside = (): never => {
    throw new Error("The module's top level runs only to list its tasks: call enqueue(), reportProgress(), step() and the waits inside a task");
  };
  installRuntime({ context: () => undefined, log, progress: outside, enqueue: outside, exportedTaskName: () => undefined, journal: outside });
  const exports = loadModule(job, log);
  post({ type: "loaded", tasks: declaredTasks(exports, job) });
}

/**
 * Compiler mode: this file forked as a child process (see CompilerService), answering compile
 * requests over IPC. A process of its own lets it run WebAssembly with Liftoff only: V8's optimising
 * tier would spend seconds of CPU on esbuild's large Go functions, slowing every thread of the host.
 */
function serveCompiles(): void {
  setFlagsFromString("--liftoff-only");
  const wasmPath = process.env.TASKFLOW_ESBUILD_WASM as string;
  const esbuild = createWasmEsbuild(wasmPath);
  esbuild.catch(() => undefined);
  process.on("disconnect", () => process.exit(0));
  process.on("message", (request: CompileRequest) => {
    void (async () => {
      let result: CompileResult;
      try {
        const { file, workspaceRoot, cacheDir, taskflowPath } = request;
        result = await compileModule({ file, workspaceRoot, cacheDir, taskflowPath, esbuild: await esbuild });
      } catch (error) {
        const message = `The module compiler failed: ${(error as Error).message} (esbuild.wasm: ${wasmPath})`;
        result = { ok: false, diagnostics: [{ file: request.file, line: 1, column: 1, severity: "error", message }] };
      }
      const response: CompileResponse = { type: "compiled", id: request.id, result };
      process.send?.(response);
    })();
  });
}

async function main(): Promise<void> {
  // Forked by CompilerService (which sets the wasm path); loaded any other way it does nothing.
  if (isMainThread) return process.env.TASKFLOW_ESBUILD_WASM ? serveCompiles() : undefined;
  const job = workerData as WorkerJob;
  try {
    if (job.kind === "load") load(job);
    else if (job.kind === "pool") servePool(job);
    else await run(job);
  } catch (error) {
    post({ type: "error", error: serializeError(error, __filename) });
  }
}

void main();
