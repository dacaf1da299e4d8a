import * as Plot from "npm:@observablehq/plot";
import * as d3 from "npm:d3";
import {html} from "npm:htl";

export const SIDES = ["prompt", "chosen", "rejected"] as const;
export type Side = (typeof SIDES)[number];
export type LengthBrush = Record<Side, [number, number] | null>;

const COLOURS: Record<Side, string> = {prompt: "#6b7280", chosen: "#3b82f6", rejected: "#f97316"};

/**
 * One histogram of string lengths (characters) per side, from how many rows have each length. Brushing a histogram selects a length range on that side; the
 * element's value is the three ranges (null = no brush), and it fires "input" when a brush ends. The charts do not
 * depend on the brushes, so a brush stays in place while the rows it selects are re-queried.
 */
export function LengthHistograms(counts: Record<Side, {lengths: Int32Array; rows: Int32Array}>, {width = 900, height = 170, source = "", partial = false} = {}) {
  const value: LengthBrush = {prompt: null, chosen: null, rejected: null};
  const charts = SIDES.map((side) => {
    const rowsOf = new Map<number, number>();
    counts[side].lengths.forEach((length, i) => length >= 0 && rowsOf.set(length, counts[side].rows[i])); // -1 = no such side
    const values = [...rowsOf.keys()];
    const chartWidth = Math.max(220, Math.floor(width / 3) - 12);
    // d3.bin's thresholds depend only on the extent, so binning the distinct lengths and adding up their rows gives
    // the bins of every row's length; drawn as ~30 rectangles.
    const bins = d3.bin().thresholds(30)(values).map((bin) => ({x0: bin.x0!, x1: bin.x1!, count: bin.reduce((sum, length) => sum + rowsOf.get(length)!, 0)}));
    const chart = Plot.plot({
      width: chartWidth,
      height,
      marginLeft: 44,
      x: {label: `${side} length (characters) →`},
      y: {label: "↑ rows", grid: true},
      marks: values.length ? [Plot.rectY(bins, {x1: "x0", x2: "x1", y: "count", fill: COLOURS[side], insetLeft: 0.5, insetRight: 0.5}), Plot.ruleY([0])] : [Plot.text(["no values"], {frameAnchor: "middle"})]
    }) as SVGSVGElement & {scale(name: string): {apply(v: number): number; invert(v: number): number} | undefined};
    chart.classList.add("length-histogram");
    chart.dataset.side = side;
    const x = chart.scale("x");
    if (values.length && x) {
      const brush = d3
        .brushX()
        .extent([
          [44, 20],
          [chartWidth - 20, height - 30]
        ])
        .on("end", (event: d3.D3BrushEvent<unknown>) => {
          const selection = event.selection as [number, number] | null;
          value[side] = selection ? [Math.floor(x.invert(selection[0])), Math.ceil(x.invert(selection[1]))] : null;
          container.value = {...value};
          container.dispatchEvent(new Event("input", {bubbles: true}));
        });
      d3.select(chart).append("g").attr("class", "brush").call(brush);
    }
    return chart;
  });
  const container = html`<div class="length-histograms">${charts}</div>` as HTMLDivElement & {value: LengthBrush};
  container.value = {...value};
  container.dataset.source = source;
  container.dataset.partial = String(partial);
  return container;
}
