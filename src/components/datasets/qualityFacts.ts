import {html} from "npm:htl";
import {countDuplicates, isEmptyString} from "../../core/stats/textFacts.js";
import {type CanonicalRows, localRow} from "./canonicalRows.js";

const format = (n: number) => n.toLocaleString("en-US");
const EXAMPLES = 5;

export interface QualityFacts {
  rows: number;
  /** Exact and whitespace-normalised duplicates of prompt/chosen/rejected (src/core/stats/textFacts.ts). */
  duplicates: {exact: number; normalized: number; examples: [string, string][]};
  empty: Record<"prompt" | "chosen" | "rejected", {count: number; examples: string[]}>;
  /** chosen and rejected are the same text: a pair with nothing to learn. */
  identicalPairs: {count: number; examples: string[]};
}

/** Duplicates, empty strings and identical pairs among the selected rows, with example row ids. */
export function qualityFacts(rows: CanonicalRows, indices: Int32Array): QualityFacts {
  const empty: QualityFacts["empty"] = {prompt: {count: 0, examples: []}, chosen: {count: 0, examples: []}, rejected: {count: 0, examples: []}};
  const identicalPairs = {count: 0, examples: [] as string[]};
  for (const i of indices) {
    for (const field of ["prompt", "chosen", "rejected"] as const) {
      if (isEmptyString(rows[field][i])) {
        empty[field].count++;
        if (empty[field].examples.length < EXAMPLES) empty[field].examples.push(rows.id[i]);
      }
    }
    if (rows.chosen[i] !== null && rows.chosen[i] === rows.rejected[i]) {
      identicalPairs.count++;
      if (identicalPairs.examples.length < EXAMPLES) identicalPairs.examples.push(rows.id[i]);
    }
  }
  const duplicates = countDuplicates(Array.from(indices, (i) => ({id: rows.id[i], row: localRow(rows, i)})));
  return {rows: indices.length, duplicates, empty, identicalPairs};
}

export function QualityFactsView(facts: QualityFacts) {
  const ids = (list: readonly string[]) => (list.length ? html` — e.g. ${list.map((id, i) => html`${i ? ", " : ""}<code>${id}</code>`)}` : "");
  return html`<ul class="quality-facts" id="quality-facts">
    <li><strong id="duplicate-rows">${format(facts.duplicates.exact)}</strong> exact duplicate rows, ${format(facts.duplicates.normalized)} once whitespace is normalised${facts.duplicates.examples.length ? html` — e.g. ${facts.duplicates.examples.map(([duplicate, first], i) => html`${i ? ", " : ""}<code>${duplicate}</code> = <code>${first}</code>`)}` : ""}</li>
    ${(["prompt", "chosen", "rejected"] as const).map((field) => html`<li><strong>${format(facts.empty[field].count)}</strong> empty or blank ${field}${ids(facts.empty[field].examples)}</li>`)}
    <li><strong id="identical-pairs">${format(facts.identicalPairs.count)}</strong> pairs whose chosen and rejected are identical${ids(facts.identicalPairs.examples)}</li>
  </ul>`;
}
