/**
 * Debug Task's side in the window: which runs the engine hands to the debugger (the manager's
 * attemptDelegate), and, for each, a js-debug session ("pwa-node" launch) of dist/debugRunner.js that
 * runs the attempt on the module version the task was registered from, with breakpoints in the .ts
 * source bound through the compiled module's inline source map.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import type { AttemptDelegate } from "../../core/attemptDelegate";
import type { TaskRecord } from "../../model";
import { externalAttemptFunction, type CompiledTask } from "../../runtime";

/** The tag every debug run carries. */
export const DEBUG_TAG = { debug: "true" } as const;

/** The property of a debug session's configuration naming the task it runs. */
export const DEBUG_TASK_ID_KEY = "taskflowTaskId";

/** The debug type of VS Code's built-in JavaScript debugger for Node.js. */
const NODE_DEBUG_TYPE = "pwa-node";

export interface DebugRunsOptions {
  /** The folder a task's debug session runs in when its module is in no workspace folder; otherwise the module's own folder. */
  folder: vscode.WorkspaceFolder;
  /** The extension's dist folder, holding debugRunner.js. */
  distDir: string;
  /** Where a registered task runs from now; undefined when this window does not load it. */
  compiledTask(name: string): CompiledTask | undefined;
  /** Cancels a task (a debug session stopped by the person debugging cancels its run). */
  cancelTask(taskId: string): Promise<void>;
  log: vscode.LogOutputChannel;
}

/** What the tracker has seen of one task's debug sessions. */
interface SessionWatch {
  /** The session the launch started (its children are stopped with it), once it has started. */
  session?: vscode.DebugSession;
  /** The adapter said the program ended. */
  ended: boolean;
  /** Called when VS Code asks the adapter to stop (the Stop button, stopDebugging) before the program ended by itself. */
  onStopRequested(): void;
}

/**
 * Runs started by `debugTask` are claimed as they start: an id already returned by addTask, or else
 * the next debug-tagged run of a function a debugTask call is adding (addTask may start the run
 * before it returns the id). Any other run, a plain Retry of a debug run included, runs as usual.
 */
