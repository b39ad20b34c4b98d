import { AsyncResource } from "node:async_hooks";
import path from "node:path";
import type { ResourceLimits, Worker } from "node:worker_threads";
import { currentTaskScope, taskLog } from "../core/taskContext";
import type { Disposable, LogLevel, TaskConfig, TaskFunction } from "../model";
import type { CompileResult, EsbuildApi } from "./compileModule";
import { ModuleCompiler } from "./moduleCompiler";
import { leftWorkspace, planRegistrations, type ModuleState, type PlannedRegistration } from "./registrationPlan";
import type { RunContext } from "./workerProtocol";
import { declaredTasks, loadDiagnostic } from "./declaredTasksCache";
import { runTaskWorker } from "./runTaskWorker";
import { engineAttemptCalls } from "./attemptCalls";
import { ScopeRunRequest } from "./scopeRunRequest";
import { ModulePools, type WorkerStoppedEvent } from "./modulePools";
import type { CompiledTask, ModuleDiagnostic, TaskFunctionInfo } from "./types";

/** The part of TaskManager the host uses. */
export interface TaskRegistrar {
  task(fn: TaskFunction, config: TaskConfig, options?: { source?: string; line?: number }): unknown;
  /** `dropModuleSchedule`: the task left the workspace, so the schedule its config declared goes too. */
  unregisterTask(name: string, options?: { dropModuleSchedule?: boolean }): unknown;
}

/** Options of `new ModuleHost(...)`. */
export interface ModuleHostOptions {
  manager: TaskRegistrar;
  /** Absolute path; esbuild resolves from here and diagnostics may point anywhere below it. */
  workspaceRoot: string;
  /**
   * Where compiled modules and the compile cache's index are written (created when missing). A module
   * whose source and bundled local files are unchanged since it was compiled into this folder reuses
   * that output instead of being compiled again.
   */
  cacheDir: string;
  /**
   * Keep the compiled modules and the index at dispose(), so the next host on the same cacheDir (the
   * window reloaded) compiles only what changed. Without it, dispose() deletes the files this host
   * used. Either way, files nothing refers to are swept once they are an hour old.
   * @default false
   */
  persistentCache?: boolean;
  /** Directory holding worker.js and taskflow.js. @default the directory of this bundle (dist/) */
  distDir?: string;
  /** Milliseconds a module's top level may run while its tasks are listed. @default 10000 */
  loadTimeoutMs?: number;
  /** Milliseconds a cancelled or timed-out task gets to react to its signal before its worker is terminated. @default 1000 */
  cancelGraceMs?: number;
  /** Heap limits of each task worker. @default Node's defaults */
  workerResourceLimits?: ResourceLimits;
  /**
   * Where attempts run. `"warm"`: on a pool of worker threads per module version, each of which loads
   * the module once and then runs attempt after attempt (a no-op attempt costs well under a
   * millisecond). `"fresh"`: every attempt in a new worker thread that loads the module anew
   * (about 100 ms of CPU each), for tasks that need a clean slate.
   *
   * What a module keeps at its top level between runs, with `"warm"`: module-level state (a counter,
   * a cache, an open connection) lives as long as its worker. Runs on the same worker share it; runs
   * on other workers of the pool have their own; it is lost when the module is reloaded with changed
   * code, when the worker crashes or is stopped after a cancel, and when an idle worker is reaped. So
   * a task must not rely on it either way: neither that it is there nor that it is fresh.
   * @default "warm"
   */
  isolation?: "warm" | "fresh";
  /** Warm workers per module version at most (the extension and the CLI pass the manager's maxConcurrentTasks). @default 4 */
  maxWorkers?: number;
  /** Milliseconds a warm worker may sit idle before it is terminated. @default 30000 */
  idleMs?: number;
  /**
   * Milliseconds a warm worker's current attempt may have been running for the next attempt to be
   * sent to wait behind it (while attempts are short); one still waiting when the attempt before has
   * run about this long goes to another worker. 0: one attempt per worker at a time. See
   * WorkerPoolOptions.queueMs. @default 5
   */
  queueMs?: number;
  /** Warm workers busy at once before attempts queue behind others. See WorkerPoolOptions.spreadWorkers. @default os.availableParallelism() */
  spreadWorkers?: number;
  /**
   * An esbuild API to compile with in this thread (tests pass the native `esbuild`).
   * @default esbuild-wasm in a compiler worker thread, with the WebAssembly file `distDir/esbuild.wasm`
   */
  esbuild?: EsbuildApi;
}

