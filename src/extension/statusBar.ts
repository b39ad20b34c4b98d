/**
 * The status bar item with the running and failed counts; clicking it opens the dashboard. Hidden
 * while there is nothing to show so an idle workspace stays quiet.
 */
import * as vscode from "vscode";
import { Commands } from "./commandIds";

export class TaskflowStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("taskflow.status", vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = "Taskflow";
    this.item.command = Commands.openDashboard;
  }

  /**
   * @param forwardedTo who holds the database when this window forwards to it (`taskflow serve
   *   (process 4242)`): the item then shows a plug and says so
   */
  update(counts: { running: number; failed: number }, enabled: boolean, forwardedTo?: string): void {
    if (!enabled) {
      this.item.hide();
      return;
    }
    const running = counts.running > 0 ? `$(sync~spin) ${counts.running}` : "$(check-all)";
    const failed = counts.failed > 0 ? ` $(error) ${counts.failed}` : "";
    this.item.text = `${forwardedTo ? "$(plug) " : ""}${running}${failed}`;
    const summary = `Taskflow: ${counts.running} running, ${counts.failed} failed`;
    const where = forwardedTo ? ` Connected to the task database held by ${forwardedTo}.` : "";
    this.item.tooltip = `${summary}.${where} Click to open the dashboard.`;
    this.item.accessibilityInformation = { label: `${summary}.${where}`, role: "button" };
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
