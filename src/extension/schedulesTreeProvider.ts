/**
 * The Schedules tree: one row per schedule (listSchedules order: soonest next run first, paused
 * last), with its spec, next run and last outcome. Lifecycle events (a schedule fired, its run
 * finished) and registry changes (a module's schedule config changed) coalesce into one refresh per
 * `refreshDelayMs`, like the Tasks tree.
 */
import * as vscode from "vscode";
import type { ScheduleInfo, TaskflowClient, TaskStatus } from "../model";
import { Commands } from "./commandIds";
import { toScheduleItemModel, type ScheduleItemModel } from "./scheduleTreeItem";

export { scheduleIdOf } from "./scheduleTreeItem";

/** A row: the schedule and the status of its last run (undefined: never fired, or cleared). */
export interface ScheduleNode {
  kind: "schedule";
  schedule: ScheduleInfo;
  lastStatus: TaskStatus | undefined;
}

export interface SchedulesTreeOptions {
  /** Events within this window cause one refresh, in ms. @default 150 */
  refreshDelayMs?: number;
}

export class SchedulesTreeProvider implements vscode.TreeDataProvider<ScheduleNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ScheduleNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private manager: TaskflowClient | undefined;
  private managerSubscription: vscode.Disposable | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly refreshDelayMs: number;

  constructor(options: SchedulesTreeOptions = {}) {
    this.refreshDelayMs = options.refreshDelayMs ?? 150;
  }

  /** Shows the schedules of this manager, or nothing (the welcome view) when undefined. */
  setManager(manager: TaskflowClient | undefined): void {
    this.managerSubscription?.dispose();
    this.manager = manager;
    this.managerSubscription = manager
      ? vscode.Disposable.from(manager.onLifecycle(() => this.scheduleRefresh()), manager.onDidChangeRegistry(() => this.scheduleRefresh()))
      : undefined;
    this.refresh();
  }

  scheduleRefresh(): void {
    if (this.refreshTimer !== undefined) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refresh();
    }, this.refreshDelayMs);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: ScheduleNode): vscode.TreeItem {
    const model = toScheduleItemModel(node.schedule, node.lastStatus, Date.now());
    const item = new vscode.TreeItem(model.label, vscode.TreeItemCollapsibleState.None);
    item.id = model.id;
    item.description = model.description;
    item.tooltip = new vscode.MarkdownString(model.tooltip);
    item.iconPath = new vscode.ThemeIcon(model.iconId, model.iconColor ? new vscode.ThemeColor(model.iconColor) : undefined);
    item.contextValue = model.contextValue;
    if (model.lastTaskId !== null && node.lastStatus !== undefined) {
      item.command = { command: Commands.showTask, title: "Show Last Run", arguments: [model.lastTaskId] };
    }
    return item;
  }

  async getChildren(node?: ScheduleNode): Promise<ScheduleNode[]> {
    const manager = this.manager;
    if (!manager || node) return [];
    const schedules = await manager.listSchedules();
    return Promise.all(schedules.map(async (schedule): Promise<ScheduleNode> => {
      const last = schedule.lastTaskId === null ? undefined : await manager.getTask(schedule.lastTaskId);
      return { kind: "schedule", schedule, lastStatus: last?.status };
    }));
  }

  /** The rows the tree shows now, as pure models: what tests read instead of the rendered tree. */
  async snapshot(): Promise<ScheduleItemModel[]> {
    const now = Date.now();
    return (await this.getChildren()).map((node) => toScheduleItemModel(node.schedule, node.lastStatus, now));
  }

  dispose(): void {
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    this.managerSubscription?.dispose();
    this.changed.dispose();
  }
}
