/**
 * What the Datasets page computes over every row, in its upload worker so that the page stays responsive: the rows a
 * filter keeps as convert would write them (train.json/eval.json, empty-eval rule), duplicates and empty strings,
 * DS-Chat's phase split, the lint findings, the rows to tokenize and the token statistics. Every rule is the core's.
 */
import type {LocalJsonRow, Phase} from "../core/canonical.js";
import type {Manifest} from "../core/contract/manifest.js";
import {buildDatasetFacts} from "../core/lint/buildDatasetFacts.js";
import type {DatasetFacts, Finding} from "../core/lint/lintContext.js";
import {lint} from "../core/lint/lint.js";
import {localJsonText, splitTrainEval} from "../core/recipe/localJsonOutput.js";
import {computeStats, type IdentifiedRow, isUsable, type PartitionStats} from "../core/stats/computeStats.js";
import {allocateSample, pickSample} from "../core/stats/sampleRows.js";
import {selectPartitions, type PhasePartition} from "../core/stats/selectPartitions.js";
import {countDuplicates, countOverlap, isEmptyString} from "../core/stats/textFacts.js";
import {MEASURE_STRIDE, type SequenceLimits, unpackRowMeasure} from "../core/tokenize/measureRow.js";

/** The canonical rows the worker holds: conversion order, train.json strings, drawn side. */
export interface RowStore {
  id: string[];
  local: LocalJsonRow[];
  eval: boolean[];
  /** How convert put rows in eval.json and with what share (the empty-eval rule depends on both). */
  splitMethod: "source" | "seeded";
  evalRatio: number;
  source: string;
  manifest: Manifest | null;
}

/** Ids as UTF-8 bytes and offsets (the Arrow column DuckDB-wasm returned), decoded here rather than on the page. */
export interface EncodedIds {
  count: number;
  offsets: Int32Array;
  bytes: Uint8Array;
}

export interface AnalyzeRequest {
  /** Ids the filter keeps; null = all. */
  kept: EncodedIds | null;
  dataSplit: string;
  seed: number;
  /** Tokenize at most about this many rows in all (a seeded sample, as `stats --sample`); null = every row. */
  tokenSample: number | null;
  /** Only the token rules read them (tokenAnalysis passes its own); default DS-Chat's 512 and 256. */
  limits?: SequenceLimits;
}

export interface QualityFacts {
  rows: number;
  /** Exact and whitespace-normalised duplicates of prompt/chosen/rejected (src/core/stats/textFacts.ts). */
  duplicates: {exact: number; normalized: number; examples: [string, string][]};
  empty: Record<"prompt" | "chosen" | "rejected", {count: number; examples: string[]}>;
  /** chosen and rejected are the same text: a pair with nothing to learn. */
  identicalPairs: {count: number; examples: string[]};
}

export interface PartitionSummary {
  phase: Phase;
  split: "train" | "eval";
  rows: number;
  usable: number;
}

export interface Analysis {
  trainRows: number;
  evalRows: number;
  moved: string | null;
  quality: QualityFacts;
  /** null when data_split does not parse (then `splitError` says why). */
  partitions: PartitionSummary[] | null;
  splitError: string | null;
  /** The lint findings without token rules, and the facts they came from. */
  findings: Finding[];
  facts: DatasetFacts | null;
  /** Rows to tokenize per partition (usable rows, or a seeded sample of them). */
  tokenJob: {partitions: Array<{phase: Phase; rows: LocalJsonRow[]}>; sampled: boolean} | null;
}

const EXAMPLES = 5;

interface Prepared {
  request: AnalyzeRequest;
  train: IdentifiedRow[];
  eval: IdentifiedRow[];
  trainSource: string[];
  evalSource: string[];
  partitions: PhasePartition[] | null;
  usable: IdentifiedRow[][];
  measured: IdentifiedRow[][];
  overlap: {count: number; examples: string[]};
}

let last: Prepared | null = null;

function decodeIds({count, offsets, bytes}: EncodedIds): Set<string> {
  const decoder = new TextDecoder();
  const ids = new Set<string>();
  for (let i = 0; i < count; i++) ids.add(decoder.decode(bytes.subarray(offsets[i], offsets[i + 1])));
  return ids;
}

function keptIndices(store: RowStore, kept: EncodedIds | null): number[] {
  if (kept === null) return store.id.map((_, i) => i);
  const keep = decodeIds(kept);
  const indices: number[] = [];
  for (let i = 0; i < store.id.length; i++) if (keep.has(store.id[i])) indices.push(i);
  return indices;
}

export function qualityFacts(store: RowStore, indices: readonly number[]): QualityFacts {
  const empty: QualityFacts["empty"] = {prompt: {count: 0, examples: []}, chosen: {count: 0, examples: []}, rejected: {count: 0, examples: []}};
  const identicalPairs = {count: 0, examples: [] as string[]};
  for (const i of indices) {
    const row = store.local[i];
    for (const field of ["prompt", "chosen", "rejected"] as const) {
      if (isEmptyString(row[field])) {
        empty[field].count++;
        if (empty[field].examples.length < EXAMPLES) empty[field].examples.push(store.id[i]);
      }
    }
    if (row.chosen !== null && row.chosen === row.rejected) {
      identicalPairs.count++;
      if (identicalPairs.examples.length < EXAMPLES) identicalPairs.examples.push(store.id[i]);
    }
  }
  const duplicates = countDuplicates(indices.map((i) => ({id: store.id[i], row: store.local[i]})));
  return {rows: indices.length, duplicates, empty, identicalPairs};
}

