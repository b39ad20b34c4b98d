/**
 * The Task Functions view: one row per task module (workspace-relative path), its task functions
 * under it with an inline Run action, and an error row under a module that failed to load. In a
 * workspace of several folders the modules are grouped under a row per folder. On the shared queue,
 * each function says how many workers run it, and the workers' functions that this window has not
 * loaded are listed too.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { Commands } from "../commands/commandIds";
import { describeTaskConfig, type CatalogSnapshot, type ModuleProblem, type TaskFunctionInfo } from "../modules/taskCatalog";
import { describeWorkers, type SharedFunctions } from "../session/sharedQueueFunctions";
import { flowDetail, flowSummary } from "./flowText";

export type FunctionsNode =
  | { kind: "folder"; folder: vscode.WorkspaceFolder }
  | { kind: "module"; modulePath: string }
  | { kind: "function"; info: TaskFunctionInfo }
  | { kind: "problem"; problem: ModuleProblem };

/** A row of the view as `snapshot()` gives it. */
export interface FunctionsRow {
  label: string;
  /** `folder`, `module`, `module.broken`, `function` or `problem`. */
  contextValue: string;
  children: FunctionsRow[];
}

export class FunctionsTreeProvider implements vscode.TreeDataProvider<FunctionsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<FunctionsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private snapshot: CatalogSnapshot = { modules: [], functions: [], problems: [] };
  private shared: SharedFunctions | undefined;

  update(snapshot: CatalogSnapshot): void {
    this.snapshot = snapshot;
    this.changed.fire(undefined);
  }

  /** The shared queue's workers and their functions; undefined off the shared queue. */
  updateShared(shared: SharedFunctions | undefined): void {
    this.shared = shared;
    this.changed.fire(undefined);
  }

  getTreeItem(node: FunctionsNode): vscode.TreeItem {
    if (node.kind === "folder") {
      const item = new vscode.TreeItem(node.folder.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `folder:${node.folder.uri.toString()}`;
      item.resourceUri = node.folder.uri;
      item.iconPath = vscode.ThemeIcon.Folder;
      item.contextValue = "folder";
      return item;
    }
    if (node.kind === "module" && node.modulePath === "") {
      const item = new vscode.TreeItem(vscode.l10n.t("Run by workers, without a module"), vscode.TreeItemCollapsibleState.Expanded);
      item.id = "module:";
      item.iconPath = new vscode.ThemeIcon("server-process");
      item.tooltip = vscode.l10n.t("Task functions the shared queue's workers registered without a task module (by a script)");
      return item;
    }
    if (node.kind === "module") {
      const uri = vscode.Uri.file(node.modulePath);
      const broken = this.snapshot.problems.some((p) => p.modulePath === node.modulePath);
      // Under its folder's row the path is relative to that folder.
      const label = vscode.workspace.asRelativePath(uri, moduleFolders().length < 2);
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `module:${node.modulePath}`;
      item.resourceUri = uri;
      item.iconPath = broken ? new vscode.ThemeIcon("file-code", new vscode.ThemeColor("errorForeground")) : vscode.ThemeIcon.File;
      item.contextValue = broken ? "module.broken" : "module";
      item.command = { command: Commands.openModule, title: vscode.l10n.t("Open Module"), arguments: [node.modulePath] };
      return item;
    }
    if (node.kind === "problem") {
      const { problem } = node;
      const where = ` (${path.basename(problem.file)}:${problem.line})`;
      const item = new vscode.TreeItem(`${firstLine(problem.message)}${where}`, vscode.TreeItemCollapsibleState.None);
      item.id = `problem:${problem.file}:${problem.line}:${problem.message}`;
      item.iconPath = new vscode.ThemeIcon("error", new vscode.ThemeColor("errorForeground"));
      item.tooltip = problem.message;
      item.contextValue = "problem";
      item.command = { command: Commands.openModule, title: vscode.l10n.t("Open Module"), arguments: [problem.file, problem.line, problem.column] };
      return item;
    }
    const { info } = node;
    const item = new vscode.TreeItem(info.name, vscode.TreeItemCollapsibleState.None);
    item.id = `function:${info.file}:${info.name}`;
    item.command = { command: Commands.openModule, title: vscode.l10n.t("Open Module"), arguments: [info.file, info.line, 1] };
    const summary = describeTaskConfig(info.config);
    const workerCount = this.shared && (this.shared.workers.get(info.name) ?? 0);
    const workers = workerCount === undefined ? undefined : describeWorkers(workerCount);
    item.description = workers ?? (summary === vscode.l10n.t("default config") ? (info.config.description ?? "") : summary);
    const flowLine = flowSummary(info.config) === "" ? "" : `${flowDetail(info.config)}\n`;
    const workersLine = workerCount === undefined ? "" : `${sharedQueueLine(workerCount)}\n`;
    item.tooltip = new vscode.MarkdownString().appendMarkdown(`**${info.name}**`).appendText(
      `\n${info.config.description ? `${info.config.description}\n` : ""}${summary}\n${flowLine}${workersLine}${path.basename(info.file)}`,
    );
    item.iconPath = new vscode.ThemeIcon("symbol-function");
    item.contextValue = "function";
    return item;
  }

  getChildren(node?: FunctionsNode): FunctionsNode[] {
    const others = this.shared?.others;
    const modules = [...new Set([...this.snapshot.modules, ...(others?.modules ?? [])])].sort();
    const folders = moduleFolders();
    if (!node && folders.length > 1) {
      // Modules in none of the folders (the workers' own, a forwarding window's) follow the folders' rows.
      return [
        ...folders.map((folder): FunctionsNode => ({ kind: "folder", folder })),
        ...modules.filter((m) => folderOf(m) === undefined).map((modulePath): FunctionsNode => ({ kind: "module", modulePath })),
      ];
    }
    if (!node || node.kind === "folder") {
      const inFolder = node ? modules.filter((m) => folderOf(m)?.uri.toString() === node.folder.uri.toString()) : modules;
      return inFolder.map((modulePath) => ({ kind: "module", modulePath }));
    }
    if (node.kind !== "module") return [];
    const problems: FunctionsNode[] = this.snapshot.problems
      .filter((p) => p.modulePath === node.modulePath)
      .map((problem) => ({ kind: "problem", problem }));
    const functions: FunctionsNode[] = [...this.snapshot.functions, ...(others?.functions ?? [])]
      .filter((f) => f.file === node.modulePath)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((info) => ({ kind: "function", info }));
    return [...problems, ...functions];
  }

  /** The rows the view shows now, each with the rows under it. */
  rows(): FunctionsRow[] {
    const rows = (node?: FunctionsNode): FunctionsRow[] => this.getChildren(node).map((child) => {
      const item = this.getTreeItem(child);
      const label = typeof item.label === "string" ? item.label : (item.label?.label ?? "");
      return { label, contextValue: item.contextValue ?? "", children: rows(child) };
    });
    return rows();
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The workspace folder a module is in; undefined for the workers' functions without a module (""). */
function folderOf(modulePath: string): vscode.WorkspaceFolder | undefined {
  return modulePath === "" ? undefined : vscode.workspace.getWorkspaceFolder(vscode.Uri.file(modulePath));
}

/** The workspace folders task modules are loaded from (those on disk). */
function moduleFolders(): readonly vscode.WorkspaceFolder[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === "file");
}

/** The tooltip's line saying how many of the shared queue's workers run a function. */
function sharedQueueLine(workers: number): string {
  if (workers === 0) return vscode.l10n.t("on the shared queue: no worker run it");
  return workers === 1 ? vscode.l10n.t("on the shared queue: 1 worker runs it") : vscode.l10n.t("on the shared queue: {0} workers run it", workers);
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0];
}
