/**
 * What differs between the plans of runs being compared: every DS-Chat argument of the step, the infrastructure and the
 * dataset, listed only where the values differ. Isomorphic (the Runs page calls it).
 */
import type {Plan} from "../plan/normalizePlan.js";

export interface PlanDifference {
  /** A plan path, e.g. "step1.learning_rate", "infrastructure.instance_type", "dataset.cache_key". */
  field: string;
  /** One value per plan, in the order given (null when a plan does not have the field). */
  values: unknown[];
}

function leaves(value: unknown, path: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value)) leaves(item, path ? `${path}.${key}` : key, out);
  } else out.set(path, value);
}

export function planDiff(plans: ReadonlyArray<Plan | null>): PlanDifference[] {
  const flattened = plans.map((plan) => {
    const out = new Map<string, unknown>();
    if (plan) {
      const {schema_version: _version, steps, step1, step2, step3, infrastructure, dataset} = plan;
      leaves({steps: steps.join(","), ...(steps.includes(1) && {step1}), ...(steps.includes(2) && {step2}), ...(steps.includes(3) && {step3}), infrastructure, dataset: dataset && {cache_key: dataset.cache_key, format: dataset.format, sources: dataset.sources.join(", "), rows: dataset.rows}}, "", out);
    }
    return out;
  });
  const fields = [...new Set(flattened.flatMap((map) => [...map.keys()]))];
  return fields
    .map((field) => ({field, values: flattened.map((map) => (map.has(field) ? map.get(field)! : null))}))
    .filter(({values}) => new Set(values.map((value) => JSON.stringify(value))).size > 1);
}
