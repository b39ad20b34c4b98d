/**
 * The window's views of its tasks: the Tasks, Task Functions and Schedules trees, the Tasks view's
 * badge with the running count, and the status bar item. Relative times ("3 min ago") are redrawn
 * while a view shows.
 */
import * as vscode from "vscode";
import type { TaskflowClient } from "../../model";
import { Views } from "../commands/commandIds";
import type { TaskflowSettings } from "../session/settings";
import { FunctionsTreeProvider } from "./functionsTreeProvider";
import { SchedulesTreeProvider } from "./schedulesTreeProvider";
import { TaskflowStatusBar, type StatusPlace } from "./statusBar";
import { TasksTreeProvider } from "./tasksTreeProvider";

/** How often the visible trees are redrawn so their relative times stay true, in ms. */
const CLOCK_REFRESH_MS = 30_000;

export interface TaskViewsOptions {
  /** The settings as they are now (`pageSize`, `showStatusBar`). */
  settings(): TaskflowSettings;
  /** Where the window's tasks are now, as the status bar says. */
  place(): StatusPlace;
  /** Whether an engine (or the holder the window forwards to) is attached. */
  attached(): boolean;
  log: vscode.LogOutputChannel;
}

export class TaskViews implements vscode.Disposable {
  readonly tasksTree: TasksTreeProvider;
  readonly functionsTree = new FunctionsTreeProvider();
  readonly schedulesTree = new SchedulesTreeProvider();
  readonly tasksView: vscode.TreeView<unknown>;
  readonly schedulesView: vscode.TreeView<unknown>;
  private readonly statusBar = new TaskflowStatusBar();
  private lastCounts = { running: 0, failed: 0 };
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly options: TaskViewsOptions) {
    this.tasksTree = new TasksTreeProvider({ pageSize: options.settings().pageSize });
    const tasksView = vscode.window.createTreeView(Views.tasks, { treeDataProvider: this.tasksTree, showCollapseAll: true });
    const functionsView = vscode.window.createTreeView(Views.functions, { treeDataProvider: this.functionsTree });
    const schedulesView = vscode.window.createTreeView(Views.schedules, { treeDataProvider: this.schedulesTree });
    this.tasksView = tasksView;
    this.schedulesView = schedulesView;
    const clockTimer = setInterval(() => {
      if (tasksView.visible) this.tasksTree.refresh();
      if (schedulesView.visible) this.schedulesTree.refresh();
    }, CLOCK_REFRESH_MS);
    this.disposables = [
      this.tasksTree, this.functionsTree, this.schedulesTree, tasksView, functionsView, schedulesView, this.statusBar,
      this.tasksTree.onDidChangeCounts(() => this.refreshCounts()),
      { dispose: () => clearInterval(clockTimer) },
    ];
  }

  /** Points the Tasks and Schedules trees at the task client. */
  setManager(client: TaskflowClient): void {
    this.tasksTree.setManager(client);
    this.schedulesTree.setManager(client);
  }

  /** Re-reads the Tasks and Schedules trees. */
  refresh(): void {
    this.tasksTree.refresh();
    this.schedulesTree.refresh();
  }

  /** Recounts the running and failed tasks for the badge and the status bar. */
  async updateCounts(): Promise<void> {
    const { settings, place, attached } = this.options;
    const showPlace = (where: StatusPlace) => this.statusBar.update(this.lastCounts, settings().showStatusBar && (attached() || where.kind === "redis"), where);
    // Counting asks Redis, which holds the question until it is back: say it is away at once.
    const before = place();
    if (before.kind === "redis" && !before.connected) return showPlace(before);
    const counts = await this.tasksTree.counts();
    this.lastCounts = counts;
    this.tasksView.badge = counts.running > 0 ? { value: counts.running, tooltip: vscode.l10n.t("{0} running", counts.running) } : undefined;
    showPlace(place());
  }

  /** `updateCounts` without waiting: a failure is logged. */
  refreshCounts(): void {
    void this.updateCounts().catch((err) => this.options.log.warn(`Could not count tasks for the badge: ${String(err)}`));
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
