/**
 * CodeLens above each task function in its module: Run, Debug, Run with arguments... and the last
 * run's outcome and age, which opens that run's panel. Lines come from the runtime's task functions
 * (the catalog); the lenses are recomputed when a run changes status and when modules reload.
 */
import * as vscode from "vscode";
import type { TaskflowClient } from "../../model";
import { Commands } from "../commands/commandIds";
import type { RunLensTarget } from "../commands/runCommands";
import { FailureDecorations } from "./failureDecorations";
import { outcomeTitle } from "./lastRunLabel";
import { LastRuns } from "./lastRuns";
import { throttle } from "../panels/throttle";
import { readSettings } from "../session/settings";
import type { CatalogSnapshot, TaskFunctionInfo } from "../modules/taskCatalog";

/** At most one redraw of the lenses and decorations per this many milliseconds. */
const REDRAW_INTERVAL_MS = 500;
/** How often the outcome's age ("2 m ago") is redrawn while a task module is visible. */
const AGE_REFRESH_MS = 30_000;

/** What the lenses and the failure decorations are built from. */
export interface TaskLensSources {
  /** The engine, or undefined while none is attached. */
  client(): TaskflowClient | undefined;
  onLifecycle: TaskflowClient["onLifecycle"];
  /** The task functions as last loaded. */
  catalog(): CatalogSnapshot;
  onDidChangeCatalog: vscode.Event<CatalogSnapshot>;
  onDidRestartEngine: vscode.Event<void>;
  log: vscode.LogOutputChannel;
  /** Whether Debug Task can run here (not on a shared queue, where any worker may take the run). @default always */
  debuggable?(): boolean;
}

/**
 * Registers the CodeLens provider and the failure decorations, both following the setting
 * `taskflow.codeLens.enabled`; disposing the result removes both.
 */
export function registerTaskLenses(sources: TaskLensSources): vscode.Disposable {
  let enabled = readSettings().codeLensEnabled;
  const runs = new LastRuns(() => sources.client(), sources.onLifecycle, sources.log);
  const provider = new TaskCodeLensProvider(() => sources.catalog(), runs, () => enabled, Date.now, () => sources.debuggable?.() ?? true);
  const folders = () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const decorations = new FailureDecorations(runs, folders, () => enabled);
  const redraw = throttle(() => {
    provider.refresh();
    decorations.update();
  }, REDRAW_INTERVAL_MS);
  const reload = () => void runs.load(sources.catalog().functions.map((f) => f.name))
    .catch((err) => sources.log.warn(`CodeLens: reading the last runs failed: ${String(err)}`));
  const ageTimer = setInterval(() => {
    if (enabled && vscode.window.visibleTextEditors.some((e) => provider.declaresTasks(e.document.uri.fsPath))) provider.refresh();
  }, AGE_REFRESH_MS);
  reload();
  return vscode.Disposable.from(
    runs,
    provider,
    decorations,
    { dispose: () => { redraw.dispose(); clearInterval(ageTimer); } },
    vscode.languages.registerCodeLensProvider(TASK_MODULE_SELECTOR, provider),
    runs.onDidChange(() => redraw.schedule()),
    sources.onDidChangeCatalog(reload),
    sources.onDidRestartEngine(() => {
      reload();
      provider.refresh();
    }),
    vscode.window.onDidChangeVisibleTextEditors(() => decorations.update()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration("taskflow.codeLens.enabled")) return;
      enabled = readSettings().codeLensEnabled;
      redraw.schedule();
    }),
  );
}

/** The documents lenses are asked for: task modules are TypeScript or JavaScript files on disk. */
export const TASK_MODULE_SELECTOR: vscode.DocumentSelector = [
  { scheme: "file", language: "typescript" },
  { scheme: "file", language: "javascript" },
];

export class TaskCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  /**
   * @param catalog the task functions as last loaded
   * @param enabled whether `taskflow.codeLens.enabled` is on
   * @param nowMs the current epoch milliseconds, for the outcome's age
   */
  constructor(
    private readonly catalog: () => CatalogSnapshot,
    private readonly runs: LastRuns,
    private readonly enabled: () => boolean,
    private readonly nowMs: () => number = Date.now,
    private readonly debuggable: () => boolean = () => true,
  ) {}

  /** Asks VS Code to ask for the lenses again. */
  refresh(): void {
    this.changed.fire();
  }

  /** Whether `fsPath` declares at least one task function. */
  declaresTasks(fsPath: string): boolean {
    return this.catalog().functions.some((f) => f.file === fsPath);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.enabled()) return [];
    const functions = this.catalog().functions.filter((f) => f.file === document.uri.fsPath);
    return functions.flatMap((info) => this.lensesFor(info, document));
  }

  private lensesFor(info: TaskFunctionInfo, document: vscode.TextDocument): vscode.CodeLens[] {
    const line = Math.min(Math.max(0, info.line - 1), Math.max(0, document.lineCount - 1));
    const range = new vscode.Range(line, 0, line, 0);
    const lenses = [
      new vscode.CodeLens(range, {
        title: vscode.l10n.t("Run"),
        tooltip: vscode.l10n.t("Run {0}, asking for its arguments only when it has required parameters", info.name),
        command: Commands.runFunction,
        arguments: [{ kind: "run", name: info.name } satisfies RunLensTarget],
      }),
      ...(this.debuggable()
        ? [new vscode.CodeLens(range, { title: vscode.l10n.t("Debug"), tooltip: vscode.l10n.t("Run {0} once under the debugger", info.name), command: Commands.debugTask, arguments: [info.name] })]
        : []),
      new vscode.CodeLens(range, {
        title: vscode.l10n.t("Run with arguments..."),
        tooltip: vscode.l10n.t("Ask for the arguments of {0}, then run it", info.name),
        command: Commands.runFunction,
        arguments: [{ kind: "function", info }],
      }),
    ];
    const last = this.runs.latest(info.name);
    if (last) {
      const title = outcomeTitle(last, this.nowMs());
      lenses.push(new vscode.CodeLens(range, {
        title,
        tooltip: last.error ? vscode.l10n.t("Last run {0}: {1}. Click to show it.", last.status, last.error) : vscode.l10n.t("Last run {0}. Click to show it.", last.status),
        command: Commands.showTask,
        arguments: [last.taskId],
      }));
    }
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
