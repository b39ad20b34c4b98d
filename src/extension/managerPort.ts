/**
 * The part of the engine's TaskManager the extension's views and commands use, as a port, so they
 * depend on a shape rather than on the class (the real TaskManager satisfies it structurally).
 */
import type {
  AddTaskOptions,
  ClearHistoryOptions,
  Disposable,
  LifecycleEvent,
  ListTasksQuery,
  LogEvent,
  Metrics,
  TaskDict,
} from "../engine/types";

/** A task as the manager hands it out: a record with `toDict()`, or already the JSON shape. */
export type TaskLike = TaskDict | { toDict(): TaskDict };

export function toTaskDict(task: TaskLike): TaskDict {
  return "toDict" in task && typeof task.toDict === "function" ? task.toDict() : (task as TaskDict);
}

export interface ManagerPort {
  registeredTasks(): Array<{ name: string }>;
  addTask(name: string, args?: unknown[], options?: AddTaskOptions): Promise<string>;
  getTask(taskId: string): TaskLike | undefined;
  listTasks(query?: ListTasksQuery): TaskLike[];
  countTasks(query?: ListTasksQuery): number;
  metrics(): Metrics;
  /** Resolves with the new task's id. */
  retryTask(taskId: string): Promise<string>;
  cancelTask(taskId: string): Promise<unknown>;
  /** Resolves with, or returns, how many tasks were deleted. */
  clearHistory(options?: ClearHistoryOptions): unknown;
  onLog(listener: (event: LogEvent) => void): Disposable;
  onLifecycle(listener: (event: LifecycleEvent) => void): Disposable;
}
