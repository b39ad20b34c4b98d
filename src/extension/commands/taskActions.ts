/**
 * Commands on one task (Retry, Cancel, Show, Delete, Copy ID), each taking a tree node or a task
 * id, and Clear History.
 */
import * as vscode from "vscode";
import { CANCELLABLE_STATUSES, FINISHED_STATUSES, isCancellable, isDeletable, isRetryable, orList, RETRYABLE_STATUSES, type TaskStatus } from "../../model";
import { UserError } from "./commandRegistry";
import type { ExtensionServices } from "./services";
import { taskIdOf } from "../views/tasksTreeProvider";

function requireTaskId(target: unknown, action: string): string {
  const taskId = taskIdOf(target);
  if (!taskId) {
    throw new UserError(`${action} needs a task: run it from a task in the Tasks view, or pass a task id, got ${target === undefined ? "nothing" : typeof target}`);
  }
  return taskId;
}

async function requireStatus(services: ExtensionServices, taskId: string): Promise<TaskStatus> {
  const task = await services.manager().getTask(taskId);
  if (!task) throw new UserError(`No task with id ${taskId}: it may have been deleted; refresh the Tasks view`);
  return task.status;
}

export async function retryTask(services: ExtensionServices, target: unknown): Promise<string> {
  const taskId = requireTaskId(target, "Retry Task");
  const status = await requireStatus(services, taskId);
  if (!isRetryable(status)) {
    throw new UserError(`Only ${orList(RETRYABLE_STATUSES)} tasks can be retried, got a ${status} task`);
  }
  const newId = await services.manager().retryTask(taskId);
  services.log.info(`Retried ${taskId} as ${newId}`);
  return newId;
}

export async function cancelTask(services: ExtensionServices, target: unknown): Promise<void> {
  const taskId = requireTaskId(target, "Cancel Task");
  const status = await requireStatus(services, taskId);
  if (!isCancellable(status)) {
    throw new UserError(`Only ${orList(CANCELLABLE_STATUSES)} tasks can be cancelled, got a ${status} task`);
  }
  await services.manager().cancelTask(taskId);
  services.log.info(`Cancelled ${taskId}`);
}

export async function showTask(services: ExtensionServices, target: unknown): Promise<void> {
  const taskId = requireTaskId(target, "Show Task");
  await requireStatus(services, taskId);
  services.panels().showTask(taskId);
}

export async function deleteTask(services: ExtensionServices, target: unknown): Promise<number> {
  const taskId = requireTaskId(target, "Delete Task");
  const status = await requireStatus(services, taskId);
  if (!isDeletable(status)) {
    throw new UserError(`A ${status} task cannot be deleted until it finishes: cancel it first`);
  }
  const deleted = await services.manager().deleteTasks([taskId]);
  if (deleted === 0) throw new UserError(`Task ${taskId} could not be deleted: it is still finishing; try again in a moment`);
  services.refreshViews();
  return deleted;
}

export async function copyTaskId(services: ExtensionServices, target: unknown): Promise<string> {
  const taskId = requireTaskId(target, "Copy Task ID");
  await vscode.env.clipboard.writeText(taskId);
  void vscode.window.setStatusBarMessage(`Copied task id ${taskId}`, 3000);
  return taskId;
}

const DAY_MS = 86_400_000;

/** The programmatic form of Clear History: `executeCommand('taskflow.clearHistory', { olderThanSeconds })`. */
export interface ClearHistoryArgs {
  /** Only finished tasks created more than this many seconds ago; 0 means every finished task. */
  olderThanSeconds: number;
}

function clearHistoryArgs(given: unknown): ClearHistoryArgs | undefined {
  // Run from the palette or a view's title bar, the command gets no argument (or a view's context).
  if (given === undefined || given === null || (typeof given === "object" && !("olderThanSeconds" in given))) return undefined;
  const seconds = (given as { olderThanSeconds?: unknown }).olderThanSeconds;
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
    throw new UserError(`Clear History takes { olderThanSeconds: a number of seconds, 0 or more }, got olderThanSeconds ${JSON.stringify(seconds) ?? typeof seconds}: pass e.g. { olderThanSeconds: 86400 } for tasks older than a day`);
  }
  return { olderThanSeconds: seconds };
}

/**
 * `taskflow.clearHistory`: asks which finished tasks to delete, confirms, and deletes them. Given
 * `{ olderThanSeconds }` (scripts and tests), it shows no UI and deletes the finished tasks created
 * more than that long ago; either form returns how many it deleted.
 */
export async function clearHistory(services: ExtensionServices, given?: unknown): Promise<number | undefined> {
  const programmatic = clearHistoryArgs(given);
  const manager = services.manager();
  if (programmatic) {
    return deleteFinished(services, programmatic.olderThanSeconds === 0 ? undefined : programmatic.olderThanSeconds * 1000);
  }
  const finished = await manager.countTasks({ status: [...FINISHED_STATUSES] });
  if (finished === 0) {
    void vscode.window.showInformationMessage("Taskflow: there is no finished task to clear.");
    return 0;
  }
  const choice = await vscode.window.showQuickPick(
    [
      { label: "All finished tasks", description: `${finished} task(s)`, olderThanMs: undefined as number | undefined },
      { label: "Finished tasks older than a day", olderThanMs: DAY_MS },
      { label: "Finished tasks older than a week", olderThanMs: 7 * DAY_MS },
    ],
    { title: "Clear History", placeHolder: "Pending and running tasks are kept" },
  );
  if (!choice) return undefined;
  const confirm = await vscode.window.showWarningMessage(`Delete ${choice.label.toLowerCase()}? This cannot be undone.`, { modal: true }, "Delete");
  if (confirm !== "Delete") return undefined;
  return deleteFinished(services, choice.olderThanMs);
}

async function deleteFinished(services: ExtensionServices, olderThanMs: number | undefined): Promise<number> {
  const options = olderThanMs === undefined ? {} : { olderThan: new Date(Date.now() - olderThanMs) };
  const deleted = await services.manager().clearHistory(options);
  services.log.info(`Cleared ${deleted} finished task(s) from history`);
  services.refreshViews();
  void vscode.window.showInformationMessage(`Taskflow: deleted ${deleted} finished task(s).`);
  return deleted;
}
