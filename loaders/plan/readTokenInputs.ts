/**
 * Rows per step for the time estimate, from what the other commands write: `dschat-studio stats --json` output (rows in
 * each phase's training partition, already split by its --data_split) or a converted directory's manifest.json (rows
 * usable per phase in train.json, which we partition with the plan's data_split exactly as DS-Chat does).
 */
import {readFileSync} from "node:fs";
import {join} from "node:path";
import type {Phase} from "../../src/core/canonical.js";
import type {Plan} from "../../src/core/plan/normalizePlan.js";
import {stepArgs} from "../../src/core/plan/normalizePlan.js";
import {getSplitBoundaries} from "../../src/core/split/getSplitBoundaries.js";

export interface RowInputs {
  rows: Partial<Record<Phase, number>>;
  source: string;
}

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`cannot read ${what} ${file}: ${(error as Error).message}`, {cause: error});
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** `partitions[]` of `stats --json`: the train split's `datasetRows` per phase. */
export function readStatsRows(file: string): RowInputs {
  const json = readJson(file, "stats JSON");
  const partitions = isRecord(json) ? json.partitions : undefined;
  if (!Array.isArray(partitions)) throw new Error(`${file} has no "partitions" list; pass the output of 'dschat-studio stats --json'`);
  const rows: Partial<Record<Phase, number>> = {};
  for (const [i, partition] of partitions.entries()) {
    if (!isRecord(partition) || partition.split !== "train") continue;
    const phase = partition.phase;
    const count = partition.datasetRows;
    if ((phase !== 1 && phase !== 2 && phase !== 3) || typeof count !== "number" || !(count >= 0))
      throw new Error(`${file}: partitions[${i}] needs phase 1-3 and a datasetRows count, got phase ${JSON.stringify(phase)}, datasetRows ${JSON.stringify(count)}`);
    rows[phase] = count;
  }
  const settings = isRecord(json) && isRecord(json.settings) ? json.settings : {};
  return {rows, source: `${file} (stats with data_split ${JSON.stringify(settings.dataSplit ?? "?")})`};
}

/** `counts.train` and `counts.phases.train` of a converted directory's manifest.json, split by the plan's data_split. */
export function readManifestRows(dir: string, plan: Plan): RowInputs {
  const file = join(dir, "manifest.json");
  const json = readJson(file, "converted-data manifest");
  const counts = isRecord(json) && isRecord(json.counts) ? json.counts : undefined;
  const phases = counts && isRecord(counts.phases) && isRecord(counts.phases.train) ? counts.phases.train : undefined;
  const trainRows = counts?.train;
  if (typeof trainRows !== "number" || !phases) throw new Error(`${file} has no counts.train / counts.phases.train; convert the data again with 'dschat-studio convert --out ${dir}'`);
  const rows: Partial<Record<Phase, number>> = {};
  for (const step of plan.steps) {
    const usable = phases[String(step)];
    if (typeof usable !== "number") continue;
    const boundaries = getSplitBoundaries(stepArgs(plan, step).data_split, trainRows);
    const partition = Math.max(0, (boundaries[step] ?? 0) - (boundaries[step - 1] ?? 0));
    rows[step] = trainRows === 0 ? 0 : Math.round((partition * usable) / trainRows);
  }
  return {rows, source: `${file}: train.json rows usable per phase × the plan's data_split share`};
}
