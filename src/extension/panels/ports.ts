/**
 * What the panels need from the rest of the extension, as ports, so the controllers run in plain
 * Node under test with fakes. The real TaskManager satisfies PanelManager structurally; the vscode
 * adapters (taskPanel.ts, dashboardPanel.ts) implement PanelHost.
 */
import type {
  ClearHistoryOptions,
  Disposable,
  LifecycleEvent,
  ListTasksQuery,
  LogEvent,
  Metrics,
  TaskDict,
} from "../../engine/types";

/** A task as the manager hands it out: a record with `toDict()`, or already the JSON shape. */
export type TaskLike = TaskDict | { toDict(): TaskDict };

/** The part of the TaskManager the panels use. */
export interface PanelManager {
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

/** Editor services the panel controllers call; implemented with the vscode API. */
export interface PanelHost {
  /** Absolute paths of the open workspace folders. */
  workspaceFolders(): string[];
  /** Opens a file in an editor with the cursor at the 1-based line and column. */
  openFile(path: string, line: number, column: number): Promise<void>;
  /** Runs a Taskflow command (retry, run) and returns what it returned. */
  executeCommand(command: string, ...args: unknown[]): Promise<unknown>;
  /** Opens or reveals the task panel of a task. */
  showTask(taskId: string): void;
  /** Asks the user to confirm; resolves true when confirmed. */
  confirm(message: string, action: string): Promise<boolean>;
  /** Asks where to save and writes the content; resolves with the path, or null when cancelled. */
  saveFile(defaultName: string, format: "csv" | "json", content: string): Promise<string | null>;
  /** Shows an error message to the user. */
  showError(message: string): void;
  /** Writes a line to the Taskflow output channel. */
  log(message: string): void;
}

export function toTaskDict(task: TaskLike): TaskDict {
  return "toDict" in task && typeof task.toDict === "function" ? task.toDict() : (task as TaskDict);
}
