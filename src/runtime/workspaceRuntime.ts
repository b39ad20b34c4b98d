import { createHash } from "node:crypto";
import { readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Disposable } from "../model";
import { watchDirectory } from "./directoryWatcher";
import { DEFAULT_MODULE_PATTERNS, SKIPPED_DIRS, discoverModules, globToRegExp } from "./discoverModules";
import { ModuleHost, type ModuleHostOptions, type TaskRegistrar } from "./moduleHost";
import type { CompiledTask, ModuleDiagnostic, TaskFunctionInfo } from "./types";

/** Options of `new WorkspaceRuntime(...)`; the ModuleHost options (isolation, maxWorkers, idleMs...) pass through. */
export interface WorkspaceRuntimeOptions extends Omit<ModuleHostOptions, "manager" | "workspaceRoot" | "cacheDir"> {
  /** Where tasks are registered: a TaskManager. */
  manager: TaskRegistrar;
  /** The workspace folder; module globs are relative to it. */
  root: string;
  /**
   * Which files are task modules: a glob or a list of globs, `/`-separated and relative to `root`
   * (a plain relative path is a glob matching that one file). node_modules and .git are never searched.
   * @default "**\/*.tasks.{ts,mts,cts,js,mjs,cjs}"
   */
  modules?: string | readonly string[];
  /** Reload a module when it changes on disk, load new ones, unload deleted ones. @default false */
  watch?: boolean;
  /** Milliseconds a file must be quiet after a change before it is reloaded (watch mode). @default 300 */
  reloadDelayMs?: number;
  /**
   * Where compiled modules are written. Files the runtime wrote are deleted by dispose(), unless
   * `persistentCache` (pass both, with a folder that outlives the session, to cache across reloads).
   * @default a folder of this process under `os.tmpdir()/taskflow-<hash of root>/`
   */
  cacheDir?: string;
}

/**
 * The task modules of one workspace, found, compiled, registered on a manager and (with `watch`)
 * kept in step with the files: what the extension, the CLI and workers share, without vscode.
 * @example
 * const runtime = new WorkspaceRuntime({ manager, root: "/path/to/workspace", watch: true });
 * await runtime.ready();
 * runtime.tasks(); // [{ name, exportName, file, line, config }]
 */
export class WorkspaceRuntime {
  /** The module host underneath, for its worker events (onWorkerStopped) and counts. */
  readonly host: ModuleHost;
  private readonly root: string;
  private patterns: readonly string[];
  private matchers: RegExp[];
  private readonly files = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private watcher: Disposable | undefined;
  private disposed = false;
  private readonly started: Promise<void>;
  /** The cache folder, when it is this runtime's own default one (removed by dispose). */
  private readonly ownCacheDir: string | undefined;

  constructor(private readonly options: WorkspaceRuntimeOptions) {
    this.root = path.resolve(options.root);
    this.patterns = patternList(options.modules ?? DEFAULT_MODULE_PATTERNS);
    this.matchers = this.patterns.map(globToRegExp);
    const defaultCache = options.cacheDir === undefined;
    const cacheDir = options.cacheDir ?? path.join(cacheRoot(this.root), String(process.pid));
    this.ownCacheDir = defaultCache ? cacheDir : undefined;
    const { manager, root: _root, modules: _modules, watch: _watch, reloadDelayMs: _delay, cacheDir: _cache, ...hostOptions } = options;
    this.host = new ModuleHost({ ...hostOptions, manager, workspaceRoot: this.root, cacheDir });
    this.started = this.start(defaultCache);
    this.started.catch(() => undefined);
  }

  /** Resolves once every module found has been compiled and registered, or diagnosed. */
  ready(): Promise<void> {
    return this.started;
  }

  /** The registered task functions, in module order, then source order. */
  tasks(): TaskFunctionInfo[] {
    return this.host.functions();
  }

  /** Where the registered task `name` runs from (see ModuleHost.compiledTask); undefined when not registered. */
  compiledTask(name: string): CompiledTask | undefined {
    return this.host.compiledTask(name);
  }

  /** Every current problem: compile errors and warnings, load errors, duplicate names. */
  diagnostics(): ModuleDiagnostic[] {
    return this.host.diagnostics();
  }

  /** The task module files loaded, sorted. */
  modules(): string[] {
    return [...this.files].sort();
  }

  /** Fired after every load, reload or removal has been applied; returns `{ dispose() }`. */
  onDidChange(listener: () => void): Disposable {
    return this.host.onDidChange(listener);
  }

