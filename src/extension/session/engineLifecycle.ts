/**
 * The window's task engine over its life: started at activation, its task modules loaded once the
 * workspace is trusted, restarted when a setting or a secret it was built with changes (once no
 * task is pending or running), retried while the shared queue's Redis is out of reach, and closed
 * at deactivation.
 */
import * as vscode from "vscode";
import { ContextKeys } from "../commands/commandIds";
import type { DebugRuns } from "../commands/debugRuns";
import { ENCRYPTION_KEY_SECRET, REDIS_PASSWORD_SECRET } from "../commands/services";
import { applyTerminalBackend } from "../api/terminalEnvironment";
import { EMPTY_CATALOG, type CatalogState } from "../modules/catalogState";
import { catalogFromRegistered } from "../modules/taskCatalog";
import type { StatusPlace } from "../views/statusBar";
import type { TaskViews } from "../views/taskViews";
import type { ManagerProxy } from "./managerProxy";
import { QueueSettingsApplier } from "./queueSettings";
import { MANAGER_SETTINGS, REDIS_SETTINGS, RUNTIME_SETTINGS, type TaskflowSettings } from "./settings";
import { SharedQueueMonitor } from "./sharedQueueMonitor";
import { SHARED_FUNCTIONS_REFRESH_MS, sharedFunctions } from "./sharedQueueFunctions";
import { WindowEngine } from "./windowEngine";
import type { WorkspaceSession } from "./workspaceSession";

/** What a restart replaces: the manager and the runtime, or only the runtime that loads the task modules. */
export type RestartScope = "engine" | "modules";

export interface EngineLifecycleOptions {
  context: vscode.ExtensionContext;
  /** The workspace folder; undefined with no folder open (there is then no engine). */
  folder: vscode.WorkspaceFolder | undefined;
  /** The workspace's database, `<storage>/taskflow.sqlite`; undefined with no storage folder. */
  dbPath: string | undefined;
  /** The extension's `dist` folder (the runtime's worker and the CLI). */
  distDir: string;
  proxy: ManagerProxy;
  /** The settings as they are now. */
  settings(): TaskflowSettings;
  views: TaskViews;
  catalog: CatalogState;
  /** Where Debug Task's attempts are delegated; undefined with no folder. */
  debugRuns: DebugRuns | undefined;
  log: vscode.LogOutputChannel;
  /** Where module problems are shown. */
  diagnostics: vscode.DiagnosticCollection;
}

export class EngineLifecycle implements vscode.Disposable {
  /** The window's engine; undefined with no folder or no storage folder. */
  readonly engine: WindowEngine | undefined;
  private readonly monitor: SharedQueueMonitor | undefined;
  private readonly queueSettings: QueueSettingsApplier;
  private readonly restarted = new vscode.EventEmitter<void>();
  /** Fired when the engine, or only its modules' runtime, was replaced and is ready again. */
  readonly onDidRestart = this.restarted.event;
  /** A restart waiting for no task to be pending or running: of the whole engine, or of the module runtime only. */
  private pendingRestart: RestartScope | undefined;
  private restarts: Promise<void> = Promise.resolve();
  private readonly disposables: vscode.Disposable[] = [];
  /** What the Task Functions view was last given of the shared queue, as JSON ("" off it). */
  private sharedShown = "";

  constructor(private readonly options: EngineLifecycleOptions) {
    const { context, folder, dbPath, distDir, proxy, settings, views, debugRuns, log, diagnostics } = options;
    const storageUri = context.storageUri;
    this.engine = folder && storageUri && dbPath
      ? new WindowEngine({
          proxy,
          dbPath,
          log,
          sessionOptions: async () => ({
            folder,
            storageDir: storageUri.fsPath,
            distDir,
            settings: settings(),
            encryptionKey: await context.secrets.get(ENCRYPTION_KEY_SECRET),
            redisPassword: await context.secrets.get(REDIS_PASSWORD_SECRET),
            log,
            diagnostics,
            delegateAttempt: debugRuns?.delegate,
          }),
        })
      : undefined;
    this.disposables.push(this.restarted, proxy.onDidChangeRegistry(() => this.forwardedCatalog()));
    this.queueSettings = new QueueSettingsApplier((problems) => {
      for (const problem of problems) log.warn(problem);
      void vscode.window.showWarningMessage(vscode.l10n.t("Taskflow: {0} queue setting(s) not applied: {1}", problems.length, problems[0]));
    });
    this.monitor = this.engine
      ? new SharedQueueMonitor({
          engine: this.engine,
          settings,
          views: [views.tasksView, views.schedulesView],
          log,
          changed: () => {
            views.refresh();
            views.refreshCounts();
          },
          reopen: async () => {
            await this.openSession();
            this.restarted.fire();
          },
        })
      : undefined;
    if (this.monitor) this.disposables.push(this.monitor);
    if (this.engine) this.disposables.push(this.engine.onDidLoseHolder((holder) => void this.takeOver(holder)));
    // Worker counts change with no registry event (a second worker of a known function): read them again now and then.
    const sharedTimer = setInterval(() => this.showSharedFunctions(), SHARED_FUNCTIONS_REFRESH_MS);
    this.disposables.push(
      { dispose: () => clearInterval(sharedTimer) },
      proxy.onDidChangeRegistry(() => this.showSharedFunctions()),
      options.catalog.onDidChange(() => this.showSharedFunctions()),
    );
  }

