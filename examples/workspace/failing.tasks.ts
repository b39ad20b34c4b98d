/// <reference path="./.vscode/taskflow/taskflow.d.ts" />
// A task that always fails, to try Retry from the tree, the task panel and the dashboard, and to
// see the error and its stack trace (the frames open this file at the line).
import { task, taskLog } from "taskflow";

export const alwaysFails = task({ description: "Throws every time" }, async (reason = "it always does") => {
  taskLog("about to fail", { level: "warning" });
  throw new Error(`alwaysFails failed: ${reason}`);
});

// Whatever a task throws becomes an Error on the record, even a plain string.
export const throwsString = task(async () => {
  throw "a bare string, not an Error";
});