  /** Whether `file` (absolute, or relative to the root) is a task module by the `modules` globs. */
  isModulePath(file: string): boolean {
    const relative = path.relative(this.root, path.resolve(this.root, file));
    if (relative.startsWith("..") || path.isAbsolute(relative)) return false;
    const parts = relative.split(path.sep);
    if (parts.some((part) => SKIPPED_DIRS.has(part))) return false;
    return this.matchers.some((m) => m.test(parts.join("/")));
  }

  /**
   * Brings one file up to date now: loads it when it is a module not loaded yet, reloads it when
   * loaded, unloads it when it no longer exists. Other paths are ignored. For editors' save events.
   */
  async reload(file: string): Promise<void> {
    const absolute = path.resolve(this.root, file);
    if (this.disposed || !this.isModulePath(absolute)) return;
    const exists = await stat(absolute).then((s) => s.isFile(), () => false);
    if (exists) {
      this.files.add(absolute);
      await this.host.reload(absolute);
    } else if (this.files.delete(absolute)) {
      this.host.remove(absolute);
      await this.host.settled();
    }
  }

  /** Finds every module again: new ones are loaded, gone ones unloaded, the others reloaded. */
  async rediscover(): Promise<void> {
    if (this.disposed) return;
    const found = await discoverModules(this.root, this.patterns);
    const previous = new Set(this.files);
    this.files.clear();
    found.forEach((f) => this.files.add(f));
    await this.host.setFiles(found);
    // setFiles keeps modules it already had as they were; reload those so a rediscovery is a fresh look.
    await Promise.all(found.filter((f) => previous.has(f)).map((f) => this.host.reload(f)));
    await this.host.settled();
  }

  /**
   * Changes which files are task modules (same form as the `modules` option) and finds them again:
   * modules no glob matches any more are unloaded, newly matched ones loaded. Throws on a malformed glob
   * before anything changes.
   */
  async setModules(modules: string | readonly string[]): Promise<void> {
    const patterns = patternList(modules);
    const matchers = patterns.map(globToRegExp);
    this.patterns = patterns;
    this.matchers = matchers;
    await this.rediscover();
  }

  /** Stops watching, unregisters every task, stops every worker and deletes the compiled files. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.timers.forEach(clearTimeout);
    this.timers.clear();
    await this.started.catch(() => undefined);
    this.watcher?.dispose();
    await this.host.dispose();
    if (this.ownCacheDir) await rm(this.ownCacheDir, { recursive: true, force: true }).catch(() => undefined);
  }

  private async start(defaultCache: boolean): Promise<void> {
    if (defaultCache) await sweepDeadProcessCaches(cacheRoot(this.root));
    // Watching starts first, so a file written while the first discovery runs is not missed.
    if (this.options.watch) this.watcher = await watchDirectory(this.root, (file) => this.changed(file));
    if (this.disposed) return this.watcher?.dispose();
    const found = await discoverModules(this.root, this.patterns);
    found.forEach((f) => this.files.add(f));
    await this.host.setFiles(found);
    await this.host.settled();
  }

  private changed(file: string): void {
    if (this.disposed) return;
    if (this.isModulePath(file)) return this.debounce(file, () => this.reload(file));
    // A directory created, renamed or deleted may hold modules whose own events never came.
    const prefix = file + path.sep;
    const holdsModules = [...this.files].some((f) => f.startsWith(prefix));
    void stat(file).then((s) => s.isDirectory(), () => false).then((isDirectory) => {
      if (isDirectory || holdsModules) this.debounce("", () => this.rediscover());
    });
  }

  private debounce(key: string, action: () => Promise<void>): void {
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      void action().catch(() => undefined);
    }, this.options.reloadDelayMs ?? 300));
  }
}

function patternList(modules: string | readonly string[]): readonly string[] {
  return typeof modules === "string" ? [modules] : [...modules];
}

/** The folder holding the default cache folders of every process working on `root`. */
function cacheRoot(root: string): string {
  return path.join(tmpdir(), `taskflow-${createHash("sha256").update(root).digest("hex").slice(0, 16)}`);
}

/** Deletes the cache folders of processes that are gone (they ended without dispose()). */
async function sweepDeadProcessCaches(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid && !isAlive(Number(n)))
    .map((n) => rm(path.join(dir, n), { recursive: true, force: true }).catch(() => undefined)));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as { code?: string }).code === "EPERM";
  }
}
