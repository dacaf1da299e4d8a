import {html} from "npm:htl";
import {VisibleText} from "./visibleText.js";

import type {PreviewRow} from "../../workers/exploreProtocol.js";

/**
 * Rows as DS-Chat will read them from train.json/eval.json: the prompt, chosen and rejected strings exactly as written
 * (local/jsonfile prepends one space to each when it reads them), whitespace visible, markers highlighted. htl inserts
 * every interpolated string as a text node, so nothing in a dataset becomes HTML.
 */
export function RowPreview(rows: readonly PreviewRow[]): HTMLElement {
  if (!rows.length) return html`<p id="row-preview" class="row-preview">No row matches.</p>`;
  return html`<div id="row-preview" class="row-preview">${rows.map(
    (row) => html`<article class="preview-row" data-id=${row.id}>
      <header><code class="row-id">${row.id}</code> → ${row.eval ? "eval.json" : "train.json"}</header>
      <div class="preview-grid">
        <section><h4>prompt</h4>${VisibleText(row.prompt, {className: "prompt"})}</section>
        <section><h4>chosen</h4>${VisibleText(row.chosen, {className: "chosen"})}</section>
        <section><h4>rejected</h4>${VisibleText(row.rejected, {className: "rejected"})}</section>
      </div>
    </article>`
  )}</div>`;
}
