/**
 * What `activate()` returns to other extensions: the ManagerProxy (the engine API, bound to
 * the workspace's manager) with what the window knows added to it.
 */
import type * as vscode from "vscode";
import type { CatalogState } from "../modules/catalogState";
import type { EngineLifecycle } from "../session/engineLifecycle";
import type { ManagerProxy } from "../session/managerProxy";
import type { TaskViews } from "../views/taskViews";
import type { TaskflowApi } from "./taskflowApi";
import { terminalVariables } from "./terminalSetup";
import type { WindowApi } from "./windowApi";

const noEvent: vscode.Event<never> = () => ({ dispose: () => undefined });

export interface ExportedApiSources {
  proxy: ManagerProxy;
  catalog: CatalogState;
  lifecycle: EngineLifecycle;
  views: TaskViews;
  /** The workspace's database; undefined with no storage folder. */
  dbPath: string | undefined;
  environment: vscode.EnvironmentVariableCollection;
  /** The window's HTTP API; undefined with no storage folder. */
  windowApi: WindowApi | undefined;
}

/** Adds the window's parts to `proxy` and returns it as the TaskflowApi. */
export function exportedApi({ proxy, catalog, lifecycle, views, dbPath, environment, windowApi }: ExportedApiSources): TaskflowApi {
  return Object.assign(proxy, {
    taskFunctions: () => catalog.current,
    onDidChangeTaskFunctions: catalog.onDidChange,
    onDidRestartEngine: lifecycle.onDidRestart,
    tasksView: () => views.tasksTree.snapshot(),
    functionsView: () => views.functionsTree.rows(),
    schedulesView: () => views.schedulesTree.snapshot(),
    database: () => (dbPath ? { path: dbPath, forwardedTo: lifecycle.forwardedTo } : undefined),
    backend: () => lifecycle.place(),
    terminalEnvironment: () => terminalVariables(environment),
    // The token is left out: it is only given by Copy API URL and Token.
    onDidChangeHttpApi: (listener: (e: { url: string } | undefined) => unknown, thisArgs?: unknown, disposables?: vscode.Disposable[]) =>
      (windowApi?.onDidChange ?? noEvent)((access) => listener.call(thisArgs, access && { url: access.url }), undefined, disposables),
  });
}
