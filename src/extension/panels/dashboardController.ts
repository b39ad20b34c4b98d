import type { Disposable, ListTasksQuery, TaskDict } from "../../engine/types";
import {
  ClearHistory,
  DashboardUpdated,
  EngineUnavailable,
  ExportTasks,
  QueryTasks,
  Ready,
  RetryTasks,
  ShowTask,
  type DashboardSummary,
  type HostToWebviewMessage,
  type SortKey,
  type TaskQuery,
} from "../../protocol";
import { toCsv, toJson, toTaskRow } from "./exportRows";
import { functionStats } from "./functionStats";
import { MessageDispatcher } from "./messageDispatcher";
import { toTaskDict, type PanelHost, type PanelManager } from "./ports";
import { systemTimers, throttle, type Throttled, type TimerPort } from "./throttle";
import { UnavailableRetry } from "./unavailableRetry";

/** Live dashboard updates are sent at most once per this many ms (four a second). */
export const DASHBOARD_UPDATE_MS = 250;
/** Per-function figures are computed over this many newest tasks. */
export const STATS_WINDOW = 2000;
/** Sorting by anything but creation time, and exporting, read at most this many matching tasks. */
export const SORT_WINDOW = 10_000;
/** Page size used when reading tasks in bulk. */
const READ_CHUNK = 500;

export interface DashboardControllerOptions {
  manager: PanelManager;
  host: PanelHost;
  post: (message: HostToWebviewMessage) => void;
  /** @default real timers */
  timers?: TimerPort;
  /** Epoch ms. @default Date.now */
  now?: () => number;
}

function filters(query: Omit<TaskQuery, "limit" | "offset">): ListTasksQuery {
  const q: ListTasksQuery = {};
  if (query.statuses.length > 0) q.status = query.statuses;
  if (query.funcName) q.funcName = query.funcName;
  if (query.tag) q.tag = query.tag;
  if (query.text) q.text = query.text;
  return q;
}

function sortValue(task: TaskDict, key: SortKey): string | number {
  switch (key) {
    case "createdAt":
      return task.createdAt;
    case "funcName":
      return task.funcName.toLowerCase();
    case "status":
      return task.status;
    case "duration":
      return task.duration ?? -1;
    case "retriesUsed":
      return task.retriesUsed;
  }
}

/** Sorts a copy by the key, ties broken by creation time then id, so pages never overlap. */
export function sortTasks(tasks: readonly TaskDict[], key: SortKey, descending: boolean): TaskDict[] {
  const sign = descending ? -1 : 1;
  const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...tasks].sort(
    (a, b) => sign * (cmp(sortValue(a, key), sortValue(b, key)) || cmp(a.createdAt, b.createdAt) || cmp(a.taskId, b.taskId)),
  );
}

/**
 * The host side of the dashboard, free of vscode: answers page queries, bulk retry, clear and
 * export, and pushes metrics while tasks change, throttled to DASHBOARD_UPDATE_MS.
 */
export class DashboardController implements Disposable {
  private ready = false;
  private readonly dispatcher: MessageDispatcher;
  private readonly updates: Throttled;
  private readonly subscriptions: Disposable[];
  private readonly now: () => number;
  private funcNames: string[] = [];
  private readonly unavailable: UnavailableRetry;

  constructor(private readonly options: DashboardControllerOptions) {
    const { manager, host } = options;
    this.now = options.now ?? Date.now;
    this.updates = throttle(() => this.sendSummary(), DASHBOARD_UPDATE_MS, options.timers ?? systemTimers);
    this.unavailable = new UnavailableRetry(options.timers ?? systemTimers, (message) => options.post(EngineUnavailable.create({ message })));
    this.dispatcher = new MessageDispatcher(options.post, host.log, "dashboard", host.showError)
      .onCommand(Ready, () => {
        this.ready = true;
        this.sendSummary();
      })
      .onCommand(ShowTask, ({ taskId }) => host.showTask(taskId))
      .onRequest(QueryTasks, (query) => this.queryPage(query))
      .onRequest(RetryTasks, ({ taskIds }) => this.retryMany(taskIds))
      .onRequest(ClearHistory, ({ olderThanSeconds }) => this.clear(olderThanSeconds))
      .onRequest(ExportTasks, ({ query, format }) => this.export(query, format));
    this.subscriptions = [manager.onLifecycle(() => this.ready && !this.unavailable.waiting && this.updates.schedule())];
  }

  handleMessage(raw: unknown): Promise<void> {
    return this.dispatcher.dispatch(raw);
  }

