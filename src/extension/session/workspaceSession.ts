/**
 * The workspace's engine: the TaskManager on `<storage>/taskflow.sqlite`, and, once the workspace
 * is trusted, a WorkspaceRuntime per workspace folder loading its task modules with the editor's
 * wiring over them. Built at activation and rebuilt when a setting that the manager takes at construction changes;
 * the runtime alone is rebuilt when only one of its own construction settings changes.
 */
import { homedir } from "node:os";
import * as path from "node:path";
import * as vscode from "vscode";
import { BullmqTaskManager } from "../../backends/bullmq/bullmqManager";
import type { AttemptDelegate } from "../../core/attemptDelegate";
import { LocalTaskManager } from "../../engine/localTaskManager";
import { connectionUrl } from "./backendSetting";
import type { CompiledTask } from "../../runtime";
import { logFileOption } from "./logFileSetting";
import type { TaskflowSettings } from "./settings";
import { WorkspaceFolderModules } from "../modules/workspaceFolderModules";

export interface SessionOptions {
  /** The first workspace folder: a relative `taskflow.logFile` is resolved from it. Task modules come from every folder. */
  folder: vscode.WorkspaceFolder;
  /** The workspace's storage folder (`context.storageUri`). */
  storageDir: string;
  /** The extension's `dist` folder (worker.js, taskflow.js, esbuild.wasm). */
  distDir: string;
  /** The settings the manager is built with. */
  settings: TaskflowSettings;
  encryptionKey: string | undefined;
  log: vscode.LogOutputChannel;
  diagnostics: vscode.DiagnosticCollection;
  /** What the database lock names as its holder, for the errors other openers get. @default the engine's default */
  lockOwner?: string;
  /** Runs whose attempt runs elsewhere (Debug Task's debugger). @default none */
  delegateAttempt?: AttemptDelegate;
  /** The Redis password from secret storage, used when `settings.backend` is a Redis URL. */
  redisPassword?: string;
}

/** The manager of a session: the local engine on the workspace's database, or BullMQ on Redis. */
export type SessionManager = LocalTaskManager | BullmqTaskManager;

/** The database file name inside the workspace's storage folder. */
export const DATABASE_FILE = "taskflow.sqlite";

/** The folder inside the workspace's storage folder where compiled modules are written. */
export const MODULE_CACHE_DIR = "modules";

export class WorkspaceSession {
  /** The task modules of every workspace folder, once loaded. */
  modules: WorkspaceFolderModules | undefined;

  private constructor(
    readonly manager: SessionManager,
    private readonly options: SessionOptions,
  ) {}

  /**
   * Opens the store and starts the manager. Task modules are not loaded until `loadModules()`.
   * Rejects with DatabaseLockedError while another process holds the database.
   */
  static async start(options: SessionOptions): Promise<WorkspaceSession> {
    const { settings, log } = options;
    const common = {
      encryptArgsKey: options.encryptionKey,
      maxConcurrentTasks: settings.maxConcurrentTasks,
      maxRecords: settings.maxRecords,
      maxLogLinesPerTask: settings.maxLinesPerTask,
      onOutsideLog: (message: string, level: string) => {
        if (level === "error") log.error(message);
        else if (level === "warning") log.warn(message);
        else if (level === "debug") log.debug(message);
        else log.info(message);
      },
    };
    const { backend } = settings;
    if (backend.kind === "invalid") throw new Error(backend.message);
    if (backend.kind === "redis" && settings.logFile !== "") {
      log.warn("taskflow.logFile is written by the local engine only: on the shared queue, read the runs' logs in Redis (Show Task, taskflow logs --redis)");
    }
    const manager: SessionManager = backend.kind === "redis"
      ? new BullmqTaskManager({
        ...common,
        backend: { type: "bullmq", connection: connectionUrl(backend.url, options.redisPassword), prefix: settings.redisPrefix, worker: settings.redisRunTasks },
      })
      : new LocalTaskManager({
        ...common,
        dbPath: path.join(options.storageDir, DATABASE_FILE),
        lockOwner: options.lockOwner,
        delegateAttempt: options.delegateAttempt,
        logFile: logFileOption(settings.logFile, options.folder.uri.fsPath, homedir()),
      });
    try {
      await manager.start();
    } catch (error) {
      // A manager that did not start (the database is held elsewhere) must not keep anything open.
      await manager.shutdown().catch(() => undefined);
      throw error;
    }
    return new WorkspaceSession(manager, options);
  }

  /**
   * Builds a runtime per workspace folder and loads the task modules (only ever called for a trusted
   * workspace). Resolves once every module found is loaded or diagnosed. `settings` are the current ones: the
   * runtime's own (modules, isolation) may have changed since the manager was built.
   */
  async loadModules(settings: TaskflowSettings = this.options.settings): Promise<WorkspaceFolderModules> {
    if (this.modules) return this.modules;
    const { storageDir, distDir, log, diagnostics } = this.options;
    const modules = new WorkspaceFolderModules({
      manager: this.manager,
      storageDir,
      cacheDirName: MODULE_CACHE_DIR,
      distDir,
      // The manager's own settings (maxConcurrentTasks) are those it was built with; the runtime's (isolation) the current ones.
      settings: { ...settings, maxConcurrentTasks: this.options.settings.maxConcurrentTasks },
      log,
      diagnostics,
    });
    this.modules = modules;
    await modules.start();
    return modules;
  }

  /** Where the registered task `name` runs from, while the task modules are loaded. */
  compiledTask(name: string): CompiledTask | undefined {
    return this.modules?.compiledTask(name);
  }

  /** Unregisters every task module's tasks and stops their workers, so `loadModules()` builds new runtimes. */
  async unloadModules(): Promise<void> {
    const { modules } = this;
    this.modules = undefined;
    await modules?.close();
  }

  /**
   * Whether a task is running, or pending with a registered function (so it will run): a restart
   * waits until none is. Pending tasks of functions no module declares (untrusted workspace, module
   * deleted) would otherwise hold a restart off for ever; they stay pending or are interrupted
   * according to their config, as at any shutdown.
   */
  busy(): boolean {
    // On Redis the queue outlives this window: only attempts running here hold a restart off.
    if ("backend" in this.manager) return this.manager.runningHere() > 0;
    const m = this.manager.metrics();
    if (m.running > 0) return true;
    if (m.pending === 0) return false;
    const registered = new Set(this.manager.registeredTasks().map((t) => t.name));
    return this.manager.listTasks({ status: "pending", limit: m.pending }).some((t) => registered.has(t.funcName));
  }

  /**
   * Shuts the manager down first (running tasks become interrupted, or pending when they allow
   * requeue), then stops the runtime and its workers.
   */
  async dispose(): Promise<void> {
    try {
      await this.manager.shutdown();
    } finally {
      await this.unloadModules();
    }
  }
}
