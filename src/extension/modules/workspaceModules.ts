/**
 * The editor's side of the workspace's task modules, over a WorkspaceRuntime that finds, compiles and
 * registers them: VS Code's file events (saves, files created, changed, deleted or renamed, in the
 * editor or on disk) become `runtime.reload(file)` calls, debounced by `taskflow.reloadDelayMs`; and
 * after every change the runtime's tasks and diagnostics go to the catalog and the Problems panel.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import type { WorkspaceRuntime } from "../../runtime";
import { catalogSnapshot, moduleActionFor, problemsByFile, type FileEventKind } from "./moduleCatalog";
import type { CatalogSnapshot } from "./taskCatalog";

export class WorkspaceModules implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private watchers: vscode.Disposable[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private disposed = false;
  /** The files this folder's Problems entries are on: the collection is shared with the other folders. */
  private problemFiles: vscode.Uri[] = [];
  private readonly changed = new vscode.EventEmitter<CatalogSnapshot>();
  /** Fired after every load, reload or removal has been applied. */
  readonly onDidChange = this.changed.event;

  /**
   * @param globs the `taskflow.modules` setting, as the runtime was built with: the on-disk watchers follow it.
   * @param reloadDelayMs quiet milliseconds after a file event before the file is reloaded.
   */
  constructor(
    private readonly folder: vscode.WorkspaceFolder,
    private readonly runtime: WorkspaceRuntime,
    private readonly diagnostics: vscode.DiagnosticCollection,
    private readonly log: vscode.LogOutputChannel,
    private globs: string[],
    private reloadDelayMs: number,
  ) {
    const runtimeSubscription = runtime.onDidChange(() => this.publish());
    this.disposables.push(
      { dispose: () => runtimeSubscription.dispose() },
      vscode.workspace.onDidSaveTextDocument((doc) => this.fileEvent("saved", doc.uri)),
      // Files created, deleted or renamed in the editor are reported here at once; the file watchers
      // catch changes made outside VS Code, sometimes seconds later.
      vscode.workspace.onDidCreateFiles((e) => e.files.forEach((uri) => this.fileEvent("created", uri))),
      vscode.workspace.onDidDeleteFiles((e) => e.files.forEach((uri) => this.fileEvent("deleted", uri))),
      vscode.workspace.onDidRenameFiles((e) =>
        e.files.forEach(({ oldUri, newUri }) => {
          this.fileEvent("deleted", oldUri);
          this.fileEvent("created", newUri);
        }),
      ),
    );
    this.watch();
  }

  /** Resolves once the runtime has loaded (or diagnosed) every module it found. */
  async start(): Promise<void> {
    await this.runtime.ready();
    this.logModules();
    this.publish();
  }

  /** Applies a changed `taskflow.modules` or `taskflow.reloadDelayMs`. */
  async updateSettings(globs: string[], reloadDelayMs: number): Promise<void> {
    this.reloadDelayMs = reloadDelayMs;
    if (globs.join("\n") === this.globs.join("\n")) return;
    this.globs = globs;
    this.watch();
    await this.runtime.setModules(globs);
    this.logModules();
  }

  /** Finds every module again and reloads each of them. */
  async rediscover(): Promise<void> {
    await this.runtime.rediscover();
    this.logModules();
  }

  /** Loads a module file just created (New Task Module), without waiting for its file event. */
  added(uri: vscode.Uri): void {
    this.reload(uri.fsPath, "created");
  }

  snapshot(): CatalogSnapshot {
    return catalogSnapshot(this.runtime);
  }

  private watch(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = this.globs.map((glob) => {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(this.folder, glob));
      watcher.onDidCreate((uri) => this.fileEvent("created", uri));
      watcher.onDidChange((uri) => this.fileEvent("changed", uri));
      watcher.onDidDelete((uri) => this.fileEvent("deleted", uri));
      return watcher;
    });
  }

  private fileEvent(kind: FileEventKind, uri: vscode.Uri): void {
    if (this.disposed || uri.scheme !== "file") return;
    const action = moduleActionFor(kind, uri.fsPath, this.runtime, path.sep);
    if (action.kind === "reload") {
      for (const file of action.files) this.debounce(file, kind);
    } else if (action.kind === "scanFolder") {
      void this.scanFolder(uri).catch((err) => this.log.warn(`Could not look for task modules in ${uri.fsPath}: ${String(err)}`));
    }
  }

  /** A folder created or moved in brings its modules along without an event for each. */
  private async scanFolder(uri: vscode.Uri): Promise<void> {
    const stat = await Promise.resolve(vscode.workspace.fs.stat(uri)).catch(() => undefined);
    if (!stat || (stat.type & vscode.FileType.Directory) === 0) return;
    const files = await vscode.workspace.findFiles(new vscode.RelativePattern(uri, "**/*"), "**/node_modules/**");
    for (const file of files) if (this.runtime.isModulePath(file.fsPath)) this.debounce(file.fsPath, "created");
  }

  private debounce(file: string, why: FileEventKind): void {
    if (!this.timers.has(file)) this.log.info(`Reloading ${vscode.workspace.asRelativePath(file)} in ${this.reloadDelayMs} ms (${why})`);
    clearTimeout(this.timers.get(file));
    this.timers.set(file, setTimeout(() => {
      this.timers.delete(file);
      this.reload(file, why);
    }, this.reloadDelayMs));
  }

  private reload(file: string, why: FileEventKind): void {
    if (this.disposed) return;
    void this.runtime.reload(file).catch((err) => this.log.error(`Reloading ${file} (${why}) failed: ${String(err)}`));
  }

  private logModules(): void {
    const files = this.runtime.modules();
    this.log.info(`Task modules: ${files.length === 0 ? "none found" : files.map((f) => path.relative(this.folder.uri.fsPath, f)).join(", ")}`);
  }

  private publish(): void {
    if (this.disposed) return;
    const snapshot = this.snapshot();
    this.log.info(`Task modules loaded: ${snapshot.functions.length} task function(s) in ${snapshot.modules.length} module(s), ${snapshot.problems.length} problem(s)`);
    this.clearProblems();
    for (const [file, entries] of problemsByFile(snapshot.problems)) {
      const uri = vscode.Uri.file(file);
      this.problemFiles.push(uri);
      this.diagnostics.set(uri, entries.map((entry) => {
        const diagnostic = new vscode.Diagnostic(
          new vscode.Range(entry.line, entry.column, entry.line, Number.MAX_SAFE_INTEGER),
          entry.message,
          entry.severity === "warning" ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error,
        );
        diagnostic.source = "Taskflow";
        return diagnostic;
      }));
    }
    this.changed.fire(snapshot);
  }

  /** Stops forwarding events and clears the Problems entries; the runtime is its owner's to dispose. */
  dispose(): void {
    this.disposed = true;
    this.timers.forEach(clearTimeout);
    this.timers.clear();
    for (const w of this.watchers) w.dispose();
    for (const d of this.disposables) d.dispose();
    this.clearProblems();
    this.changed.dispose();
  }

  private clearProblems(): void {
    for (const uri of this.problemFiles.splice(0)) this.diagnostics.delete(uri);
  }
}
