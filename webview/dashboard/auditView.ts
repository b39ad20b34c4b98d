/** The audit list: who did what to which task, newest first. */
import * as l10n from "@vscode/l10n";
import type { AuditEntry } from "../../src/model/audit";
import { h, replaceChildren } from "../shared/dom";
import { formatTime } from "../shared/format";

/** `open(taskId)` opens the task panel of an entry's task. */
export function renderAudit(container: HTMLElement, entries: AuditEntry[], open: (taskId: string) => void): void {
  if (entries.length === 0) {
    replaceChildren(container, h("p", { class: "empty", id: "audit-empty" }, l10n.t("Nothing recorded yet. Runs, retries, cancels, deletions and queue or schedule changes show here, with who made them (VS Code, the CLI, the HTTP API or code).")));
    return;
  }
  replaceChildren(
    container,
    h("table", { class: "grid audit", id: "audit-table" },
      h("thead", {}, h("tr", {}, ...[l10n.t("Time"), l10n.t("Actor"), l10n.t("Action"), l10n.t("Task"), l10n.t("Detail")].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, ...entries.map((e) =>
        h("tr", { "data-action": e.action },
          h("td", { class: "nowrap" }, formatTime(e.at)),
          h("td", {}, e.actor),
          h("td", {}, e.action),
          h("td", {}, e.taskId === null
            ? "—"
            : h("a", { href: "#", class: "task-link", title: l10n.t("Open task {0}", e.taskId), onClick: (event: Event) => {
              event.preventDefault();
              open(e.taskId as string);
            } }, h("code", {}, e.taskId.slice(0, 8)))),
          h("td", { class: "detail-cell" }, e.detail ?? ""))))),
  );
}
