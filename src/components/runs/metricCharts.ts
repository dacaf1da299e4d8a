import * as Plot from "npm:@observablehq/plot";
import {html} from "npm:htl";
import type {ChartGroup} from "../../core/runs/runCharts.js";

export interface MetricPoint {
  run: string;
  metric: string;
  iteration: number | null;
  epoch: number | null;
  value: number;
}

/** One line chart per group that has points: value against the training micro-step, one line per metric. */
export function MetricCharts(rows: readonly MetricPoint[], groups: readonly ChartGroup[], {width = 640} = {}) {
  const charts = groups.flatMap((group) => {
    const points = rows.filter((row) => group.metrics.includes(row.metric) && row.iteration !== null);
    if (points.length === 0) return [];
    return [
      html`<figure class="metric-chart" data-title=${group.title} data-points=${points.length}>${Plot.plot({
        title: group.title,
        width,
        height: 220,
        x: {label: "micro-step (rank 0) →", grid: true},
        y: {grid: true, label: null},
        color: {legend: true, domain: group.metrics.filter((metric) => points.some((point) => point.metric === metric))},
        marks: [Plot.lineY(points, {x: "iteration", y: "value", stroke: "metric", tip: true}), Plot.dot(points.length < 60 ? points : [], {x: "iteration", y: "value", fill: "metric", r: 2})]
      })}</figure>`
    ];
  });
  return charts.length ? html`<div class="metric-charts">${charts}</div>` : html`<p class="metric-charts">No metric line yet.</p>`;
}

/** Several runs' curves of one metric on the same axes, by micro-step or by tokens. */
export function CompareChart(rows: ReadonlyArray<MetricPoint & {x: number}>, {metric, xLabel, width = 640}: {metric: string; xLabel: string; width?: number}) {
  return html`<figure class="compare-chart" data-runs=${new Set(rows.map((row) => row.run)).size} data-points=${rows.length}>${Plot.plot({
    title: metric,
    width,
    height: 300,
    x: {label: `${xLabel} →`, grid: true},
    y: {grid: true, label: null},
    color: {legend: true},
    marks: [Plot.lineY(rows, {x: "x", y: "value", stroke: "run", tip: true})]
  })}</figure>`;
}
