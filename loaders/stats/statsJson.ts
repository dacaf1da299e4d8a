/**
 * `stats --json` (schemas/stats.schema.json): the stats report mapped key by key to the snake_case contract, so an
 * internal rename can never change what scripts read. `plan --stats` reads this document back (readStatsRows).
 */
import {versioned} from "../../src/core/contract/schemaVersions.js";
import type {PartitionStats} from "../../src/core/stats/computeStats.js";
import type {RateEstimate} from "../../src/core/stats/estimateProportion.js";
import type {LengthSummary, QuantileValue} from "../../src/core/stats/summarizeLengths.js";
import type {StatsReport} from "./runStats.js";

const rate = (r: RateEstimate | null) =>
  r && {count: r.count, total: r.total, rate: r.rate, low: r.low, high: r.high, standard_error: r.standardError, exact: r.exact, measured: r.measured};

const quantile = ({value, low, high}: QuantileValue) => ({value, low, high});

const lengths = (s: LengthSummary | null) =>
  s && {
    count: s.count,
    mean: s.mean,
    p0: quantile(s.p0),
    p50: quantile(s.p50),
    p90: quantile(s.p90),
    p95: quantile(s.p95),
    p99: quantile(s.p99),
    max: quantile(s.max),
    histogram: {bin_width: s.histogram.binWidth, counts: s.histogram.counts}
  };

function partition(p: PartitionStats) {
  return {
    phase: p.phase,
    split: p.split,
    rows: p.rows,
    skipped_null: p.skippedNull,
    usable: p.usable,
    measured: p.measured,
    exact: p.exact,
    lengths: {prompt: lengths(p.lengths.prompt), chosen: lengths(p.lengths.chosen), rejected: lengths(p.lengths.rejected), full: lengths(p.lengths.full), full_rejected: lengths(p.lengths.fullRejected)},
    truncated: rate(p.truncated),
    dropped: rate(p.dropped),
    identical_pairs: rate(p.identicalPairs),
    divergence_at_start: rate(p.divergenceAtStart),
    pad_in_text: rate(p.padInText),
    examples: {
      truncated: p.examples.truncated,
      dropped: p.examples.dropped,
      identical_pairs: p.examples.identicalPairs,
      divergence_at_start: p.examples.divergenceAtStart,
      pad_in_text: p.examples.padInText
    },
    empty_strings: p.emptyStrings,
    duplicates: {exact: p.duplicates.exact, normalized: p.duplicates.normalized, examples: p.duplicates.examples},
    script_mix: Object.fromEntries(Object.entries(p.scriptMix).map(([script, estimate]) => [script, rate(estimate)])),
    dataset_rows: p.datasetRows,
    data_cache_bytes: p.dataCacheBytes
  };
}

export function statsJson(report: StatsReport) {
  const {files, settings: s, tokenizer: t} = report;
  const file = (f: StatsReport["files"]["train"]) => ({rows: f.rows, format: f.format, missing_columns: f.missingColumns});
  return versioned("stats", {
    dir: report.dir,
    files: {train: file(files.train), eval: file(files.eval)},
    manifest: report.manifest,
    settings: {
      max_seq_len: s.maxSeqLen,
      max_prompt_seq_len: s.maxPromptSeqLen,
      data_split: s.dataSplit,
      seed: s.seed,
      sample: s.sample,
      gpus_per_node: s.gpusPerNode,
      add_eot_token: s.addEotToken
    },
    tokenizer: {
      model_name: t.modelName,
      family: t.family,
      description: t.description,
      bos_ids: t.bosIds,
      eos_token: t.eosToken,
      eos_tokens: t.eosTokens,
      end_of_text_tokens: t.endOfTextTokens,
      pad_id: t.padId,
      adds_pad_token: t.addsPadToken,
      vocab_size: t.vocabSize,
      resized_vocab_size: t.resizedVocabSize,
      measured: t.measured,
      mismatch: t.mismatch
    },
    partitions: report.partitions.map(partition),
    data_cache: report.dataCache.map((c) => ({phase: c.phase, bytes_per_rank: c.bytesPerRank, bytes_per_node: c.bytesPerNode, gpus_per_node: c.gpusPerNode})),
    train_eval_overlap: report.trainEvalOverlap
  });
}

export type StatsJson = ReturnType<typeof statsJson>;
