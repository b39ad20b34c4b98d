/**
 * One run's progress as VS Code's progress notification takes it: each `reportProgress(fraction)`
 * becomes an increment in percentage points, and lifecycle changes become messages. No vscode import.
 */
import * as l10n from "@vscode/l10n";
import { isFinished, type LifecycleEvent, type ProgressEvent } from "../../model";

/** What the notification shows next for a task's event, and whether the run is over. */
export interface RunProgressStep {
  /** Percentage points to add to the bar (VS Code's `increment`), when the fraction grew. */
  increment?: number;
  message?: string;
  finished: boolean;
}

/**
 * Tracks one run's fraction so that each `reportProgress(fraction)` becomes the increment VS Code
 * expects (a fraction going back is shown as a message only: the bar cannot go back). No vscode use.
 */
export class RunProgressTracker {
  private reportedPercent = 0;

  /** The step for a progress event of this run. */
  progress(event: Pick<ProgressEvent, "fraction" | "message">): RunProgressStep {
    const percent = Math.round(event.fraction * 100);
    const increment = percent > this.reportedPercent ? percent - this.reportedPercent : undefined;
    this.reportedPercent = Math.max(this.reportedPercent, percent);
    return { increment, message: event.message ?? l10n.t("{0}%", percent), finished: false };
  }

  /** The step for a lifecycle event of this run. */
  lifecycle(event: Pick<LifecycleEvent, "status" | "retriesUsed" | "error">): RunProgressStep {
    if (isFinished(event.status)) return { finished: true };
    // retriesUsed counts from the first retry, as the "--- Retry n ---" log lines do.
    if (event.status === "pending" && event.retriesUsed > 0) {
      return { message: event.error ? l10n.t("the attempt failed, retrying: {0}", event.error) : l10n.t("the attempt failed, retrying"), finished: false };
    }
    if (event.status === "running" && event.retriesUsed > 0) return { message: l10n.t("retry {0}", event.retriesUsed), finished: false };
    return { finished: false };
  }
}
