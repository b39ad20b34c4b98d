/** The throughput chart: stacked SVG bars per minute or hour, a legend, and an empty state that says what to do. */
import * as l10n from "@vscode/l10n";
import type { ThroughputBucket, ThroughputBucketSize } from "../../src/model/throughput";
import { h, replaceChildren } from "../shared/dom";
import { chartModel, SERIES, type Series } from "./throughputModel";

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 160;
const AXIS_LEFT = 36;
const AXIS_BOTTOM = 20;
/** The legend's name of a series, in the display language. */
function seriesLabel(series: Series): string {
  switch (series) {
    case "succeeded": return l10n.t("Succeeded");
    case "failed": return l10n.t("Failed");
    case "other": return l10n.t("Cancelled, interrupted or rejected");
  }
}

function svg(tag: string, attributes: Record<string, string | number>, ...children: Array<SVGElement | string>): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  for (const child of children) element.append(child);
  return element;
}

/** Draws the chart into `container`, `width` px wide. */
export function renderThroughput(container: HTMLElement, buckets: ThroughputBucket[], bucket: ThroughputBucketSize, width: number): void {
  const plotWidth = Math.max(120, width - AXIS_LEFT - 8);
  const model = chartModel(buckets, bucket, plotWidth, HEIGHT);
  const span = bucket === "minute" ? l10n.t("the last {0} minutes", buckets.length) : l10n.t("the last {0} hours", buckets.length);
  const finished = model.totals.succeeded + model.totals.failed + model.totals.other;
  if (finished === 0) {
    replaceChildren(container, h("p", { class: "empty", id: "throughput-empty" }, l10n.t("No task finished in {0}. Run a task (Taskflow: Run Task...) and its outcome shows here.", span)));
    return;
  }
  const summary = l10n.t("{0}: {1} succeeded, {2} failed, {3} cancelled, interrupted or rejected", span, model.totals.succeeded, model.totals.failed, model.totals.other);
  const chart = svg("svg", { class: "chart", width: plotWidth + AXIS_LEFT + 8, height: HEIGHT + AXIS_BOTTOM + 8, role: "img", "aria-label": bucket === "minute" ? l10n.t("Finished tasks per minute in {0}", summary) : l10n.t("Finished tasks per hour in {0}", summary), id: "throughput-chart" },
    svg("g", { transform: `translate(${AXIS_LEFT}, 4)` },
      svg("line", { class: "grid-line", x1: 0, x2: plotWidth, y1: 0, y2: 0 }),
      svg("line", { class: "grid-line", x1: 0, x2: plotWidth, y1: HEIGHT / 2, y2: HEIGHT / 2 }),
      svg("line", { class: "axis-line", x1: 0, x2: plotWidth, y1: HEIGHT, y2: HEIGHT }),
      svg("text", { class: "axis-label", x: -6, y: 4, "text-anchor": "end" }, String(model.yMax)),
      svg("text", { class: "axis-label", x: -6, y: HEIGHT / 2 + 4, "text-anchor": "end" }, String(model.yMax / 2)),
      svg("text", { class: "axis-label", x: -6, y: HEIGHT + 4, "text-anchor": "end" }, "0"),
      ...model.bars.map((bar) => svg("g", { class: "bar", "data-start": bar.start, "data-total": bar.total },
        svg("title", {}, bar.title),
        // A transparent full-height target, so an empty bucket has a tooltip too.
        svg("rect", { class: "bar-hit", x: bar.x, y: 0, width: bar.width, height: HEIGHT }),
        ...bar.segments.map((s) => svg("rect", { class: `bar-${s.series}`, x: bar.x, y: s.y, width: bar.width, height: s.height })))),
      ...model.xLabels.map((label) => svg("text", { class: "axis-label", x: label.x, y: HEIGHT + 15, "text-anchor": "middle" }, label.text))));
  const legend = h("div", { class: "legend", id: "throughput-legend" },
    ...SERIES.map((s) => h("span", { class: "legend-item" }, h("span", { class: `swatch swatch-${s}` }), `${seriesLabel(s)} ${model.totals[s]}`)),
    h("span", { class: "legend-note" }, l10n.t("Times in UTC")));
  replaceChildren(container, chart, legend);
}
