/**
 * Debug Task: runs one attempt of a task under VS Code's JavaScript debugger (see debugRuns.ts).
 * From the Command Palette it asks for the task and its arguments; from the Task Functions view it
 * asks for the arguments; the programmatic form
 * `executeCommand("taskflow.debugTask", name, { args, kwargs })` shows no UI. Each resolves with the
 * new task id, like Run Task.
 */
import * as vscode from "vscode";
import { describeValue } from "../../model";
import { validateRunTaskOptions } from "../prompts/argumentParsing";
import { UserError } from "./commandRegistry";
import { DEBUG_TAG, type DebugRuns } from "./debugRuns";
import { askArguments } from "../prompts/argumentPrompts";
import { functionFromNode, pickFunction } from "./runCommands";
import type { ExtensionServices } from "./services";

/** The window's debug runs; throws a UserError saying why when there are none (no folder, or another process holds the database). */
export type DebugRunsAccess = () => DebugRuns;

const OPTION_KEYS = ["args", "kwargs"];

/** `taskflow.debugTask`: programmatic when given a task name, otherwise asks (a tree node names the task). */
export async function debugTask(services: ExtensionServices, runs: DebugRunsAccess, name?: unknown, options?: unknown): Promise<string | undefined> {
  if (typeof name === "string") {
    const { args, kwargs } = parseDebugOptions(options);
    requireFunction(services, name);
    return start(services, runs, name, args, kwargs);
  }
  const info = functionFromNode(name) ?? (await pickFunction(services, vscode.l10n.t("Debug Task")));
  if (!info) return undefined;
  const args = await askArguments(services, info);
  if (!args) return undefined;
  const taskId = await start(services, runs, info.name, args, {});
  const showTask = vscode.l10n.t("Show Task");
  void vscode.window.showInformationMessage(vscode.l10n.t("Taskflow: debugging {0}", info.name), showTask).then((choice) => {
    if (choice === showTask) services.panels().showTask(taskId);
  });
  return taskId;
}

function start(services: ExtensionServices, runs: DebugRunsAccess, name: string, args: unknown[], kwargs: Record<string, unknown>): Promise<string> {
  const manager = services.manager();
  const debugRuns = runs();
  return debugRuns.add(name, () => manager.addTask(name, args, { kwargs, tags: { ...DEBUG_TAG } }));
}

function requireFunction(services: ExtensionServices, name: string): void {
  const names = services.catalog().functions.map((f) => f.name);
  if (names.includes(name)) return;
  const listed = names.length > 0 ? names.join(", ") : vscode.l10n.t("none");
  throw new UserError(vscode.l10n.t("No task function named \"{0}\" in this workspace; known: {1}. Check the name, or the Problems panel if its module failed to load", name, listed));
}

/** The programmatic options `{ args, kwargs }`, checked; a missing one is empty. */
export function parseDebugOptions(options: unknown): { args: unknown[]; kwargs: Record<string, unknown> } {
  if (options === undefined || options === null) return { args: [], kwargs: {} };
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new UserError(vscode.l10n.t("Debug Task options must be an object { args, kwargs }, got {0}", describeValue(options)));
  }
  const unknownKeys = Object.keys(options).filter((key) => !OPTION_KEYS.includes(key));
  if (unknownKeys.length > 0) {
    throw new UserError(unknownKeys.length === 1
      ? vscode.l10n.t("Debug Task options accept {0}, got unknown {1}: remove it", OPTION_KEYS.join(", "), unknownKeys[0])
      : vscode.l10n.t("Debug Task options accept {0}, got unknown {1}: remove them", OPTION_KEYS.join(", "), unknownKeys.join(", ")));
  }
  const validated = validateRunTaskOptions(options);
  if (!validated.ok) throw new UserError(validated.error);
  return { args: validated.value.args ?? [], kwargs: validated.value.kwargs ?? {} };
}
