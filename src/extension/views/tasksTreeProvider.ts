/**
 * The Tasks tree: one group per status (running first), newest tasks first in each, paged with a
 * "Load more" row so a history of 10,000 records never loads at once. Lifecycle and progress events coalesce
 * into one refresh per `refreshDelayMs`. Reads are awaited, so any TaskflowClient can back it.
 */
import * as vscode from "vscode";
import { delayed, type Throttled } from "../panels/throttle";
import { treeItemOf } from "./treeItems";
import { ALL_STATUSES, type FlowHold, type TaskflowClient, type TaskRecord, type TaskStatus } from "../../model";
import { Commands } from "../commands/commandIds";
import { toGroupItemModel, toTaskItemModel, type GroupItemModel, type TaskItemModel } from "./taskTreeItem";

/**
 * A row. A task row with children expands to them (`child` rows, of any status, which expand in
 * turn); a child also shows in its own status group. `hold` is why a pending run has not started.
 */
export type TasksNode =
  | { kind: "group"; status: TaskStatus; count: number }
  | { kind: "task"; task: TaskRecord; childCount: number; hold?: FlowHold }
  | { kind: "child"; task: TaskRecord; childCount: number; parentRowId: string; hold?: FlowHold }
  | { kind: "more"; status: TaskStatus; shown: number; total: number };

export interface TasksTreeOptions {
  /** Tasks shown per status before "Load more", and added by each click on it. @default 50 */
  pageSize?: number;
  /** Lifecycle and progress events within this window cause one refresh, in ms. @default 150 */
  refreshDelayMs?: number;
}

/**
 * A tree node or a task id: what Retry, Cancel, Show, Delete and Copy ID accept. A Schedules row
 * stands for its last run.
 */
export function taskIdOf(target: unknown): string | undefined {
  if (typeof target === "string" && target !== "") return target;
  if (target && typeof target === "object") {
    const node = target as { kind?: unknown; task?: { taskId?: unknown }; schedule?: { lastTaskId?: unknown }; taskId?: unknown };
    if ((node.kind === "task" || node.kind === "child") && typeof node.task?.taskId === "string") return node.task.taskId;
    if (node.kind === "schedule" && typeof node.schedule?.lastTaskId === "string") return node.schedule.lastTaskId;
    if (typeof node.taskId === "string") return node.taskId;
  }
  return undefined;
}

/** The tree item id of a task row: the task id, prefixed with the parent row's id under a parent. */
function rowId(node: Extract<TasksNode, { task: TaskRecord }>): string {
  return node.kind === "child" ? `${node.parentRowId}/${node.task.taskId}` : node.task.taskId;
}

/** How many tasks each of these tasks enqueued, in order. */
function childCounts(manager: TaskflowClient, tasks: TaskRecord[]): Promise<number[]> {
  return Promise.all(tasks.map(async (task) => manager.countTasks({ parentId: task.taskId })));
}

