/**
 * The status bar item with the running and failed counts; clicking it opens the dashboard. Hidden
 * while the local engine is not running so a workspace without one stays quiet. On the shared queue
 * it also says which Redis it is on and whether it is connected, and shows even while it is not.
 */
import * as vscode from "vscode";
import { Commands } from "../commands/commandIds";

/** Where the window's tasks are: the local engine (or the holder it forwards to), or a Redis. */
export type StatusPlace =
  | { kind: "local"; forwardedTo?: string }
  | { kind: "redis"; url: string; connected: boolean; error?: string | null };

export class TaskflowStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem("taskflow.status", vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = vscode.l10n.t("Taskflow");
    this.item.command = Commands.openDashboard;
  }

  update(counts: { running: number; failed: number }, enabled: boolean, place: StatusPlace): void {
    if (!enabled) {
      this.item.hide();
      return;
    }
    const running = counts.running > 0 ? `$(sync~spin) ${counts.running}` : "$(check-all)";
    const failed = counts.failed > 0 ? ` $(error) ${counts.failed}` : "";
    const summary = vscode.l10n.t("Taskflow: {0} running, {1} failed", counts.running, counts.failed);
    if (place.kind === "redis") {
      this.showShared(place, `${running}${failed}`, summary);
      return;
    }
    this.item.backgroundColor = undefined;
    this.item.text = `${place.forwardedTo ? "$(plug) " : ""}${running}${failed}`;
    const label = place.forwardedTo
      ? vscode.l10n.t("{0}. Connected to the task database held by {1}.", summary, place.forwardedTo)
      : vscode.l10n.t("{0}.", summary);
    this.item.tooltip = vscode.l10n.t("{0} Click to open the dashboard.", label);
    this.item.accessibilityInformation = { label, role: "button" };
    this.item.show();
  }

  private showShared(place: Extract<StatusPlace, { kind: "redis" }>, counts: string, summary: string): void {
    const host = redisHost(place.url);
    if (place.connected) {
      this.item.backgroundColor = undefined;
      this.item.text = vscode.l10n.t("$(cloud) Redis {0}", counts);
      const label = vscode.l10n.t("{0}. Shared queue on BullMQ at {1}, connected.", summary, place.url);
      this.item.tooltip = vscode.l10n.t("{0} Click to open the dashboard.", label);
      this.item.accessibilityInformation = { label, role: "button" };
    } else {
      this.item.backgroundColor = new vscode.ThemeColor("statusBarItem.warningBackground");
      this.item.text = vscode.l10n.t("$(debug-disconnect) Redis {0}: reconnecting", host);
      const text = place.error
        ? vscode.l10n.t("Taskflow: not connected to Redis at {0} ({1}). Retrying; runs already in the shared queue are kept there.", place.url, place.error)
        : vscode.l10n.t("Taskflow: not connected to Redis at {0}. Retrying; runs already in the shared queue are kept there.", place.url);
      this.item.tooltip = vscode.l10n.t("{0} Click to open the dashboard.", text);
      this.item.accessibilityInformation = { label: text, role: "button" };
    }
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}

/** `host:port` of a Redis URL, for the short status bar text. */
function redisHost(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.port ? `${parsed.hostname}:${parsed.port}` : parsed.hostname;
  } catch {
    return url;
  }
}
