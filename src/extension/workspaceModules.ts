/**
 * Finds the workspace's task modules (the `taskflow.modules` globs, node_modules excluded), keeps the
 * runtime's ModuleHost loading them (reload on save, debounced; add and remove as files come and
 * go), and publishes its problems to the Problems panel and its functions to the catalog.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import { globToRegExp } from "../runtime/discoverModules";
import type { ModuleHost } from "../runtime/moduleHost";
import type { CatalogSnapshot } from "./taskCatalog";

const EXCLUDE = "**/node_modules/**";

function isExcluded(fsPath: string): boolean {
  return fsPath.split(path.sep).includes("node_modules");
}

export class WorkspaceModules implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private watchers: vscode.Disposable[] = [];
  private files = new Set<string>();
  private readonly changed = new vscode.EventEmitter<CatalogSnapshot>();
  /** Fired after every load, reload or removal has been applied. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly folder: vscode.WorkspaceFolder,
    private readonly host: ModuleHost,
    private readonly diagnostics: vscode.DiagnosticCollection,
    private readonly log: vscode.LogOutputChannel,
    private globs: string[],
    private reloadDelayMs: number,
  ) {
    const hostSubscription = host.onDidChange(() => this.publish());
    this.disposables.push(
      { dispose: () => hostSubscription.dispose() },
      vscode.workspace.onDidSaveTextDocument((doc) => this.scheduleReload(doc.uri, "saved")),
      // Files created, deleted or renamed in the editor are reported here at once; the file watcher
      // below catches changes made outside VS Code, sometimes seconds later.
      vscode.workspace.onDidCreateFiles((e) => e.files.forEach((uri) => this.added(uri))),
      vscode.workspace.onDidDeleteFiles((e) => e.files.forEach((uri) => this.removed(uri))),
      vscode.workspace.onDidRenameFiles((e) =>
        e.files.forEach(({ oldUri, newUri }) => {
          this.removed(oldUri);
          this.added(newUri);
        }),
      ),
    );
  }

  /** Discovers the modules, loads them and watches for changes. Resolves once they are loaded. */
  async start(): Promise<void> {
    this.watch();
    await this.rediscover();
  }

  /** Applies changed globs or reload delay. */
  async updateSettings(globs: string[], reloadDelayMs: number): Promise<void> {
    this.reloadDelayMs = reloadDelayMs;
    if (globs.join("\n") === this.globs.join("\n")) return;
    this.globs = globs;
    this.watch();
    await this.rediscover();
  }

  /** Finds every module again and reloads each of them. */
  async rediscover(): Promise<void> {
    const found = await Promise.all(this.globs.map((glob) => vscode.workspace.findFiles(new vscode.RelativePattern(this.folder, glob), EXCLUDE)));
    const files = [...new Set(found.flat().map((uri) => uri.fsPath))].filter((f) => !isExcluded(f)).sort();
    this.log.info(`Task modules: ${files.length === 0 ? "none found" : files.map((f) => path.relative(this.folder.uri.fsPath, f)).join(", ")}`);
    const previous = this.files;
    this.files = new Set(files);
    await this.host.setFiles(files);
    // setFiles keeps modules it already had as they were; reload those so a rediscovery is a fresh look.
    await Promise.all(files.filter((f) => previous.has(f)).map((f) => this.host.reload(f)));
    await this.host.settled();
    this.publish();
  }

  snapshot(): CatalogSnapshot {
    const problems = this.host.diagnostics().map((d) => ({ ...d, modulePath: d.file }));
    return {
      modules: [...this.files],
      functions: this.host.functions(),
      problems,
    };
  }

  private watch(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = this.globs.map((glob) => {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(this.folder, glob));
      watcher.onDidCreate((uri) => this.added(uri));
      watcher.onDidChange((uri) => this.scheduleReload(uri, "changed on disk"));
      watcher.onDidDelete((uri) => this.removed(uri));
      return watcher;
    });
  }

  /** Whether a path matches the module globs (relative to the folder) and is outside node_modules. */
  isModulePath(fsPath: string): boolean {
    const relative = path.relative(this.folder.uri.fsPath, fsPath);
    if (relative.startsWith("..") || path.isAbsolute(relative) || isExcluded(fsPath)) return false;
    const posix = relative.split(path.sep).join("/");
    return this.globs.some((glob) => globToRegExp(glob).test(posix));
  }

  /** Loads a new module file (no-op when it is not one or is already loaded). */
  added(uri: vscode.Uri): void {
    if (this.files.has(uri.fsPath) || !this.isModulePath(uri.fsPath)) return;
    this.files.add(uri.fsPath);
    this.log.info(`Task module added: ${vscode.workspace.asRelativePath(uri)}`);
    void this.host.reload(uri.fsPath);
  }

  private removed(uri: vscode.Uri): void {
    const prefix = uri.fsPath + path.sep;
    // A deleted folder takes every module under it.
    const gone = [...this.files].filter((f) => f === uri.fsPath || f.startsWith(prefix));
    for (const file of gone) {
      this.files.delete(file);
      this.log.info(`Task module removed: ${vscode.workspace.asRelativePath(file)}`);
      this.host.remove(file);
    }
  }

  private scheduleReload(uri: vscode.Uri, why: string): void {
    if (!this.files.has(uri.fsPath)) return;
    this.log.info(`Reloading ${vscode.workspace.asRelativePath(uri)} in ${this.reloadDelayMs} ms (${why})`);
    this.host.scheduleReload(uri.fsPath, this.reloadDelayMs);
  }

  private publish(): void {
    const snapshot = this.snapshot();
    this.log.info(`Task modules loaded: ${snapshot.functions.length} task function(s) in ${snapshot.modules.length} module(s), ${snapshot.problems.length} problem(s)`);
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const problem of snapshot.problems) {
      const line = Math.max(0, problem.line - 1);
      const column = Math.max(0, problem.column - 1);
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(line, column, line, Number.MAX_SAFE_INTEGER),
        problem.message,
        problem.severity === "warning" ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error,
      );
      diagnostic.source = "Taskflow";
      byFile.set(problem.file, [...(byFile.get(problem.file) ?? []), diagnostic]);
    }
    this.diagnostics.clear();
    for (const [file, list] of byFile) this.diagnostics.set(vscode.Uri.file(file), list);
    this.changed.fire(snapshot);
  }

  dispose(): void {
    for (const w of this.watchers) w.dispose();
    for (const d of this.disposables) d.dispose();
    this.diagnostics.clear();
    this.changed.dispose();
  }
}
