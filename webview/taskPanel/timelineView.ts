/**
 * The run on one time axis (timelineModel.ts drawn): a row per attempt, step, wait and child, each a
 * bar on a shared axis, in a box that scrolls past a few dozen rows. A click on a step or wait shows
 * its value or error below, with Retry from here; a click on a child opens its panel.
 */
import * as l10n from "@vscode/l10n";
import { parseStepKey, stepKey, type StepRecord } from "../../src/model/durable";
import { isResumable } from "../../src/model/status";
import type { TaskView } from "../../src/protocol";
import { h, replaceChildren } from "../shared/dom";
import { formatDuration, formatTime } from "../shared/format";
import { barPlacement, buildTimeline, hasTimeline, type AttemptSpan, type TimelineModel, type TimelineRow } from "./timelineModel";

type ShownTask = Omit<TaskView, "logs">;

export interface TimelineActions {
  /** Retry the run keeping the steps before this one (`name#n`). */
  retryFrom(stepKey: string): void;
  /** Open the panel of a child run. */
  openChild(taskId: string): void;
}

export class TimelineView {
  readonly element = h("section", { class: "timeline", id: "timeline", hidden: true, "aria-label": l10n.t("Timeline") });
  private readonly summary = h("span", { class: "timeline-summary", id: "timeline-summary" });
  private readonly axis = h("div", { class: "tl-axis", "aria-hidden": "true" });
  private readonly rows = h("div", { class: "tl-rows", id: "timeline-rows" });
  private readonly detail = h("div", { class: "tl-detail", id: "step-detail", hidden: true, "aria-live": "polite" });
  private selected: string | null = null;
  private task: ShownTask | null = null;

  constructor(private readonly actions: TimelineActions) {
    replaceChildren(this.element, h("h2", {}, l10n.t("Timeline"), " ", this.summary), this.rows, this.detail);
  }

  /** Draws the run as it is at `nowMs`; hidden while it has no steps, children or retries. */
  render(task: ShownTask, spans: readonly AttemptSpan[], nowMs: number): void {
    if (this.task?.taskId !== task.taskId) this.selected = null;
    this.task = task;
    this.element.hidden = !hasTimeline(task);
    if (this.element.hidden) return;
    const model = buildTimeline(task, spans, nowMs);
    const count = (kind: TimelineRow["kind"]): number => model.rows.filter((r) => r.kind === kind).length;
    const steps = count("step");
    const waits = count("wait");
    const attempts = Math.max(count("attempt"), 1);
    const children = task.childCount;
    this.summary.textContent = [
      steps === 0 ? null : steps === 1 ? l10n.t("1 step") : l10n.t("{0} steps", steps),
      waits === 0 ? null : waits === 1 ? l10n.t("1 wait") : l10n.t("{0} waits", waits),
      attempts === 1 ? l10n.t("1 attempt") : l10n.t("{0} attempts", attempts),
      children === 0 ? null : children === 1 ? l10n.t("1 child") : l10n.t("{0} children", children),
    ].filter((part) => part !== null).join(" · ");
    this.renderAxis(model);
    const scrollTop = this.rows.scrollTop;
    // Drawn again every second while the run is live: keep the scroll and the keyboard focus where they were.
    const focused = this.rows.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.rowId : undefined;
    // The axis scrolls with the rows (sticky at the top), so a scrollbar cannot shift one against the other.
    replaceChildren(this.rows, this.axis, ...model.rows.map((row) => this.renderRow(row, model)));
    this.rows.scrollTop = scrollTop;
    if (focused !== undefined) this.rows.querySelector<HTMLElement>(`[data-row-id="${CSS.escape(focused)}"]`)?.focus();
    this.renderDetail();
  }

  private renderAxis(model: TimelineModel): void {
    const track = h("div", { class: "tl-track" });
    for (const tick of model.ticks) {
      // Centred on its time, but kept inside the track at either end.
      const mark = h("span", { class: `tl-tick${tick.percent === 0 ? " tl-tick-start" : tick.percent > 90 ? " tl-tick-end" : ""}` }, tick.label);
      mark.style.left = `${tick.percent}%`;
      track.appendChild(mark);
    }
    replaceChildren(this.axis, h("span", { class: "tl-label" }, formatTime(new Date(model.startMs).toISOString())), track);
  }

