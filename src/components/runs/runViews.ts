import * as Plot from "npm:@observablehq/plot";
import {html} from "npm:htl";
import type {PlanDifference} from "../../core/runs/planDiff.js";

export interface RunView {
  job: string;
  simulated: boolean;
  source: string;
  step: number;
  script: string;
  status: string;
  secondary_status: string | null;
  failure_reason: string | null;
  instance_type: string | null;
  instance_count: number | null;
  duration_seconds: number | null;
  billable_seconds: number | null;
  cost_usd: number | null;
  transitions: Array<{status: string; start_time: string | null; end_time: string | null; message: string}>;
  last_lines: Array<{host: string; message: string}>;
  measurement: {peak_memory_gib: number | null; wall_seconds: number | null; iterations: number | null};
  comparison: null | {
    memory: null | {estimate_gib: number; measured_gib: number; diff_percent: number};
    time: null | {estimate_hours: number; measured_hours: number; diff_percent: number; rows_trained: number};
    notes: string[];
  };
}

const signed = (value: number) => `${value > 0 ? "+" : ""}${value}%`;
const minutes = (hours: number) => `${(hours * 60).toFixed(1)} min`;

export function runLabel(run: RunView): string {
  return `${run.job} — step ${run.step}, ${run.status}${run.simulated ? " [SIMULATED]" : run.source === "import" ? " [imported log]" : ""}`;
}

/** Status, instances, duration, cost; the reason and last lines of a failed or stopped run. */
export function RunSummary(run: RunView) {
  const failed = run.status === "Failed" || run.status === "Stopped";
  return html`<div class="run-summary" data-status=${run.status}>
    ${run.simulated ? html`<p class="simulated"><strong>SIMULATED</strong> — run by dschat-studio's local emulator: no GPU, no model; its metrics replay a log DeepSpeed-Chat published.</p>` : ""}
    <p><strong class="run-status">${run.status}</strong>${run.secondary_status && run.secondary_status !== run.status ? ` (${run.secondary_status})` : ""} ·
    ${run.instance_count ?? "?"} × ${run.instance_type ?? "?"} ·
    ${run.duration_seconds !== null ? `${run.duration_seconds} s` : "duration unknown"} ·
    ${run.cost_usd !== null ? `$${run.cost_usd.toFixed(2)} so far` : "cost unknown"}</p>
    ${failed ? html`<div class="failure"><p><strong>${run.status}:</strong> ${run.failure_reason ?? "no reason given"}</p><pre style="white-space: pre-wrap">${run.last_lines.slice(-10).map((line) => `[${line.host}] ${line.message}`).join("\n")}</pre></div>` : ""}
  </div>`;
}

/** The secondary-status timeline as bars. */
export function StatusTimeline(run: RunView, {width = 640} = {}) {
  const spans = run.transitions
    .filter((t) => t.start_time)
    .map((t, i, all) => ({status: t.status, start: new Date(t.start_time!), end: new Date(t.end_time ?? all[i + 1]?.start_time ?? t.start_time!), message: t.message}));
  if (spans.length === 0) return html`<p>No status transitions (an imported log).</p>`;
  return Plot.plot({
    width,
    height: 60 + 18 * spans.length,
    marginLeft: 100,
    x: {type: "utc", label: null},
    y: {label: null, domain: spans.map((s) => s.status)},
    marks: [Plot.barX(spans, {x1: "start", x2: (d: {start: Date; end: Date}) => (d.end > d.start ? d.end : new Date(d.start.getTime() + 500)), y: "status", fill: "status", title: "message"})]
  });
}

/** The plan's estimate against what the log measured. */
export function EstimateTable(run: RunView) {
  const c = run.comparison;
  if (!c) return html`<p class="estimate">No plan recorded: nothing to compare.</p>`;
  if (!c.memory && !c.time) return html`<p class="estimate">${c.notes.join("; ")}.</p>`;
  return html`<table class="estimate">
    <thead><tr><th></th><th>estimate</th><th>measured</th><th>difference</th></tr></thead>
    <tbody>
      ${c.memory ? html`<tr><td>GPU memory, allocated (GiB)</td><td>${c.memory.estimate_gib.toFixed(2)}</td><td>${c.memory.measured_gib.toFixed(2)}</td><td>${signed(c.memory.diff_percent)}</td></tr>` : ""}
      ${c.time ? html`<tr><td>time for the ${c.time.rows_trained.toLocaleString("en-US")} rows trained</td><td>${minutes(c.time.estimate_hours)}</td><td>${minutes(c.time.measured_hours)}</td><td>${signed(c.time.diff_percent)}</td></tr>` : ""}
    </tbody>
  </table>${c.notes.length ? html`<p class="estimate-notes">${c.notes.join("; ")}</p>` : ""}`;
}

/** The arguments (and dataset) that differ between the compared runs' plans. */
export function PlanDiffTable(jobs: readonly string[], differences: readonly PlanDifference[]) {
  if (differences.length === 0) return html`<p class="plan-diff">The plans are identical.</p>`;
  const show = (value: unknown) => (value === null ? "—" : typeof value === "string" ? value : JSON.stringify(value));
  return html`<table class="plan-diff"><thead><tr><th>plan field</th>${jobs.map((job) => html`<th>${job}</th>`)}</tr></thead>
    <tbody>${differences.map((d) => html`<tr><td><code>${d.field}</code></td>${d.values.map((value) => html`<td>${show(value)}</td>`)}</tr>`)}</tbody></table>`;
}
