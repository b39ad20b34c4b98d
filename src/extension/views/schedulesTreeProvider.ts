/**
 * The Schedules tree: one row per schedule (listSchedules order: soonest next run first, paused
 * last), with its spec, next run and last outcome. Lifecycle events (a schedule fired, its run
 * finished) and registry changes (a module's schedule config changed) coalesce into one refresh per
 * `refreshDelayMs`, like the Tasks tree.
 */
import * as vscode from "vscode";
import { delayed, type Throttled } from "../panels/throttle";
import { treeItemOf } from "./treeItems";
import type { ScheduleInfo, TaskflowClient, TaskStatus } from "../../model";
import { Commands } from "../commands/commandIds";
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
  /** Refreshes once shortly after a burst of engine events. */
  private readonly refreshSoon: Throttled;

  constructor(options: SchedulesTreeOptions = {}) {
    this.refreshSoon = delayed(() => this.refresh(), options.refreshDelayMs ?? 150);
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
    this.refreshSoon.schedule();
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: ScheduleNode): vscode.TreeItem {
    const model = toScheduleItemModel(node.schedule, node.lastStatus, Date.now());
    const item = treeItemOf(model);
    if (model.lastTaskId !== null && node.lastStatus !== undefined) {
      item.command = { command: Commands.showTask, title: vscode.l10n.t("Show Last Run"), arguments: [model.lastTaskId] };
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
    this.refreshSoon.dispose();
    this.managerSubscription?.dispose();
    this.changed.dispose();
  }
}
