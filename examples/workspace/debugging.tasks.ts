/// <reference path="./.vscode/taskflow/taskflow.d.ts" />
import { task, taskLog } from "taskflow";

// Try "Taskflow: Debug Task..." on this one with a breakpoint on the `total +=` line.
export const sumSquares = task({ description: "Adds up the squares of its numbers" }, async (numbers: number[] = [1, 2, 3]) => {
  let total = 0;
  for (const n of numbers) {
    total += n * n;
    taskLog(`added ${n} squared, total ${total}`);
  }
  return { total };
});
