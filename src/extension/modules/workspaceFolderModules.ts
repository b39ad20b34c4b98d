/**
 * The task modules of every folder of the workspace: one WorkspaceRuntime (and its WorkspaceModules
 * wiring) per folder, each with that folder's `taskflow.modules`, all registering on the session's
 * one manager with names unique across the workspace (SharedTaskNames). Folders added to or removed
 * from the workspace are loaded or unloaded as they come; the catalog is the folders' catalogs in
 * workspace order.
 */
import { createHash } from "node:crypto";
import * as path from "node:path";
import * as vscode from "vscode";
import { WorkspaceRuntime, type CompiledTask, type TaskRegistrar } from "../../runtime";
import { readSettings, type TaskflowSettings } from "../session/settings";
import { SharedTaskNames, type FolderRegistrar } from "./sharedTaskNames";
import type { CatalogSnapshot } from "./taskCatalog";
import { WorkspaceModules } from "./workspaceModules";

export interface WorkspaceFolderModulesOptions {
  /** Where every folder's tasks are registered: the session's manager. */
  manager: TaskRegistrar;
  /** The workspace's storage folder (`context.storageUri`): compiled modules are cached below it, per folder. */
  storageDir: string;
  /** The folder inside `storageDir` holding the first folder's compiled modules; other folders get `<cacheDirName>-<hash of their path>`. */
  cacheDirName: string;
  /** The extension's `dist` folder (worker.js, taskflow.js, esbuild.wasm). */
  distDir: string;
  /** The settings the runtimes are built with (isolation, maxConcurrentTasks, reloadDelayMs); `modules` is read per folder. */
  settings: TaskflowSettings;
  log: vscode.LogOutputChannel;
  diagnostics: vscode.DiagnosticCollection;
}

interface FolderEntry {
  folder: vscode.WorkspaceFolder;
  registrar: FolderRegistrar;
  runtime: WorkspaceRuntime;
  modules: WorkspaceModules;
  subscription: vscode.Disposable;
}

