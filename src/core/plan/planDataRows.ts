/**
 * Rows each planned step trains on, from a converted dataset's manifest counts: train.json's rows usable per phase,
 * partitioned by each step's data_split exactly as DS-Chat does (usableRowsPerStep). `plan --data DIR` and the Config
 * page both feed the time estimate and the split findings with it. Isomorphic: no Node or DOM imports.
 */
import type {Phase} from "../canonical.js";
import type {PhaseCounts} from "../contract/manifest.js";
import {usableRowsPerStep} from "../split/usableRowsPerStep.js";
import {stepArgs, type Plan} from "./normalizePlan.js";

export interface PlanDataRows {
  rows: Partial<Record<Phase, number>>;
  source: string;
  /** The manifest's train rows and rows usable per phase, before the split (the split findings compare the two). */
  dataRows: {trainRows: number; usable: Record<"1" | "2" | "3", number>; source: string};
}

/** `counts`: a manifest's `counts.train` and `counts.phases.train`; `source` names where they were read. */
export function planDataRows(counts: {train: number; phases: PhaseCounts}, plan: Plan, source: string): PlanDataRows {
  const rows: Partial<Record<Phase, number>> = {};
  for (const step of plan.steps) Object.assign(rows, usableRowsPerStep(stepArgs(plan, step).data_split, counts.train, [step], counts.phases));
  return {
    rows,
    source: `${source}: train.json rows usable per phase × the plan's data_split share`,
    dataRows: {trainRows: counts.train, usable: {...counts.phases}, source}
  };
}
