/** The one place a row model of the Taskflow trees becomes a `vscode.TreeItem`. */
import * as vscode from "vscode";
import type { RowModel } from "./taskTreeItem";

export function treeItemOf(model: RowModel, state: vscode.TreeItemCollapsibleState = vscode.TreeItemCollapsibleState.None): vscode.TreeItem {
  const item = new vscode.TreeItem(model.label, state);
  item.id = model.id;
  item.description = model.description;
  if (model.tooltip !== undefined) item.tooltip = new vscode.MarkdownString(model.tooltip);
  item.iconPath = new vscode.ThemeIcon(model.iconId, model.iconColor ? new vscode.ThemeColor(model.iconColor) : undefined);
  item.contextValue = model.contextValue;
  return item;
}
