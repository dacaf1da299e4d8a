import type {CanonicalRow, Phase} from "../../src/core/canonical.js";
import {columnExample, columnKind, excerptOf, localJsonDeviation, MEDIA_PLACEHOLDER, toLocalJsonRow, type ColumnKind, type FormatAdapter, type ReasoningOption, type RowContext} from "../../src/core/formats/index.js";
import {invalidText, localJsonLine} from "../../src/core/recipe/localJsonOutput.js";
import {BlockEncoder, type BufferPool} from "./blockEncoder.js";
import type {RecordItem} from "./readers/recordItem.js";

import type {PhaseCounts} from "../../src/core/contract/manifest.js";

/** What the manifest says about one input file, summed over its batches. */
export interface FileTally {
  read: number;
  converted: number;
  rejected: number;
  /** The first reject's reason, to explain a file whose rows were all rejected. */
  firstReject: string | null;
  /** Converted rows whose messages had reasoning (parts or reasoning_content). */
  reasoningRows: number;
  /** Converted rows of records with a media column whose text still holds an <image>/<video>/<audio> placeholder. */
  placeholderRows: number;
  /** Columns the file's format does not read: records with a value there, what the first value looks like. */
  unused: Record<string, {rows: number; looksLike: ColumnKind; example: string}>;
}

export function emptyFileTally(): FileTally {
  return {read: 0, converted: 0, rejected: 0, firstReject: null, reasoningRows: 0, placeholderRows: 0, unused: {}};
}

/** The counts one batch of records adds to the manifest. */
export interface BatchCounts {
  read: number;
  converted: number;
  rejected: number;
  /** Converted rows a recipe's filter left out. */
  filtered: number;
  phases: {train: PhaseCounts; eval: PhaseCounts};
  /** local/jsonfile deviations by kind (the DS-Chat methods that differ). */
  deviations: Record<string, {rows: number; firstId: string; summary: string}>;
  /** The batch's last train.json line and its row id, for the empty-eval fallback. */
  lastTrain: {line: string; id: string; phases: Phase[]} | null;
  /** By input file (source). */
  files: Record<string, FileTally>;
}

/** Everything one batch of records turns into: UTF-8 output blocks (lines ending in newlines) and the counts. */
export interface EncodedBatch extends BatchCounts {
  blocks: Record<"train" | "eval" | "canonical" | "rejects", {bytes: Uint8Array; lines: number}>;
  /** Bytes of the longest canonical line, so that DuckDB's JSON reader is told a large enough maximum object size. */
  longestCanonicalLine: number;
  /** Set by convertInWorkers: hands the blocks' buffers back for reuse; call once they are written, then never touch them. */
  release?: () => void;
}

export interface BatchContext {
  source: string;
  split: string | null;
  adapter: FormatAdapter;
  /** What to do with reasoning parts (default: the formats' default, inline). */
  reasoning?: ReasoningOption;
  /** Whether a converted row goes to eval.json. */
  inEval: (id: string) => boolean;
  /** A recipe's filter: whether the converted row with this id is kept. */
  keep?: (id: string) => boolean;
  /** Size of the input behind the items, to size the output buffers once instead of growing them. */
  inputBytes?: number;
  /** Where the output blocks' buffers come from (default: fresh ones). */
  pool?: BufferPool;
}

export function emptyBatchCounts(): BatchCounts {
  return {
    read: 0,
    converted: 0,
    rejected: 0,
    filtered: 0,
    phases: {train: emptyPhaseCounts(), eval: emptyPhaseCounts()},
    deviations: {},
    lastTrain: null,
    files: {}
  };
}

export function emptyPhaseCounts(): PhaseCounts {
  return {"1": 0, "2": 0, "3": 0};
}

/**
 * Converts one batch of records: the single place where a record becomes train/eval/canonical/reject lines. Lines are
 * encoded as they are made, so a batch never holds its output as strings.
 */
