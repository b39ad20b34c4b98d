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
    throw new UserError(vscode.l10n.t("{0} needs a task: run it from a task in the Tasks view, or pass a task id, got {1}", action, target === undefined ? vscode.l10n.t("nothing") : typeof target));
  }
  return taskId;
}

async function requireStatus(services: ExtensionServices, taskId: string): Promise<TaskStatus> {
  const task = await services.manager().getTask(taskId);
  if (!task) throw new UserError(vscode.l10n.t("No task with id {0}: it may have been deleted; refresh the Tasks view", taskId));
  return task.status;
}

export async function retryTask(services: ExtensionServices, target: unknown): Promise<string> {
  const taskId = requireTaskId(target, vscode.l10n.t("Retry Task"));
  const status = await requireStatus(services, taskId);
  if (!isRetryable(status)) {
    throw new UserError(vscode.l10n.t("Only {0} tasks can be retried, got a {1} task", orList(RETRYABLE_STATUSES), status));
  }
  const newId = await services.manager().retryTask(taskId);
  services.log.info(`Retried ${taskId} as ${newId}`);
  return newId;
}

export async function cancelTask(services: ExtensionServices, target: unknown): Promise<void> {
  const taskId = requireTaskId(target, vscode.l10n.t("Cancel Task"));
  const status = await requireStatus(services, taskId);
  if (!isCancellable(status)) {
    throw new UserError(vscode.l10n.t("Only {0} tasks can be cancelled, got a {1} task", orList(CANCELLABLE_STATUSES), status));
  }
  await services.manager().cancelTask(taskId);
  services.log.info(`Cancelled ${taskId}`);
}

export async function showTask(services: ExtensionServices, target: unknown): Promise<void> {
  const taskId = requireTaskId(target, vscode.l10n.t("Show Task"));
  await requireStatus(services, taskId);
  services.panels().showTask(taskId);
}

export async function deleteTask(services: ExtensionServices, target: unknown): Promise<number> {
  const taskId = requireTaskId(target, vscode.l10n.t("Delete Task"));
  const status = await requireStatus(services, taskId);
  if (!isDeletable(status)) {
    throw new UserError(vscode.l10n.t("A {0} task cannot be deleted until it finishes: cancel it first", status));
  }
  const deleted = await services.manager().deleteTasks([taskId]);
  if (deleted === 0) throw new UserError(vscode.l10n.t("Task {0} could not be deleted: it is still finishing; try again in a moment", taskId));
  services.refreshViews();
  return deleted;
}

export async function copyTaskId(services: ExtensionServices, target: unknown): Promise<string> {
  const taskId = requireTaskId(target, vscode.l10n.t("Copy Task ID"));
  await vscode.env.clipboard.writeText(taskId);
  void vscode.window.setStatusBarMessage(vscode.l10n.t("Copied task id {0}", taskId), 3000);
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
    throw new UserError(vscode.l10n.t("Clear History takes { olderThanSeconds: a number of seconds, 0 or more }, got olderThanSeconds {0}: pass e.g. { olderThanSeconds: 86400 } for tasks older than a day", JSON.stringify(seconds) ?? typeof seconds));
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
    void vscode.window.showInformationMessage(vscode.l10n.t("Taskflow: there is no finished task to clear."));
    return 0;
  }
  const choice = await vscode.window.showQuickPick(
    [
      {
        label: vscode.l10n.t("All finished tasks"),
        description: vscode.l10n.t("{0} task(s)", finished),
        question: vscode.l10n.t("Delete all finished tasks? This cannot be undone."),
        olderThanMs: undefined as number | undefined,
      },
      { label: vscode.l10n.t("Finished tasks older than a day"), question: vscode.l10n.t("Delete finished tasks older than a day? This cannot be undone."), olderThanMs: DAY_MS },
      { label: vscode.l10n.t("Finished tasks older than a week"), question: vscode.l10n.t("Delete finished tasks older than a week? This cannot be undone."), olderThanMs: 7 * DAY_MS },
    ],
    { title: vscode.l10n.t("Clear History"), placeHolder: vscode.l10n.t("Pending and running tasks are kept") },
  );
  if (!choice) return undefined;
  const deleteLabel = vscode.l10n.t("Delete");
  const confirm = await vscode.window.showWarningMessage(choice.question, { modal: true }, deleteLabel);
  if (confirm !== deleteLabel) return undefined;
  return deleteFinished(services, choice.olderThanMs);
}

async function deleteFinished(services: ExtensionServices, olderThanMs: number | undefined): Promise<number> {
  const options = olderThanMs === undefined ? {} : { olderThan: new Date(Date.now() - olderThanMs) };
  const deleted = await services.manager().clearHistory(options);
  services.log.info(`Cleared ${deleted} finished task(s) from history`);
  services.refreshViews();
  void vscode.window.showInformationMessage(vscode.l10n.t("Taskflow: deleted {0} finished task(s).", deleted));
  return deleted;
}
