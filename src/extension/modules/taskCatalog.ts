/**
 * What the extension knows about the workspace's task modules: the task functions they export and
 * the modules that failed to load. Filled by the module wiring, read by the Task Functions view and
 * the Run Task picker. No vscode import.
 */
import * as path from "node:path";
import * as l10n from "@vscode/l10n";
import type { RegisteredTask, TaskConfig } from "../../model";
import type { TaskFunctionInfo } from "../../runtime/types";
import { flowSummary } from "../views/flowText";

export type { TaskFunctionInfo };

/** A module that could not be compiled or loaded, or whose tasks clash. */
export interface ModuleProblem {
  /** Absolute path of the file at fault (the module, or a file it imports). */
  file: string;
  /** The module whose loading failed. */
  modulePath: string;
  message: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  severity: "error" | "warning";
}

export interface CatalogSnapshot {
  /** Absolute paths of every module found, loaded or not. */
  modules: string[];
  functions: TaskFunctionInfo[];
  problems: ModuleProblem[];
}

/** `retries 3 · delay 1 s · backoff ×2 · timeout 30 s`: the config, for pickers and tooltips, in the display language. */
export function describeTaskConfig(config: TaskConfig): string {
  const parts: string[] = [];
  if (config.retries) parts.push(l10n.t("retries {0}", config.retries));
  if (config.delay) parts.push(l10n.t("delay {0} s", config.delay));
  if (config.backoff !== undefined && config.backoff !== 1) parts.push(l10n.t("backoff ×{0}", config.backoff));
  if (config.maxDelay !== undefined) parts.push(l10n.t("max delay {0} s", config.maxDelay));
  if (config.jitter) parts.push(l10n.t("jitter {0}", config.jitter));
  if (config.timeout !== undefined) parts.push(l10n.t("timeout {0} s", config.timeout));
  if (config.persist) parts.push(l10n.t("persist"));
  if (config.requeueOnInterrupt) parts.push(l10n.t("requeue on interrupt"));
  const flow = flowSummary(config);
  if (flow !== "") parts.push(flow);
  return parts.length > 0 ? parts.join(" · ") : l10n.t("default config");
}

/**
 * The catalog of a window that forwards to another holder of the database: the functions that
 * holder registered, located from their `source` (`relative/file.tasks.ts#exportName`, relative to
 * `root`); lines are unknown there (1). Functions registered without a source (by a script or another
 * extension) are listed with an empty file.
 */
export function catalogFromRegistered(tasks: RegisteredTask[], root: string): CatalogSnapshot {
  const functions = tasks.map((t): TaskFunctionInfo => {
    const hash = t.source?.lastIndexOf("#") ?? -1;
    const file = t.source === undefined ? "" : path.resolve(root, hash >= 0 ? t.source.slice(0, hash) : t.source);
    const exportName = t.source !== undefined && hash >= 0 ? t.source.slice(hash + 1) : t.name;
    return { name: t.name, exportName, file, line: 1, config: { ...t.config } };
  });
  const modules = [...new Set(functions.map((f) => f.file).filter((f) => f !== ""))];
  return { modules, functions, problems: [] };
}
