import {html} from "npm:htl";
import type {PlanFinding} from "../../core/report/planReport.js";

const marks = {error: "✖", warning: "▲", info: "ℹ"} as const;

/** The plan's findings, errors first, each with its fix. */
export function FindingsList(findings: PlanFinding[]) {
  if (findings.length === 0) return html`<p id="findings">No findings: DS-Chat should accept this plan.</p>`;
  const order = {error: 0, warning: 1, info: 2};
  const sorted = [...findings].sort((a, b) => order[a.severity] - order[b.severity]);
  return html`<ul id="findings">${sorted.map(
    (finding) => html`<li class=${`finding-${finding.severity}`}><strong>${marks[finding.severity]} ${finding.severity}</strong> <code>${finding.rule}</code> (step ${finding.step}${finding.field ? html`, <code>${finding.field}</code>` : ""}): ${finding.message}<br><em>Fix:</em> ${finding.fix}</li>`
  )}</ul>`;
}
