/** The queues table: each queue's limits, what it holds, and a Pause or Resume button. */
import * as l10n from "@vscode/l10n";
import type { QueueInfo } from "../../src/model/client";
import { h, replaceChildren } from "../shared/dom";

function limit(value: number | null): string {
  return value === null ? l10n.t("none") : String(value);
}

/** `onToggle(name, paused)` asks the host to pause (true) or resume (false) the queue. */
export function renderQueues(container: HTMLElement, queues: QueueInfo[], onToggle: (name: string, paused: boolean) => void): void {
  if (queues.length === 0) {
    replaceChildren(container, h("p", { class: "empty" }, l10n.t("No queues yet. Runs join the \"default\" queue unless their config or Run Task with Options names another (setting taskflow.queues sets limits).")));
    return;
  }
  const columns = [l10n.t("Queue"), l10n.t("State"), l10n.t("Pending"), l10n.t("Running"), l10n.t("Concurrency"), l10n.t("Max size"), l10n.t("Rate limit"), ""];
  replaceChildren(
    container,
    h("table", { class: "grid queues", id: "queues-table" },
      h("thead", {}, h("tr", {}, ...columns.map((c, i) => h("th", { scope: "col", class: i >= 2 && i <= 5 ? "num" : undefined }, c)))),
      h("tbody", {}, ...queues.map((q) =>
        h("tr", { "data-queue": q.name },
          h("td", {}, q.name),
          h("td", {}, h("span", { class: `status-pill ${q.paused ? "queue-paused" : "queue-running"}` }, q.paused ? l10n.t("paused") : l10n.t("running"))),
          h("td", { class: "num" }, String(q.pending)),
          h("td", { class: "num" }, String(q.running)),
          h("td", { class: "num" }, limit(q.concurrency)),
          h("td", { class: "num" }, limit(q.maxSize)),
          h("td", {}, q.rateLimit === null ? l10n.t("none") : l10n.t("{0} per {1} s", q.rateLimit.max, q.rateLimit.perSeconds)),
          h("td", { class: "row-action" },
            h("vscode-button", {
              appearance: "secondary",
              class: "queue-toggle",
              "aria-label": q.paused ? l10n.t("Resume queue {0}", q.name) : l10n.t("Pause queue {0}", q.name),
              title: q.paused ? l10n.t("Let the queue start tasks again") : l10n.t("Hold the queue's starts: pending tasks wait, running ones go on"),
              onClick: () => onToggle(q.name, !q.paused),
            }, q.paused ? l10n.t("Resume") : l10n.t("Pause"))))))),
  );
}