export class WorkspaceFolderModules {
  private readonly names: SharedTaskNames;
  /** By folder URI. */
  private readonly entries = new Map<string, FolderEntry>();
  /** Folders are added and removed one at a time, in the order the events came. */
  private queue: Promise<void> = Promise.resolve();
  private reloadDelayMs: number;
  private closed = false;
  private readonly changed = new vscode.EventEmitter<CatalogSnapshot>();
  /** Fired after a load, reload or removal in any folder, and after a folder was added or removed. */
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly options: WorkspaceFolderModulesOptions) {
    this.names = new SharedTaskNames(options.manager);
    this.reloadDelayMs = options.settings.reloadDelayMs;
    this.subscription = vscode.workspace.onDidChangeWorkspaceFolders((event) => {
      void this.enqueue(async () => {
        for (const folder of event.removed) await this.remove(folder);
        for (const folder of event.added) await this.add(folder);
      }).catch((err) => options.log.error(`Loading the task modules of the changed workspace folders failed: ${String(err)}`));
    });
  }

  /**
   * Loads every folder's modules, one folder after the other in workspace order, so that a name
   * declared in two folders goes to the first folder. Resolves once each is loaded or diagnosed.
   */
  start(): Promise<void> {
    return this.enqueue(async () => {
      for (const folder of vscode.workspace.workspaceFolders ?? []) await this.add(folder);
    });
  }

  /** The folders' catalogs together, in workspace order. */
  snapshot(): CatalogSnapshot {
    const index = (entry: FolderEntry) => vscode.workspace.getWorkspaceFolder(entry.folder.uri)?.index ?? entry.folder.index;
    const entries = [...this.entries.values()].sort((a, b) => index(a) - index(b));
    const snapshots = entries.map((entry) => entry.modules.snapshot());
    return {
      modules: snapshots.flatMap((s) => s.modules),
      functions: snapshots.flatMap((s) => s.functions),
      problems: snapshots.flatMap((s) => s.problems),
    };
  }

  /** Applies a changed `taskflow.modules` (read per folder) or `taskflow.reloadDelayMs`. */
  updateSettings(reloadDelayMs: number): Promise<void> {
    this.reloadDelayMs = reloadDelayMs;
    return this.enqueue(async () => {
      for (const entry of this.entries.values()) await entry.modules.updateSettings(readSettings(entry.folder.uri).modules, reloadDelayMs);
    });
  }

  /** Finds every module of every folder again and reloads each of them. */
  rediscover(): Promise<void> {
    return this.enqueue(async () => {
      for (const entry of this.entries.values()) await entry.modules.rediscover();
    });
  }

  /** Loads a module file just created (New Task Module) in the folder it is in, without waiting for its file event. */
  added(uri: vscode.Uri): void {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (folder) this.entries.get(folder.uri.toString())?.modules.added(uri);
  }

  /** Where the registered task `name` runs from, in whichever folder declares it. */
  compiledTask(name: string): CompiledTask | undefined {
    for (const entry of this.entries.values()) {
      const compiled = entry.runtime.compiledTask(name);
      if (compiled) return compiled;
    }
    return undefined;
  }

  /** Unloads every folder's modules: their tasks are unregistered and their workers stopped. */
  close(): Promise<void> {
    this.closed = true;
    this.subscription.dispose();
    const closing = this.enqueue(async () => {
      for (const entry of [...this.entries.values()]) await this.remove(entry.folder);
    });
    return closing.finally(() => this.changed.dispose());
  }

  private async add(folder: vscode.WorkspaceFolder): Promise<void> {
    const key = folder.uri.toString();
    if (this.closed || folder.uri.scheme !== "file" || this.entries.has(key)) return;
    const { storageDir, cacheDirName, distDir, settings, log, diagnostics } = this.options;
    const globs = readSettings(folder.uri).modules;
    const registrar = this.names.forFolder({ name: folder.name, root: folder.uri.fsPath }, (file) => {
      void runtime.reload(file).catch((err) => log.error(`Reloading ${file} failed: ${String(err)}`));
    });
    const runtime: WorkspaceRuntime = new WorkspaceRuntime({
      manager: registrar,
      root: folder.uri.fsPath,
      modules: globs,
      cacheDir: path.join(storageDir, folder.index === 0 ? cacheDirName : `${cacheDirName}-${folderKey(folder.uri.fsPath)}`),
      // The storage folder outlives the window: a reload with unchanged modules compiles nothing and
      // lists their tasks from the records beside the outputs.
      persistentCache: true,
      distDir,
      // The manager never runs more than this at once, so more warm workers per module would only idle.
      maxWorkers: settings.maxConcurrentTasks,
      isolation: settings.isolation,
      // VS Code's own file events drive reloads (WorkspaceModules); a second watcher would double them.
      watch: false,
    });
    const modules = new WorkspaceModules(folder, runtime, diagnostics, log, globs, this.reloadDelayMs);
    const subscription = modules.onDidChange(() => this.publish());
    this.entries.set(key, { folder, registrar, runtime, modules, subscription });
    await modules.start();
  }

  private async remove(folder: vscode.WorkspaceFolder): Promise<void> {
    const key = folder.uri.toString();
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    entry.subscription.dispose();
    entry.modules.dispose();
    entry.registrar.dispose();
    await entry.runtime.dispose();
    this.options.log.info(`Task modules of the workspace folder ${folder.name} unloaded`);
    this.publish();
  }

  private publish(): void {
    if (!this.closed) this.changed.fire(this.snapshot());
  }

  private enqueue(operation: () => Promise<void>): Promise<void> {
    const next = this.queue.then(operation);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** A short, stable name for a folder's module cache. */
function folderKey(folderPath: string): string {
  return createHash("sha256").update(folderPath).digest("hex").slice(0, 12);
}
