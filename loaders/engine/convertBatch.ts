import type {CanonicalRow, Phase} from "../../src/core/canonical.js";
import {localJsonDeviation, toLocalJsonRow, type FormatAdapter} from "../../src/core/formats/index.js";
import {localJsonLine} from "../../src/core/recipe/localJsonOutput.js";
import {BlockEncoder, type BufferPool} from "./blockEncoder.js";
import type {RecordItem} from "./readers/recordItem.js";

import type {PhaseCounts} from "../../src/core/contract/manifest.js";

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
}

/** Everything one batch of records turns into: UTF-8 output blocks (lines ending in newlines) and the counts. */
export interface EncodedBatch extends BatchCounts {
  blocks: Record<"train" | "eval" | "canonical" | "rejects", {bytes: Uint8Array; lines: number}>;
  /** Set by convertInWorkers: hands the blocks' buffers back for reuse; call once they are written, then never touch them. */
  release?: () => void;
}

export interface BatchContext {
  source: string;
  split: string | null;
  adapter: FormatAdapter;
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
    lastTrain: null
  };
}

export function emptyPhaseCounts(): PhaseCounts {
  return {"1": 0, "2": 0, "3": 0};
}

/**
 * Converts one batch of records: the single place where a record becomes train/eval/canonical/reject lines. Lines are
 * encoded as they are made, so a batch never holds its output as strings.
 */
export function convertBatch(items: Iterable<RecordItem>, {source, split, adapter, inEval, keep, inputBytes = 1 << 20, pool}: BatchContext): EncodedBatch {
  const counts = emptyBatchCounts();
  const train = new BlockEncoder(inputBytes + (inputBytes >> 3), pool);
  const evaluation = new BlockEncoder(Math.max(inputBytes >> 3, 1 << 16), pool);
  // Canonical lines repeat the train.json line and add the conversation, roughly twice the input.
  const canonical = new BlockEncoder(inputBytes * 2 + (inputBytes >> 2), pool);
  const rejects = new BlockEncoder(1 << 14, pool);
  let lastTrainLine: string | null = null;
  let lastTrainRow: CanonicalRow | null = null;
  for (const item of items) {
    counts.read++;
    if ("failure" in item) {
      counts.rejected++;
      rejects.write(JSON.stringify({file: source, row: item.row, line: item.line, reason: item.failure, excerpt: item.excerpt}));
      rejects.endLine();
      continue;
    }
    const result = adapter.convert(item.value, {source, row: item.row, split});
    if ("reject" in result) {
      counts.rejected++;
      const {row, reason, excerpt} = result.reject;
      rejects.write(JSON.stringify({file: result.reject.source, row, line: item.line, reason, excerpt}));
      rejects.endLine();
      continue;
    }
    const row = result.ok;
    if (keep && !keep(row.id)) {
      counts.filtered++;
      continue;
    }
    counts.converted++;
    const local = toLocalJsonRow(row);
    const deviation = localJsonDeviation(row);
    if (deviation) {
      const kind = deviation.deviations.map((d) => d.method).join(",");
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
    writeCanonicalLine(canonical, row, side, lineStart, lineEnd, local, inEvalSide);
    if (!inEvalSide) {
      lastTrainLine = line;
      lastTrainRow = row;
    }
  }
  if (lastTrainLine !== null && lastTrainRow !== null) counts.lastTrain = {line: lastTrainLine, id: lastTrainRow.id, phases: lastTrainRow.phases};
  const block = (encoder: BlockEncoder) => ({bytes: encoder.bytes(), lines: encoder.lines});
  return {...counts, blocks: {train: block(train), eval: block(evaluation), canonical: block(canonical), rejects: block(rejects)}};
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
}
