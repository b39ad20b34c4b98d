/// <reference path="./.vscode/taskflow/taskflow.d.ts" />
// A slow task to cancel: it logs a line per step and stops as soon as its signal aborts (Cancel,
// or the timeout). Run it with ["10"] and press Cancel in the Tasks view.
import { getTaskContext, task, taskLog } from "taskflow";

export const slowCount = task({ timeout: 120, description: "Counts slowly; cancellable" }, async (steps = 30, stepMs = 1000) => {
  const signal = getTaskContext()?.signal;
  for (let i = 1; i <= steps; i++) {
    signal?.throwIfAborted();
    taskLog(`step ${i} of ${steps}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, stepMs);
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(signal.reason);
      }, { once: true });
    });
  }
  return steps;
});