export class DebugRuns implements vscode.Disposable {
  private readonly adding = new Map<string, number>();
  private readonly expected = new Set<string>();
  private readonly claimed = new Set<string>();
  private readonly watches = new Map<string, SessionWatch>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly options: DebugRunsOptions) {
    this.disposables.push(vscode.debug.registerDebugAdapterTrackerFactory(NODE_DEBUG_TYPE, {
      createDebugAdapterTracker: (session) => {
        const watch = this.watches.get(taskIdOf(session) ?? "");
        if (!watch) return undefined;
        watch.session ??= session;
        return {
          onWillReceiveMessage: (message: { type?: string; command?: string }) => {
            if (message.type === "request" && (message.command === "disconnect" || message.command === "terminate") && !watch.ended) {
              watch.onStopRequested();
            }
          },
          onDidSendMessage: (message: { type?: string; event?: string }) => {
            if (message.type === "event" && (message.event === "terminated" || message.event === "exited")) watch.ended = true;
          },
        };
      },
    }));
  }

  /** For TaskManagerOptions.delegateAttempt. */
  readonly delegate: AttemptDelegate = (record) => {
    if (record.tags.debug !== DEBUG_TAG.debug || !this.claim(record)) return undefined;
    const compiled = this.options.compiledTask(record.funcName);
    if (!compiled) return undefined;
    return (...args: unknown[]) => this.runAttempt(record, compiled, args);
  };

  /**
   * Adds a debug run through `add` (which calls addTask with DEBUG_TAG) and resolves with its id;
   * the run's attempt goes to the debugger whenever it starts.
   */
  async add(funcName: string, add: () => Promise<string>): Promise<string> {
    this.adding.set(funcName, (this.adding.get(funcName) ?? 0) + 1);
    let taskId: string | undefined;
    try {
      taskId = await add();
    } finally {
      const claimedAtStart = taskId !== undefined && this.claimed.delete(taskId);
      if (!claimedAtStart) this.release(funcName);
      if (taskId !== undefined && !claimedAtStart) this.expected.add(taskId);
    }
    return taskId;
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }

  private claim(record: TaskRecord): boolean {
    if (this.expected.delete(record.taskId)) return true;
    if ((this.adding.get(record.funcName) ?? 0) === 0) return false;
    this.release(record.funcName);
    this.claimed.add(record.taskId);
    return true;
  }

  private release(funcName: string): void {
    const left = (this.adding.get(funcName) ?? 0) - 1;
    if (left > 0) this.adding.set(funcName, left);
    else this.adding.delete(funcName);
  }

  /** Runs in the task's scope: externalAttemptFunction reads its context before the first await. */
  private async runAttempt(record: TaskRecord, compiled: CompiledTask, args: unknown[]): Promise<unknown> {
    const { taskId } = record;
    // Cancelled at once: js-debug may detach from a stopped child session and let the program run on.
    const watch: SessionWatch = {
      ended: false,
      onStopRequested: () => {
        if (!this.watches.has(taskId)) return;
        this.watches.delete(taskId);
        this.options.log.info(`The debug session of ${record.funcName} (${taskId}) was stopped: cancelling the run`);
        void this.options.cancelTask(taskId).catch(() => undefined);
      },
    };
    this.watches.set(taskId, watch);
    const attempt = externalAttemptFunction(compiled, (env) => this.startSession(record, compiled, env))(...args);
    try {
      return await attempt;
    } finally {
      this.watches.delete(taskId);
      // Failed, cancelled or shut down while the program still runs (held at a breakpoint, say).
      if (watch.session && !watch.ended) {
        this.options.log.info(`The run ${taskId} of ${record.funcName} ended while its program still runs: stopping its debug session`);
        await vscode.debug.stopDebugging(watch.session).then(undefined, () => undefined);
      }
    }
  }

  private async startSession(record: TaskRecord, compiled: CompiledTask, env: Record<string, string>): Promise<void> {
    const { distDir } = this.options;
    // In a multi-root workspace the session runs in the task module's own folder (its cwd, launch.json variables, source maps).
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(compiled.sourcePath)) ?? this.options.folder;
    const config: vscode.DebugConfiguration = {
      type: NODE_DEBUG_TYPE,
      request: "launch",
      name: vscode.l10n.t("Taskflow: {0}", record.funcName),
      program: path.join(distDir, "debugRunner.js"),
      cwd: folder.uri.fsPath,
      env,
      // The compiled module lives in the compile cache, outside the workspace: name it, so
      // breakpoints in the .ts are bound before it loads, and allow its source map.
      outFiles: [compiled.compiledPath],
      resolveSourceMapLocations: [`${path.dirname(compiled.compiledPath)}/**`, `${folder.uri.fsPath}/**`, "!**/node_modules/**"],
      skipFiles: ["<node_internals>/**", `${distDir}/**`],
      console: "internalConsole",
      autoAttachChildProcesses: false,
      [DEBUG_TASK_ID_KEY]: record.taskId,
    };
    let ok: boolean;
    try {
      ok = await vscode.debug.startDebugging(folder, config);
    } catch (error) {
      throw new Error(vscode.l10n.t("The debugger did not start for {0}: {1}", record.funcName, (error as Error).message));
    }
    if (!ok) {
      throw new Error(
        vscode.l10n.t("The debugger did not start for {0}: VS Code's JavaScript debugger (type \"{1}\") must be enabled and Node.js on the PATH; see the Debug Console", record.funcName, NODE_DEBUG_TYPE),
      );
    }
    this.options.log.info(`Debugging ${record.funcName} as ${record.taskId}`);
  }
}

/** The task a debug session (or the session it is a child of) runs, if it is one of ours. */
export function taskIdOf(session: vscode.DebugSession): string | undefined {
  for (let s: vscode.DebugSession | undefined = session; s; s = s.parentSession) {
    const id: unknown = s.configuration[DEBUG_TASK_ID_KEY];
    if (typeof id === "string") return id;
  }
  return undefined;
}
