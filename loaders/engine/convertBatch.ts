import type {CanonicalRow, Phase} from "../../src/core/canonical.js";
import {localJsonDeviation, toLocalJsonRow, type FormatAdapter} from "../../src/core/formats/index.js";
import type {RecordItem} from "./readers/recordItem.js";

export type PhaseCounts = Record<"1" | "2" | "3", number>;

/** Everything one batch of records turns into: output lines (without newlines) and the counts behind the manifest. */
export interface BatchOutput {
  train: string[];
  eval: string[];
  canonical: string[];
  rejects: string[];
  read: number;
  converted: number;
  rejected: number;
  phases: {train: PhaseCounts; eval: PhaseCounts};
  /** local/jsonfile deviations by kind (the DS-Chat methods that differ). */
  deviations: Record<string, {rows: number; firstId: string; summary: string}>;
  /** The batch's last train.json line and its row id, for the empty-eval fallback. */
  lastTrain: {line: string; id: string; phases: Phase[]} | null;
}

export interface BatchContext {
  source: string;
  split: string | null;
  adapter: FormatAdapter;
  /** Whether a converted row goes to eval.json. */
  inEval: (id: string) => boolean;
}

export function emptyBatchOutput(): BatchOutput {
  return {
    train: [],
    eval: [],
    canonical: [],
    rejects: [],
    read: 0,
    converted: 0,
    rejected: 0,
    phases: {train: emptyPhaseCounts(), eval: emptyPhaseCounts()},
    deviations: {},
    lastTrain: null
  };
}

export function emptyPhaseCounts(): PhaseCounts {
  return {"1": 0, "2": 0, "3": 0};
}

/** Converts one batch of records: the single place where a record becomes train/eval/canonical/reject lines. */
export function convertBatch(items: readonly RecordItem[], {source, split, adapter, inEval}: BatchContext): BatchOutput {
  const output = emptyBatchOutput();
  output.read = items.length;
  for (const item of items) {
    if ("failure" in item) {
      output.rejected++;
      output.rejects.push(JSON.stringify({file: source, row: item.row, line: item.line, reason: item.failure, excerpt: item.excerpt}));
      continue;
    }
    const result = adapter.convert(item.value, {source, row: item.row, split});
    if ("reject" in result) {
      output.rejected++;
      const {row, reason, excerpt} = result.reject;
      output.rejects.push(JSON.stringify({file: result.reject.source, row, line: item.line, reason, excerpt}));
      continue;
    }
    output.converted++;
    const row = result.ok;
    const local = toLocalJsonRow(row);
    const deviation = localJsonDeviation(row);
    if (deviation) {
      const kind = deviation.deviations.map((d) => d.method).join(",");
      const seen = output.deviations[kind];
      if (seen) seen.rows++;
      else output.deviations[kind] = {rows: 1, firstId: row.id, summary: deviation.summary};
    }
    const line = JSON.stringify({prompt: local.prompt, chosen: local.chosen, rejected: local.rejected});
    const side = inEval(row.id) ? "eval" : "train";
    output[side].push(line);
    countPhases(output.phases[side], row.phases);
    output.canonical.push(canonicalLine(row, line, local, side === "eval"));
    if (side === "train") output.lastTrain = {line, id: row.id, phases: row.phases};
  }
  return output;
}

/**
 * One line of the temporary JSON Lines a canonical Parquet part is built from (columns: CANONICAL_COLUMNS). The
 * prompt/chosen/rejected members are spliced in from the train.json line instead of being serialized a second time.
 */
export function canonicalLine(row: CanonicalRow, localLine: string, local: {prompt: string | null; chosen: string | null; rejected: string | null}, inEval: boolean): string {
  return (
    `{"id":${JSON.stringify(row.id)},"source":${JSON.stringify(row.source)},"row":${row.row},"split":${JSON.stringify(row.split)},` +
    `"eval":${inEval},"conversation":${JSON.stringify(row.conversation)},"turns":${row.conversation.length},` +
    `${localLine.slice(1, -1)},"prompt_chars":${local.prompt?.length ?? null},"chosen_chars":${local.chosen?.length ?? null},` +
    `"rejected_chars":${local.rejected?.length ?? null},"phase1":${row.phases.includes(1)},"phase2":${row.phases.includes(2)},"phase3":${row.phases.includes(3)}}`
  );
}

function countPhases(counts: PhaseCounts, phases: readonly Phase[]): void {
  for (const phase of phases) counts[String(phase) as "1" | "2" | "3"]++;
}

export type BatchCounts = Omit<BatchOutput, "train" | "eval" | "canonical" | "rejects">;

/** Adds a batch's counts into running totals. */
export function addBatchCounts(total: BatchCounts, batch: BatchCounts): void {
  total.read += batch.read;
  total.converted += batch.converted;
  total.rejected += batch.rejected;
  for (const side of ["train", "eval"] as const) for (const phase of ["1", "2", "3"] as const) total.phases[side][phase] += batch.phases[side][phase];
  for (const [kind, deviation] of Object.entries(batch.deviations)) {
    const seen = total.deviations[kind];
    if (seen) seen.rows += deviation.rows;
    else total.deviations[kind] = {...deviation};
  }
  if (batch.lastTrain) total.lastTrain = batch.lastTrain;
}
