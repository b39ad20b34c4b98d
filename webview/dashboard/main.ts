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
/** Table columns; `key` is the model's sort field of a sortable column. */
const COLUMNS: Array<{ key: SortField | null; label: string; numeric?: boolean }> = [
  { key: "status", label: "Status" },
  { key: "funcName", label: "Function" },
  { key: "createdAt", label: "Created" },
  { key: "duration", label: "Duration", numeric: true },
  { key: null, label: "Retries", numeric: true },
  { key: null, label: "Tags" },
  { key: null, label: "Error" },
];
const AGE_LABELS: Record<number, string> = { 0: "all finished", 3600: "older than 1 hour", 86400: "older than 1 day", 604800: "older than 7 days", 2592000: "older than 30 days" };

registerToolkit();
const host = new HostConnection<DashboardState>();
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

const metrics = h("section", { class: "cards", id: "metrics", "aria-label": "Metrics" });
const functions = h("section", { id: "functions", "aria-label": "Functions" });
let funcDropdown = h("span");
const funcSlot = h("span", { class: "func-slot" }, funcDropdown);
const notice = h("div", { class: "notice", role: "status", hidden: true });
const table = h("table", { class: "grid tasks", id: "tasks" });
const pager = h("div", { class: "pager" });
const retryButton = h("vscode-button", { id: "retry-selected", disabled: true, onClick: () => void retrySelected() }, "Retry selected");

function showNotice(text: string, kind: "info" | "error"): void {
  notice.textContent = text;
  notice.className = `notice ${kind}`;
  notice.hidden = false;
}

function renderFuncDropdown(names: string[]): void {
  const current = state.query.funcName ?? "";
  const all = names.includes(current) || current === "" ? names : [...names, current];
  const key = JSON.stringify([all, current]);
  if (funcDropdown.dataset.key === key) return;
  funcDropdown = dropdown("filter-func", "Function", [["", "All functions"], ...all.map((n): [string, string] => [n, n])], current, (v) => setFilter({ funcName: v || null }));
  funcDropdown.dataset.key = key;
  replaceChildren(funcSlot, funcDropdown);
}

