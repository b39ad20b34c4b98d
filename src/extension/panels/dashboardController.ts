import * as l10n from "@vscode/l10n";
import type { TaskflowClient } from "../../model/client";
import type { Disposable } from "../../model/events";
import type { TaskDict } from "../../model/fields";
import type { ListTasksQuery } from "../../model/schemas";
import { orList } from "../../model/orList";
import { isRetryable, RETRYABLE_STATUSES } from "../../model/status";
import { systemTimers, type Timers } from "../../model/timers";
import {
  ClearHistory,
  DashboardUpdated,
  EngineUnavailable,
  ExportTasks,
  QueryTasks,
  Ready,
  RetryTasks,
  ShowTask,
  toTaskRow,
  type DashboardSummary,
  type ExportFormat,
  type HostToWebviewMessage,
  type TaskFilters,
  type TaskQuery,
  type TaskRow,
} from "../../protocol";
import { handleInsights } from "./dashboardInsights";
import { toCsv, toJson } from "./exportRows";
import { functionStats } from "./functionStats";
import { MessageDispatcher } from "./messageDispatcher";
import type { PanelHost } from "./ports";
import { throttle, type Throttled } from "./throttle";
import { UnavailableRetry } from "./unavailableRetry";

/** Live dashboard updates are sent at most once per this many ms (four a second). */
export const DASHBOARD_UPDATE_MS = 250;
/** Per-function figures are computed over this many newest tasks. */
export const STATS_WINDOW = 2000;
/** Rows an export reads per store call. */
export const EXPORT_CHUNK = 500;

export interface DashboardControllerOptions {
  manager: TaskflowClient;
  host: PanelHost;
  post: (message: HostToWebviewMessage) => void;
  /** @default systemTimers */
  timers?: Timers;
  /** Epoch ms. @default Date.now */
  now?: () => number;
}

/**
 * The store query of the dashboard's filters and sort, without logs: the store filters, sorts and
 * (given limit and offset) pages in one call, however many tasks the history holds.
 */
export function toListQuery(filters: TaskFilters): ListTasksQuery {
  const query: ListTasksQuery = { sort: { by: filters.sort.by, order: filters.sort.order }, withLogs: false };
  if (filters.statuses.length > 0) query.status = [...filters.statuses];
  if (filters.funcName) query.funcName = filters.funcName;
  if (filters.tag) query.tag = filters.tag;
  if (filters.search) query.search = filters.search;
  return query;
}

const RETRYABLE_TEXT = orList(RETRYABLE_STATUSES);

/**
 * The host side of the dashboard, free of vscode: answers page queries, bulk retry, clear and
 * export, and pushes metrics while tasks change, throttled to DASHBOARD_UPDATE_MS.
 */
export class DashboardController implements Disposable {
  private ready = false;
  private disposed = false;
  private readonly dispatcher: MessageDispatcher;
  private readonly updates: Throttled;
  private readonly subscriptions: Disposable[];
  private readonly now: () => number;
  private readonly unavailable: UnavailableRetry;

  constructor(private readonly options: DashboardControllerOptions) {
    const { manager, host } = options;
    const timers = options.timers ?? systemTimers;
    this.now = options.now ?? Date.now;
    this.updates = throttle(() => void this.sendSummary(), DASHBOARD_UPDATE_MS, timers);
    this.unavailable = new UnavailableRetry(timers, (message) => this.post(EngineUnavailable.create({ message })));
    this.dispatcher = new MessageDispatcher((m) => this.post(m), host.log, "dashboard", host.showError)
      .onCommand(Ready, async () => {
        this.ready = true;
        await this.sendSummary();
      })
      .onCommand(ShowTask, ({ taskId }) => host.showTask(taskId))
      .onRequest(QueryTasks, (query) => this.queryPage(query))
      .onRequest(RetryTasks, ({ taskIds }) => this.retryMany(taskIds))
      .onRequest(ClearHistory, ({ olderThanSeconds }) => this.clear(olderThanSeconds))
      .onRequest(ExportTasks, ({ query, format }) => this.export(query, format));
    handleInsights(this.dispatcher, manager, host, () => this.sendSummary());
    this.subscriptions = [manager.onLifecycle(() => this.ready && !this.unavailable.waiting && this.updates.schedule())];
  }

  handleMessage(raw: unknown): Promise<void> {
    return this.dispatcher.dispatch(raw);
  }

  dispose(): void {
    this.disposed = true;
    this.unavailable.dispose();
    this.updates.dispose();
    for (const s of this.subscriptions) s.dispose();
  }

  /** Metrics over the whole history, and per-function figures over the newest STATS_WINDOW tasks. */
  async summary(): Promise<DashboardSummary> {
    const { manager } = this.options;
    const [recent, metrics] = await Promise.all([manager.listTasks({ limit: STATS_WINDOW, withLogs: false }), manager.metrics()]);
    return { metrics, functions: functionStats(recent) };
  }

