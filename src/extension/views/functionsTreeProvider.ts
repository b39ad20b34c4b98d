/**
 * The Task Functions view: one row per task module (workspace-relative path), its task functions
 * under it with an inline Run action, and an error row under a module that failed to load. On the
 * shared queue, each function says how many workers run it, and the workers' functions that this
 * window has not loaded are listed too.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { Commands } from "../commands/commandIds";
import { describeTaskConfig, type CatalogSnapshot, type ModuleProblem, type TaskFunctionInfo } from "../modules/taskCatalog";
import { describeWorkers, type SharedFunctions } from "../session/sharedQueueFunctions";
import { flowDetail, flowSummary } from "./flowText";

export type FunctionsNode =
  | { kind: "module"; modulePath: string }
  | { kind: "function"; info: TaskFunctionInfo }
  | { kind: "problem"; problem: ModuleProblem };

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
    if (node.kind === "module" && node.modulePath === "") {
      const item = new vscode.TreeItem("Run by workers, without a module", vscode.TreeItemCollapsibleState.Expanded);
      item.id = "module:";
      item.iconPath = new vscode.ThemeIcon("server-process");
      item.tooltip = "Task functions the shared queue's workers registered without a task module (by a script)";
      return item;
    }
    if (node.kind === "module") {
      const uri = vscode.Uri.file(node.modulePath);
      const broken = this.snapshot.problems.some((p) => p.modulePath === node.modulePath);
      const item = new vscode.TreeItem(vscode.workspace.asRelativePath(uri), vscode.TreeItemCollapsibleState.Expanded);
      item.id = `module:${node.modulePath}`;
      item.resourceUri = uri;
      item.iconPath = broken ? new vscode.ThemeIcon("file-code", new vscode.ThemeColor("errorForeground")) : vscode.ThemeIcon.File;
      item.contextValue = broken ? "module.broken" : "module";
      item.command = { command: Commands.openModule, title: "Open Module", arguments: [node.modulePath] };
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
      item.command = { command: Commands.openModule, title: "Open Module", arguments: [problem.file, problem.line, problem.column] };
      return item;
    }
    const { info } = node;
    const item = new vscode.TreeItem(info.name, vscode.TreeItemCollapsibleState.None);
    item.id = `function:${info.file}:${info.name}`;
    item.command = { command: Commands.openModule, title: "Open Module", arguments: [info.file, info.line, 1] };
    const summary = describeTaskConfig(info.config);
    const workers = this.shared && describeWorkers(this.shared.workers.get(info.name) ?? 0);
    item.description = workers ?? (summary === "default config" ? (info.config.description ?? "") : summary);
    const flowLine = flowSummary(info.config) === "" ? "" : `${flowDetail(info.config)}\n`;
    const workersLine = workers === undefined ? "" : `on the shared queue: ${workers} run${workers === "1 worker" ? "s" : ""} it\n`;
    item.tooltip = new vscode.MarkdownString().appendMarkdown(`**${info.name}**`).appendText(
      `\n${info.config.description ? `${info.config.description}\n` : ""}${summary}\n${flowLine}${workersLine}${path.basename(info.file)}`,
    );
    item.iconPath = new vscode.ThemeIcon("symbol-function");
    item.contextValue = "function";
    return item;
  }

  getChildren(node?: FunctionsNode): FunctionsNode[] {
    const others = this.shared?.others;
    if (!node) {
      return [...new Set([...this.snapshot.modules, ...(others?.modules ?? [])])].sort().map((modulePath) => ({ kind: "module", modulePath }));
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

  dispose(): void {
    this.changed.dispose();
  }
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0];
}
