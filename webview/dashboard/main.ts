import * as l10n from "@vscode/l10n";
import type { SortField } from "../../src/model/schemas";
import { ALL_STATUSES, isRetryable, RETRYABLE_STATUSES, type TaskStatus } from "../../src/model/status";
import { orList } from "../../src/model/orList";
import {
  CLEAR_AGES_SECONDS,
  ClearHistory,
  DEFAULT_SORT,
  DashboardUpdated,
  EngineUnavailable,
  ExportTasks,
  QueryTasks,
  Ready,
  RetryTasks,
  ShowTask,
  parseTaskQuery,
  type TaskQuery,
  type TaskRow,
} from "../../src/protocol";
import { byId, h, replaceChildren } from "../shared/dom";
import { formatDuration, formatTime } from "../shared/format";
import { HostConnection } from "../shared/hostConnection";
import { registerToolkit } from "../shared/toolkit";
import { Insights, type InsightsState } from "./insights";
import { RETRY_SINCE_CHOICES } from "./retrySince";
import { renderFunctions, renderMetrics } from "./summaryView";

/** UI state kept across reloads (filters, sort, page); the rows are always asked for again. */
interface DashboardState {
  query: TaskQuery;
  clearAge: number;
  /** Pixels the page was scrolled down. */
  scrollY: number;
  insights: InsightsState;
}

const PAGE_SIZES = [25, 50, 100];

// The connection loads the host's l10n bundle, so it comes before the first l10n.t.
registerToolkit();
const host = new HostConnection<DashboardState>();

/** Table columns; `key` is the model's sort field of a sortable column. */
const COLUMNS: Array<{ key: SortField | null; label: string; numeric?: boolean }> = [
  { key: "status", label: l10n.t("Status") },
  { key: "funcName", label: l10n.t("Function") },
  { key: "createdAt", label: l10n.t("Created") },
  { key: "duration", label: l10n.t("Duration"), numeric: true },
  { key: null, label: l10n.t("Retries"), numeric: true },
  { key: null, label: l10n.t("Tags") },
  { key: null, label: l10n.t("Error") },
];
const AGE_LABELS: Record<number, string> = {
  0: l10n.t("all finished"),
  3600: l10n.t("older than 1 hour"),
  86400: l10n.t("older than 1 day"),
  604800: l10n.t("older than 7 days"),
  2592000: l10n.t("older than 30 days"),
};
const defaults: DashboardState = {
  query: { statuses: [], funcName: null, tag: null, search: null, sort: DEFAULT_SORT, limit: 25, offset: 0 },
  clearAge: 604800,
  scrollY: 0,
  insights: { bucket: "minute", retrySince: "hour", customSince: "" },
};

/** The saved chart and retry choices when they are still ones this version offers, else the defaults. */
function restoredInsights(saved: Partial<InsightsState> | undefined): InsightsState {
  const d = defaults.insights;
  return {
    bucket: saved?.bucket === "hour" ? "hour" : d.bucket,
    retrySince: RETRY_SINCE_CHOICES.find((c) => c === saved?.retrySince) ?? d.retrySince,
    customSince: typeof saved?.customSince === "string" ? saved.customSince : d.customSince,
  };
}

/** The saved query when it is still one the host accepts (a saved state may predate a protocol change), else the default. */
function restoredQuery(saved: unknown): TaskQuery {
  try {
    return parseTaskQuery({ ...defaults.query, ...(typeof saved === "object" ? saved : {}) });
  } catch {
    return defaults.query;
  }
}

let state: DashboardState = { ...defaults, ...host.state, query: restoredQuery(host.state?.query), insights: restoredInsights(host.state?.insights) };
let rows: TaskRow[] = [];
let total = 0;
const selected = new Set<string>();
let querying = false;
let scrollRestored = false;
let queryAgain = false;

function saveState(): void {
  host.saveState(state);
}

const value = (el: HTMLElement): string => (el as unknown as { value: string }).value;

