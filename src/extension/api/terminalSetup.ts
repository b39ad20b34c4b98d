/**
 * The window's integrated terminals: the `taskflow` launcher and the environment that points it at
 * this workspace (see terminalEnvironment.ts for the parts without vscode).
 */
import * as path from "node:path";
import * as vscode from "vscode";
import type { TerminalVariable } from "./taskflowApi";
import { applyTerminalEnvironment, writeLauncher } from "./terminalEnvironment";

/** Gives the window's terminals the `taskflow` command and the database it reaches (TASKFLOW_DB). */
export async function setUpTerminals(context: vscode.ExtensionContext, dbPath: string, distDir: string): Promise<void> {
  const launcherDir = vscode.Uri.joinPath(context.globalStorageUri, "bin").fsPath;
  await writeLauncher(launcherDir, { nodePath: process.execPath, cliPath: path.join(distDir, "cli.js") });
  applyTerminalEnvironment(context.environmentVariableCollection, { dbPath, launcherDir });
}

export function terminalVariables(collection: vscode.EnvironmentVariableCollection): TerminalVariable[] {
  const types = {
    [vscode.EnvironmentVariableMutatorType.Replace]: "replace",
    [vscode.EnvironmentVariableMutatorType.Append]: "append",
    [vscode.EnvironmentVariableMutatorType.Prepend]: "prepend",
  } as const;
  const variables: TerminalVariable[] = [];
  collection.forEach((variable, mutator) => variables.push({ variable, value: mutator.value, type: types[mutator.type] }));
  return variables;
}

