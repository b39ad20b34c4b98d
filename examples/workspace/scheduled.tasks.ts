/// <reference path="./.vscode/taskflow/taskflow.d.ts" />
// Tasks that run by themselves, and a task that fans out into child runs. The Schedules view lists
// both schedules (pause, resume, run now); a processBatch run expands in the Tasks view to the
// processItem runs it enqueued.
import { enqueue, reportProgress, task, taskLog } from "taskflow";

export const syncTranslations = task({ schedule: { every: 3600 }, description: "Runs by itself every hour" }, async () => {
  taskLog("fetching the latest strings");
  return { updated: 0 };
});

export const weeklyDigest = task({ schedule: { cron: "0 9 * * 1", timezone: "Europe/Berlin" }, description: "Runs by itself on Mondays at 09:00 in Berlin" }, async () => {
  taskLog("sending the weekly digest");
});

export const processItem = task({ description: "Handles one item of a batch" }, async (item: string) => {
  taskLog(`processing ${item}`);
  return item.toUpperCase();
});

export const processBatch = task({ description: "Enqueues one processItem run per item" }, async (...items: string[]) => {
  for (const [i, item] of items.entries()) {
    await enqueue(processItem, [item]);
    reportProgress((i + 1) / items.length, `enqueued ${i + 1} of ${items.length}`);
  }
  return items.length;
});