function dropdown(id: string, label: string, options: Array<[string, string]>, current: string, onChange: (v: string) => void): HTMLElement {
  const el = h("vscode-dropdown", { id, "aria-label": label, title: label },
    ...options.map(([v, text]) => h("vscode-option", { value: v, selected: v === current }, text)));
  el.addEventListener("change", () => onChange(value(el)));
  return el;
}

function textField(id: string, placeholder: string, current: string | null, onChange: (v: string) => void): HTMLElement {
  const el = h("vscode-text-field", { id, placeholder, "aria-label": placeholder, value: current ?? "" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  el.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => onChange(value(el)), 200);
  });
  return el;
}

function setFilter(patch: Partial<TaskQuery>): void {
  state = { ...state, query: { ...state.query, ...patch, offset: patch.offset ?? 0 } };
  saveState();
  void refreshPage();
}

const metrics = h("section", { class: "cards", id: "metrics", "aria-label": l10n.t("Metrics") });
const functions = h("section", { id: "functions", "aria-label": l10n.t("Functions") });
let funcDropdown = h("span");
const funcSlot = h("span", { class: "func-slot" }, funcDropdown);
const notice = h("div", { class: "notice", role: "status", hidden: true });
const table = h("table", { class: "grid tasks", id: "tasks" });
const pager = h("div", { class: "pager" });
const retryButton = h("vscode-button", { id: "retry-selected", disabled: true, onClick: () => void retrySelected() }, l10n.t("Retry selected"));

/** Whether the notice shows a wait for the engine or a failed load, which the next dashboard update clears. */
let noticeClearsOnUpdate = false;

function showNotice(text: string, kind: "info" | "error", clearsOnUpdate = false): void {
  noticeClearsOnUpdate = clearsOnUpdate;
  notice.textContent = text;
  notice.className = `notice ${kind}`;
  notice.hidden = false;
}

function renderFuncDropdown(names: string[]): void {
  const current = state.query.funcName ?? "";
  const all = names.includes(current) || current === "" ? names : [...names, current];
  const key = JSON.stringify([all, current]);
  if (funcDropdown.dataset.key === key) return;
  funcDropdown = dropdown("filter-func", l10n.t("Function"), [["", l10n.t("All functions")], ...all.map((n): [string, string] => [n, n])], current, (v) => setFilter({ funcName: v || null }));
  funcDropdown.dataset.key = key;
  replaceChildren(funcSlot, funcDropdown);
}

