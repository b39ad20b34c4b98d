/**
 * The progress of a run started interactively, in the status bar (the run's one notification is the
 * "started" one, with Show Task and Cancel): titled with the task's name, moved by the task's
 * `reportProgress()` calls, told when an attempt failed and a retry is due, and gone when the run
 * finishes.
 */
import * as vscode from "vscode";
import { isFinished, type LifecycleEvent } from "../../model";
import { RunProgressTracker, type RunProgressStep } from "./runProgressTracker";
import type { ExtensionServices } from "./services";

/**
 * Shows the progress of `taskId` in the status bar until the run finishes (the caller checks
 * `taskflow.showRunNotifications`). A failed run shows an error with Show Task, unless
 * `failureShownElsewhere`: the failure notification (`taskflow.notifications.onFailure`) already
 * does for every failed task.
 */
export function showRunProgress(services: ExtensionServices, taskId: string, name: string, failureShownElsewhere: boolean): void {
  const manager = services.manager();
  const tracker = new RunProgressTracker();
  void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t("Taskflow: {0}", name) }, (progress) =>
    new Promise<void>((resolve) => {
      const subscriptions: vscode.Disposable[] = [];
      let done = false;
      const finish = (status?: string, error?: string | null) => {
        if (done) return;
        done = true;
        for (const s of subscriptions) s.dispose();
        resolve();
        if (status === "failed" && !failureShownElsewhere) {
          const showTask = vscode.l10n.t("Show Task");
          void vscode.window.showErrorMessage(vscode.l10n.t("Taskflow: {0} failed: {1}", name, error ?? vscode.l10n.t("unknown error")), showTask).then((choice) => {
            if (choice === showTask) services.panels().showTask(taskId);
          });
        }
      };
      const apply = (step: RunProgressStep, event?: LifecycleEvent) => {
        if (step.finished) return finish(event?.status, event?.error);
        if (step.increment !== undefined || step.message !== undefined) progress.report({ increment: step.increment, message: step.message });
      };
      subscriptions.push(
        manager.onProgress((event) => {
          if (event.taskId === taskId) apply(tracker.progress(event));
        }),
        manager.onLifecycle((event) => {
          if (event.taskId === taskId) apply(tracker.lifecycle(event), event);
        }),
      );
      // The run may have moved on before these listeners were added.
      Promise.resolve(manager.getTask(taskId)).then(
        (record) => {
          if (!record || isFinished(record.status)) finish(record?.status, record?.error);
          else if (record.progress) apply(tracker.progress(record.progress));
        },
        () => finish(),
      );
    }),
  );
}