function renderTable(): void {
  const q = state.query;
  const head = h("tr", {},
    h("th", { scope: "col", class: "select" }, h("span", { class: "visually-hidden" }, "Select")),
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
    ? [h("tr", {}, h("td", { colspan: COLUMNS.length + 1, class: "empty" }, "No tasks match these filters."))]
    : rows.map((r) => {
      const retryable = isRetryable(r.status);
      const box = h("vscode-checkbox", { "aria-label": `Select ${r.funcName} ${r.taskId.slice(0, 8)}`, disabled: !retryable, checked: selected.has(r.taskId), title: retryable ? "Select for bulk retry" : `Only ${orList(RETRYABLE_STATUSES)} tasks can be retried` });
      box.addEventListener("change", () => {
        if ((box as unknown as { checked: boolean }).checked) selected.add(r.taskId);
        else selected.delete(r.taskId);
        updateRetryButton();
      });
      return h("tr", { "data-task-id": r.taskId, class: `row-${r.status}` },
        h("td", { class: "select" }, box),
        h("td", {}, h("span", { class: `status-pill status-${r.status}` }, r.status)),
        h("td", {}, h("a", { href: "#", class: "task-link", title: `Open task ${r.taskId}`, onClick: (e: Event) => { e.preventDefault(); host.command(ShowTask, { taskId: r.taskId }); } }, r.funcName), h("div", { class: "sub" }, r.taskId.slice(0, 8))),
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
    h("vscode-button", { appearance: "secondary", id: "prev-page", disabled: q.offset === 0, onClick: () => setFilter({ offset: Math.max(0, q.offset - q.limit) }) }, "Previous"),
    h("span", { class: "range", id: "page-range" }, `${first}–${last} of ${total}`),
    h("vscode-button", { appearance: "secondary", id: "next-page", disabled: last >= total, onClick: () => setFilter({ offset: q.offset + q.limit }) }, "Next"),
    dropdown("page-size", "Rows per page", PAGE_SIZES.map((n): [string, string] => [String(n), `${n} per page`]), String(q.limit), (v) => setFilter({ limit: Number(v) })));
  updateRetryButton();
}

function updateRetryButton(): void {
  if (selected.size === 0) retryButton.setAttribute("disabled", "");
  else retryButton.removeAttribute("disabled");
  retryButton.textContent = selected.size === 0 ? "Retry selected" : `Retry selected (${selected.size})`;
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
    showNotice(`Could not load tasks: ${error instanceof Error ? error.message : String(error)}`, "error");
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
    showNotice(`Retried ${result.retried.length} of ${taskIds.length} tasks.${refused ? ` Not retried: ${refused}` : ""}`, refused ? "error" : "info");
    void refreshPage();
  } catch (error) {
    showNotice(error instanceof Error ? error.message : String(error), "error");
  }
}

async function exportRows(format: "csv" | "json"): Promise<void> {
  const { limit: _limit, offset: _offset, ...query } = state.query;
  try {
    const result = await host.request(ExportTasks, { query, format });
    if (result.path) showNotice(`Exported ${result.count} tasks to ${result.path}.`, "info");
  } catch (error) {
    showNotice(`Export failed: ${error instanceof Error ? error.message : String(error)}`, "error");
  }
}

async function clearHistory(): Promise<void> {
  try {
    const result = await host.request(ClearHistory, { olderThanSeconds: state.clearAge });
    if (result.deleted !== null) showNotice(`Deleted ${result.deleted} finished tasks.`, "info");
    void refreshPage();
  } catch (error) {
    showNotice(`Clear history failed: ${error instanceof Error ? error.message : String(error)}`, "error");
  }
}

const insights = new Insights(host, state.insights, (patch) => {
  state = { ...state, insights: patch };
  saveState();
});

const q = state.query;
replaceChildren(
  byId("app"),
  h("header", { class: "dash-header" }, h("h1", {}, "Taskflow Dashboard")),
  notice,
  metrics,
  h("h2", {}, "Throughput"),
  insights.chartSection,
  h("h2", {}, "Queues"),
  insights.queuesSection,
  h("h2", {}, "Functions"),
  functions,
  h("h2", {}, "Tasks"),
  h("div", { class: "toolbar filters", role: "search" },
    dropdown("filter-status", "Status", [["", "All statuses"], ...ALL_STATUSES.map((s): [string, string] => [s, s])], q.statuses[0] ?? "", (v) => setFilter({ statuses: v ? [v as TaskStatus] : [] })),
    funcSlot,
    textField("filter-tag", "Tag (key or key=value)", q.tag, (v) => setFilter({ tag: v.trim() || null })),
    textField("filter-text", "Search name, id, error, tags", q.search, (v) => setFilter({ search: v.trim() || null }))),
  h("div", { class: "toolbar actions" },
    retryButton,
    h("vscode-button", { appearance: "secondary", id: "export-csv", onClick: () => void exportRows("csv") }, "Export CSV"),
    h("vscode-button", { appearance: "secondary", id: "export-json", onClick: () => void exportRows("json") }, "Export JSON"),
    h("span", { class: "spacer" }),
    h("label", { class: "inline-label" }, "Clear history:"),
    dropdown("clear-age", "Clear which finished tasks", CLEAR_AGES_SECONDS.map((s): [string, string] => [String(s), AGE_LABELS[s] ?? `${s} s`]), String(state.clearAge), (v) => {
      state = { ...state, clearAge: Number(v) };
      saveState();
    }),
    h("vscode-button", { appearance: "secondary", id: "clear-history", onClick: () => void clearHistory() }, "Clear")),
  insights.retryControls,
  h("div", { class: "table-wrap" }, table),
  pager,
  h("h2", {}, "Audit trail"),
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

host.on(EngineUnavailable, ({ message }) => showNotice(`Waiting for the Taskflow engine: ${message}`, "info"));
host.on(DashboardUpdated, (summary) => {
  if (notice.textContent?.startsWith("Waiting for the Taskflow engine") || notice.textContent?.startsWith("Could not load tasks")) notice.hidden = true;
  renderMetrics(metrics, summary);
  renderFunctions(functions, summary.functions, (funcName) => setFilter({ funcName }));
  void refreshPage();
  void insights.refresh();
});

host.command(Ready, {});