function renderTable(): void {
  const q = state.query;
  const head = h("tr", {},
    h("th", { scope: "col", class: "select" }, h("span", { class: "visually-hidden" }, l10n.t("Select"))),
    ...COLUMNS.map((c) => {
      if (!c.key) return h("th", { scope: "col" }, c.label);
      const by = c.key;
      const sorted = q.sort.by === by;
      const descending = q.sort.order === "desc";
      // A first click sorts times and durations newest or longest first, names and statuses A to Z.
      const firstOrder = by === "createdAt" || by === "duration" ? "desc" : "asc";
      return h("th", { scope: "col", class: c.numeric ? "num" : undefined, "aria-sort": sorted ? (descending ? "descending" : "ascending") : "none" },
        h("button", { class: "sort", "data-sort": by, onClick: () => setFilter({ sort: { by, order: sorted ? (descending ? "asc" : "desc") : firstOrder } }) },
          c.label, sorted ? (descending ? " ▼" : " ▲") : ""));
    }));
  const body = rows.length === 0
    ? [h("tr", {}, h("td", { colspan: COLUMNS.length + 1, class: "empty" }, l10n.t("No tasks match these filters.")))]
    : rows.map((r) => {
      const retryable = isRetryable(r.status);
      const box = h("vscode-checkbox", {
        "aria-label": l10n.t("Select {0} {1}", r.funcName, r.taskId.slice(0, 8)),
        disabled: !retryable,
        checked: selected.has(r.taskId),
        title: retryable ? l10n.t("Select for bulk retry") : l10n.t("Only {0} tasks can be retried", orList(RETRYABLE_STATUSES)),
      });
      box.addEventListener("change", () => {
        if ((box as unknown as { checked: boolean }).checked) selected.add(r.taskId);
        else selected.delete(r.taskId);
        updateRetryButton();
      });
      return h("tr", { "data-task-id": r.taskId, class: `row-${r.status}` },
        h("td", { class: "select" }, box),
        h("td", {}, h("span", { class: `status-pill status-${r.status}` }, r.status)),
        h("td", {}, h("a", { href: "#", class: "task-link", title: l10n.t("Open task {0}", r.taskId), onClick: (e: Event) => { e.preventDefault(); host.command(ShowTask, { taskId: r.taskId }); } }, r.funcName), h("div", { class: "sub" }, r.taskId.slice(0, 8))),
        h("td", { class: "nowrap" }, formatTime(r.createdAt)),
        h("td", { class: "num" }, formatDuration(r.duration)),
        h("td", { class: "num" }, String(r.retriesUsed)),
        h("td", {}, ...Object.entries(r.tags).map(([k, v]) => h("span", { class: "tag-chip" }, `${k}=${v}`))),
        h("td", { class: "error-cell", title: r.error ?? "" }, r.error ?? ""));
    });
  replaceChildren(table, h("thead", {}, head), h("tbody", {}, ...body));
  const first = total === 0 ? 0 : q.offset + 1;
  const last = Math.min(q.offset + q.limit, total);
  replaceChildren(pager,
    h("vscode-button", { appearance: "secondary", id: "prev-page", disabled: q.offset === 0, onClick: () => setFilter({ offset: Math.max(0, q.offset - q.limit) }) }, l10n.t("Previous")),
    h("span", { class: "range", id: "page-range" }, l10n.t("{0}–{1} of {2}", first, last, total)),
    h("vscode-button", { appearance: "secondary", id: "next-page", disabled: last >= total, onClick: () => setFilter({ offset: q.offset + q.limit }) }, l10n.t("Next")),
    dropdown("page-size", l10n.t("Rows per page"), PAGE_SIZES.map((n): [string, string] => [String(n), l10n.t("{0} per page", n)]), String(q.limit), (v) => setFilter({ limit: Number(v) })));
  updateRetryButton();
}

function updateRetryButton(): void {
  if (selected.size === 0) retryButton.setAttribute("disabled", "");
  else retryButton.removeAttribute("disabled");
  retryButton.textContent = selected.size === 0 ? l10n.t("Retry selected") : l10n.t("Retry selected ({0})", selected.size);
}

async function refreshPage(): Promise<void> {
  if (querying) {
    queryAgain = true;
    return;
  }
  querying = true;
  try {
    const result = await host.request(QueryTasks, state.query);
    if (result.rows.length === 0 && state.query.offset > 0 && result.total > 0) {
      state = { ...state, query: { ...state.query, offset: Math.floor((result.total - 1) / state.query.limit) * state.query.limit } };
      saveState();
      queryAgain = true;
    }
    rows = result.rows;
    total = result.total;
    const visible = new Set(rows.filter((r) => isRetryable(r.status)).map((r) => r.taskId));
    for (const id of [...selected]) if (!visible.has(id)) selected.delete(id);
    renderFuncDropdown(result.funcNames);
    renderTable();
    document.getElementById("app")?.removeAttribute("aria-busy");
    if (!scrollRestored) {
      scrollRestored = true;
      window.scrollTo({ top: state.scrollY });
    }
  } catch (error) {
    showNotice(l10n.t("Could not load tasks: {0}", error instanceof Error ? error.message : String(error)), "error", true);
  } finally {
    querying = false;
    if (queryAgain) {
      queryAgain = false;
      void refreshPage();
    }
  }
}

async function retrySelected(): Promise<void> {
  const taskIds = [...selected];
  if (taskIds.length === 0) return;
  try {
    const result = await host.request(RetryTasks, { taskIds });
    selected.clear();
    const refused = result.errors.map((e) => `${e.taskId.slice(0, 8)}: ${e.error}`).join("; ");
    const retried = l10n.t("Retried {0} of {1} tasks.", result.retried.length, taskIds.length);
    showNotice(refused ? l10n.t("{0} Not retried: {1}", retried, refused) : retried, refused ? "error" : "info");
    void refreshPage();
  } catch (error) {
    showNotice(error instanceof Error ? error.message : String(error), "error");
  }
}

