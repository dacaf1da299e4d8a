/** Dataset facts for lint: row-level facts always, token-level ones (via runStats) when a tokenizer is given. */
import type {DatasetFacts} from "../../src/core/lint/lintContext.js";
import {manifestFacts, promptMarkerFacts, untokenizedPartitionFacts} from "../../src/core/lint/datasetFacts.js";
import {countOverlap} from "../../src/core/stats/textFacts.js";
import {type IdentifiedRow, isUsable} from "../../src/core/stats/computeStats.js";
import {readConvertedDir} from "./readConvertedDir.js";
import {runStats, selectPartitions, type StatsOptions, type StatsReport} from "./runStats.js";

export type CollectOptions = Omit<StatsOptions, "tokenizer" | "converted"> & {tokenizer?: string | null};

export async function collectDatasetFacts(options: CollectOptions): Promise<{facts: DatasetFacts; stats: StatsReport | null}> {
  const converted = readConvertedDir(options.dir);
  const {dataSplit, seed, maxSeqLen, maxPromptSeqLen} = options;
  const stats = options.tokenizer ? await runStats({...options, tokenizer: options.tokenizer, converted}) : null;
  const facts: DatasetFacts = {
    source: converted.dir,
    settings: {dataSplit, seed, maxSeqLen, maxPromptSeqLen},
    files: {
      train: {rows: converted.train.rows.length, missingColumns: converted.train.missingColumns, usable: usablePerPhase(converted.train.rows)},
      eval: {rows: converted.eval.rows.length, missingColumns: converted.eval.missingColumns}
    },
    partitions: stats ? stats.partitions : selectPartitions(converted, dataSplit, seed).map(untokenizedPartitionFacts),
    promptsWithoutMarkers: promptMarkerFacts(converted.train.rows),
    trainEvalOverlap: stats ? stats.trainEvalOverlap : countOverlap(converted.train.rows.map(({row}) => row), converted.eval.rows),
    dataCache: stats?.dataCache,
    tokenized: stats !== null,
    tokenizerMismatch: stats?.tokenizer.mismatch ?? null,
    manifest: manifestFacts(converted.manifest)
  };
  return {facts, stats};
}

/** Rows of train.json each phase could use (DS-Chat skips a row whose fields for the phase are null). */
function usablePerPhase(rows: readonly IdentifiedRow[]): Record<"1" | "2" | "3", number> {
  const count = (phase: 1 | 2 | 3) => rows.filter(({row}) => isUsable(row, phase)).length;
  return {"1": count(1), "2": count(2), "3": count(3)};
}
