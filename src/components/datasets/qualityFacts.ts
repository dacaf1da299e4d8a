import {html} from "npm:htl";
import type {QualityFacts} from "../../workers/exploreProtocol.js";

const format = (n: number) => n.toLocaleString("en-US");
/** Duplicates, empty strings and identical pairs among the kept rows (counted in the upload worker), with example row ids. */
export function QualityFactsView(facts: QualityFacts) {
  const ids = (list: readonly string[]) => (list.length ? html` — e.g. ${list.map((id, i) => html`${i ? ", " : ""}<code>${id}</code>`)}` : "");
  return html`<ul class="quality-facts" id="quality-facts">
    <li><strong id="duplicate-rows">${format(facts.duplicates.exact)}</strong> exact duplicate rows, ${format(facts.duplicates.normalized)} once whitespace is normalised${facts.duplicates.examples.length ? html` — e.g. ${facts.duplicates.examples.map(([duplicate, first], i) => html`${i ? ", " : ""}<code>${duplicate}</code> = <code>${first}</code>`)}` : ""}</li>
    ${(["prompt", "chosen", "rejected"] as const).map((field) => html`<li><strong>${format(facts.empty[field].count)}</strong> empty or blank ${field}${ids(facts.empty[field].examples)}</li>`)}
    <li><strong id="identical-pairs">${format(facts.identicalPairs.count)}</strong> pairs whose chosen and rejected are identical${ids(facts.identicalPairs.examples)}</li>
  </ul>`;
}
