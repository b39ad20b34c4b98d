import * as l10n from "@vscode/l10n";
import { ALL_STATUSES, type TaskStatus } from "../../src/model/status";
import type { DashboardSummary, FunctionStats } from "../../src/protocol";
import { h, replaceChildren } from "../shared/dom";
import { formatDuration, formatPercent } from "../shared/format";

function card(label: string, value: string, id: string, status?: TaskStatus): HTMLElement {
  return h("div", { class: `card${status ? ` card-${status}` : ""}`, id }, h("div", { class: "card-value" }, value), h("div", { class: "card-label" }, label));
}

/** The card label of a status, in the display language; a switch so a status added to the model needs one here. */
function cardLabel(status: TaskStatus): string {
  switch (status) {
    case "running": return l10n.t("Running");
    case "waiting": return l10n.t("Waiting");
    case "pending": return l10n.t("Pending");
    case "failed": return l10n.t("Failed");
    case "interrupted": return l10n.t("Interrupted");
    case "rejected": return l10n.t("Rejected");
    case "cancelled": return l10n.t("Cancelled");
    case "success": return l10n.t("Succeeded");
  }
}

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
    card(l10n.t("Total"), String(m.total), "metric-total"),
    ...ALL_STATUSES.map((status) => card(cardLabel(status), String(m[status]), `metric-${status}`, status)),
    card(l10n.t("Success rate"), formatPercent(m.successRate), "metric-success-rate"),
    card(l10n.t("Average duration"), formatDuration(m.total > 0 ? m.avgDuration : null), "metric-avg-duration"),
  );
}

function outcomes(statuses: TaskStatus[]): HTMLElement {
  return h(
    "span",
    { class: "outcomes", "aria-label": l10n.t("Last outcomes, newest first: {0}", statuses.join(", ")) },
    ...statuses.map((s) => h("span", { class: `outcome status-${s}`, title: s }, OUTCOME_GLYPHS[s])),
  );
}

/** The per-function table. */
export function renderFunctions(container: HTMLElement, functions: FunctionStats[], onPick: (funcName: string) => void): void {
  if (functions.length === 0) {
    replaceChildren(container, h("p", { class: "empty" }, l10n.t("No task has run yet.")));
    return;
  }
  replaceChildren(
    container,
    h("table", { class: "grid functions" },
      h("thead", {}, h("tr", {}, ...[l10n.t("Function"), l10n.t("Runs"), l10n.t("Success rate"), l10n.t("Average"), l10n.t("p95"), l10n.t("Last five")].map((c, i) => h("th", { scope: "col", class: i >= 1 && i <= 4 ? "num" : undefined }, c)))),
      h("tbody", {}, ...functions.map((f) =>
        h("tr", { "data-func": f.funcName },
          h("td", {}, h("a", { href: "#", class: "func-link", title: l10n.t("Show only {0}", f.funcName), onClick: (e: Event) => { e.preventDefault(); onPick(f.funcName); } }, f.funcName)),
          h("td", { class: "num" }, String(f.runs)),
          h("td", { class: "num" }, formatPercent(f.successRate)),
          h("td", { class: "num" }, formatDuration(f.avgDuration)),
          h("td", { class: "num" }, formatDuration(f.p95Duration)),
          h("td", {}, outcomes(f.lastOutcomes)))))),
  );
}
