import type { TaskStatus } from "../../src/engine/types";
import type { DashboardSummary, FunctionStats } from "../../src/protocol";
import { h, replaceChildren } from "../shared/dom";
import { formatDuration, formatPercent } from "../shared/format";

function card(label: string, value: string, id: string, status?: TaskStatus): HTMLElement {
  return h("div", { class: `card${status ? ` card-${status}` : ""}`, id }, h("div", { class: "card-value" }, value), h("div", { class: "card-label" }, label));
}

/** The metric cards. */
export function renderMetrics(container: HTMLElement, summary: DashboardSummary): void {
  const m = summary.metrics;
  replaceChildren(
    container,
    card("Total", String(m.total), "metric-total"),
    card("Running", String(m.running), "metric-running", "running"),
    card("Pending", String(m.pending), "metric-pending", "pending"),
    card("Succeeded", String(m.success), "metric-success", "success"),
    card("Failed", String(m.failed), "metric-failed", "failed"),
    card("Interrupted", String(m.interrupted), "metric-interrupted", "interrupted"),
    card("Cancelled", String(m.cancelled), "metric-cancelled", "cancelled"),
    card("Success rate", formatPercent(m.successRate), "metric-success-rate"),
    card("Average duration", formatDuration(m.total > 0 ? m.avgDuration : null), "metric-avg-duration"),
  );
}

function outcomes(statuses: TaskStatus[]): HTMLElement {
  return h(
    "span",
    { class: "outcomes", "aria-label": `Last outcomes, newest first: ${statuses.join(", ")}` },
    ...statuses.map((s) => h("span", { class: `outcome status-${s}`, title: s }, s === "success" ? "✓" : s === "failed" ? "✗" : s === "running" ? "▶" : s === "pending" ? "…" : s === "interrupted" ? "!" : "–")),
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
