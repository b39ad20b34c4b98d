/**
 * Composition root: builds the store, manager, views and commands, and pushes every disposable into
 * `context.subscriptions`.
 */
import * as vscode from "vscode";

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel("Taskflow", { log: true });
  context.subscriptions.push(log);

  const empty: vscode.TreeDataProvider<never> = { getTreeItem: (e) => e, getChildren: () => [] };
  context.subscriptions.push(
    vscode.window.registerTreeDataProvider("taskflow.tasks", empty),
    vscode.window.registerTreeDataProvider("taskflow.functions", empty),
    vscode.commands.registerCommand("taskflow.runTask", () => undefined),
    vscode.commands.registerCommand("taskflow.refresh", () => undefined),
    vscode.commands.registerCommand("taskflow.openDashboard", () => {
      const panel = vscode.window.createWebviewPanel("taskflow.dashboard", "Taskflow Dashboard", vscode.ViewColumn.One, {});
      panel.webview.html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">` +
        `<meta http-equiv="Content-Security-Policy" content="default-src 'none';"><title>Taskflow Dashboard</title></head>` +
        `<body><h1>Taskflow Dashboard</h1></body></html>`;
      return panel;
    }),
  );
  log.info("Taskflow activated");
}

export function deactivate(): void {
  // Nothing to shut down yet.
}
