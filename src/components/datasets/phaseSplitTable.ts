import {html} from "npm:htl";
import type {Finding} from "../../core/lint/lintContext.js";
import type {PartitionSummary} from "../../workers/exploreProtocol.js";

const format = (n: number) => n.toLocaleString("en-US");

/**
 * DS-Chat's phase split of train.json and eval.json for `data_split` and `seed` (selectPartitions, the exact numpy
 * shuffle): rows each step gets, and of those the rows it keeps (a step skips rows lacking what it reads). Findings of
 * the lint rules about a partition are shown beside it.
 */
export function PhaseSplitTable(partitions: readonly PartitionSummary[], findings: readonly Finding[] = []) {
  const phases = [...new Set(partitions.map((p) => p.phase))];
  const cell = (phase: number, split: "train" | "eval") => partitions.find((p) => p.phase === phase && p.split === split)!;
  return html`<div><table class="phase-split" id="phase-split">
    <thead><tr><th>Step</th><th>train rows</th><th>usable</th><th>eval rows</th><th>usable</th></tr></thead>
    <tbody>${phases.map((phase) => {
      const train = cell(phase, "train");
      const evaluation = cell(phase, "eval");
      return html`<tr data-step=${phase}>
        <td>step ${phase}</td>
        <td class="train-rows">${format(train.rows)}</td><td class="train-usable">${format(train.usable)}</td>
        <td class="eval-rows">${format(evaluation.rows)}</td><td class="eval-usable">${format(evaluation.usable)}</td>
      </tr>`;
    })}</tbody>
  </table>${findings.length ? html`<ul class="split-findings">${findings.map((f) => html`<li class=${`finding-${f.severity}`}><strong>${f.severity}</strong> <code>${f.rule}</code>: ${f.message}</li>`)}</ul>` : ""}</div>`;
}
