/// <reference path="./.vscode/taskflow/taskflow.d.ts" />
// Retries and backoff: the mail server "refuses" the first two attempts, so a run shows
// "--- Retry 1 ---" and "--- Retry 2 ---" in its logs, 1 s then 2 s apart (delay * backoff^(n-1)).
import { getTaskContext, task, taskLog } from "taskflow";

export const sendEmail = task({ retries: 3, delay: 1, backoff: 2, description: "Sends an email; the first two attempts fail" }, async (address: string, subject = "Hello") => {
  const attempt = getTaskContext()?.attempt ?? 0;
  taskLog(`connecting to the mail server for ${address} (attempt ${attempt})`);
  if (attempt < 2) throw new Error(`mail server busy, try again later (attempt ${attempt})`);
  taskLog(`sent "${subject}" to ${address}`);
  return { delivered: true, address };
});

// Quick retries, for trying the tree and the task panel without waiting.
export const flakyApi = task({ retries: 2, delay: 0.1, backoff: 2, description: "Succeeds on the third attempt" }, async () => {
  const attempt = getTaskContext()?.attempt ?? 0;
  if (attempt < 2) throw new Error(`HTTP 503 from the flaky API (attempt ${attempt})`);
  taskLog("HTTP 200");
  return 200;
});
