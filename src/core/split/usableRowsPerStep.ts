/**
 * How many rows each DS-Chat step trains on, from a converted dataset's counts: the step's `data_split` share of
 * train.json (DS-Chat's exact boundaries), times the share of train.json rows usable in that phase (DS-Chat skips the
 * rest, e.g. rows without a rejected answer in phase 2). Used by `plan --data` and the Config page's time estimate.
 * Isomorphic: no Node or DOM imports.
 */
import type {Phase} from "../canonical.js";
import type {PhaseCounts} from "../contract/manifest.js";
import {getSplitBoundaries} from "./getSplitBoundaries.js";

/** `usable`: rows of train.json usable per phase (a manifest's counts.phases.train); absent = every row is usable. */
export function usableRowsPerStep(dataSplit: string, trainRows: number, steps: readonly Phase[], usable?: PhaseCounts | null): Partial<Record<Phase, number>> {
  const boundaries = getSplitBoundaries(dataSplit, trainRows);
  const rows: Partial<Record<Phase, number>> = {};
  for (const step of steps) {
    const partition = Math.max(0, (boundaries[step] ?? 0) - (boundaries[step - 1] ?? 0));
    const share = usable ? (trainRows === 0 ? 0 : usable[String(step) as keyof PhaseCounts] / trainRows) : 1;
    rows[step] = Math.round(partition * share);
  }
  return rows;
}
