import {html, svg} from "npm:htl";
import {JSON_TYPES, type ColumnStats} from "../../core/recipe/columnStats.js";

const format = (n: number) => n.toLocaleString("en-US");

function sparkline(bins: NonNullable<ColumnStats["lengths"]>["bins"]): SVGElement {
  const width = 120, height = 24;
  const max = Math.max(1, ...bins.map((bin) => bin.count));
  const barWidth = width / bins.length;
  return svg`<svg class="sparkline" width=${width} height=${height} viewBox="0 0 ${width} ${height}">${bins.map((bin, i) => {
    const h = Math.max(bin.count ? 1 : 0, (bin.count / max) * height);
    return svg`<rect x=${i * barWidth} y=${height - h} width=${Math.max(1, barWidth - 1)} height=${h}><title>${`${format(bin.x0)}–${format(bin.x1 - 1)} chars: ${format(bin.count)}`}</title></rect>`;
  })}</svg>`;
}

/** The source file's columns: JSON types, missing and null counts, distinct values, string lengths. Names are text. */
export function ColumnStatsTable(columns: readonly ColumnStats[], rows: number) {
  if (!columns.length) return html`<p>The records are not JSON objects: they have no columns.</p>`;
  return html`<table class="column-stats" id="column-stats">
    <thead><tr><th>Column</th><th>Types</th><th>Missing</th><th>Null</th><th>Distinct</th><th>String length (min–max, mean)</th><th></th></tr></thead>
    <tbody>${columns.map(
      (column) => html`<tr>
        <td><code>${column.name}</code></td>
        <td>${JSON_TYPES.filter((type) => column.types[type] > 0 && type !== "null").map((type) => `${type} ${format(column.types[type])}`).join(", ") || "—"}</td>
        <td>${format(column.missing)}</td>
        <td>${format(column.types.null)}</td>
        <td>${format(column.distinct)}${column.distinct === rows ? " (all)" : ""}</td>
        <td>${column.lengths ? `${format(column.lengths.min)}–${format(column.lengths.max)}, ${format(Math.round(column.lengths.mean))}` : "—"}</td>
        <td>${column.lengths ? sparkline(column.lengths.bins) : ""}</td>
      </tr>`
    )}</tbody>
  </table>`;
}
