import * as vscode from "vscode";
import type { PanelHost } from "./ports";

/** PanelHost on the real vscode API. */
export function createPanelHost(log: (message: string) => void, showTask: (taskId: string) => void): PanelHost {
  return {
    workspaceFolders: () =>
      (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === "file").map((f) => f.uri.fsPath),
    async openFile(path, line, column) {
      const position = new vscode.Position(line - 1, column - 1);
      await vscode.window.showTextDocument(vscode.Uri.file(path), {
        selection: new vscode.Range(position, position),
        viewColumn: vscode.ViewColumn.Beside,
        preview: true,
      });
    },
    executeCommand: (command, ...args) => Promise.resolve(vscode.commands.executeCommand(command, ...args)),
    showTask,
    async confirm(message, action) {
      return (await vscode.window.showWarningMessage(message, { modal: true }, action)) === action;
    },
    async saveFile(defaultName, format, content) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      const uri = await vscode.window.showSaveDialog({
        defaultUri: folder ? vscode.Uri.joinPath(folder, defaultName) : undefined,
        filters: format === "csv" ? { "CSV": ["csv"] } : { "JSON": ["json"] },
        saveLabel: vscode.l10n.t("Export"),
        title: vscode.l10n.t("Export Taskflow tasks"),
      });
      if (!uri) return null;
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(content));
      return uri.scheme === "file" ? uri.fsPath : uri.toString();
    },
    showError: (message) => void vscode.window.showErrorMessage(vscode.l10n.t("Taskflow: {0}", message)),
    log,
  };
}
