/**
 * The `taskflow.logFile` setting as the engine's `logFile` option. No vscode import, so the mapping
 * is unit-tested in plain Node.
 */
import * as path from "node:path";
import type { LogFileOptions } from "../../store/logFile";

/**
 * The log file option of a setting value: none for an empty (or missing, or non-text) value, else
 * the path, a relative one taken from the workspace folder, with the engine's default rotation
 * (10 MiB, 5 rotated files). `~/` stands for the home directory.
 */
export function logFileOption(setting: unknown, workspaceFolder: string, homeDir: string): LogFileOptions | undefined {
  if (typeof setting !== "string" || setting.trim() === "") return undefined;
  const value = setting.trim();
  const expanded = value === "~" || value.startsWith("~/") || value.startsWith("~\\") ? path.join(homeDir, value.slice(1)) : value;
  return { path: path.resolve(workspaceFolder, expanded) };
}
