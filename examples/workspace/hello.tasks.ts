/// <reference path="./.vscode/taskflow/taskflow.d.ts" />
import { task, taskLog } from "taskflow";

export const hello = task(async (name: string = "world") => {
  taskLog(`hello ${name}`);
  return `hello ${name}`;
});
