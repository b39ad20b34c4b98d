/** Task functions, their handles and their context: the types user code and the engine share. */
import type { TaskConfig } from "./schemas";

/** A task function as the engine calls it: `fn(...args)` or `fn(...args, kwargs)` when kwargs is not empty. */
export type TaskFunction = (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * What `task()` returns: the function itself (calling it calls the task function directly, outside
 * the engine) carrying its configuration. `manager.task(handle)` or `manager.addTask(handle)` use it.
 * Recognised across separately bundled copies of the engine through a `Symbol.for` brand.
 */
export interface TaskHandle<F extends TaskFunction = TaskFunction> {
  (...args: Parameters<F>): ReturnType<F>;
  /** The wrapped task function. */
  readonly taskFunction: F;
  /** The configuration given to `task()`, frozen. */
  readonly taskConfig: Readonly<TaskConfig>;
  /** `config.name ?? fn.name`; empty when neither is known yet (a module loader then names it after its export). */
  readonly taskName: string;
}

/** What `getTaskContext()` returns inside a running task. */
export interface TaskContext {
  /** The task's id (UUID v4). */
  readonly taskId: string;
  /** The task's registered name. */
  readonly funcName: string;
  /** 0-based attempt number: 0 on the first run, 1 on the first retry. */
  readonly attempt: number;
  /** Tags given when the task was enqueued. */
  readonly tags: Readonly<Record<string, string>>;
  /** Aborted when the task is cancelled or its attempt times out; shortly after, the task is stopped. */
  readonly signal: AbortSignal;
}

/** A registered task function as `registeredTasks()` lists it. */
export interface RegisteredTask {
  name: string;
  config: TaskConfig;
  /** Where it was declared (`file#export` for workspace modules), when known. */
  source?: string;
  /**
   * On the BullMQ backend: how many live workers run it (their entries in the shared catalog), this
   * manager included when it is a worker; 0 when none does. Absent on the local backend.
   */
  workers?: number;
}
