/**
 * The dashboard's sections over time and over the engine's parts: the throughput chart (per minute
 * or per hour), the queues with Pause and Resume, Retry failed since a time, and the audit list.
 * Each section asks the host for its data on every refresh and shows its own error in place, so one
 * that cannot load leaves the others working.
 */
import type { QueueInfo } from "../../src/model/client";
import type { ThroughputBucketSize } from "../../src/model/throughput";
import { QueryAudit, QueryQueues, QueryThroughput, RetryFailedSince, SetQueuePaused, ShowTask } from "../../src/protocol";
import * as l10n from "@vscode/l10n";
import { h, replaceChildren } from "../shared/dom";
import type { HostConnection } from "../shared/hostConnection";
import { renderAudit } from "./auditView";
import { renderQueues } from "./queuesView";
import { RETRY_SINCE_CHOICES, retrySinceLabel, sinceOf, type RetrySinceChoice } from "./retrySince";
import { renderThroughput } from "./throughputChart";

/** What of these sections survives a reload. */
export interface InsightsState {
  bucket: ThroughputBucketSize;
  retrySince: RetrySinceChoice;
  customSince: string;
}

/** Audit entries the dashboard shows: the newest page. */
export const AUDIT_ROWS_SHOWN = 50;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Insights {
  readonly chartSection: HTMLElement;
  readonly queuesSection = h("section", { id: "queues", "aria-label": l10n.t("Queues") });
  readonly auditSection = h("section", { id: "audit", "aria-label": l10n.t("Audit trail") });
  readonly retryControls: HTMLElement;
  private readonly chart = h("div", { class: "chart-wrap", id: "throughput" });
  private readonly bucketButtons: Record<ThroughputBucketSize, HTMLElement>;
  private readonly customField: HTMLElement;
  private readonly retryStatus = h("span", { class: "retry-status", id: "retry-failed-status", role: "status" });
  private loading = false;
  private loadAgain = false;
  private lastWidth = 0;

  constructor(
    private readonly host: HostConnection<unknown>,
    private state: InsightsState,
    private readonly saveState: (state: InsightsState) => void,
  ) {
    const bucketButton = (bucket: ThroughputBucketSize, text: string) =>
      h("vscode-button", { id: `bucket-${bucket}`, "aria-pressed": String(state.bucket === bucket), appearance: state.bucket === bucket ? "primary" : "secondary", onClick: () => this.setBucket(bucket) }, text);
    this.bucketButtons = { minute: bucketButton("minute", l10n.t("Per minute")), hour: bucketButton("hour", l10n.t("Per hour")) };
    this.chartSection = h("section", { id: "throughput-section", "aria-label": l10n.t("Throughput") },
      h("div", { class: "toolbar", role: "group", "aria-label": l10n.t("Chart bucket") }, this.bucketButtons.minute, this.bucketButtons.hour),
      this.chart);

    const retryLabel = l10n.t("Retry failed tasks created");
    const choice = h("vscode-dropdown", { id: "retry-since", "aria-label": retryLabel, title: retryLabel },
      ...RETRY_SINCE_CHOICES.map((c) => h("vscode-option", { value: c, selected: c === state.retrySince }, retrySinceLabel(c))));
    this.customField = h("vscode-text-field", { id: "retry-since-custom", placeholder: "2026-12-02T09:00:00Z", "aria-label": l10n.t("Retry failed since (ISO 8601 time)"), value: state.customSince, hidden: state.retrySince !== "custom" });
    choice.addEventListener("change", () => {
      this.update({ retrySince: (choice as unknown as { value: RetrySinceChoice }).value });
      this.customField.hidden = this.state.retrySince !== "custom";
    });
    this.customField.addEventListener("input", () => this.update({ customSince: (this.customField as unknown as { value: string }).value }));
    this.retryControls = h("div", { class: "toolbar retry-failed" },
      h("label", { class: "inline-label", for: "retry-since" }, retryLabel),
      choice,
      this.customField,
      h("vscode-button", { id: "retry-failed", appearance: "secondary", onClick: () => void this.retryFailed() }, l10n.t("Retry Failed")),
      this.retryStatus);
    new ResizeObserver(() => {
      const width = this.chart.clientWidth;
      if (Math.abs(width - this.lastWidth) > 20) void this.loadThroughput();
    }).observe(this.chart);
  }

  /** Asks the host again for every section's data; calls while one is under way coalesce into one more. */
  async refresh(): Promise<void> {
    if (this.loading) {
      this.loadAgain = true;
      return;
    }
    this.loading = true;
    try {
      await Promise.all([this.loadThroughput(), this.loadQueues(), this.loadAudit()]);
    } finally {
      this.loading = false;
      if (this.loadAgain) {
        this.loadAgain = false;
        void this.refresh();
      }
    }
  }

  private update(patch: Partial<InsightsState>): void {
    this.state = { ...this.state, ...patch };
    this.saveState(this.state);
  }

  private setBucket(bucket: ThroughputBucketSize): void {
    this.update({ bucket });
    for (const [b, button] of Object.entries(this.bucketButtons)) {
      button.setAttribute("appearance", b === bucket ? "primary" : "secondary");
      button.setAttribute("aria-pressed", String(b === bucket));
    }
    void this.loadThroughput();
  }

  private async loadThroughput(): Promise<void> {
    const bucket = this.state.bucket;
    try {
      const buckets = await this.host.request(QueryThroughput, { bucket });
      if (bucket !== this.state.bucket) return;
      this.lastWidth = this.chart.clientWidth;
      renderThroughput(this.chart, buckets, bucket, this.lastWidth || 600);
    } catch (error) {
      replaceChildren(this.chart, h("p", { class: "section-error", role: "alert" }, l10n.t("Could not load the throughput: {0}", message(error))));
    }
  }

  private async loadQueues(): Promise<void> {
    try {
      this.showQueues(await this.host.request(QueryQueues, {}));
    } catch (error) {
      replaceChildren(this.queuesSection, h("p", { class: "section-error", role: "alert" }, l10n.t("Could not load the queues: {0}", message(error))));
    }
  }

  private showQueues(queues: QueueInfo[]): void {
    renderQueues(this.queuesSection, queues, (name, paused) => {
      void this.host.request(SetQueuePaused, { name, paused })
        .then((updated) => this.showQueues(updated))
        .catch((error: unknown) => replaceChildren(this.queuesSection, h("p", { class: "section-error", role: "alert" }, (paused ? l10n.t("Could not pause {0}: {1}", name, message(error)) : l10n.t("Could not resume {0}: {1}", name, message(error))))));
    });
  }

  private async loadAudit(): Promise<void> {
    try {
      const entries = await this.host.request(QueryAudit, { limit: AUDIT_ROWS_SHOWN });
      renderAudit(this.auditSection, entries, (taskId) => this.host.command(ShowTask, { taskId }));
    } catch (error) {
      replaceChildren(this.auditSection, h("p", { class: "section-error", role: "alert" }, l10n.t("Could not load the audit trail: {0}", message(error))));
    }
  }

  private async retryFailed(): Promise<void> {
    const since = sinceOf(this.state.retrySince, this.state.customSince, new Date());
    this.retryStatus.className = "retry-status";
    if (!since.ok) {
      this.retryStatus.textContent = since.error;
      this.retryStatus.classList.add("error");
      return;
    }
    try {
      const { retried } = await this.host.request(RetryFailedSince, { since: since.iso });
      if (retried === null) {
        this.retryStatus.textContent = "";
        return;
      }
      this.retryStatus.textContent = retried === 0
        ? l10n.t("No failed, interrupted or rejected task was created in that time: nothing to retry.")
        : retried === 1 ? l10n.t("Retried {0} task.", retried) : l10n.t("Retried {0} tasks.", retried);
      void this.refresh();
    } catch (error) {
      this.retryStatus.textContent = l10n.t("Could not retry: {0}", message(error));
      this.retryStatus.classList.add("error");
    }
  }
}