  private renderRow(row: TimelineRow, model: TimelineModel): HTMLElement {
    const { leftPercent, widthPercent } = barPlacement(row, model);
    const bar = h("span", { class: `tl-bar tl-${row.kind} status-${row.status}${row.open ? " open" : ""}` });
    // Through CSSOM: the CSP allows no inline style attributes.
    bar.style.left = `${leftPercent}%`;
    bar.style.width = `${widthPercent}%`;
    // A long step name is cut short before its occurrence, which tells fetch#1 from fetch#2.
    const key = row.stepKey === null ? undefined : parseStepKey(row.stepKey);
    const label = key
      ? h("span", { class: "tl-label tl-key" }, h("span", { class: "tl-name" }, key.name), h("span", { class: "tl-occurrence" }, `#${key.occurrence}`))
      : h("span", { class: "tl-label" }, row.label);
    const track = h("span", { class: "tl-track" }, bar);
    const attributes = { class: `tl-row tl-row-${row.kind}${row.id === this.selected ? " selected" : ""}`, title: row.title, "data-row-id": row.id };
    if (row.stepKey === null && row.childId === null) return h("div", attributes, label, track);
    return h("button", {
      ...attributes,
      type: "button",
      "aria-pressed": row.stepKey !== null ? String(row.id === this.selected) : null,
      onClick: () => {
        if (row.childId !== null) {
          this.actions.openChild(row.childId);
          return;
        }
        this.selected = this.selected === row.id ? null : row.id;
        for (const other of Array.from(this.rows.querySelectorAll(".tl-row.selected"))) other.classList.remove("selected");
        if (this.selected !== null) this.rows.querySelector(`[data-row-id="${CSS.escape(row.id)}"]`)?.classList.add("selected");
        this.renderDetail();
      },
    }, label, track);
  }

  private selectedStep(): StepRecord | undefined {
    const key = this.selected?.replace(/^step:/, "");
    return this.task?.steps.find((s) => stepKey(s.name, s.occurrence) === key);
  }

  private renderDetail(): void {
    const step = this.selectedStep();
    const task = this.task;
    this.detail.hidden = step === undefined || task === null;
    if (step === undefined || task === null) {
      replaceChildren(this.detail);
      return;
    }
    const key = stepKey(step.name, step.occurrence);
    const took = step.endedAt === null ? l10n.t("not ended") : formatDuration((Date.parse(step.endedAt) - Date.parse(step.startedAt)) / 1000);
    const retry = h("vscode-button", { id: "retry-from-step", appearance: "secondary", onClick: () => this.actions.retryFrom(key) }, l10n.t("Retry from here"));
    if (isResumable(task.status)) {
      retry.setAttribute("title", l10n.t("A new run with the steps before {0} replayed; {0} and what follows run again", key));
    } else {
      retry.setAttribute("disabled", "");
      retry.setAttribute("title", l10n.t("Only a failed, interrupted or cancelled run can be retried from a step; this one is {0}", task.status));
    }
    replaceChildren(
      this.detail,
      h("div", { class: "tl-detail-head" },
        h("strong", { id: "step-detail-key" }, key),
        h("span", { class: `status-pill status-${step.status}` }, step.status),
        h("span", { class: "field-hint" }, l10n.t("{0} · attempt {1} · started {2} · {3}", step.kind, step.attempt + 1, formatTime(step.startedAt), took)),
        retry),
      step.error !== null
        ? h("pre", { class: "error-message", id: "step-detail-error" }, step.error)
        : h("pre", { class: "json", id: "step-detail-value" }, step.status === "waiting" ? l10n.t("(waiting: no value yet)") : JSON.stringify(step.value, null, 2) ?? String(undefined)),
    );
  }
}
