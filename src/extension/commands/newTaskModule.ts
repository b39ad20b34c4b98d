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

/** The title of the pick that asks which workspace folder gets the new module, in the display language. */
export function folderPickTitle(): string {
  return vscode.l10n.t("Taskflow: New Task Module: Workspace Folder");
}

/**
 * Writes the module and the types, and opens the module; returns its path. Asks for the file name
 * unless `fileName` (relative to the workspace folder) is given, and, in a workspace of several
 * folders, for the folder unless `folder` (its name, its path or its URI) is given.
 */
export async function newTaskModule(services: ExtensionServices, fileName?: unknown, folderArgument?: unknown): Promise<string | undefined> {
  const folder = await targetFolder(folderArgument);
  if (!folder) return undefined;
  if (typeof fileName === "string") {
    const error = moduleNameError(fileName);
    if (error) throw new UserError(error);
  }
  const name = typeof fileName === "string" ? fileName : await vscode.window.showInputBox({
    title: vscode.l10n.t("Taskflow: New Task Module"),
    prompt: vscode.l10n.t("File name, relative to the workspace folder {0}. It must end in .tasks.ts or .tasks.js (or .mts/.cts/.mjs/.cjs).", folder.name),
    value: "example.tasks.ts",
    valueSelection: [0, "example".length],
    validateInput: (text) => moduleNameError(text),
  });
  if (name === undefined) return undefined;
  const target = vscode.Uri.joinPath(folder.uri, name.trim());
  if (await exists(target)) throw new UserError(vscode.l10n.t("{0} already exists: pick another name", name.trim()));

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

/** The folder the module goes into: the one named, the only one, or the one picked (undefined when the pick is dismissed). */
async function targetFolder(argument: unknown): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === "file");
  if (folders.length === 0) throw new UserError(vscode.l10n.t("New Task Module needs an open folder: open one with File > Open Folder"));
  if (argument !== undefined && argument !== null) {
    const found = argument instanceof vscode.Uri
      ? vscode.workspace.getWorkspaceFolder(argument)
      : folders.find((f) => typeof argument === "string" && (f.name === argument || f.uri.fsPath === argument));
    if (!found) throw new UserError(vscode.l10n.t("No workspace folder {0}: expected the name or path of one of {1}", JSON.stringify(String(argument)), folders.map((f) => f.name).join(", ")));
    return found;
  }
  if (folders.length === 1) return folders[0];
  const picked = await vscode.window.showQuickPick(
    folders.map((folder) => ({ label: folder.name, description: folder.uri.fsPath, folder })),
    { title: folderPickTitle(), placeHolder: vscode.l10n.t("The workspace folder the new task module goes into") },
  );
  return picked?.folder;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
