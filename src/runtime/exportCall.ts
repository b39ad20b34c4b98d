/**
 * What every process or thread that runs a task attempt does around the user's code: console output
 * as log lines, the runtime the "taskflow" module reaches, the task context, and the call of the
 * task export with its result as JSON. Shared by the worker threads (worker.ts) and the process the
 * debugger runs an attempt in (debugRunner.ts).
 */
import { format } from "node:util";
import type { StepJournal } from "../core/stepJournal";
import type { LogLevel } from "../model/events";
import type { TaskContext } from "../model/taskFunction";
import { handleInfo, type WorkerRuntime } from "./runtimeGlobals";
import type { RunContext } from "./workerProtocol";
import type { WorkerRequests } from "./workerRequests";

/** Where a line of the running code goes. */
export type Log = (message: string, level: LogLevel, extra: Record<string, unknown>) => void;

const CONSOLE_LEVELS = { debug: "debug", log: "info", info: "info", warn: "warning", error: "error" } as const;

/**
 * console output of user code becomes log lines, in order with taskLog: a worker's stdout would
 * otherwise end up in the extension host's own log, where nobody looks. With `echo` each line is also
 * written as before (under the debugger, to its Debug Console).
 */
export function routeConsole(log: Log, echo = false): void {
  for (const [method, level] of Object.entries(CONSOLE_LEVELS)) {
    const methods = console as unknown as Record<string, (...args: unknown[]) => void>;
    const original = methods[method].bind(console);
    methods[method] = (...args) => {
      log(format(...args), level, {});
      if (echo) original(...args);
    };
  }
}

/** The module's exports, filled in once it is loaded (the runtime is installed before, for its top level). */
export interface LoadedModule {
  exports?: Record<string, unknown>;
}

/** The registered name of `handle` when the module exports it: its config's name, else its export name. */
function exportedTaskName(exports: Record<string, unknown> | undefined, handle: unknown): string | undefined {
  if (!exports || handleInfo(handle) === undefined) return undefined;
  for (const [exportName, value] of Object.entries(exports)) {
    if (value === handle) return handleInfo(value)?.config.name ?? exportName;
  }
  return undefined;
}

/**
 * The runtime of code that runs tasks: their context and log lines, their requests to the host, and
 * `journal`, the running attempt's steps (see openWorkerJournal), kept per attempt by the caller.
 */
export function taskRuntime(
  context: () => TaskContext | undefined, log: Log, requests: WorkerRequests, loaded: LoadedModule, journal: () => Promise<StepJournal>,
): WorkerRuntime {
  return {
    context,
    log,
    progress: (progress) => requests.progress(progress),
    enqueue: (task, args, options) => requests.enqueue(task, args, options),
    exportedTaskName: (handle) => exportedTaskName(loaded.exports, handle),
    journal,
  };
}

/** The TaskContext of an attempt, from what crossed from the host and the signal made here. */
export function taskContext(context: RunContext, signal: AbortSignal): TaskContext {
  return { ...context, tags: Object.freeze({ ...context.tags }), signal };
}

/** The reason of a host's abort message, as the Error the task's signal aborts with. */
export function abortReason(message: { reason: string; name: string }): Error {
  const reason = new Error(message.reason);
  reason.name = message.name;
  return reason;
}

/** Calls the task export and returns its value as JSON (undefined when it returned undefined). */
export async function callExport(exports: Record<string, unknown>, exportName: string, sourcePath: string, args: unknown[]): Promise<string | undefined> {
  const info = handleInfo(exports[exportName]);
  if (!info) {
    throw new Error(
      `Export "${exportName}" of ${sourcePath} is no longer a task(...) handle: save the module again or pick another task`,
    );
  }
  const value = await info.fn(...args);
  try {
    return value === undefined ? undefined : JSON.stringify(value);
  } catch (error) {
    throw new Error(`Task returned a value that cannot be serialised as JSON (${(error as Error).message}): return plain data`);
  }
}