/** The kept rows as train.json / eval.json: conversion order, drawn sides, then convert's empty-eval rule. */
function keptFiles(store: RowStore, indices: readonly number[]) {
  const {train, eval: evaluation, moved} = splitTrainEval(indices.map((i) => ({row: i, eval: store.eval[i]})), store);
  const identify = (file: string, list: number[]) => list.map((i, k): IdentifiedRow => ({id: `${file}:${k + 1}`, row: store.local[i]}));
  return {train: identify("train.json", train), eval: identify("eval.json", evaluation), trainSource: train.map((i) => store.id[i]), evalSource: evaluation.map((i) => store.id[i]), moved: moved === null ? null : store.id[moved]};
}

/**
 * Every analysis of the kept rows. Between its steps `pause` lets the worker's other messages in (a new mapping must
 * not wait for an analysis it makes moot); when it answers true the analysis stops and the result is null.
 */
export async function analyze(store: RowStore, request: AnalyzeRequest, pause: () => Promise<boolean> = async () => false): Promise<Analysis | null> {
  const indices = keptIndices(store, request.kept);
  if (await pause()) return null;
  const files = keptFiles(store, indices);
  if (await pause()) return null;
  const quality = qualityFacts(store, indices);
  if (await pause()) return null;
  let partitions: PhasePartition[] | null = null;
  let splitError: string | null = null;
  try {
    partitions = selectPartitions({train: {rows: files.train}, eval: {rows: files.eval}}, request.dataSplit, request.seed);
  } catch (error) {
    splitError = (error as Error).message;
  }
  const usable = partitions?.map((p) => p.rows.filter(({row}) => isUsable(row, p.phase))) ?? [];
  const sizes = allocateSample(usable.map((rows) => rows.length), request.tokenSample);
  const measured = usable.map((rows, i) => pickSample(rows, sizes[i], request.seed));
  if (await pause()) return null;
  const overlap = countOverlap(files.train.map(({row}) => row), files.eval);
  if (await pause()) return null;
  last = {request, train: files.train, eval: files.eval, trainSource: files.trainSource, evalSource: files.evalSource, partitions, usable, measured, overlap};
  const facts = partitions ? factsFor(store, last, null, request.limits ?? {maxSeqLen: 512, maxPromptSeqLen: 256}) : null;
  return {
    trainRows: files.train.length,
    evalRows: files.eval.length,
    moved: files.moved,
    quality,
    partitions: partitions?.map((p, i) => ({phase: p.phase, split: p.split, rows: p.rows.length, usable: usable[i].length})) ?? null,
    splitError,
    findings: facts ? lintData(facts, partitions!) : [],
    facts,
    tokenJob: partitions ? {partitions: partitions.map((p, i) => ({phase: p.phase, rows: measured[i].map(({row}) => row)})), sampled: measured.some((rows, i) => rows.length < usable[i].length)} : null
  };
}

function factsFor(store: RowStore, prepared: Prepared, stats: {partitions: PartitionStats[]; dataCache: ReturnType<typeof computeStats>["dataCache"]} | null, limits: SequenceLimits): DatasetFacts {
  return buildDatasetFacts({
    source: store.source,
    settings: {dataSplit: prepared.request.dataSplit, seed: prepared.request.seed, ...limits},
    train: prepared.train,
    eval: prepared.eval,
    manifest: store.manifest,
    stats: stats ? {...stats, trainEvalOverlap: prepared.overlap} : null
  });
}

function lintData(facts: DatasetFacts, partitions: readonly PhasePartition[]): Finding[] {
  return lint({dataset: facts, steps: [...new Set(partitions.map((p) => p.phase))]});
}

export interface TokenAnalysis {
  partitions: PartitionStats[];
  findings: Finding[];
  facts: DatasetFacts;
}

/** Token statistics from the token worker's packed measures of the last analysis' token job, for these limits. */
export function tokenAnalysis(store: RowStore, packed: Int32Array[], limits: SequenceLimits): TokenAnalysis {
  if (!last?.partitions) throw new Error("token statistics before an analysis");
  const {partitions, usable, measured} = last;
  const duplicates = usable.map((rows, i) => countDuplicates(rows, partitions[i].phase));
  const stats = computeStats(
    partitions.map((p, i) => ({...p, usable: usable[i].length, duplicates: duplicates[i], measured: measured[i].map((row, k) => ({...row, ...unpackRowMeasure(packed[i], k * MEASURE_STRIDE)}))})),
    limits
  );
  const facts = factsFor(store, last, stats, limits);
  return {partitions: stats.partitions, findings: lintData(facts, partitions), facts};
}

/** train.json and eval.json of the kept rows, byte for byte as `convert --recipe` writes them. */
export function outputs(store: RowStore, kept: EncodedIds | null) {
  const files = keptFiles(store, keptIndices(store, kept));
  return {train: localJsonText(files.train.map(({row}) => row)), eval: localJsonText(files.eval.map(({row}) => row)), trainRows: files.train.length, evalRows: files.eval.length, moved: files.moved};
}