/**
 * Loads workspace task modules and keeps the manager's registrations in step with them. Each module is
 * compiled with esbuild, its top level is run in a worker to list its tasks, and every task is
 * registered as a proxy that runs each attempt on the code of the module version it was registered
 * from (so a run started before a reload finishes on the old code): on a warm worker of that
 * version's pool, or in a fresh worker (see ModuleHostOptions.isolation).
 *
 * Duplicate names: the module loaded first keeps the name; the later one gets an error diagnostic on
 * the declaring line and only that task is left unregistered. A module that fails to compile or
 * throws at load registers nothing and gets a diagnostic; other modules are unaffected.
 */
export class ModuleHost {
  private readonly modules = new Map<string, ModuleState>();
  private readonly registered = new Map<string, PlannedRegistration>();
  private registrationDiagnostics: ModuleDiagnostic[] = [];
  /** Unregistered tasks whose module schedule waits to learn whether they left: task name to module file. */
  private readonly schedulesHeld = new Map<string, string>();
  private readonly listeners = new Set<() => void>();
  private readonly workers = new Set<Worker>();
  private readonly pools: ModulePools;
  private idleWaiters: Array<() => void> = [];
  private readonly reloadTimers = new Map<string, NodeJS.Timeout>();
  private queue: Promise<void> = Promise.resolve();
  private readonly compiler: ModuleCompiler;
  private disposed = false;
  private swept: Promise<number> | undefined;
  private readonly distDir: string;
  private readonly workspaceRoot: string;

  constructor(private readonly options: ModuleHostOptions) {
    this.distDir = path.resolve(options.distDir ?? __dirname);
    this.workspaceRoot = path.resolve(options.workspaceRoot);
    this.compiler = new ModuleCompiler({
      workspaceRoot: this.workspaceRoot,
      cacheDir: options.cacheDir,
      distDir: this.distDir,
      esbuild: options.esbuild,
      persistentCache: options.persistentCache,
      onWarning: (message) => taskLog(message, { level: "warning" }),
    });
    this.pools = new ModulePools({
      workerPath: path.join(this.distDir, "worker.js"),
      maxWorkers: options.maxWorkers,
      idleMs: options.idleMs,
      queueMs: options.queueMs,
      spreadWorkers: options.spreadWorkers,
      cancelGraceMs: options.cancelGraceMs,
      resourceLimits: options.workerResourceLimits,
      // Bound here, outside any task: a line no attempt owns must not land in the task that happens to be running.
      onOutsideLog: AsyncResource.bind((message: string, level: LogLevel) => taskLog(message, { level })),
      track: (worker) => this.track(worker),
    });
  }

  /**
   * Deletes compiled files in the cache dir that neither this host nor the cache index refers to (a
   * previous session crashed before dispose, or a module was compiled again since). Only files older
   * than `olderThanMs` go, so a host sharing the dir keeps the ones it uses.
   * Called once by the first load; returns how many files were deleted.
   */
  async sweepCache(olderThanMs = 60 * 60 * 1000): Promise<number> {
    return this.compiler.sweep(olderThanMs);
  }

  /**
   * Starts the esbuild-wasm compiler process if not running (a session whose modules all came from the
   * cache has not), for when a compile is likely soon: a task module has unsaved edits.
   */
  prepareCompiler(): void {
    if (!this.disposed) this.compiler.prepare();
  }

  /** Makes the loaded set exactly `files`: loads new ones, unloads the ones no longer listed. */
  setFiles(files: string[]): Promise<void> {
    return this.enqueue(async () => {
      const wanted = new Set(files.map((f) => path.resolve(f)));
      for (const file of [...this.modules.keys()]) if (!wanted.has(file)) this.modules.delete(file);
      const added = [...wanted].filter((f) => !this.modules.has(f)).sort();
      for (const file of added) this.modules.set(file, { file, version: 0, tasks: [], diagnostics: [] });
      await Promise.all(added.map((file) => this.load(file)));
    });
  }

  /**
   * Compiles and loads `file` again (adding it when new); its tasks are re-registered. A module whose
   * compiled output comes out the same (saved without edits) keeps its tasks and its warm workers as
   * they are, without its top level being run again.
   */
  reload(file: string): Promise<void> {
    const absolute = path.resolve(file);
    return this.enqueue(async () => {
      if (!this.modules.has(absolute)) this.modules.set(absolute, { file: absolute, version: 0, tasks: [], diagnostics: [] });
      await this.load(absolute);
    });
  }

