/**
 * `dschat-studio stats` without the CLI: reads a converted directory, selects each phase's rows exactly as DS-Chat
 * does, tokenizes them (all, or a seeded sample) on every core and aggregates the figures.
 */
import {statSync} from "node:fs";
import {availableParallelism} from "node:os";
import {join} from "node:path";
import type {Manifest} from "../../src/core/contract/manifest.js";
import {parseDataSplit} from "../../src/core/split/index.js";
import {allocateSample, pickSample} from "../../src/core/stats/sampleRows.js";

export {allocateSample} from "../../src/core/stats/sampleRows.js";
import {type PhasePartition, selectPartitions} from "../../src/core/stats/selectPartitions.js";

export {selectPartitions} from "../../src/core/stats/selectPartitions.js";
import {computeStats, type IdentifiedRow, isUsable, type MeasuredRow, type PartitionInput, type PartitionStats, type DataCacheEstimate, type SplitName} from "../../src/core/stats/computeStats.js";
import {countDuplicates, countOverlap} from "../../src/core/stats/textFacts.js";
import {MEASURE_STRIDE, type SequenceLimits, unpackRowMeasure} from "../../src/core/tokenize/measureRow.js";
import {loadTokenizer, modelNameFor} from "../tokenizer/loadTokenizer.js";
import {dschatTokenizerName} from "../plan/localModels.js";
import {tokenizerModelMismatch} from "../../src/core/tokenize/tokenizerRules.js";
import {resolveTokenizer} from "../tokenizer/resolveTokenizer.js";
import {describeTokenizer, type TokenizerReport} from "../../src/core/stats/describeTokenizer.js";
import {INLINE_BELOW, MeasurePool, measureRows} from "./measureRows.js";
import {type ConvertedDir, readConvertedDir, SPLIT_FILES} from "./readConvertedDir.js";

export interface StatsOptions extends SequenceLimits {
  dir: string;
  /** A tokenizer.json path or folder, a short name (gpt2, llama2) or a model name in the HF cache. */
  tokenizer: string;
  /** The model name DS-Chat gets (family rules); default: the tokenizer's. */
  modelName?: string | null;
  /** DS-Chat's `--add_eot_token`: this token (normally `<|endoftext|>`) becomes special. */
  addEotToken?: string | null;
  dataSplit: string;
  seed: number;
  /** Measure a seeded random sample of this many usable rows in all, instead of every row. */
  sample?: number | null;
  gpusPerNode?: number;
  threads?: number;
  download?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  onProgress?: (done: number, total: number) => void;
  /** The directory already read (lint reads it once for both its own facts and the stats). */
  converted?: ConvertedDir;
}

export type {TokenizerReport} from "../../src/core/stats/describeTokenizer.js";

export interface StatsReport {
  dir: string;
  files: Record<SplitName, {rows: number; format: "jsonl" | "json-array"; missingColumns: string[]}>;
  manifest: Manifest | null;
  settings: {maxSeqLen: number; maxPromptSeqLen: number; dataSplit: string; seed: number; sample: number | null; gpusPerNode: number; addEotToken: string | null};
  /** The tokenizer's DS-Chat facts, what was measured, and why its counts are not the model's (when they are not). */
  tokenizer: TokenizerReport & {measured: string; mismatch: string | null};
  partitions: PartitionStats[];
  dataCache: DataCacheEstimate[];
  /** eval.json rows identical to a train.json row. */
  trainEvalOverlap: {count: number; examples: string[]};
}

/** About 1,000 rows of chat data: below this, starting workers early costs more than it saves. */
const EARLY_WORKERS_BYTES = 1 << 20;

function inputBytes(dir: string): number {
  return Object.values(SPLIT_FILES).reduce((sum, name) => {
    try {
      return sum + statSync(join(dir, name)).size;
    } catch {
      return sum; // readConvertedDir reports missing files with the fix
    }
  }, 0);
}

