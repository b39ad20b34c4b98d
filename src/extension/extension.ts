/**
 * The extension's entry (package.json `main` is `dist/extension.js`, built from this file):
 * `activate()` starts a TaskflowExtension and returns the engine API, bound to the workspace.
 */
import type * as vscode from "vscode";
import type { TaskflowApi } from "./api/taskflowApi";
import { configureLocalisation } from "./configureLocalisation";
import { TaskflowExtension } from "./taskflowExtension";

export type { TaskflowApi, TerminalVariable } from "./api/taskflowApi";

export async function activate(context: vscode.ExtensionContext): Promise<TaskflowApi> {
  configureLocalisation();
  const extension = new TaskflowExtension(context);
  context.subscriptions.push(extension);
  return extension.start();
}

export async function deactivate(): Promise<void> {
  await TaskflowExtension.deactivate();
}