  private post(message: HostToWebviewMessage): void {
    // An answer that arrives after the panel closed has nowhere to go.
    if (!this.disposed) this.options.post(message);
  }

  private async sendSummary(): Promise<void> {
    let summary: DashboardSummary;
    try {
      summary = await this.summary();
    } catch (error) {
      if (!this.disposed) this.unavailable.failed(error, () => void this.sendSummary());
      return;
    }
    this.unavailable.succeeded();
    this.post(DashboardUpdated.create(summary));
  }

  private async queryPage(query: TaskQuery): Promise<{ rows: TaskRow[]; total: number; funcNames: string[] }> {
    const { manager } = this.options;
    const where = toListQuery(query);
    const [page, total, funcNames] = await Promise.all([
      manager.listTasks({ ...where, limit: query.limit, offset: query.offset }),
      manager.countTasks(where),
      manager.funcNames(),
    ]);
    return { rows: page.map((task) => toTaskRow(task.toDict())), total, funcNames };
  }

  /** Every task matching the filters, in their sort order, read EXPORT_CHUNK at a time. */
  private async readAll(query: ListTasksQuery): Promise<TaskDict[]> {
    const out: TaskDict[] = [];
    const seen = new Set<string>();
    for (let offset = 0; ; offset += EXPORT_CHUNK) {
      const chunk = await this.options.manager.listTasks({ ...query, limit: EXPORT_CHUNK, offset });
      // A task added while paging shifts the pages by one: skip the row seen twice.
      const fresh = chunk.filter((task) => !seen.has(task.taskId));
      for (const task of fresh) {
        seen.add(task.taskId);
        out.push(task.toDict());
      }
      if (chunk.length < EXPORT_CHUNK || fresh.length === 0) return out;
    }
  }

  private async retryMany(taskIds: string[]): Promise<{ retried: Array<{ taskId: string; newTaskId: string }>; errors: Array<{ taskId: string; error: string }> }> {
    const retried: Array<{ taskId: string; newTaskId: string }> = [];
    const errors: Array<{ taskId: string; error: string }> = [];
    for (const taskId of taskIds) {
      const found = await this.options.manager.getTask(taskId);
      if (!found || !isRetryable(found.status)) {
        const error = found
          ? l10n.t("only {0} tasks can be retried, this one is {1}", RETRYABLE_TEXT, found.status)
          : l10n.t("no such task: it may have been cleared from the history");
        errors.push({ taskId, error });
        continue;
      }
      try {
        retried.push({ taskId, newTaskId: await this.options.manager.retryTask(taskId) });
      } catch (error) {
        errors.push({ taskId, error: error instanceof Error ? error.message : String(error) });
      }
    }
    this.options.host.log(`dashboard: retried ${retried.length} of ${taskIds.length} tasks${errors.length ? `; ${errors.length} refused` : ""}`);
    return { retried, errors };
  }

  private async clear(olderThanSeconds: number): Promise<{ deleted: number | null }> {
    const question = olderThanSeconds === 0
      ? l10n.t("Delete every finished task from the Taskflow history? This cannot be undone.")
      : l10n.t("Delete finished tasks created more than {0} ago from the Taskflow history? This cannot be undone.", formatAge(olderThanSeconds));
    if (!(await this.options.host.confirm(question, l10n.t("Clear History")))) {
      return { deleted: null };
    }
    const olderThan = olderThanSeconds === 0 ? undefined : new Date(this.now() - olderThanSeconds * 1000);
    const deleted = await this.options.manager.clearHistory(olderThan ? { olderThan } : {});
    await this.sendSummary();
    return { deleted };
  }

  private async export(filters: TaskFilters, format: ExportFormat): Promise<{ path: string | null; count: number }> {
    const tasks = await this.readAll(toListQuery(filters));
    const content = format === "csv" ? toCsv(tasks) : toJson(tasks);
    const path = await this.options.host.saveFile(`taskflow-tasks.${format}`, format, content);
    if (path) this.options.host.log(`dashboard: exported ${tasks.length} tasks to ${path}`);
    return { path, count: tasks.length };
  }
}

/** `3600` -> "1 hour", `604800` -> "7 days", in the display language. */
export function formatAge(seconds: number): string {
  const whole = (size: number) => seconds >= size && seconds % size === 0;
  if (whole(86_400)) return seconds === 86_400 ? l10n.t("1 day") : l10n.t("{0} days", seconds / 86_400);
  if (whole(3600)) return seconds === 3600 ? l10n.t("1 hour") : l10n.t("{0} hours", seconds / 3600);
  if (whole(60)) return seconds === 60 ? l10n.t("1 minute") : l10n.t("{0} minutes", seconds / 60);
  return seconds === 1 ? l10n.t("1 second") : l10n.t("{0} seconds", seconds);
}
