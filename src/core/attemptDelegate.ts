/**
 * Runs whose one attempt is carried out somewhere other than their registered function: the editor's
 * debugger runs the attempt in a process of its own, and the run is otherwise an ordinary task (its
 * record, ledger, lifecycle events and store are the same).
 */
import type { TaskRecord } from "../model/taskRecord";
import type { LogLevel, TaskConfig, TaskFunction } from "../model";

/**
 * Asked as each run starts (the record is the live one: read it, do not change it). A function it
 * returns is called once in place of the registered function, in the task's async scope, so
 * getTaskContext(), taskLog(), reportProgress() and enqueue() work inside it and its signal aborts on
 * cancel and shutdown. Such a run gets exactly one attempt (no retries) and no timeout: a debugger
 * may hold the attempt at a breakpoint for as long as the person debugging likes. Returning
 * undefined runs the registered function as usual.
 */
export type AttemptDelegate = (record: TaskRecord) => TaskFunction | undefined;

/** The config of a delegated run: the function's own, with one attempt and no timeout. */
export function delegatedConfig(config: Readonly<TaskConfig>): Readonly<TaskConfig> {
  const { timeout: _timeout, ...rest } = config;
  return Object.freeze({ ...rest, retries: 0 });
}

/**
 * What a run starting now executes: the delegate's function with delegatedConfig, or the registered
 * function and config. A delegate that throws is reported and the run goes ahead as usual.
 */
export function chooseRunFunction(
  delegate: AttemptDelegate | undefined,
  record: TaskRecord,
  registration: { fn: TaskFunction; config: Readonly<TaskConfig> },
  report: (message: string, level: LogLevel) => void,
): { fn: TaskFunction; config: Readonly<TaskConfig> } {
  if (!delegate) return registration;
  let delegated: TaskFunction | undefined;
  try {
    delegated = delegate(record);
  } catch (error) {
    report(`Taskflow: the attempt delegate threw for task ${record.taskId}, so it runs as usual: ${String(error)}`, "error");
  }
  return delegated ? { fn: delegated, config: delegatedConfig(registration.config) } : registration;
}