  /** Debounced reload: calls within `delayMs` of each other for the same file reload it once. */
  scheduleReload(file: string, delayMs: number): void {
    const absolute = path.resolve(file);
    clearTimeout(this.reloadTimers.get(absolute));
    this.reloadTimers.set(absolute, setTimeout(() => {
      this.reloadTimers.delete(absolute);
      void this.reload(absolute).catch(() => undefined);
    }, delayMs));
  }

  /** Unloads `file`: its tasks are unregistered and its diagnostics cleared. */
  remove(file: string): void {
    const absolute = path.resolve(file);
    void this.enqueue(async () => {
      this.modules.delete(absolute);
    });
  }

  /** The registered task functions, in module load order. */
  functions(): TaskFunctionInfo[] {
    return [...this.registered.values()].map((r) => ({
      name: r.name,
      exportName: r.exportName,
      file: r.file,
      line: r.line,
      config: { ...r.config },
    }));
  }

  /** Where the registered task `name` runs from: its compiled module (in the compile cache), source and export; undefined when not registered. */
  compiledTask(name: string): CompiledTask | undefined {
    const r = this.registered.get(name);
    return r && { name: r.name, exportName: r.exportName, sourcePath: r.file, compiledPath: r.outputPath };
  }

  /** Every current problem: compile errors and warnings, load errors, duplicate names. */
  diagnostics(): ModuleDiagnostic[] {
    return [...[...this.modules.values()].flatMap((m) => m.diagnostics), ...this.registrationDiagnostics];
  }

