/**
 * Composition root: builds the manager (through a WorkspaceSession), the module wiring, the views,
 * the panels and the commands, and pushes every disposable into `context.subscriptions`.
 * `activate()` returns the engine API of design section 3, bound to the workspace's manager.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { recordWorkspaceDatabase } from "../cli/workspaceDatabase";
import { registerPanels } from "./panels";
import { Commands, ContextKeys, Views } from "./commands/commandIds";
import { commandHandlers } from "./commands/commandHandlers";
import { registerCommand, UserError } from "./commands/commandRegistry";
import { FunctionsTreeProvider } from "./views/functionsTreeProvider";
import { DebugRuns } from "./commands/debugRuns";
import { ManagerProxy } from "./session/managerProxy";
import { SchedulesTreeProvider } from "./views/schedulesTreeProvider";
import { ENCRYPTION_KEY_SECRET, REDIS_PASSWORD_SECRET, type ExtensionServices } from "./commands/services";
import { SharedQueueMonitor } from "./session/sharedQueueMonitor";
import { QueueSettingsApplier } from "./session/queueSettings";
import { MANAGER_SETTINGS, REDIS_SETTINGS, RUNTIME_SETTINGS, readSettings } from "./session/settings";
import { TaskflowStatusBar, type StatusPlace } from "./views/statusBar";
import { catalogFromRegistered, type CatalogSnapshot } from "./modules/taskCatalog";
import { registerTaskLenses } from "./editor/taskCodeLens";
import { TasksTreeProvider } from "./views/tasksTreeProvider";
import { TypeScriptLoader } from "./prompts/typeScriptLoader";
import type { TaskflowApi } from "./api/taskflowApi";
import { applyTerminalBackend } from "./api/terminalEnvironment";
import { setUpTerminals, terminalVariables } from "./api/terminalSetup";
import { WindowApi } from "./api/windowApi";
import { WindowEngine } from "./session/windowEngine";
import { DATABASE_FILE, type WorkspaceSession } from "./session/workspaceSession";
import { isTaskStatus } from "../model";

const NO_FOLDER = "Taskflow needs an open folder to keep task history: open one with File > Open Folder";
const EMPTY_CATALOG: CatalogSnapshot = { modules: [], functions: [], problems: [] };
const noEvent: vscode.Event<never> = () => ({ dispose: () => undefined });

/** What a restart replaces: the manager and the runtime, or only the runtime that loads the task modules. */
type RestartScope = "engine" | "modules";

export type { TaskflowApi, TerminalVariable } from "./api/taskflowApi";

