/**
 * Every command of the extension, registered through the one wrapper with the services the handlers
 * reach: the engine, the catalog, the panels, the views, the debug runs and the HTTP API.
 */
import * as vscode from "vscode";
import { isTaskStatus } from "../../model";
import type { WindowApi } from "../api/windowApi";
import type { CatalogState } from "../modules/catalogState";
import type { Panels } from "../panels";
import { TypeScriptLoader } from "../prompts/typeScriptLoader";
import type { EngineLifecycle } from "../session/engineLifecycle";
import type { ManagerProxy } from "../session/managerProxy";
import type { TaskflowSettings } from "../session/settings";
import type { TaskViews } from "../views/taskViews";
import { commandHandlers } from "./commandHandlers";
import { registerCommand, UserError } from "./commandRegistry";
import type { DebugRuns } from "./debugRuns";
import { NO_FOLDER, type ExtensionServices } from "./services";

export interface ExtensionCommandsOptions {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  /** Whether a workspace folder is open. */
  hasFolder: boolean;
  proxy: ManagerProxy;
  lifecycle: EngineLifecycle;
  catalog: CatalogState;
  views: TaskViews;
  panels: Panels;
  /** The settings as they are now. */
  settings(): TaskflowSettings;
  /** The window's debug runs; undefined with no folder. */
  debugRuns: DebugRuns | undefined;
  /** The window's HTTP API; undefined with no storage folder. */
  windowApi: WindowApi | undefined;
}

/** Registers every command in Commands; disposing it unregisters them all. */
export function registerExtensionCommands(options: ExtensionCommandsOptions): vscode.Disposable {
  const { context, log, hasFolder, proxy, lifecycle, catalog, views, panels, settings, debugRuns, windowApi } = options;
  const typeScript = new TypeScriptLoader(log);
  /** Why Debug Task and the panels' Debug Again are refused in this window now, or undefined. */
  const debugRefusal = (): string | undefined => {
    if (lifecycle.forwardedTo) {
      return `Debug Task runs the task in this window's debugger, but this window uses the task database of ${lifecycle.forwardedTo}: debug it there, or close that process (this window then takes the database over)`;
    }
    const { backend } = settings();
    if (backend.kind === "redis") {
      return `Debug Task runs the task in this window's debugger, but on the shared queue (${backend.url}) any worker may take the run: set taskflow.backend to "local" to debug it here, or start "taskflow worker" under the debugger`;
    }
    return undefined;
  };
  panels.setDebugRefusal(debugRefusal);
  const services: ExtensionServices = {
    log,
    workspaceState: context.workspaceState,
    secrets: context.secrets,
    manager: () => {
      if (!hasFolder) throw new UserError(NO_FOLDER);
      const offline = lifecycle.unavailable();
      if (offline) throw new UserError(offline);
      if (!proxy.attached) throw new UserError("Taskflow's task engine is not running: see the Taskflow output channel for why");
      return proxy;
    },
    catalog: () => {
      if (!vscode.workspace.isTrusted) {
        throw new UserError("Task modules are code, so Taskflow does not load or run them in Restricted Mode: trust this workspace to run tasks");
      }
      return catalog.current;
    },
    panels: () => panels,
    reloadModules: async () => {
      await lifecycle.session?.modules?.rediscover();
    },
    moduleCreated: (uri) => lifecycle.session?.modules?.added(uri),
    refreshViews: () => views.refresh(),
    loadMore: (status) => {
      if (!isTaskStatus(status)) throw new UserError(`Load More needs a task status, got ${JSON.stringify(status)}`);
      views.tasksTree.loadMore(status);
    },
    applyEncryptionKey: () => lifecycle.restartWhenIdle("Encryption key changed", "engine"),
    applyRedisPassword: () => lifecycle.restartWhenIdle("Redis password changed", "engine"),
    extensionUri: context.extensionUri,
    typeScript: () => typeScript.get(),
  };
  const handlers = commandHandlers({
    services,
    showDashboard: () => panels.showDashboard(),
    debugRuns: () => {
      if (!debugRuns) throw new UserError(NO_FOLDER);
      const refusal = debugRefusal();
      if (refusal) throw new UserError(refusal);
      return debugRuns;
    },
    windowApi: () => {
      if (!windowApi) throw new UserError(NO_FOLDER);
      return windowApi;
    },
  });
  return vscode.Disposable.from(
    ...Object.entries(handlers).map(([id, handler]) => registerCommand(id as keyof typeof handlers, handler, log)),
  );
}
