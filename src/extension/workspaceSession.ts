/**
 * One workspace folder's engine: the TaskManager on `<storage>/taskflow.sqlite`, and, once the
 * workspace is trusted, the runtime's ModuleHost loading its task modules. Built at activation and
 * rebuilt when a setting that the manager takes at construction changes.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { TaskManager } from "../engine";
import { ModuleHost } from "../runtime/moduleHost";
import type { TaskflowSettings } from "./settings";
import { WorkspaceModules } from "./workspaceModules";

export interface SessionOptions {
  folder: vscode.WorkspaceFolder;
  /** The workspace's storage folder (`context.storageUri`). */
  storageDir: string;
  /** The extension's `dist` folder (worker.js, taskflow.js). */
  distDir: string;
  settings: TaskflowSettings;
  encryptionKey: string | undefined;
  log: vscode.LogOutputChannel;
  diagnostics: vscode.DiagnosticCollection;
}

/** The database file name inside the workspace's storage folder. */
export const DATABASE_FILE = "taskflow.sqlite";

export class WorkspaceSession {
  private moduleHost: ModuleHost | undefined;
  modules: WorkspaceModules | undefined;

  private constructor(
    readonly manager: TaskManager,
    private readonly options: SessionOptions,
  ) {}

  /** Opens the store and starts the manager. Task modules are not loaded until `loadModules()`. */
  static async start(options: SessionOptions): Promise<WorkspaceSession> {
    const { settings, log } = options;
    const manager = new TaskManager({
      dbPath: path.join(options.storageDir, DATABASE_FILE),
      encryptArgsKey: options.encryptionKey,
      maxConcurrentTasks: settings.maxConcurrentTasks,
      maxRecords: settings.maxRecords,
      maxLogLinesPerTask: settings.maxLinesPerTask,
      onOutsideLog: (message, level) => {
        if (level === "error") log.error(message);
        else if (level === "warning") log.warn(message);
        else if (level === "debug") log.debug(message);
        else log.info(message);
      },
    });
    await manager.start();
    return new WorkspaceSession(manager, options);
  }

  /** Compiles, loads and watches the task modules (only ever called for a trusted workspace). */
  async loadModules(): Promise<WorkspaceModules> {
    if (this.modules) return this.modules;
    const { folder, storageDir, distDir, settings, log, diagnostics } = this.options;
    this.moduleHost = new ModuleHost({
      manager: this.manager,
      workspaceRoot: folder.uri.fsPath,
      cacheDir: path.join(storageDir, "modules"),
      distDir,
    });
    this.modules = new WorkspaceModules(folder, this.moduleHost, diagnostics, log, settings.modules, settings.reloadDelayMs);
    await this.modules.start();
    return this.modules;
  }

  /**
   * Whether a task is running, or pending with a registered function (so it will run): a restart
   * waits until none is. Pending tasks of functions no module declares (untrusted workspace, module
   * deleted) would otherwise hold a restart off for ever; they stay pending or are interrupted
   * according to their config, as at any shutdown.
   */
  busy(): boolean {
    const m = this.manager.metrics();
    if (m.running > 0) return true;
    if (m.pending === 0) return false;
    const registered = new Set(this.manager.registeredTasks().map((t) => t.name));
    return this.manager.listTasks({ status: "pending", limit: m.pending }).some((t) => registered.has(t.funcName));
  }

  /**
   * Shuts the manager down first (running tasks become interrupted, or pending when they allow
   * requeue), then stops the module host and its workers.
   */
  async dispose(): Promise<void> {
    try {
      await this.manager.shutdown();
    } finally {
      this.modules?.dispose();
      await this.moduleHost?.dispose();
    }
  }
}
