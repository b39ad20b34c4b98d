/** The task panel's progress bar, result and parent/children links: pure renderers of the shown task. */
import * as l10n from "@vscode/l10n";
import type { TaskView } from "../../src/protocol";
import { h, replaceChildren } from "../shared/dom";

type ShownTask = Omit<TaskView, "logs">;

/** A determinate bar with the percentage and message while the task runs and has reported progress. */
export function renderProgress(section: HTMLElement, t: ShownTask): void {
  const progress = t.status === "running" ? t.progress : null;
  section.hidden = progress === null;
  if (progress === null) {
    replaceChildren(section);
    return;
  }
  const percent = Math.floor(progress.fraction * 100);
  const fill = h("div", { class: "progress-fill" });
  // Through CSSOM: the CSP allows no inline style attributes.
  fill.style.width = `${percent}%`;
  replaceChildren(
    section,
    h("div", { class: "progress-bar", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": percent, "aria-label": l10n.t("Progress") }, fill),
    h("div", { class: "progress-text", id: "progress-text" }, progress.message ? l10n.t("{0}% · {1}", percent, progress.message) : l10n.t("{0}%", percent)),
  );
}

/**
 * The returned JSON value, pretty-printed in a collapsible block with a Copy button; hidden while
 * there is none. `onCopy` gets the text, and says how the copy went.
 */
export function renderResult(section: HTMLElement, t: ShownTask, onCopy: (text: string) => void): void {
  section.hidden = t.result === null;
  if (t.result === null) {
    replaceChildren(section);
    return;
  }
  const text = JSON.stringify(t.result, null, 2);
  const wasOpen = section.querySelector("details")?.open ?? true;
  replaceChildren(
    section,
    h("details", { class: "result", open: wasOpen },
      h("summary", {}, l10n.t("Result"),
        h("vscode-button", { id: "copy-result", appearance: "secondary", class: "copy-result", title: l10n.t("Copy result as JSON"), onClick: (event: Event) => {
          // Inside <summary> a click would also fold the block.
          event.preventDefault();
          onCopy(text);
        } }, l10n.t("Copy"))),
      h("pre", { class: "json result-json", id: "result-json" }, text)),
  );
}

/** Stands for an element inside a translated sentence, which is split around it. */
const LINK_MARK = "\u0001";

/** The parent and children links; each opens that task's panel through `open`. */
export function renderRelations(section: HTMLElement, t: ShownTask, open: (taskId: string) => void): void {
  const link = (taskId: string, text: string): HTMLElement =>
    h("a", { href: "#", class: "task-link", "data-task-id": taskId, title: l10n.t("Open task {0}", taskId), onClick: (event: Event) => {
      event.preventDefault();
      open(taskId);
    } }, text);
  section.hidden = t.parentId === null && t.childCount === 0;
  const more = t.childCount - t.children.length;
  // The link goes where the translated sentence has its {0}.
  const [beforeParent, afterParent = ""] = l10n.t("Enqueued by {0}", LINK_MARK).split(LINK_MARK);
  replaceChildren(
    section,
    t.parentId !== null ? h("p", { class: "parent" }, beforeParent, link(t.parentId, t.parentId.slice(0, 8)), afterParent) : null,
    t.childCount > 0 ? h("h2", {}, l10n.t("Children ({0})", t.childCount)) : null,
    t.childCount > 0
      ? h("ul", { class: "children" },
        ...t.children.map((c) => h("li", {}, h("span", { class: `child-status status-${c.status}`, title: c.status }, "●"), " ", link(c.taskId, c.funcName), ` ${c.status} · `, h("code", {}, c.taskId.slice(0, 8)))),
        more > 0 ? h("li", { class: "more" }, l10n.t("and {0} more", more)) : null)
      : null,
  );
}