export async function runStats(options: StatsOptions): Promise<StatsReport> {
  const {dataSplit, seed, maxSeqLen, maxPromptSeqLen, sample = null, gpusPerNode = 1, addEotToken = null} = options;
  const limits: SequenceLimits = {maxSeqLen, maxPromptSeqLen};
  parseDataSplit(dataSplit); // a bad --data-split fails here, before any worker starts
  const files = await resolveTokenizer(options.tokenizer, {env: options.env, cwd: options.cwd, download: options.download});
  // For a local checkpoint DS-Chat's tokenizer rules test its config.json _name_or_path (utils.py:97-105).
  const modelName = dschatTokenizerName(modelNameFor(files, options.tokenizer, options.modelName), options.cwd ?? process.cwd());
  // On big inputs the workers boot while this thread reads and parses the files; a small sample is measured inline.
  const inlineSample = sample !== null && sample < INLINE_BELOW && options.threads === undefined;
  const cores = Math.min(options.threads ?? availableParallelism(), availableParallelism()); // never more than the cores
  const workers = cores - 1; // this thread measures too
  const bigInput = !options.converted && inputBytes(options.dir) >= EARLY_WORKERS_BYTES;
  // A sample of a big input: one worker builds the tokenizer and measures the sample, while this thread reads, parses
  // and finds duplicates over every row, the longer task, with no tokenizer to build.
  const sampleWorker = inlineSample && bigInput && cores > 1;
  const setup = {files, modelName, addEotToken, limits};
  const pool = sampleWorker ? MeasurePool.start(setup, 1, {buildHere: false}) : workers > 0 && !inlineSample && bigInput ? MeasurePool.start(setup, workers) : null;
  let converted: ConvertedDir, selections: PhasePartition[], usableRows: IdentifiedRow[][], measuredRows: IdentifiedRow[][];
  try {
    converted = options.converted ?? readConvertedDir(options.dir);
    selections = selectPartitions(converted, dataSplit, seed);
    usableRows = selections.map(({phase, rows}) => rows.filter(({row}) => isUsable(row, phase)));
    const sampleSizes = allocateSample(usableRows.map((rows) => rows.length), sample);
    measuredRows = usableRows.map((rows, i) => pickSample(rows, sampleSizes[i], seed));
  } catch (error) {
    await pool?.close(); // measureRows closes it from here on
    throw error;
  }
  const measuring = measureRows(
    selections.map(({phase}, i) => ({phase, rows: measuredRows[i].map(({row}) => row)})),
    {...setup, threads: options.threads === undefined ? undefined : cores, pool, measureHere: !sampleWorker, batchSize: sampleWorker ? INLINE_BELOW : undefined, onProgress: options.onProgress}
  );
  // What needs no token counts is done here while the workers tokenize (a sample worker: one request per partition).
  let tokenizerReport: TokenizerReport | null = null;
  let duplicates, trainEvalOverlap;
  try {
    if (!sampleWorker) tokenizerReport = describeTokenizer(loadTokenizer(files, modelName, addEotToken), modelName);
    duplicates = selections.map(({phase}, i) => countDuplicates(usableRows[i], phase)); // partitionDuplicates, rows already filtered
    trainEvalOverlap = countOverlap(converted.train.rows.map(({row}) => row), converted.eval.rows);
  } catch (error) {
    await measuring.catch(() => {}); // the workers fail the same way; report this thread's (clearer) error once they stop
    throw error;
  }
  // A worker whose tokenizer failed to build answers with that UserError, so it reaches the user unchanged.
  const packed = await measuring;
  // Measuring nothing (no usable row) never waited for the worker's tokenizer facts.
  tokenizerReport ??= pool?.tokenizerReport ?? describeTokenizer(loadTokenizer(files, modelName, addEotToken), modelName);
  const partitions: PartitionInput[] = selections.map(({phase, split, rows}, i) => ({
    phase,
    split,
    rows,
    usable: usableRows[i].length,
    duplicates: duplicates[i],
    measured: measuredRows[i].map((identified, k): MeasuredRow => ({...identified, ...unpackRowMeasure(packed[i], k * MEASURE_STRIDE)}))
  }));
  const summary = computeStats(partitions, limits, {gpusPerNode});
  return {
    dir: converted.dir,
    files: {
      train: {rows: converted.train.rows.length, format: converted.train.format, missingColumns: converted.train.missingColumns},
      eval: {rows: converted.eval.rows.length, format: converted.eval.format, missingColumns: converted.eval.missingColumns}
    },
    manifest: converted.manifest,
    settings: {maxSeqLen, maxPromptSeqLen, dataSplit, seed, sample, gpusPerNode, addEotToken},
    tokenizer: {...tokenizerReport, measured: `${options.tokenizer} (${files.source})`, mismatch: tokenizerModelMismatch(files.impliedModelName ?? options.tokenizer, modelName)},
    partitions: summary.partitions,
    dataCache: summary.dataCache,
    trainEvalOverlap
  };
}