  /** Gives the Task Functions view the shared queue's workers and their functions (or nothing off the shared queue), when they changed. */
  private showSharedFunctions(): void {
    const { proxy, folder, catalog, views } = this.options;
    const onShared = folder !== undefined && proxy.attached && this.engine?.backend?.kind === "redis";
    const shared = onShared ? sharedFunctions(proxy.registeredTasks(), catalog.current, folder.uri.fsPath) : undefined;
    const shown = shared ? JSON.stringify([[...shared.workers], shared.others]) : "";
    if (shown === this.sharedShown) return;
    this.sharedShown = shown;
    views.functionsTree.updateShared(shared);
  }

  /** Who holds the database while this window forwards to it, else undefined. */
  get forwardedTo(): string | undefined {
    return this.engine?.forwardedTo;
  }

  /** The open session while this window holds the database or is on the shared queue. */
  get session(): WorkspaceSession | undefined {
    return this.engine?.session;
  }

  /** Where the window's tasks are now, as the status bar and the API say. */
  place(): StatusPlace {
    return this.monitor?.place(this.engine?.forwardedTo) ?? { kind: "local" };
  }

  /** Why a command cannot reach the shared queue now, or undefined when it can (or the backend is local). */
  unavailable(): string | undefined {
    return this.monitor?.unavailable();
  }

  /** Starts the engine; a failure is reported (and retried on Redis), never thrown. */
  start(): Promise<void> {
    return this.startEngine().catch((err) => this.reportStartFailure(err));
  }

  /** Loads the task modules of the session that activation opened; a failure is logged. */
  async loadInitialModules(): Promise<void> {
    const session = this.engine?.session;
    if (session) await this.loadModules(session).catch((err) => this.options.log.error(`Loading task modules failed: ${(err as Error).stack ?? String(err)}`));
  }

  /** The workspace became trusted: its task modules may load now. */
  trustGranted(): void {
    this.options.log.info("Workspace trusted: loading task modules");
    const session = this.engine?.session;
    if (session) void this.loadModules(session).catch((err) => this.options.log.error(`Loading task modules failed: ${String(err)}`));
  }

  /** A task changed status: a restart that waited for the engine to be idle may go now. */
  taskChanged(): void {
    if (this.pendingRestart) void this.restartWhenIdle("Settings changed").catch(() => undefined);
  }

  /** Applies the changed `taskflow.*` settings that the engine, its modules or its queues take. */
  settingsChanged(event: vscode.ConfigurationChangeEvent): void {
    const settings = this.options.settings();
    void this.engine?.session?.modules?.updateSettings(settings.reloadDelayMs)
      .catch((err) => this.options.log.error(`Applying taskflow.modules failed: ${(err as Error).message}`));
    if (event.affectsConfiguration("taskflow.queues")) this.applyQueues();
    const redisChanged = settings.backend.kind === "redis" && REDIS_SETTINGS.some((key) => event.affectsConfiguration(key));
    if (redisChanged || MANAGER_SETTINGS.some((key) => event.affectsConfiguration(key))) {
      void this.restartWhenIdle("Settings changed", "engine").catch(() => undefined);
    } else if (RUNTIME_SETTINGS.some((key) => event.affectsConfiguration(key))) {
      void this.restartWhenIdle("Settings changed", "modules").catch(() => undefined);
    }
  }

  /**
   * Replaces the manager and the runtime (`"engine"`: settings the manager takes at construction
   * changed), or only the runtime (`"modules"`), once no task is pending or running; with no scope,
   * applies the restart that is pending, if any. Restarts run one after the other, so a setting changed
   * during one is applied by the next.
   */
  restartWhenIdle(reason: string, scope?: RestartScope): Promise<void> {
    return this.queueRestart(() => this.restartNow(reason, scope));
  }

  /** Runs `step` after the restarts queued before it; a failure is logged, and the returned promise rejects with it. */
  private queueRestart(step: () => Promise<void>): Promise<void> {
    this.restarts = this.restarts.then(step);
    const done = this.restarts;
    this.restarts = this.restarts.catch((err) => this.options.log.error(`Restart failed: ${String(err)}`));
    return done;
  }

  /** Closes the engine and its local endpoint (deactivation). */
  async close(reason: string): Promise<void> {
    await this.engine?.dispose(reason);
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }

