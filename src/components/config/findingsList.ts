import {html} from "npm:htl";
import type {Finding} from "../../core/lint/lintContext.js";

const marks = {error: "✖", warning: "▲", info: "ℹ"} as const;

/** Findings (a plan's, or a dataset's), errors first, each with its fix and the rows it points at. */
export function FindingsList(findings: readonly Finding[], {empty = "No findings: DS-Chat should accept this plan.", id = "findings"} = {}) {
  if (findings.length === 0) return html`<p id=${id}>${empty}</p>`;
  const order = {error: 0, warning: 1, info: 2};
  const sorted = [...findings].sort((a, b) => order[a.severity] - order[b.severity]);
  return html`<ul id=${id}>${sorted.map(
    (finding) => html`<li class=${`finding-${finding.severity}`}><strong>${marks[finding.severity]} ${finding.severity}</strong> <code>${finding.rule}</code> ${finding.step !== undefined || finding.field ? html`(${[finding.step !== undefined ? `step ${finding.step}` : "", finding.split ?? ""].filter(Boolean).join(", ")}${finding.field ? html`, <code>${finding.field}</code>` : ""})` : ""}: ${finding.message}<br><em>Fix:</em> ${finding.fix}${finding.rows?.length ? html`<br><em>Rows:</em> ${finding.rows.join(", ")}` : ""}</li>`
  )}</ul>`;
}
