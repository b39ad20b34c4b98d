/**
 * The Taskflow webview panels: one task panel per task (reused when shown again) and one
 * dashboard. Both come back after a window reload through their serializers.
 */
import * as vscode from "vscode";
import type { TaskflowClient } from "../../model/client";
import { parseTaskId } from "../../protocol";
import { DashboardController } from "./dashboardController";
import { createPanelHost } from "./panelHost";
import { TaskPanelController } from "./taskPanelController";
import { renderPanelHtml, webviewOptions } from "./webviewPanelOptions";

export const TASK_PANEL_VIEW_TYPE = "taskflow.taskPanel";
export const DASHBOARD_VIEW_TYPE = "taskflow.dashboard";
export const DASHBOARD_TITLE = "Taskflow Dashboard";

export interface PanelsDeps {
  /** The task client: the extension's ManagerProxy, which forwards to the engine once it runs. */
  manager: TaskflowClient;
  /** Writes to the Taskflow output channel. */
  log: (msg: string) => void;
}

export interface Panels {
  /** Opens, or reveals, the panel of a task. */
  showTask(taskId: string): void;
  /** Opens, or reveals, the dashboard. */
  showDashboard(): void;
  /** Says why Debug Again is refused in this window (asked at each panel update); undefined when it is not. */
  setDebugRefusal(refusal: () => string | undefined): void;
  dispose(): void;
}

/**
 * `<funcName> · <first 8 characters of the id>`, or `fallback` when the engine cannot say (it is
 * still starting when VS Code revives panels after a reload).
 */
export async function taskPanelTitle(manager: TaskflowClient, taskId: string, fallback?: string): Promise<string> {
  let funcName: string | undefined;
  try {
    funcName = (await manager.getTask(taskId))?.funcName;
  } catch {
    funcName = undefined;
  }
  if (funcName === undefined && fallback) return fallback;
  return `${funcName ?? "Task"} · ${taskId.slice(0, 8)}`;
}

/** Sets the panel's title once the engine answers, unless the panel closed meanwhile. */
function retitle(panel: vscode.WebviewPanel, manager: TaskflowClient, taskId: string): void {
  const fallback = panel.title;
  void taskPanelTitle(manager, taskId, fallback).then((title) => {
    try {
      panel.title = title;
    } catch {
      // Disposed before the engine answered.
    }
  });
}

function stateTaskId(state: unknown): string | undefined {
  try {
    return parseTaskId((state as { taskId?: unknown } | undefined)?.taskId);
  } catch {
    return undefined;
  }
}

export function registerPanels(context: vscode.ExtensionContext, deps: PanelsDeps): Panels {
  const { manager, log } = deps;
  const extensionUri = context.extensionUri;
  const taskPanels = new Map<string, { panel: vscode.WebviewPanel; controller: TaskPanelController }>();
  let dashboard: { panel: vscode.WebviewPanel; controller: DashboardController } | undefined;
  const disposables: vscode.Disposable[] = [];
  let debugRefusal: () => string | undefined = () => undefined;
  const host = createPanelHost(log, (taskId) => panels.showTask(taskId));

  function adoptTaskPanel(panel: vscode.WebviewPanel, taskId: string): void {
    panel.webview.options = webviewOptions(extensionUri);
    retitle(panel, manager, taskId);
    const controller = new TaskPanelController(taskId, { manager, host, post: (m) => void panel.webview.postMessage(m), debugRefusal: () => debugRefusal() });
    taskPanels.set(taskId, { panel, controller });
    const subscription = panel.webview.onDidReceiveMessage((m) => controller.handleMessage(m));
    panel.onDidDispose(() => {
      subscription.dispose();
      controller.dispose();
      if (taskPanels.get(taskId)?.panel === panel) taskPanels.delete(taskId);
    });
    panel.webview.html = renderPanelHtml(panel.webview, extensionUri, "taskPanel", panel.title);
  }

  function adoptDashboard(panel: vscode.WebviewPanel): void {
    panel.webview.options = webviewOptions(extensionUri);
    panel.title = DASHBOARD_TITLE;
    const controller = new DashboardController({ manager, host, post: (m) => void panel.webview.postMessage(m) });
    dashboard = { panel, controller };
    const subscription = panel.webview.onDidReceiveMessage((m) => controller.handleMessage(m));
    panel.onDidDispose(() => {
      subscription.dispose();
      controller.dispose();
      if (dashboard?.panel === panel) dashboard = undefined;
    });
    panel.webview.html = renderPanelHtml(panel.webview, extensionUri, "dashboard", DASHBOARD_TITLE);
  }

  const panels: Panels = {
    showTask(taskId) {
      const id = parseTaskId(taskId);
      const existing = taskPanels.get(id);
      if (existing) {
        existing.panel.reveal();
        return;
      }
      const panel = vscode.window.createWebviewPanel(TASK_PANEL_VIEW_TYPE, `Task · ${id.slice(0, 8)}`, vscode.ViewColumn.Active, webviewOptions(extensionUri));
      adoptTaskPanel(panel, id);
    },
    showDashboard() {
      if (dashboard) {
        dashboard.panel.reveal();
        return;
      }
      adoptDashboard(vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, DASHBOARD_TITLE, vscode.ViewColumn.Active, webviewOptions(extensionUri)));
    },
    setDebugRefusal(refusal) {
      debugRefusal = refusal;
    },
    dispose() {
      for (const { panel } of [...taskPanels.values()]) panel.dispose();
      dashboard?.panel.dispose();
      for (const d of disposables) d.dispose();
    },
  };

  disposables.push(
    vscode.window.registerWebviewPanelSerializer(TASK_PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(panel, state) {
        const taskId = stateTaskId(state);
        if (!taskId || taskPanels.has(taskId)) {
          log(`task panel: not restoring a panel whose saved state names no usable task (${taskId ?? "missing id"})`);
          panel.dispose();
          return;
        }
        adoptTaskPanel(panel, taskId);
      },
    }),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      async deserializeWebviewPanel(panel) {
        if (dashboard) {
          panel.dispose();
          return;
        }
        adoptDashboard(panel);
      },
    }),
  );
  return panels;
}
