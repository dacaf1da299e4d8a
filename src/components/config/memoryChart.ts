import * as Plot from "npm:@observablehq/plot";
import type {MemoryReport} from "../../core/report/planReport.js";

/** Per-GPU memory of each planned step as stacked bars (one segment per model and term), against the GPU's memory. */
export function MemoryChart(steps: MemoryReport["steps"], {gpuMemoryGiB = 80, width = 640} = {}) {
  const rows = steps.flatMap((step) =>
    step.terms.filter((term) => term.gib > 0).map((term) => ({step: `step ${step.step}`, part: `${term.model} ${term.kind}`, GiB: term.gib, formula: term.formula}))
  );
  return Plot.plot({
    width,
    height: 70 + 50 * steps.length,
    marginLeft: 60,
    x: {label: "GiB per GPU →", grid: true, domain: [0, Math.max(gpuMemoryGiB, ...steps.map((step) => step.reserved_gib)) * 1.05]},
    y: {label: null},
    color: {legend: true, type: "categorical", scheme: "tableau10"},
    marks: [
      Plot.barX(rows, Plot.stackX({x: "GiB", y: "step", fill: "part", title: (d: {part: string; GiB: number; formula: string}) => `${d.part}: ${d.GiB} GiB\n${d.formula}`})),
      Plot.ruleX([gpuMemoryGiB], {stroke: "currentColor", strokeWidth: 2, strokeDasharray: "4,3"}),
      Plot.text([gpuMemoryGiB], {x: (d: number) => d, frameAnchor: "top", dy: -2, text: () => "GPU memory", textAnchor: "end", dx: -4})
    ]
  });
}
