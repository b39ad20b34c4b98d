/**
 * Tells of a run that starts waiting for input with a notification offering Provide Input, which
 * opens the run's task panel (where its form is) through Show Task, while the setting
 * `taskflow.notifications.onInput` is on.
 */
import * as vscode from "vscode";
import type { TaskflowClient } from "../../model";
import { Commands } from "../commands/commandIds";
import { InputRequests } from "./inputRequests";

export interface InputNotificationsOptions {
  onLifecycle: TaskflowClient["onLifecycle"];
  /** Whether input requests are told now (`taskflow.notifications.onInput`). */
  enabled(): boolean;
}

/** Starts telling of runs waiting for input; disposing the result stops it. */
export function notifyInputRequests({ onLifecycle, enabled }: InputNotificationsOptions): vscode.Disposable {
  const requests = new InputRequests();
  return onLifecycle((event) => {
    if (!enabled()) return;
    const notice = requests.notice(event);
    if (!notice) return;
    const provideInput = vscode.l10n.t("Provide Input");
    void vscode.window.showInformationMessage(vscode.l10n.t("Taskflow: {0}", notice.message), provideInput).then((choice) => {
      // Through the command, so a run deleted meanwhile gets its error message instead of an empty panel.
      if (choice === provideInput) void vscode.commands.executeCommand(Commands.showTask, notice.taskId);
    });
  });
}
