/**
 * The package entry, built to dist/engine.js (CommonJS): the engine, both backends and the runtime
 * behind one `TaskManager` constructor. It sits above every layer; code inside src imports from the
 * layer that owns what it needs, never from here.
 */
import { LocalTaskManager } from "./engine/localTaskManager";
import type { TaskManagerOptions } from "./core/types";
import { BullmqTaskManager } from "./backends/bullmq/bullmqManager";
import { unknownBackendError, type BackendOptions, type BullmqBackendOptions } from "./model";

/**
 * `new TaskManager(options)`: the local engine, or with `backend: { type: "bullmq", connection }` a
 * BullmqTaskManager (the same TaskflowClient surface plus task/start/shutdown/flush, with reads
 * that return promises). The overloads say which one a call gets; with a backend whose type is only
 * known at run time the caller narrows first (TaskManagerOptions only admits the local backend, so a
 * value typed as it always gets the local engine). A BullmqTaskManager is told apart by its
 * `backend` property ("bullmq"), never by `instanceof`.
 */
export interface TaskManagerConstructor {
  new (options: BullmqManagerOptions): BullmqTaskManager;
  new (options?: TaskManagerOptions): LocalTaskManager;
}

/** The options of a manager on the BullMQ backend: TaskManagerOptions (dbPath aside) with `backend` required. */
export type BullmqManagerOptions = Omit<TaskManagerOptions, "backend" | "dbPath" | "store" | "lockOwner"> & { backend: BullmqBackendOptions };

/**
 * The engine entry's TaskManager: a constructor that builds the local engine (a real LocalTaskManager,
 * so `instanceof TaskManager` holds for it) or hands over to the BullMQ backend.
 */
export const TaskManager = new Proxy(LocalTaskManager, {
  construct(target, argumentList: unknown[], newTarget) {
    const options = (argumentList[0] ?? {}) as Omit<TaskManagerOptions, "backend"> & { backend?: BackendOptions | null };
    const backend = options.backend;
    if (backend === undefined || backend === null) return Reflect.construct(target, argumentList, newTarget) as object;
    if (typeof backend !== "object") throw unknownBackendError(backend);
    if (backend.type === "local") return Reflect.construct(target, argumentList, newTarget) as object;
    if (backend.type === "bullmq") return new BullmqTaskManager({ ...options, backend });
    throw unknownBackendError((backend as { type?: unknown }).type);
  },
}) as unknown as TaskManagerConstructor;
/** The local engine's instance type; a BullMQ backend's manager is a BullmqTaskManager. */
export type TaskManager = LocalTaskManager;

export { LocalTaskManager } from "./engine/localTaskManager";
export * from "./core/types";
export { TaskRecord } from "./engine/taskRecord";
export { task, isTaskHandle } from "./core/task";
export { taskLog, getTaskContext, enqueue, reportProgress, step, sleep, waitForInput, waitForRuns, type TaskLogOptions } from "./core/taskContext";
export type { SleepArgument, WaitForInputOptions, WaitForRunsOptions } from "./core/stepJournal";
export { backoffDelayMs } from "./core/backoff";
export { systemClock, systemRandom } from "./core/clock";
export { Fernet, FernetError, generateKey, type FernetEncryptOptions, type FernetDecryptOptions } from "./core/fernet";
export { TimeoutError, CancelledError, ShutdownError, toError } from "./core/errors";
export { Emitter } from "./core/emitter";
export type { RegisterOptions } from "./core/taskRegistry";
export type { AttemptDelegate } from "./core/attemptDelegate";
export type { StoreFactory } from "./engine/taskManager";
export type { LogFileOptions } from "./store/logFile";
export { DatabaseLockedError, readLockHolder, type LockHolder } from "./store";
export { WorkspaceRuntime, type WorkspaceRuntimeOptions } from "./runtime/workspaceRuntime";
export { BullmqTaskManager } from "./backends/bullmq/bullmqManager";
export { checkRedisUrl, type BackendOptions, type BullmqBackendOptions, type LocalBackendOptions } from "./model";
export { redactedUrl } from "./backends/bullmq/redisQueues";
export type { ConnectionState } from "./backends/bullmq/connectionWatch";
