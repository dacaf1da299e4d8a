/**
 * The dataset a plan trains on, recorded in plan.json (`plan.dataset`): the `dschat-studio convert` output it was built
 * for, named by the manifest's content-keyed cache key, with its format and row counts. A plan that carries a dataset
 * trains every selected step on it through DS-Chat's `local/jsonfile` (`data_path: ["local/jsonfile"]`, which reads
 * `<DeepSpeed-Chat root>/data/train.json` and `eval.json`: dschat/utils/data/raw_datasets.py:351-360 at 83757d9c), so
 * neither run.sh nor a SageMaker job trains on downloaded data by mistake. `plan --data DIR` and the Config page build
 * the record from the manifest with `planDatasetFromManifest`. Isomorphic: no Node or DOM imports.
 */
import type {Phase} from "../canonical.js";
import {readArray, readNumber, readObject, readString, checkKeys} from "../contract/jsonFields.js";
import {phaseCounts, type Manifest, type PhaseCounts} from "../contract/manifest.js";
import {UserError} from "../contract/userError.js";
import type {Plan} from "./normalizePlan.js";

/** DS-Chat's `--data_path` value for the converted train.json / eval.json (raw_datasets.py:351 LocalJsonFileDataset). */
export const LOCAL_JSONFILE = "local/jsonfile";

export interface PlanDataset {
  /** The manifest's `cache_key`: a digest of the input bytes and every convert option, so it names this very data. */
  cache_key: string;
  /** The format the rows were read as (`manifest.format.name`, e.g. "hh-rlhf"). */
  format: string;
  /** The input files, as the manifest names them. */
  sources: string[];
  /** Rows in train.json and eval.json. */
  rows: {train: number; eval: number};
  /** Rows usable per DS-Chat phase in each file. */
  phase_rows: {train: PhaseCounts; eval: PhaseCounts};
}

/** The record of a converted dataset, from its parsed manifest.json. */
export function planDatasetFromManifest(manifest: Manifest): PlanDataset {
  return {
    cache_key: manifest.cache_key,
    format: manifest.format.name,
    sources: manifest.inputs.map((input) => input.source),
    rows: {train: manifest.counts.train, eval: manifest.counts.eval},
    phase_rows: {train: {...manifest.counts.phases.train}, eval: {...manifest.counts.phases.eval}}
  };
}

const FIX = "Correct plan.dataset: 'dschat-studio plan --data DIR' writes it from the convert output's manifest.json.";
const KEYS = ["cache_key", "format", "sources", "rows", "phase_rows"];

/** Parses the untrusted `dataset` field of plan.json (null or absent: the plan names no converted dataset). */
export function normalizePlanDataset(value: unknown, field = "plan.dataset"): PlanDataset | null {
  if (value === undefined || value === null) return null;
  const given = readObject(value, field, FIX);
  checkKeys(given, KEYS, field, FIX);
  const rows = readObject(given.rows, `${field}.rows`, FIX);
  const phases = readObject(given.phase_rows, `${field}.phase_rows`, FIX);
  const count = (row: unknown, at: string) => readNumber(row, at, FIX, {integer: true, min: 0});
  return {
    cache_key: readString(given.cache_key, `${field}.cache_key`, FIX),
    format: readString(given.format, `${field}.format`, FIX),
    sources: readArray(given.sources, `${field}.sources`, FIX).map((source, i) => readString(source, `${field}.sources[${i}]`, FIX)),
    rows: {train: count(rows.train, `${field}.rows.train`), eval: count(rows.eval, `${field}.rows.eval`)},
    phase_rows: {train: phaseCounts(phases.train, `${field}.phase_rows.train`, FIX), eval: phaseCounts(phases.eval, `${field}.phase_rows.eval`, FIX)}
  };
}

/** Whether a step's data_path is exactly the converted dataset (what a plan with a dataset record needs). */
export function usesOnlyLocalJsonfile(dataPath: readonly string[]): boolean {
  return dataPath.length === 1 && dataPath[0] === LOCAL_JSONFILE;
}

/** Refuses a dataset record next to a data_path that would train on other data (a plan edited by hand). */
export function checkDatasetDataPath(dataset: PlanDataset | null, dataPaths: ReadonlyArray<{step: Phase; data_path: readonly string[]}>): void {
  if (!dataset) return;
  const conflict = dataPaths.find(({data_path}) => !usesOnlyLocalJsonfile(data_path));
  if (conflict)
    throw new UserError(`plan.dataset names the converted dataset ${dataset.cache_key}, but step ${conflict.step} trains on ${JSON.stringify(conflict.data_path)}`, {
      where: {field: `plan.step${conflict.step}.data_path`},
      fix: `Set data_path to ["${LOCAL_JSONFILE}"] (DS-Chat then reads the converted train.json and eval.json), or remove plan.dataset.`
    });
}

/** Records `dataset` in the plan and points every selected step's data_path at it (["local/jsonfile"]). */
export function applyPlanDataset(plan: Pick<Plan, "steps" | "step1" | "step2" | "step3" | "dataset">, dataset: PlanDataset): void {
  plan.dataset = dataset;
  for (const step of plan.steps) plan[`step${step}`].data_path = [LOCAL_JSONFILE];
}
