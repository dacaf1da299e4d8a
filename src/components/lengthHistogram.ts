import * as Plot from "npm:@observablehq/plot";

export interface LengthRow {
  side: "chosen" | "rejected";
  chars: number;
}

/** Overlaid histograms of transcript lengths in characters, one colour per side of the preference pair. */
export function LengthHistogram(rows: LengthRow[], {width = 640, height = 260, thresholds = 40} = {}) {
  return Plot.plot({
    width,
    height,
    x: {label: "Length (characters) →"},
    y: {label: "↑ Rows", grid: true},
    color: {legend: true, domain: ["chosen", "rejected"], range: ["#3b82f6", "#f97316"]},
    marks: [
      Plot.rectY(rows, Plot.binX<Plot.RectYOptions>({y2: "count"}, {x: "chars", fill: "side", mixBlendMode: "multiply", fillOpacity: 0.6, thresholds})),
      Plot.ruleY([0])
    ]
  });
}