let deactivateSession: (() => Promise<void>) | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<TaskflowApi> {
  const log = vscode.window.createOutputChannel("Taskflow", { log: true });
  const diagnostics = vscode.languages.createDiagnosticCollection("taskflow");
  const proxy = new ManagerProxy(NO_FOLDER, (err) => log.error(`A Taskflow event listener threw (ignored): ${String(err)}`));
  const catalogChanged = new vscode.EventEmitter<CatalogSnapshot>();
  const engineRestarted = new vscode.EventEmitter<void>();
  context.subscriptions.push(log, diagnostics, catalogChanged, engineRestarted);

  let settings = readSettings();
  const tasksTree = new TasksTreeProvider({ pageSize: settings.pageSize });
  const functionsTree = new FunctionsTreeProvider();
  const schedulesTree = new SchedulesTreeProvider();
  const tasksView = vscode.window.createTreeView(Views.tasks, { treeDataProvider: tasksTree, showCollapseAll: true });
  const functionsView = vscode.window.createTreeView(Views.functions, { treeDataProvider: functionsTree });
  const schedulesView = vscode.window.createTreeView(Views.schedules, { treeDataProvider: schedulesTree });
  const statusBar = new TaskflowStatusBar();
  context.subscriptions.push(tasksTree, functionsTree, schedulesTree, tasksView, functionsView, schedulesView, statusBar);

  /** Where the window's tasks are now, as the status bar and the API say. */
  const place = (): StatusPlace => monitor?.place(engine?.forwardedTo) ?? { kind: "local" };
  let lastCounts = { running: 0, failed: 0 };
  const updateCounts = async () => {
    const showPlace = (where: StatusPlace) => statusBar.update(lastCounts, settings.showStatusBar && (proxy.attached || where.kind === "redis"), where);
    // Counting asks Redis, which holds the question until it is back: say it is away at once.
    const before = place();
    if (before.kind === "redis" && !before.connected) return showPlace(before);
    lastCounts = await tasksTree.counts();
    tasksView.badge = lastCounts.running > 0 ? { value: lastCounts.running, tooltip: `${lastCounts.running} running` } : undefined;
    showPlace(place());
  };
  const refreshCounts = () => void updateCounts().catch((err) => log.warn(`Could not count tasks for the badge: ${String(err)}`));
  context.subscriptions.push(tasksTree.onDidChangeCounts(refreshCounts));
  // Relative times ("3 min ago") go stale: re-render while the view shows.
  const clockTimer = setInterval(() => {
    if (tasksView.visible) tasksTree.refresh();
    if (schedulesView.visible) schedulesTree.refresh();
  }, 30_000);
  context.subscriptions.push({ dispose: () => clearInterval(clockTimer) });

  const folder = vscode.workspace.workspaceFolders?.[0];
  const storageUri = context.storageUri;
  const distDir = vscode.Uri.joinPath(context.extensionUri, "dist").fsPath;
  const dbPath = storageUri ? path.join(storageUri.fsPath, DATABASE_FILE) : undefined;
  const debugRuns: DebugRuns | undefined = folder
    ? new DebugRuns({
        folder,
        distDir,
        compiledTask: (name) => engine?.session?.compiledTask(name),
        cancelTask: (taskId) => proxy.cancelTask(taskId),
        log,
      })
    : undefined;
  if (debugRuns) context.subscriptions.push(debugRuns);
  const engine = folder && storageUri && dbPath
    ? new WindowEngine({
        proxy,
        dbPath,
        log,
        sessionOptions: async () => ({
          folder,
          storageDir: storageUri.fsPath,
          distDir,
          settings,
          encryptionKey: await context.secrets.get(ENCRYPTION_KEY_SECRET),
          redisPassword: await context.secrets.get(REDIS_PASSWORD_SECRET),
          log,
          diagnostics,
          delegateAttempt: debugRuns?.delegate,
        }),
      })
    : undefined;
  const api = storageUri ? new WindowApi({ client: proxy, secrets: context.secrets, workspace: storageUri.fsPath, log }) : undefined;
  if (api) context.subscriptions.push(api);
  let catalog = EMPTY_CATALOG;
  /** A restart waiting for no task to be pending or running: of the whole engine, or of the module runtime only. */
  let pendingRestart: RestartScope | undefined;
  let restarts: Promise<void> = Promise.resolve();

  const setCatalog = (snapshot: CatalogSnapshot) => {
    catalog = snapshot;
    functionsTree.update(snapshot);
    void vscode.commands.executeCommand("setContext", ContextKeys.hasModules, snapshot.modules.length > 0);
    catalogChanged.fire(snapshot);
  };

  const loadModules = async (current: WorkspaceSession) => {
    if (!vscode.workspace.isTrusted) {
      log.info("Restricted Mode: task modules are code, so none is compiled or run until the workspace is trusted");
      return;
    }
    const modules = await current.loadModules(settings);
    context.subscriptions.push(modules.onDidChange(setCatalog));
    setCatalog(modules.snapshot());
  };

  const reportStartFailure = (err: unknown) => {
    const error = err instanceof Error ? err : new Error(String(err));
    proxy.attach(undefined, `Taskflow's task engine did not start: ${error.message}`);
    log.error(`Taskflow could not start its task engine: ${error.stack ?? error.message}`);
    const retrying = monitor?.startFailed(error) ?? false;
    void vscode.window.showErrorMessage(`Taskflow could not start its task engine: ${error.message}${retrying ? " (retrying)" : ""}`);
    refreshCounts();
  };

  /** The catalog of a window that forwards: the holder's registered functions. */
  const forwardedCatalog = () => {
    if (folder && engine?.forwardedTo) setCatalog(catalogFromRegistered(proxy.registeredTasks(), folder.uri.fsPath));
  };
  context.subscriptions.push(proxy.onDidChangeRegistry(forwardedCatalog));

  const queueSettings = new QueueSettingsApplier((problems) => {
    for (const problem of problems) log.warn(problem);
    void vscode.window.showWarningMessage(`Taskflow: ${problems.length} queue setting(s) not applied: ${problems[0]}`);
  });
  const applyQueues = () => void queueSettings.apply(proxy, vscode.workspace.getConfiguration("taskflow").get("queues"))
    .catch((err) => log.error(`Applying taskflow.queues failed: ${String(err)}`));

  const startEngine = async () => {
    if (!engine) return;
    monitor?.cancelRetry();
    const { backend } = settings;
    void vscode.commands.executeCommand("setContext", ContextKeys.sharedQueue, backend.kind === "redis");
    applyTerminalBackend(context.environmentVariableCollection, backend.kind === "redis" ? { url: backend.url, prefix: settings.redisPrefix } : undefined);
    await engine.open();
    monitor?.started();
    applyQueues();
    tasksTree.setManager(proxy);
    schedulesTree.setManager(proxy);
    forwardedCatalog();
    refreshCounts();
    if (!engine.forwardedTo) log.info(`Task history: ${dbPath}`);
  };

  const openSession = async () => {
    await startEngine();
    if (engine?.session) await loadModules(engine.session);
  };

  /**
   * Replaces the manager and the runtime (`"engine"`: settings the manager takes at construction
   * changed), or only the runtime (`"modules"`), once no task is pending or running; with no scope,
   * applies the restart that is pending, if any. Restarts run one after the other, so a setting changed
   * during one is applied by the next.
   */
  const restartWhenIdle = (reason: string, scope?: RestartScope): Promise<void> => {
    restarts = restarts.then(() => restartNow(reason, scope));
    const done = restarts;
    restarts = restarts.catch((err) => log.error(`Restart failed: ${String(err)}`));
    return done;
  };
  const restartNow = async (reason: string, requested: RestartScope | undefined) => {
    const scope = pendingRestart === "engine" ? "engine" : (requested ?? pendingRestart);
    const session = engine?.session;
    // An engine that did not start (Redis out of reach, a bad setting) starts anew with the new settings.
    if (engine && !session && !proxy.attached && scope === "engine") {
      pendingRestart = undefined;
      await openSession().catch(reportStartFailure);
      engineRestarted.fire();
      return;
    }
    if (!engine || !session || !scope) return;
    if (engine.busy()) {
      if (!pendingRestart) log.info(`${reason}: applied once no task is pending or running`);
      pendingRestart = scope;
      return;
    }
    pendingRestart = undefined;
    if (scope === "modules") {
      log.info(`${reason}: reloading the task modules`);
      await session.unloadModules();
      setCatalog(EMPTY_CATALOG);
      await loadModules(session);
      engineRestarted.fire();
      return;
    }
    log.info(`${reason}: restarting the task engine`);
    await engine.close("Taskflow is restarting its task engine: try again in a moment");
    setCatalog(EMPTY_CATALOG);
    // Another process may take the database in the gap: the window then forwards to it, or says who holds it.
    await openSession().catch(reportStartFailure);
    engineRestarted.fire();
  };
  const monitor = engine
    ? new SharedQueueMonitor({
        engine,
        settings: () => settings,
        views: [tasksView, schedulesView],
        log,
        changed: () => {
          tasksTree.refresh();
          schedulesTree.refresh();
          refreshCounts();
        },
        reopen: async () => {
          await openSession();
          engineRestarted.fire();
        },
      })
    : undefined;
  if (monitor) context.subscriptions.push(monitor);
  // The engine starts before the panels register: VS Code revives a panel as soon as its serializer
  // is registered, and a revived panel asks for its task at once. Modules load at the end.
  if (folder && dbPath) {
    await recordWorkspaceDatabase(folder.uri.fsPath, dbPath).catch((err) => log.warn(`The taskflow CLI will not find this window's database from the folder (use $TASKFLOW_DB): ${String(err)}`));
    await setUpTerminals(context, dbPath, distDir).catch((err) => log.warn(`Terminals get no taskflow command: ${String(err)}`));
  }
  await startEngine().catch(reportStartFailure);
  const panels = registerPanels(context, { manager: proxy, log: (message) => log.info(message) });
  context.subscriptions.push(panels);
  context.subscriptions.push(registerTaskLenses({
    client: () => (proxy.attached ? proxy : undefined),
    onLifecycle: proxy.onLifecycle,
    catalog: () => catalog,
    onDidChangeCatalog: catalogChanged.event,
    onDidRestartEngine: engineRestarted.event,
    log,
    debuggable: () => settings.backend.kind !== "redis",
  }));

  context.subscriptions.push(
    proxy.onLifecycle((event) => {
      if (pendingRestart) void restartWhenIdle("Settings changed").catch(() => undefined);
      if (event.status === "failed" && settings.notifyOnFailure) {
        void vscode.window.showErrorMessage(`Taskflow: ${event.funcName} failed: ${event.error ?? "unknown error"}`, "Show Task", "Retry").then((choice) => {
          if (choice === "Show Task") panels.showTask(event.taskId);
          if (choice === "Retry") void vscode.commands.executeCommand(Commands.retryTask, event.taskId);
        });
      }
    }),
  );

  const typeScript = new TypeScriptLoader(log);
  const services: ExtensionServices = {
    log,
    workspaceState: context.workspaceState,
    secrets: context.secrets,
    manager: () => {
      if (!folder) throw new UserError(NO_FOLDER);
      const offline = monitor?.unavailable();
      if (offline) throw new UserError(offline);
      if (!proxy.attached) throw new UserError("Taskflow's task engine is not running: see the Taskflow output channel for why");
      return proxy;
    },
    catalog: () => {
      if (!vscode.workspace.isTrusted) {
        throw new UserError("Task modules are code, so Taskflow does not load or run them in Restricted Mode: trust this workspace to run tasks");
      }
      return catalog;
    },
    panels: () => panels,
    reloadModules: async () => {
      await engine?.session?.modules?.rediscover();
    },
    moduleCreated: (uri) => engine?.session?.modules?.added(uri),
    refreshViews: () => {
      tasksTree.refresh();
      schedulesTree.refresh();
    },
    loadMore: (status) => {
      if (!isTaskStatus(status)) throw new UserError(`Load More needs a task status, got ${JSON.stringify(status)}`);
      tasksTree.loadMore(status);
    },
    applyEncryptionKey: () => restartWhenIdle("Encryption key changed", "engine"),
    applyRedisPassword: () => restartWhenIdle("Redis password changed", "engine"),
    extensionUri: context.extensionUri,
    typeScript: () => typeScript.get(),
  };

  const applyApi = () => {
    void api?.apply(settings).catch((err: unknown) => {
      log.error(`HTTP API: ${(err as Error).message}`);
      void vscode.window.showErrorMessage(`Taskflow: ${(err as Error).message}`);
    });
  };
  const handlers = commandHandlers({
    services,
    showDashboard: () => panels.showDashboard(),
    debugRuns: () => {
      if (!debugRuns) throw new UserError(NO_FOLDER);
      if (engine?.forwardedTo) {
        throw new UserError(`Debug Task runs the task in this window's debugger, but this window uses the task database of ${engine.forwardedTo}: debug it there, or close that process and reload this window`);
      }
      if (settings.backend.kind === "redis") {
        throw new UserError(`Debug Task runs the task in this window's debugger, but on the shared queue (${settings.backend.url}) any worker may take the run: set taskflow.backend to "local" to debug it here, or start "taskflow worker" under the debugger`);
      }
      return debugRuns;
    },
    windowApi: () => {
      if (!api) throw new UserError(NO_FOLDER);
      return api;
    },
  });
  for (const [id, handler] of Object.entries(handlers)) {
    context.subscriptions.push(registerCommand(id as keyof typeof handlers, handler, log));
  }

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration("taskflow")) return;
      settings = readSettings();
      refreshCounts();
      tasksTree.setPageSize(settings.pageSize);
      void engine?.session?.modules?.updateSettings(settings.modules, settings.reloadDelayMs)
        .catch((err) => log.error(`Applying taskflow.modules failed: ${(err as Error).message}`));
      if (event.affectsConfiguration("taskflow.api")) applyApi();
      if (event.affectsConfiguration("taskflow.queues")) applyQueues();
      const redisChanged = settings.backend.kind === "redis" && REDIS_SETTINGS.some((key) => event.affectsConfiguration(key));
      if (redisChanged || MANAGER_SETTINGS.some((key) => event.affectsConfiguration(key))) {
        void restartWhenIdle("Settings changed", "engine").catch(() => undefined);
      } else if (RUNTIME_SETTINGS.some((key) => event.affectsConfiguration(key))) {
        void restartWhenIdle("Settings changed", "modules").catch(() => undefined);
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      log.info("Workspace trusted: loading task modules");
      if (engine?.session) void loadModules(engine.session).catch((err) => log.error(`Loading task modules failed: ${String(err)}`));
    }),
  );

  await vscode.commands.executeCommand("setContext", ContextKeys.noFolder, !folder);
  deactivateSession = async () => {
    api?.dispose();
    await engine?.dispose("Taskflow has been deactivated");
  };
  if (engine?.session) {
    await loadModules(engine.session).catch((err) => log.error(`Loading task modules failed: ${(err as Error).stack ?? String(err)}`));
  }
  applyApi();
  await vscode.commands.executeCommand("setContext", ContextKeys.ready, true);
  await updateCounts();
  log.info("Taskflow activated");

  return Object.assign(proxy, {
    taskFunctions: () => catalog,
    onDidChangeTaskFunctions: catalogChanged.event,
    onDidRestartEngine: engineRestarted.event,
    tasksView: () => tasksTree.snapshot(),
    schedulesView: () => schedulesTree.snapshot(),
    database: () => (dbPath ? { path: dbPath, forwardedTo: engine?.forwardedTo } : undefined),
    backend: place,
    terminalEnvironment: () => terminalVariables(context.environmentVariableCollection),
    // The token is left out: it is only given by Copy API URL and Token.
    onDidChangeHttpApi: (listener: (e: { url: string } | undefined) => unknown, thisArgs?: unknown, disposables?: vscode.Disposable[]) =>
      (api?.onDidChange ?? noEvent)((access) => listener.call(thisArgs, access && { url: access.url }), undefined, disposables),
  });
}

export async function deactivate(): Promise<void> {
  await deactivateSession?.();
  deactivateSession = undefined;
}
