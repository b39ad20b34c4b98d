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
    void vscode.window.showErrorMessage(`Taskflow: ${event.funcName} failed: ${event.error ?? "unknown error"}`, "Show Task", "Retry").then((choice) => {
      if (choice === "Show Task") panels.showTask(event.taskId);
      if (choice === "Retry") void vscode.commands.executeCommand(Commands.retryTask, event.taskId);
    });
  });
}
