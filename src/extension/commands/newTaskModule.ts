/**
 * New Task Module: writes a commented example module and makes `import ... from "taskflow"` type-check
 * without installing anything. The extension's `dist/taskflow.d.ts` (an ambient `declare module
 * "taskflow"`) is copied to `.vscode/taskflow/taskflow.d.ts`, and the new module starts with a
 * `/// <reference path>` to it, which TypeScript and JavaScript IntelliSense both honour with or
 * without a tsconfig/jsconfig.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { UserError } from "./commandRegistry";
import type { ExtensionServices } from "./services";
import { moduleNameError, taskModuleTemplate, TYPES_RELATIVE_PATH } from "./taskModuleTemplate";

/**
 * Writes the module and the types, and opens the module; returns its path. Asks for the file name
 * unless `fileName` (relative to the workspace folder) is given.
 */
export async function newTaskModule(services: ExtensionServices, fileName?: unknown): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new UserError("New Task Module needs an open folder: open one with File > Open Folder");
  if (typeof fileName === "string") {
    const error = moduleNameError(fileName);
    if (error) throw new UserError(error);
  }
  const name = typeof fileName === "string" ? fileName : await vscode.window.showInputBox({
    title: "Taskflow: New Task Module",
    prompt: "File name, relative to the workspace folder. It must end in .tasks.ts or .tasks.js (or .mts/.cts/.mjs/.cjs).",
    value: "example.tasks.ts",
    valueSelection: [0, "example".length],
    validateInput: (text) => moduleNameError(text),
  });
  if (name === undefined) return undefined;
  const target = vscode.Uri.joinPath(folder.uri, name.trim());
  if (await exists(target)) throw new UserError(`${name.trim()} already exists: pick another name`);

  const typesTarget = vscode.Uri.joinPath(folder.uri, TYPES_RELATIVE_PATH);
  const typesSource = vscode.Uri.joinPath(services.extensionUri, "dist", "taskflow.d.ts");
  try {
    await vscode.workspace.fs.writeFile(typesTarget, await vscode.workspace.fs.readFile(typesSource));
  } catch (err) {
    services.log.warn(`Could not copy the taskflow types from ${typesSource.fsPath}: ${(err as Error).message}; the module will run but IntelliSense will not know "taskflow"`);
  }
  let reference = path.relative(path.dirname(target.fsPath), typesTarget.fsPath).split(path.sep).join("/");
  if (!reference.startsWith(".")) reference = `./${reference}`;
  const javascript = /\.(m|c)?js$/.test(target.fsPath);
  await vscode.workspace.fs.writeFile(target, Buffer.from(taskModuleTemplate(reference, javascript), "utf8"));
  services.moduleCreated(target);
  services.log.info(`Created task module ${vscode.workspace.asRelativePath(target)}`);
  await vscode.window.showTextDocument(target);
  return target.fsPath;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
