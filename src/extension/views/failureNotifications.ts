/**
 * Tells of a failed task with an error message offering Show Task and Retry, while the setting
 * `taskflow.notifyOnFailure` is on.
 */
import * as vscode from "vscode";
import type { TaskflowClient } from "../../model";
import { Commands } from "../commands/commandIds";
import type { PanelsPort } from "../commands/services";

export interface FailureNotificationsOptions {
  onLifecycle: TaskflowClient["onLifecycle"];
  /** Whether failures are told now (`taskflow.notifyOnFailure`). */
  enabled(): boolean;
  panels: PanelsPort;
}

/** Starts telling of failures; disposing the result stops it. */
export function notifyFailures({ onLifecycle, enabled, panels }: FailureNotificationsOptions): vscode.Disposable {
  return onLifecycle((event) => {
    if (event.status !== "failed" || !enabled()) return;
    const showTask = vscode.l10n.t("Show Task");
    const retry = vscode.l10n.t("Retry");
    const message = vscode.l10n.t("Taskflow: {0} failed: {1}", event.funcName, event.error ?? vscode.l10n.t("unknown error"));
    void vscode.window.showErrorMessage(message, showTask, retry).then((choice) => {
      if (choice === showTask) panels.showTask(event.taskId);
      if (choice === retry) void vscode.commands.executeCommand(Commands.retryTask, event.taskId);
    });
  });
}
