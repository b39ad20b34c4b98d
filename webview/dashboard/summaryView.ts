import { ALL_STATUSES, type TaskStatus } from "../../src/model/status";
import type { DashboardSummary, FunctionStats } from "../../src/protocol";
import { h, replaceChildren } from "../shared/dom";
import { formatDuration, formatPercent } from "../shared/format";

function card(label: string, value: string, id: string, status?: TaskStatus): HTMLElement {
  return h("div", { class: `card${status ? ` card-${status}` : ""}`, id }, h("div", { class: "card-value" }, value), h("div", { class: "card-label" }, label));
}

/** The card label of each status; a Record so a status added to the model needs one here. */
const CARD_LABELS: Record<TaskStatus, string> = {
  running: "Running",
  waiting: "Waiting",
  pending: "Pending",
  failed: "Failed",
  interrupted: "Interrupted",
  rejected: "Rejected",
  cancelled: "Cancelled",
  success: "Succeeded",
};

/** The glyph of each status in a function's last outcomes. */
const OUTCOME_GLYPHS: Record<TaskStatus, string> = {
  running: "▶",
  waiting: "◷",
  pending: "…",
  failed: "✗",
  interrupted: "!",
  rejected: "⊘",
  cancelled: "–",
  success: "✓",
};

/** The metric cards: the total, one per status in the model's order, then the figures. */
export function renderMetrics(container: HTMLElement, summary: DashboardSummary): void {
  const m = summary.metrics;
  replaceChildren(
    container,
    card("Total", String(m.total), "metric-total"),
    ...ALL_STATUSES.map((status) => card(CARD_LABELS[status], String(m[status]), `metric-${status}`, status)),
    card("Success rate", formatPercent(m.successRate), "metric-success-rate"),
    card("Average duration", formatDuration(m.total > 0 ? m.avgDuration : null), "metric-avg-duration"),
  );
}

function outcomes(statuses: TaskStatus[]): HTMLElement {
  return h(
    "span",
    { class: "outcomes", "aria-label": `Last outcomes, newest first: ${statuses.join(", ")}` },
    ...statuses.map((s) => h("span", { class: `outcome status-${s}`, title: s }, OUTCOME_GLYPHS[s])),
  );
}

/** The per-function table. */
export function renderFunctions(container: HTMLElement, functions: FunctionStats[], onPick: (funcName: string) => void): void {
  if (functions.length === 0) {
    replaceChildren(container, h("p", { class: "empty" }, "No task has run yet."));
    return;
  }
  replaceChildren(
    container,
    h("table", { class: "grid functions" },
      h("thead", {}, h("tr", {}, ...["Function", "Runs", "Success rate", "Average", "p95", "Last five"].map((c, i) => h("th", { scope: "col", class: i >= 1 && i <= 4 ? "num" : undefined }, c)))),
      h("tbody", {}, ...functions.map((f) =>
        h("tr", { "data-func": f.funcName },
          h("td", {}, h("a", { href: "#", class: "func-link", title: `Show only ${f.funcName}`, onClick: (e: Event) => { e.preventDefault(); onPick(f.funcName); } }, f.funcName)),
          h("td", { class: "num" }, String(f.runs)),
          h("td", { class: "num" }, formatPercent(f.successRate)),
          h("td", { class: "num" }, formatDuration(f.avgDuration)),
          h("td", { class: "num" }, formatDuration(f.p95Duration)),
          h("td", {}, outcomes(f.lastOutcomes)))))),
  );
}