async function exportRows(format: "csv" | "json"): Promise<void> {
  const { limit: _limit, offset: _offset, ...query } = state.query;
  try {
    const result = await host.request(ExportTasks, { query, format });
    if (result.path) showNotice(l10n.t("Exported {0} tasks to {1}.", result.count, result.path), "info");
  } catch (error) {
    showNotice(l10n.t("Export failed: {0}", error instanceof Error ? error.message : String(error)), "error");
  }
}

async function clearHistory(): Promise<void> {
  try {
    const result = await host.request(ClearHistory, { olderThanSeconds: state.clearAge });
    if (result.deleted !== null) showNotice(l10n.t("Deleted {0} finished tasks.", result.deleted), "info");
    void refreshPage();
  } catch (error) {
    showNotice(l10n.t("Clear history failed: {0}", error instanceof Error ? error.message : String(error)), "error");
  }
}

const insights = new Insights(host, state.insights, (patch) => {
  state = { ...state, insights: patch };
  saveState();
});

const q = state.query;
replaceChildren(
  byId("app"),
  h("header", { class: "dash-header" }, h("h1", {}, l10n.t("Taskflow Dashboard"))),
  notice,
  metrics,
  h("h2", {}, l10n.t("Throughput")),
  insights.chartSection,
  h("h2", {}, l10n.t("Queues")),
  insights.queuesSection,
  h("h2", {}, l10n.t("Functions")),
  functions,
  h("h2", {}, l10n.t("Tasks")),
  h("div", { class: "toolbar filters", role: "search" },
    dropdown("filter-status", l10n.t("Status"), [["", l10n.t("All statuses")], ...ALL_STATUSES.map((s): [string, string] => [s, s])], q.statuses[0] ?? "", (v) => setFilter({ statuses: v ? [v as TaskStatus] : [] })),
    funcSlot,
    textField("filter-tag", l10n.t("Tag (key or key=value)"), q.tag, (v) => setFilter({ tag: v.trim() || null })),
    textField("filter-text", l10n.t("Search name, id, error, tags"), q.search, (v) => setFilter({ search: v.trim() || null }))),
  h("div", { class: "toolbar actions" },
    retryButton,
    h("vscode-button", { appearance: "secondary", id: "export-csv", onClick: () => void exportRows("csv") }, l10n.t("Export CSV")),
    h("vscode-button", { appearance: "secondary", id: "export-json", onClick: () => void exportRows("json") }, l10n.t("Export JSON")),
    h("span", { class: "spacer" }),
    h("label", { class: "inline-label" }, l10n.t("Clear history:")),
    dropdown("clear-age", l10n.t("Clear which finished tasks"), CLEAR_AGES_SECONDS.map((s): [string, string] => [String(s), AGE_LABELS[s] ?? l10n.t("{0} s", s)]), String(state.clearAge), (v) => {
      state = { ...state, clearAge: Number(v) };
      saveState();
    }),
    h("vscode-button", { appearance: "secondary", id: "clear-history", onClick: () => void clearHistory() }, l10n.t("Clear"))),
  insights.retryControls,
  h("div", { class: "table-wrap" }, table),
  pager,
  h("h2", {}, l10n.t("Audit trail")),
  insights.auditSection,
);
renderFuncDropdown([]);
let scrollTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener("scroll", () => {
  clearTimeout(scrollTimer);
  scrollTimer = setTimeout(() => {
    state = { ...state, scrollY: window.scrollY };
    saveState();
  }, 150);
});

host.on(EngineUnavailable, ({ message }) => showNotice(l10n.t("Waiting for the Taskflow engine: {0}", message), "info", true));
host.on(DashboardUpdated, (summary) => {
  if (noticeClearsOnUpdate) notice.hidden = true;
  renderMetrics(metrics, summary);
  renderFunctions(functions, summary.functions, (funcName) => setFilter({ funcName }));
  void refreshPage();
  void insights.refresh();
});

host.command(Ready, {});