  dispose(): void {
    this.unavailable.dispose();
    this.updates.dispose();
    for (const s of this.subscriptions) s.dispose();
  }

  /** Metrics and per-function figures right now. */
  summary(): DashboardSummary {
    const recent = this.options.manager.listTasks({ limit: STATS_WINDOW }).map(toTaskDict);
    const functions = functionStats(recent);
    this.funcNames = functions.map((f) => f.funcName);
    return { metrics: this.options.manager.metrics(), functions };
  }

  private sendSummary(): void {
    let summary: DashboardSummary;
    try {
      summary = this.summary();
    } catch (error) {
      this.unavailable.failed(error, () => this.sendSummary());
      return;
    }
    this.unavailable.succeeded();
    this.options.post(DashboardUpdated.create(summary));
  }

  private readAll(query: ListTasksQuery, max: number): TaskDict[] {
    const out: TaskDict[] = [];
    while (out.length < max) {
      const chunk = this.options.manager.listTasks({ ...query, limit: Math.min(READ_CHUNK, max - out.length), offset: out.length });
      out.push(...chunk.map(toTaskDict));
      if (chunk.length < READ_CHUNK) break;
    }
    return out;
  }

  private queryPage(query: TaskQuery): { rows: ReturnType<typeof toTaskRow>[]; total: number; funcNames: string[] } {
    const { manager } = this.options;
    const where = filters(query);
    const total = manager.countTasks(where);
    let page: TaskDict[];
    if (query.sort === "createdAt" && query.descending) {
      page = manager.listTasks({ ...where, limit: query.limit, offset: query.offset }).map(toTaskDict);
    } else if (query.sort === "createdAt") {
      // The store lists newest first; an oldest-first page is the mirrored slice, reversed.
      const end = total - query.offset;
      const start = Math.max(0, end - query.limit);
      page = end <= 0 ? [] : manager.listTasks({ ...where, limit: end - start, offset: start }).map(toTaskDict).reverse();
    } else {
      const sorted = sortTasks(this.readAll(where, SORT_WINDOW), query.sort, query.descending);
      page = sorted.slice(query.offset, query.offset + query.limit);
    }
    if (this.funcNames.length === 0) this.summary();
    return { rows: page.map(toTaskRow), total, funcNames: this.funcNames };
  }

  private async retryMany(taskIds: string[]): Promise<{ retried: Array<{ taskId: string; newTaskId: string }>; errors: Array<{ taskId: string; error: string }> }> {
    const retried: Array<{ taskId: string; newTaskId: string }> = [];
    const errors: Array<{ taskId: string; error: string }> = [];
    for (const taskId of taskIds) {
      const found = this.options.manager.getTask(taskId);
      const status = found ? toTaskDict(found).status : undefined;
      if (status !== "failed" && status !== "interrupted") {
        errors.push({ taskId, error: found ? `only failed or interrupted tasks can be retried, this one is ${status}` : "no such task" });
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
    const what = olderThanSeconds === 0 ? "every finished task" : `finished tasks created more than ${formatAge(olderThanSeconds)} ago`;
    if (!(await this.options.host.confirm(`Delete ${what} from the Taskflow history? This cannot be undone.`, "Clear History"))) {
      return { deleted: null };
    }
    const olderThan = olderThanSeconds === 0 ? undefined : new Date(this.now() - olderThanSeconds * 1000);
    const result = await this.options.manager.clearHistory(olderThan ? { olderThan } : {});
    this.sendSummary();
    return { deleted: typeof result === "number" ? result : null };
  }

  private async export(query: Omit<TaskQuery, "limit" | "offset">, format: "csv" | "json"): Promise<{ path: string | null; count: number }> {
    const tasks = sortTasks(this.readAll(filters(query), SORT_WINDOW), query.sort, query.descending);
    const content = format === "csv" ? toCsv(tasks) : toJson(tasks);
    const path = await this.options.host.saveFile(`taskflow-tasks.${format}`, format, content);
    if (path) this.options.host.log(`dashboard: exported ${tasks.length} tasks to ${path}`);
    return { path, count: tasks.length };
  }
}

/** `3600` -> "1 hour", `604800` -> "7 days". */
export function formatAge(seconds: number): string {
  const units: Array<[number, string]> = [[86_400, "day"], [3600, "hour"], [60, "minute"], [1, "second"]];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${name}${n === 1 ? "" : "s"}`;
    }
  }
  return `${seconds} seconds`;
}
