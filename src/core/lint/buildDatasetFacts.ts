/**
 * DatasetFacts for lint from a converted dataset's rows, with or without token statistics: what `lint` (and
 * `lint --plan`) collects from a directory, and what the Datasets and Config pages compute from the rows in the browser.
 * Isomorphic: no Node or DOM imports.
 */
import type {Manifest} from "../contract/manifest.js";
import {type DataCacheEstimate, type IdentifiedRow, isUsable, type PartitionStats, type SplitName} from "../stats/computeStats.js";
import {selectPartitions} from "../stats/selectPartitions.js";
import {countOverlap} from "../stats/textFacts.js";
import {manifestFacts, promptMarkerFacts, untokenizedPartitionFacts} from "./datasetFacts.js";
import type {DatasetFacts} from "./lintContext.js";

export interface DatasetFactsInput {
  /** Where the rows come from, for messages. */
  source: string;
  settings: DatasetFacts["settings"];
  train: IdentifiedRow[];
  eval: IdentifiedRow[];
  /** Keys of prompt/chosen/rejected that no row of the file has (a hand-made train.json); converted files have all three. */
  missingColumns?: Record<SplitName, string[]>;
  manifest?: Manifest | null;
  /** Token statistics of the same rows and settings, when a tokenizer measured them. */
  stats?: {partitions: PartitionStats[]; dataCache: DataCacheEstimate[]; trainEvalOverlap?: {count: number; examples: string[]}} | null;
  /** Why the measuring tokenizer's counts are not the model's (tokenizerModelMismatch), when they are not. */
  tokenizerMismatch?: string | null;
}

export function buildDatasetFacts({source, settings, train, eval: evaluation, missingColumns, manifest = null, stats = null, tokenizerMismatch = null}: DatasetFactsInput): DatasetFacts {
  return {
    source,
    settings,
    files: {
      train: {rows: train.length, missingColumns: missingColumns?.train ?? [], usable: usablePerPhase(train)},
      eval: {rows: evaluation.length, missingColumns: missingColumns?.eval ?? []}
    },
    partitions: stats ? stats.partitions : selectPartitions({train: {rows: train}, eval: {rows: evaluation}}, settings.dataSplit, settings.seed).map(untokenizedPartitionFacts),
    promptsWithoutMarkers: promptMarkerFacts(train),
    trainEvalOverlap: stats?.trainEvalOverlap ?? countOverlap(train.map(({row}) => row), evaluation),
    dataCache: stats?.dataCache,
    tokenized: stats !== null,
    tokenizerMismatch: stats ? tokenizerMismatch : null,
    manifest: manifestFacts(manifest)
  };
}

/** Rows of train.json each phase could use (DS-Chat skips a row whose fields for the phase are null). */
function usablePerPhase(rows: readonly IdentifiedRow[]): Record<"1" | "2" | "3", number> {
  const count = (phase: 1 | 2 | 3) => rows.filter(({row}) => isUsable(row, phase)).length;
  return {"1": count(1), "2": count(2), "3": count(3)};
}