export function convertBatch(items: Iterable<RecordItem>, {source, split, adapter, reasoning, inEval, keep, inputBytes = 1 << 20, pool}: BatchContext): EncodedBatch {
  const counts = emptyBatchCounts();
  const tally = (counts.files[source] = emptyFileTally());
  const fixedReads = typeof adapter.reads === "function" ? null : new Set(adapter.reads);
  const notes = {reasoningParts: 0};
  const train = new BlockEncoder(inputBytes + (inputBytes >> 3), pool);
  const evaluation = new BlockEncoder(Math.max(inputBytes >> 3, 1 << 16), pool);
  // Canonical lines repeat the train.json line and add the conversation, roughly twice the input.
  const canonical = new BlockEncoder(inputBytes * 2 + (inputBytes >> 2), pool);
  const rejects = new BlockEncoder(1 << 14, pool);
  let longestCanonicalLine = 0;
  let lastTrainLine: string | null = null;
  let lastTrainRow: CanonicalRow | null = null;
  for (const item of items) {
    counts.read++;
    tally.read++;
    if ("failure" in item) {
      counts.rejected++;
      tally.rejected++;
      tally.firstReject ??= item.failure;
      rejects.write(JSON.stringify({file: source, row: item.row, line: item.line, reason: item.failure, excerpt: item.excerpt}));
      rejects.endLine();
      continue;
    }
    const hasMedia = tallyUnusedColumns(tally, item.value, adapter, fixedReads);
    notes.reasoningParts = 0;
    const context: RowContext = {source, row: item.row, split, reasoning, notes};
    const result = adapter.convert(item.value, context);
    if ("reject" in result) {
      counts.rejected++;
      tally.rejected++;
      tally.firstReject ??= result.reject.reason;
      const {row, reason, excerpt} = result.reject;
      rejects.write(JSON.stringify({file: result.reject.source, row, line: item.line, reason, excerpt}));
      rejects.endLine();
      continue;
    }
    const row = result.ok;
    const local = toLocalJsonRow(row);
    const invalid = invalidText(row, local);
    if (invalid) {
      counts.rejected++;
      tally.rejected++;
      tally.firstReject ??= invalid;
      rejects.write(JSON.stringify({file: source, row: item.row, line: item.line, reason: invalid, excerpt: excerptOf(item.value)}));
      rejects.endLine();
      continue;
    }
    if (keep && !keep(row.id)) {
      counts.filtered++;
      continue;
    }
    counts.converted++;
    tally.converted++;
    if (notes.reasoningParts) tally.reasoningRows++;
    if (hasMedia && [local.prompt, local.chosen, local.rejected].some((text) => text !== null && MEDIA_PLACEHOLDER.test(text))) tally.placeholderRows++;
    const deviation = localJsonDeviation(row);
    if (deviation) {
      const {kind} = deviation;
      const seen = counts.deviations[kind];
      if (seen) seen.rows++;
      else counts.deviations[kind] = {rows: 1, firstId: row.id, summary: deviation.summary};
    }
    const line = localJsonLine(local);
    const inEvalSide = inEval(row.id);
    const side = inEvalSide ? evaluation : train;
    const lineStart = side.length;
    side.write(line);
    const lineEnd = side.length;
    side.endLine();
    countPhases(counts.phases[inEvalSide ? "eval" : "train"], row.phases);
    const canonicalStart = canonical.length;
    writeCanonicalLine(canonical, row, side, lineStart, lineEnd, local, inEvalSide);
    if (canonical.length - canonicalStart > longestCanonicalLine) longestCanonicalLine = canonical.length - canonicalStart;
    if (!inEvalSide) {
      lastTrainLine = line;
      lastTrainRow = row;
    }
  }
  if (lastTrainLine !== null && lastTrainRow !== null) counts.lastTrain = {line: lastTrainLine, id: lastTrainRow.id, phases: lastTrainRow.phases};
  const block = (encoder: BlockEncoder) => ({bytes: encoder.bytes(), lines: encoder.lines});
  return {...counts, longestCanonicalLine, blocks: {train: block(train), eval: block(evaluation), canonical: block(canonical), rejects: block(rejects)}};
}

