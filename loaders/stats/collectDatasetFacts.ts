/** Dataset facts for lint: row-level facts always, token-level ones (via runStats) when a tokenizer is given. */
import type {DatasetFacts} from "../../src/core/lint/lintContext.js";
import {buildDatasetFacts} from "../../src/core/lint/buildDatasetFacts.js";
import {readConvertedDir} from "./readConvertedDir.js";
import {runStats, type StatsOptions, type StatsReport} from "./runStats.js";

export type CollectOptions = Omit<StatsOptions, "tokenizer" | "converted"> & {tokenizer?: string | null};

export async function collectDatasetFacts(options: CollectOptions): Promise<{facts: DatasetFacts; stats: StatsReport | null}> {
  const converted = readConvertedDir(options.dir);
  const {dataSplit, seed, maxSeqLen, maxPromptSeqLen} = options;
  const stats = options.tokenizer ? await runStats({...options, tokenizer: options.tokenizer, converted}) : null;
  const facts = buildDatasetFacts({
    source: converted.dir,
    settings: {dataSplit, seed, maxSeqLen, maxPromptSeqLen},
    train: converted.train.rows,
    eval: converted.eval.rows,
    missingColumns: {train: converted.train.missingColumns, eval: converted.eval.missingColumns},
    manifest: converted.manifest,
    stats,
    tokenizerMismatch: stats?.tokenizer.mismatch ?? null
  });
  return {facts, stats};
}
