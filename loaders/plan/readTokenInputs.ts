/**
 * Rows per step for the time estimate, from what the other commands write: `dschat-studio stats --json` output (rows in
 * each phase's training partition, already split by its --data_split) or a converted directory's manifest.json (rows
 * usable per phase in train.json, which we partition with the plan's data_split exactly as DS-Chat does).
 */
import type {Phase} from "../../src/core/canonical.js";
import {checkSchemaVersion, readArray, readNumber, readObject, readString} from "../../src/core/contract/jsonFields.js";
import {SCHEMA_VERSIONS} from "../../src/core/contract/schemaVersions.js";
import {locate} from "../../src/core/contract/userError.js";
import type {Plan} from "../../src/core/plan/normalizePlan.js";
import {planDataRows} from "../../src/core/plan/planDataRows.js";
import {readManifest} from "../engine/readManifest.js";
import {readJsonFile} from "../readJsonFile.js";

export interface RowInputs {
  rows: Partial<Record<Phase, number>>;
  source: string;
  /** A manifest's train rows and rows usable per phase, before the split (the split findings compare the two). */
  dataRows?: {trainRows: number; usable: Record<"1" | "2" | "3", number>; source: string};
}

const STATS_FIX = "Pass the output of 'dschat-studio stats --json' (schemas/stats.schema.json).";

/** `partitions[]` of `stats --json`: the train split's `dataset_rows` per phase. */
export function readStatsRows(file: string): RowInputs {
  const json = readJsonFile(file, {option: "--stats", what: "the output of 'dschat-studio stats --json'"});
  return locate({option: "--stats", file}, () => {
    const stats = readObject(json, "stats", STATS_FIX);
    checkSchemaVersion(stats, SCHEMA_VERSIONS.stats, "stats output", STATS_FIX);
    const rows: Partial<Record<Phase, number>> = {};
    readArray(stats.partitions, "partitions", STATS_FIX).forEach((item, i) => {
      const partition = readObject(item, `partitions[${i}]`, STATS_FIX);
      if (partition.split !== "train") return;
      const phase = readNumber(partition.phase, `partitions[${i}].phase`, STATS_FIX, {integer: true, min: 1}) as Phase;
      rows[phase] = readNumber(partition.dataset_rows, `partitions[${i}].dataset_rows`, STATS_FIX, {integer: true, min: 0});
    });
    const settings = readObject(stats.settings, "settings", STATS_FIX);
    return {rows, source: `${file} (stats with data_split ${JSON.stringify(readString(settings.data_split, "settings.data_split", STATS_FIX))})`};
  });
}

/** `counts.train` and `counts.phases.train` of a converted directory's manifest.json, split by the plan's data_split. */
export function readManifestRows(dir: string, plan: Plan): RowInputs {
  const manifest = locate({option: "--data"}, () => readManifest(dir)!);
  return planDataRows({train: manifest.counts.train, phases: manifest.counts.phases.train}, plan, `${dir}/manifest.json`);
}