export class TasksTreeProvider implements vscode.TreeDataProvider<TasksNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TasksNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private manager: TaskflowClient | undefined;
  private managerSubscription: vscode.Disposable | undefined;
  private readonly shownPerStatus = new Map<TaskStatus, number>();
  /** The pending runs held by their key, read once per refresh (with the status groups). */
  private holds: Record<string, FlowHold> = {};
  private pageSize: number;
  /** Refreshes once shortly after a burst of engine events. */
  private readonly refreshSoon: Throttled;
  /** Fired after each refresh with the running count, for the badge and the status bar. */
  private readonly countsChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCounts = this.countsChanged.event;

  constructor(options: TasksTreeOptions = {}) {
    this.pageSize = options.pageSize ?? 50;
    this.refreshSoon = delayed(() => this.refresh(), options.refreshDelayMs ?? 150);
  }

  /** Shows the tasks of this manager, or nothing (the welcome view) when undefined. */
  setManager(manager: TaskflowClient | undefined): void {
    this.managerSubscription?.dispose();
    this.manager = manager;
    const subscriptions = manager ? [manager.onLifecycle(() => this.scheduleRefresh()), manager.onProgress(() => this.scheduleRefresh())] : [];
    this.managerSubscription = manager ? vscode.Disposable.from(...subscriptions) : undefined;
    this.refresh();
  }

  scheduleRefresh(): void {
    this.refreshSoon.schedule();
  }

  refresh(): void {
    this.changed.fire(undefined);
    this.countsChanged.fire();
  }

  /** Applies a changed `taskflow.tree.pageSize`; groups go back to their first page. */
  setPageSize(pageSize: number): void {
    if (pageSize === this.pageSize) return;
    this.pageSize = pageSize;
    this.shownPerStatus.clear();
    this.refresh();
  }

  loadMore(status: TaskStatus): void {
    this.shownPerStatus.set(status, (this.shownPerStatus.get(status) ?? this.pageSize) + this.pageSize);
    this.refresh();
  }

  getTreeItem(node: TasksNode): vscode.TreeItem {
    if (node.kind === "group") {
      return treeItemOf(toGroupItemModel(node.status, node.count), vscode.TreeItemCollapsibleState.Expanded);
    }
    if (node.kind === "more") {
      const item = new vscode.TreeItem(vscode.l10n.t("Load more ({0} more)", node.total - node.shown), vscode.TreeItemCollapsibleState.None);
      item.id = `more:${node.status}`;
      item.iconPath = new vscode.ThemeIcon("ellipsis");
      item.contextValue = "loadMore";
      item.command = { command: Commands.loadMore, title: vscode.l10n.t("Load more"), arguments: [node.status] };
      return item;
    }
    const model = toTaskItemModel(node.task, Date.now(), node.hold);
    const item = treeItemOf(model, node.childCount > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    // A child shows both in its status group and under its parent: tree item ids must differ.
    item.id = rowId(node);
    item.command = { command: Commands.showTask, title: vscode.l10n.t("Show Task"), arguments: [model.id] };
    return item;
  }

  async getChildren(node?: TasksNode): Promise<TasksNode[]> {
    const manager = this.manager;
    if (!manager) return [];
    if (!node) {
      const metrics = await manager.metrics();
      // Only pending runs can be held: without any, the engine is not asked.
      this.holds = metrics.pending > 0 ? await manager.flowHolds() : {};
      return ALL_STATUSES.filter((s) => metrics[s] > 0).map((status) => ({ kind: "group", status, count: metrics[status] }));
    }
    if (node.kind === "task" || node.kind === "child") {
      const tasks = await manager.listTasks({ parentId: node.task.taskId, limit: this.pageSize, offset: 0, withLogs: false });
      const counts = await childCounts(manager, tasks);
      return tasks.map((task, i) => ({ kind: "child", task, childCount: counts[i], parentRowId: rowId(node), hold: this.holds[task.taskId] }));
    }
    if (node.kind !== "group") return [];
    const shown = this.shownPerStatus.get(node.status) ?? this.pageSize;
    const tasks = await manager.listTasks({ status: node.status, limit: shown, offset: 0, withLogs: false });
    const counts = await childCounts(manager, tasks);
    const children: TasksNode[] = tasks.map((task, i) => ({ kind: "task", task, childCount: counts[i], hold: this.holds[task.taskId] }));
    if (node.count > tasks.length && tasks.length === shown) {
      children.push({ kind: "more", status: node.status, shown: tasks.length, total: node.count });
    }
    return children;
  }

  /**
   * The rows the tree shows now (groups and their loaded tasks), as pure models: what tests and
   * diagnostics read instead of the rendered tree.
   */
  async snapshot(): Promise<Array<{ group: GroupItemModel; tasks: TaskItemModel[]; more: number }>> {
    const now = Date.now();
    const groups = await this.getChildren();
    return Promise.all(
      groups.flatMap((groupNode) => {
        if (groupNode.kind !== "group") return [];
        return [
          this.getChildren(groupNode).then((children) => {
            const tasks = children.flatMap((c) => (c.kind === "task" ? [toTaskItemModel(c.task, now, c.hold)] : []));
            const more = children.reduce((n, c) => (c.kind === "more" ? c.total - c.shown : n), 0);
            return { group: toGroupItemModel(groupNode.status, groupNode.count), tasks, more };
          }),
        ];
      }),
    );
  }

  /** Running and failed task counts, for the badge and the status bar; zero without a manager. */
  async counts(): Promise<{ running: number; failed: number }> {
    const metrics = await this.manager?.metrics();
    return { running: metrics?.running ?? 0, failed: metrics?.failed ?? 0 };
  }

  dispose(): void {
    this.refreshSoon.dispose();
    this.managerSubscription?.dispose();
    this.changed.dispose();
    this.countsChanged.dispose();
  }
}