  /** Fired after every load, reload or remove has been applied. */
  onDidChange(listener: () => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Fired after a warm worker has stopped, with why (reaped when idle, crashed, replaced after a cancel...). */
  onWorkerStopped(listener: (event: WorkerStoppedEvent) => void): Disposable {
    return this.pools.onWorkerStopped(listener);
  }

  /** Workers currently running a task or loading a module (idle warm workers are not counted). */
  runningWorkers(): number {
    return this.workers.size;
  }

  /** Warm worker threads alive, idle or busy, across every module version. */
  warmWorkers(): number {
    return this.pools.size();
  }

  /** Resolves once no worker is running (at once when none is). */
  whenIdle(): Promise<void> {
    if (this.workers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves when every queued load, reload and remove has been applied. */
  settled(): Promise<void> {
    return this.queue;
  }

  /** Unregisters every task, terminates every worker and (unless persistentCache) deletes the compiled files. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.reloadTimers.forEach(clearTimeout);
    this.reloadTimers.clear();
    await this.queue;
    this.modules.clear();
    this.syncRegistrations();
    this.listeners.clear();
    await this.pools.dispose();
    await Promise.all([...this.workers].map((w) => w.terminate().catch(() => undefined)));
    await this.compiler.dispose();
  }

  private enqueue(operation: () => Promise<void>): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.disposed) return;
      try {
        await operation();
      } finally {
        this.syncRegistrations();
        this.fire();
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private fire(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (error) {
        taskLog(`A module change listener threw: ${(error as Error).message}`, { level: "error" });
      }
    }
  }

  private async load(file: string): Promise<void> {
    const state = this.modules.get(file);
    if (!state) return;
    this.swept ??= this.sweepCache().catch(() => 0);
    const version = state.version + 1;
    const apply = (next: Partial<ModuleState>): void => {
      // A remove or a newer load overtook this one: drop the stale result.
      if (this.modules.get(file) !== state || state.version >= version) return;
      Object.assign(state, { outputPath: undefined, tasks: [], diagnostics: [] }, next, { version });
    };
    let compiled: CompileResult;
    try {
      compiled = await this.compiler.compile(file);
    } catch (error) {
      compiled = { ok: false, diagnostics: [{ file, line: 1, column: 1, severity: "error", message: (error as Error).message }] };
    }
    if (!compiled.ok) return apply({ diagnostics: compiled.diagnostics });
    // The same output path is the same code (the name holds its hash): what it declares is known already.
    if (compiled.outputPath === state.outputPath && this.modules.get(file) === state) return;
    try {
      const tasks = await declaredTasks({
        distDir: this.distDir, file, outputPath: compiled.outputPath, timeoutMs: this.options.loadTimeoutMs ?? 10_000,
        resourceLimits: this.options.workerResourceLimits, track: (worker) => this.track(worker),
      });
      const warnings = [...compiled.warnings];
      if (tasks.length === 0) {
        warnings.push({
          file, line: 1, column: 1, severity: "warning",
          message: `No tasks found: export a task, for example export const myTask = task(async () => { ... }) with task imported from "taskflow"`,
        });
      }
      apply({ outputPath: compiled.outputPath, tasks, diagnostics: warnings });
    } catch (error) {
      apply({ diagnostics: [...compiled.warnings, loadDiagnostic(this.workspaceRoot, file, error as Error)] });
    }
  }

  private track(worker: Worker): () => void {
    this.workers.add(worker);
    return () => {
      this.workers.delete(worker);
      if (this.workers.size === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        waiters.forEach((resolve) => resolve());
      }
    };
  }

  /** Makes the manager's registrations match the loaded modules; called after every change. */
  private syncRegistrations(): void {
    const { desired, problems } = planRegistrations([...this.modules.values()], this.workspaceRoot);
    for (const [name, current] of this.registered) {
      const wanted = desired.get(name);
      if (wanted && wanted.file === current.file && wanted.version === current.version) continue;
      this.registered.delete(name);
      // A task of a module that fails to compile or load keeps its schedule until the module loads
      // again or goes; dispose keeps every schedule.
      if (!wanted && !this.disposed) this.schedulesHeld.set(name, current.file);
      try {
        this.options.manager.unregisterTask(name);
      } catch (error) {
        taskLog(`Could not unregister task "${name}": ${(error as Error).message}`, { level: "warning" });
      }
    }
    for (const [name, wanted] of desired) {
      if (this.registered.has(name)) continue;
      try {
        const source = `${path.relative(this.workspaceRoot, wanted.file) || wanted.file}#${wanted.exportName}`;
        this.options.manager.task(this.proxy(wanted), { ...wanted.config, name }, { source, line: wanted.line });
        this.registered.set(name, wanted);
      } catch (error) {
        problems.push({
          file: wanted.file, line: wanted.line, column: 1, severity: "error",
          message: `Task "${name}" could not be registered: ${(error as Error).message}`,
        });
      }
    }
    if (!this.disposed) for (const name of leftWorkspace(this.schedulesHeld, this.modules, desired)) this.options.manager.unregisterTask(name, { dropModuleSchedule: true });
    this.registrationDiagnostics = problems;
    this.pools.retainOnly(new Set([...this.registered.values()].map((r) => r.outputPath)));
  }

  private proxy(registration: PlannedRegistration): TaskFunction {
    const { name, exportName, file, outputPath } = registration;
    const pool = (this.options.isolation ?? "warm") === "warm" ? this.pools.poolFor(outputPath, file) : undefined;
    const run = (...args: unknown[]): Promise<unknown> => {
      if (this.disposed) return Promise.reject(new Error(`Task "${name}" cannot run: its module host was disposed (the window is closing or the workspace changed)`));
      const scope = currentTaskScope();
      const context = scope?.context;
      const runContext: RunContext = {
        taskId: context?.taskId ?? "",
        funcName: context?.funcName ?? name,
        attempt: context?.attempt ?? 0,
        tags: { ...(context?.tags ?? {}) },
      };
      // Worker messages arrive outside the task's async scope: its log lines, progress and enqueue() calls are made in this one.
      if (pool) {
        // Its stop followed without reading context.signal, which would make an AbortSignal per attempt.
        const request = scope ? new ScopeRunRequest(scope, exportName, args, runContext) : { exportName, args, context: runContext, ...engineAttemptCalls() };
        return pool.run(request).then(parseResult);
      }
      return runTaskWorker({
        workerPath: path.join(this.distDir, "worker.js"),
        job: { kind: "run", compiledPath: outputPath, sourcePath: file, exportName, args, context: runContext },
        ...engineAttemptCalls(),
        signal: context?.signal,
        graceMs: this.options.cancelGraceMs ?? 1000,
        resourceLimits: this.options.workerResourceLimits,
        track: (worker) => this.track(worker),
      }).then((outcome) => parseResult(outcome.type === "result" ? outcome.json : undefined));
    };
    Object.defineProperty(run, "name", { value: exportName });
    return run;
  }
}

/** An attempt's result as its worker sent it (JSON, or undefined when the task returned undefined). */
function parseResult(json: string | undefined): unknown {
  return json === undefined ? undefined : JSON.parse(json);
}
