/// <reference path="./.vscode/taskflow/taskflow.d.ts" />
// Progress: a run started from Run Task shows a notification whose bar follows reportProgress();
// its Cancel button cancels the task, which stops at its next step.
import { getTaskContext, reportProgress, task } from "taskflow";

/**
 * @param rows how many rows to import
 * @param rowMs milliseconds each row takes
 */
export const importRows = task({ description: "Imports rows slowly, reporting progress; cancellable" }, async (rows = 20, rowMs = 500) => {
  const signal = getTaskContext()?.signal;
  for (let row = 1; row <= rows; row++) {
    signal?.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, rowMs);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(signal.reason);
      }, { once: true });
    });
    reportProgress(row / rows, `row ${row} of ${rows}`);
  }
  return rows;
});
