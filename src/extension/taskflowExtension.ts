/**
 * The composition root: builds the window's parts (the engine's lifecycle, the views, the panels,
 * the CodeLens, the commands, the HTTP API and the terminals' environment), starts them in order and
 * disposes each on its own. `activate()` builds one and returns its API: the engine API other extensions use.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { recordWorkspaceDatabase } from "../store/workspaceDatabase";
import { exportedApi } from "./api/exportedApi";
import type { TaskflowApi } from "./api/taskflowApi";
import { setUpTerminals } from "./api/terminalSetup";
import { applyApiSettings, WindowApi } from "./api/windowApi";
import { ContextKeys } from "./commands/commandIds";
import { DebugRuns } from "./commands/debugRuns";
import { registerExtensionCommands } from "./commands/extensionCommands";
import { noFolderMessage } from "./commands/services";
import { registerTaskLenses } from "./editor/taskCodeLens";
import { CatalogState } from "./modules/catalogState";
import { registerPanels } from "./panels";
import { EngineLifecycle } from "./session/engineLifecycle";
import { ManagerProxy } from "./session/managerProxy";
import { readSettings, type TaskflowSettings } from "./session/settings";
import { DATABASE_FILE } from "./session/workspaceSession";
import { notifyFailures } from "./views/failureNotifications";
import { notifyInputRequests } from "./views/inputNotifications";
import { TaskViews } from "./views/taskViews";

export class TaskflowExtension implements vscode.Disposable {
  /** The extension that `deactivate()` closes: VS Code calls it with no arguments. */
  private static active: TaskflowExtension | undefined;

  private readonly log = vscode.window.createOutputChannel("Taskflow", { log: true });
  private readonly diagnostics = vscode.languages.createDiagnosticCollection("taskflow");
  private readonly proxy: ManagerProxy;
  /** The `taskflow.*` settings, re-read when one changes. */
  private settings: TaskflowSettings = readSettings();
  /** The first workspace folder; task modules, the CLI's record and debugging cover every folder. */
  private readonly folder = vscode.workspace.workspaceFolders?.[0];
  /** The workspace's database, `<storage>/taskflow.sqlite`; undefined with no storage folder. */
  private readonly dbPath: string | undefined;
  private readonly distDir: string;
  private readonly views: TaskViews;
  private readonly catalog: CatalogState;
  private readonly debugRuns: DebugRuns | undefined;
  private readonly lifecycle: EngineLifecycle;
  private readonly windowApi: WindowApi | undefined;
  /** Every part, disposed in reverse order. */
  private readonly parts: vscode.Disposable[] = [];

  constructor(private readonly context: vscode.ExtensionContext) {
    const { log, folder } = this;
    const storageUri = context.storageUri;
    this.distDir = vscode.Uri.joinPath(context.extensionUri, "dist").fsPath;
    this.dbPath = storageUri ? path.join(storageUri.fsPath, DATABASE_FILE) : undefined;
    this.proxy = new ManagerProxy(noFolderMessage(), (err) => log.error(`A Taskflow event listener threw (ignored): ${String(err)}`));
    this.views = new TaskViews({
      settings: () => this.settings,
      place: () => this.lifecycle.place(),
      attached: () => this.proxy.attached,
      log,
    });
    this.catalog = new CatalogState((snapshot) => {
      this.views.functionsTree.update(snapshot);
      void vscode.commands.executeCommand("setContext", ContextKeys.hasModules, snapshot.modules.length > 0);
    });
    this.parts.push(log, this.diagnostics, this.views, this.catalog);
    this.debugRuns = folder
      ? new DebugRuns({
          folder,
          distDir: this.distDir,
          compiledTask: (name) => this.lifecycle.session?.compiledTask(name),
          cancelTask: (taskId) => this.proxy.cancelTask(taskId),
          log,
        })
      : undefined;
    if (this.debugRuns) this.parts.push(this.debugRuns);
    this.windowApi = storageUri ? new WindowApi({ client: this.proxy, secrets: context.secrets, workspace: storageUri.fsPath, log }) : undefined;
    if (this.windowApi) this.parts.push(this.windowApi);
    this.lifecycle = new EngineLifecycle({
      context,
      folder,
      dbPath: this.dbPath,
      distDir: this.distDir,
      proxy: this.proxy,
      settings: () => this.settings,
      views: this.views,
      catalog: this.catalog,
      debugRuns: this.debugRuns,
      log,
      diagnostics: this.diagnostics,
    });
    this.parts.push(this.lifecycle);
  }

  /** Closes the active extension's engine and HTTP API (VS Code's `deactivate`). */
  static async deactivate(): Promise<void> {
    const extension = TaskflowExtension.active;
    TaskflowExtension.active = undefined;
    await extension?.close();
  }

  /**
   * Starts the parts in order and resolves with the API other extensions get. The engine starts
   * before the panels register: VS Code revives a panel as soon as its serializer is registered, and
   * a revived panel asks for its task at once. Modules load at the end.
   */
  async start(): Promise<TaskflowApi> {
    const { context, log, folder, dbPath, proxy, views, catalog, lifecycle, windowApi } = this;
    if (folder && dbPath) await this.setUpOutsideAccess(dbPath);
    await lifecycle.start();
    const panels = registerPanels(context, { manager: proxy, log: (message) => log.info(message) });
    this.parts.push(
      panels,
      registerTaskLenses({
        client: () => (proxy.attached ? proxy : undefined),
        onLifecycle: proxy.onLifecycle,
        catalog: () => catalog.current,
        onDidChangeCatalog: catalog.onDidChange,
        onDidRestartEngine: lifecycle.onDidRestart,
        log,
        debuggable: () => this.settings.backend.kind !== "redis",
      }),
      proxy.onLifecycle(() => lifecycle.taskChanged()),
      notifyFailures({ onLifecycle: proxy.onLifecycle, enabled: () => this.settings.notifyOnFailure, panels }),
      notifyInputRequests({ onLifecycle: proxy.onLifecycle, enabled: () => this.settings.notifyOnInput }),
      registerExtensionCommands({
        context,
        log,
        hasFolder: folder !== undefined,
        proxy,
        lifecycle,
        catalog,
        views,
        panels,
        settings: () => this.settings,
        debugRuns: this.debugRuns,
        windowApi,
      }),
      vscode.workspace.onDidChangeConfiguration((event) => this.settingsChanged(event)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => lifecycle.trustGranted()),
    );
    await vscode.commands.executeCommand("setContext", ContextKeys.noFolder, !folder);
    TaskflowExtension.active = this;
    await lifecycle.loadInitialModules();
    applyApiSettings(windowApi, this.settings, log);
    await vscode.commands.executeCommand("setContext", ContextKeys.ready, true);
    await views.updateCounts();
    log.info("Taskflow activated");
    return exportedApi({ proxy, catalog, lifecycle, views, dbPath, environment: context.environmentVariableCollection, windowApi });
  }

  dispose(): void {
    for (const part of this.parts.splice(0).reverse()) part.dispose();
  }

  /**
   * Lets the CLI find this window's one database from every workspace folder (folders added later
   * too), and gives terminals the `taskflow` command; the terminal environment applies to every
   * terminal of the window, whichever folder it starts in.
   */
  private async setUpOutsideAccess(dbPath: string): Promise<void> {
    const { log } = this;
    const record = (folders: readonly vscode.WorkspaceFolder[]) => Promise.all(folders.filter((f) => f.uri.scheme === "file").map((f) =>
      recordWorkspaceDatabase(f.uri.fsPath, dbPath).catch((err) => log.warn(`The taskflow CLI will not find this window's database from ${f.uri.fsPath} (use $TASKFLOW_DB): ${String(err)}`))));
    this.parts.push(vscode.workspace.onDidChangeWorkspaceFolders((event) => void record(event.added)));
    await record(vscode.workspace.workspaceFolders ?? []);
    await setUpTerminals(this.context, dbPath, this.distDir).catch((err) => log.warn(`Terminals get no taskflow command: ${String(err)}`));
  }

  private settingsChanged(event: vscode.ConfigurationChangeEvent): void {
    if (!event.affectsConfiguration("taskflow")) return;
    this.settings = readSettings();
    this.views.refreshCounts();
    this.views.tasksTree.setPageSize(this.settings.pageSize);
    if (event.affectsConfiguration("taskflow.api")) applyApiSettings(this.windowApi, this.settings, this.log);
    this.lifecycle.settingsChanged(event);
  }

  /** Stops the HTTP API, then the engine and its local endpoint. */
  private async close(): Promise<void> {
    this.windowApi?.dispose();
    await this.lifecycle.close(vscode.l10n.t("Taskflow has been deactivated"));
  }
}
