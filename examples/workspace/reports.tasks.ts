/// <reference path="./.vscode/taskflow/taskflow.d.ts" />
// Logs at every level, tags and keyword arguments. "Run Task with Options..." asks for kwargs
// ({"format": "csv", "rows": 3}) and tags (team=data, env=dev); they show in the tree and panels.
import { getTaskContext, task, taskLog } from "taskflow";

interface ReportOptions {
  format?: "csv" | "json";
  rows?: number;
}

export const buildReport = task({ name: "buildReport", description: "Builds a report; takes kwargs" }, async (title: string, options: ReportOptions = {}) => {
  const { format = "json", rows = 5 } = options;
  const tags = getTaskContext()?.tags ?? {};
  taskLog(`building "${title}" as ${format}`, { extra: { tags } });
  taskLog("loading rows", { level: "debug" });
  for (let i = 1; i <= rows; i++) taskLog(`row ${i}`);
  if (rows > 1000) taskLog("large report: consider paging", { level: "warning" });
  return { title, format, rows };
});