/**
 * Counts the record's columns that the adapter does not read (with a value other than null), classifying each the first
 * time it is seen. Returns whether one of them looks like media, so the caller checks the text for placeholders.
 */
function tallyUnusedColumns(tally: FileTally, record: unknown, adapter: FormatAdapter, fixedReads: ReadonlySet<string> | null): boolean {
  if (record === null || typeof record !== "object" || Array.isArray(record)) return false;
  const values = record as Record<string, unknown>;
  let reads = fixedReads;
  let hasMedia = false;
  for (const key in values) {
    const value = values[key];
    if (value === null || value === undefined) continue;
    reads ??= new Set(typeof adapter.reads === "function" ? adapter.reads(values) : adapter.reads);
    if (reads.has(key)) continue;
    let column = tally.unused[key];
    if (!column) tally.unused[key] = column = {rows: 0, looksLike: columnKind(key, value), example: columnExample(value)};
    column.rows++;
    if (column.looksLike === "media") hasMedia = true;
  }
  return hasMedia;
}

/**
 * One line of the temporary JSON Lines a canonical Parquet part is built from (columns: CANONICAL_COLUMNS). The
 * prompt/chosen/rejected members are copied from the bytes of the train.json line (bytes [lineStart, lineEnd) of
 * `localBlock`, without its braces) instead of being serialized and encoded a second time.
 */
function writeCanonicalLine(
  canonical: BlockEncoder,
  row: CanonicalRow,
  localBlock: BlockEncoder,
  lineStart: number,
  lineEnd: number,
  local: {prompt: string | null; chosen: string | null; rejected: string | null},
  inEval: boolean
): void {
  canonical.write(`{"id":${JSON.stringify(row.id)},"source":${JSON.stringify(row.source)},"row":${row.row},"split":${JSON.stringify(row.split)},"eval":${inEval},"conversation":`);
  canonical.write(JSON.stringify(row.conversation));
  canonical.write(`,"turns":${row.conversation.length},`);
  canonical.copyFrom(localBlock, lineStart + 1, lineEnd - 1);
  canonical.write(
    `,"prompt_chars":${local.prompt?.length ?? null},"chosen_chars":${local.chosen?.length ?? null},` +
      `"rejected_chars":${local.rejected?.length ?? null},"phase1":${row.phases.includes(1)},"phase2":${row.phases.includes(2)},"phase3":${row.phases.includes(3)}}`
  );
  canonical.endLine();
}

function countPhases(counts: PhaseCounts, phases: readonly Phase[]): void {
  for (const phase of phases) counts[String(phase) as "1" | "2" | "3"]++;
}

/** Adds a batch's counts into running totals. */
export function addBatchCounts(total: BatchCounts, batch: BatchCounts): void {
  total.read += batch.read;
  total.converted += batch.converted;
  total.rejected += batch.rejected;
  total.filtered += batch.filtered;
  for (const side of ["train", "eval"] as const) for (const phase of ["1", "2", "3"] as const) total.phases[side][phase] += batch.phases[side][phase];
  for (const [kind, deviation] of Object.entries(batch.deviations)) {
    const seen = total.deviations[kind];
    if (seen) seen.rows += deviation.rows;
    else total.deviations[kind] = {...deviation};
  }
  if (batch.lastTrain) total.lastTrain = batch.lastTrain;
  for (const [source, file] of Object.entries(batch.files)) {
    const seen = (total.files[source] ??= emptyFileTally());
    seen.read += file.read;
    seen.converted += file.converted;
    seen.rejected += file.rejected;
    seen.firstReject ??= file.firstReject;
    seen.reasoningRows += file.reasoningRows;
    seen.placeholderRows += file.placeholderRows;
    for (const [name, column] of Object.entries(file.unused)) {
      const known = seen.unused[name];
      if (known) known.rows += column.rows;
      else seen.unused[name] = {...column};
    }
  }
}
