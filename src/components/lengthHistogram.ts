import * as Plot from "npm:@observablehq/plot";

export interface LengthRow {
  side: string;
  chars: number;
}

const SIDES = ["prompt", "chosen", "rejected"];
const COLOURS = ["#6b7280", "#3b82f6", "#f97316"];

/** Overlaid histograms of text lengths in characters, one colour per side (prompt, chosen, rejected). */
export function LengthHistogram(rows: LengthRow[], {width = 640, height = 260, thresholds = 40} = {}) {
  return Plot.plot({
    width,
    height,
    x: {label: "Length (characters) →"},
    y: {label: "↑ Rows", grid: true},
    color: {legend: true, domain: SIDES, range: COLOURS},
    marks: [
      Plot.rectY(
        rows,
        Plot.binX<Plot.RectYOptions>({y2: "count"}, {x: "chars", fill: "side", fillOpacity: 0.5, thresholds})
      ),
      Plot.ruleY([0])
    ]
  });
}