  private async restartNow(reason: string, requested: RestartScope | undefined): Promise<void> {
    const { engine, options: { proxy, log, catalog } } = this;
    const scope = this.pendingRestart === "engine" ? "engine" : (requested ?? this.pendingRestart);
    const session = engine?.session;
    // An engine that did not start (Redis out of reach, a bad setting) starts anew with the new settings.
    if (engine && !session && !proxy.attached && scope === "engine") {
      this.pendingRestart = undefined;
      await this.openSession().catch((err) => this.reportStartFailure(err));
      this.restarted.fire();
      return;
    }
    if (!engine || !session || !scope) return;
    if (engine.busy()) {
      if (!this.pendingRestart) log.info(`${reason}: applied once no task is pending or running`);
      this.pendingRestart = scope;
      return;
    }
    this.pendingRestart = undefined;
    if (scope === "modules") {
      log.info(`${reason}: reloading the task modules`);
      await session.unloadModules();
      catalog.set(EMPTY_CATALOG);
      await this.loadModules(session);
      this.restarted.fire();
      return;
    }
    log.info(`${reason}: restarting the task engine`);
    await engine.close(vscode.l10n.t("Taskflow is restarting its task engine: try again in a moment"));
    catalog.set(EMPTY_CATALOG);
    // Another process may take the database in the gap: the window then forwards to it, or says who holds it.
    await this.openSession().catch((err) => this.reportStartFailure(err));
    this.restarted.fire();
  }

  /**
   * The process this window forwarded to no longer holds the database: open it again, which takes it
   * over (or forwards to whoever took it first). Queued with the restarts, so neither runs over the other.
   */
  private takeOver(holder: string): Promise<void> {
    const { engine, options: { log, catalog } } = this;
    if (!engine) return Promise.resolve();
    return this.queueRestart(async () => {
      if (!engine.forwardedTo) return;
      log.info(`${holder} no longer holds the task database: this window takes it over`);
      await engine.close(vscode.l10n.t("{0} stopped: Taskflow is taking over the task database, try again in a moment", holder));
      catalog.set(EMPTY_CATALOG);
      await this.openSession().catch((err) => this.reportStartFailure(err));
      this.restarted.fire();
    }).catch(() => undefined);
  }

  private async startEngine(): Promise<void> {
    const { engine, monitor, options: { context, proxy, settings, views, dbPath, log } } = this;
    if (!engine) return;
    monitor?.cancelRetry();
    const current = settings();
    const { backend } = current;
    void vscode.commands.executeCommand("setContext", ContextKeys.sharedQueue, backend.kind === "redis");
    applyTerminalBackend(context.environmentVariableCollection, backend.kind === "redis" ? { url: backend.url, prefix: current.redisPrefix } : undefined);
    await engine.open();
    monitor?.started();
    this.applyQueues();
    views.setManager(proxy);
    this.forwardedCatalog();
    views.refreshCounts();
    if (!engine.forwardedTo) log.info(`Task history: ${dbPath}`);
  }

  private async openSession(): Promise<void> {
    await this.startEngine();
    if (this.engine?.session) await this.loadModules(this.engine.session);
  }

  private async loadModules(session: WorkspaceSession): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      this.options.log.info("Restricted Mode: task modules are code, so none is compiled or run until the workspace is trusted");
      return;
    }
    const { catalog } = this.options;
    const modules = await session.loadModules(this.options.settings());
    this.disposables.push(modules.onDidChange((snapshot) => catalog.set(snapshot)));
    catalog.set(modules.snapshot());
  }

  /** The catalog of a window that forwards: the holder's registered functions. */
  private forwardedCatalog(): void {
    const { folder, proxy, catalog } = this.options;
    if (folder && this.engine?.forwardedTo) catalog.set(catalogFromRegistered(proxy.registeredTasks(), folder.uri.fsPath));
  }

  private applyQueues(): void {
    const { proxy, log } = this.options;
    void this.queueSettings.apply(proxy, vscode.workspace.getConfiguration("taskflow").get("queues"))
      .catch((err) => log.error(`Applying taskflow.queues failed: ${String(err)}`));
  }

  private reportStartFailure(err: unknown): void {
    const { proxy, log, views } = this.options;
    const error = err instanceof Error ? err : new Error(String(err));
    proxy.attach(undefined, vscode.l10n.t("Taskflow's task engine did not start: {0}", error.message));
    log.error(`Taskflow could not start its task engine: ${error.stack ?? error.message}`);
    const retrying = this.monitor?.startFailed(error) ?? false;
    void vscode.window.showErrorMessage(retrying
      ? vscode.l10n.t("Taskflow could not start its task engine: {0} (retrying)", error.message)
      : vscode.l10n.t("Taskflow could not start its task engine: {0}", error.message));
    views.refreshCounts();
  }
}
