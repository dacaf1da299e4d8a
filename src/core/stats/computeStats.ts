/**
 * Aggregates per-row measurements of one DS-Chat phase partition (train or eval) into the figures a user needs before
 * training: lengths, truncation/drop rates, crash-causing pairs, text quality and DS-Chat's data-cache size.
 * Isomorphic: no Node or DOM imports.
 */
import type {LocalJsonRow, Phase} from "../canonical.js";
import {usableInPhase} from "../canonical.js";
import {localJsonStrings} from "../formats/toLocalJsonRow.js";
import type {RowMeasure, SequenceLimits} from "../tokenize/measureRow.js";
import {estimateProportion, type RateEstimate} from "./estimateProportion.js";
import {type LengthSummary, summarizeLengths} from "./summarizeLengths.js";
import {countDuplicates, type DuplicateCounts, isEmptyString, SCRIPT_CLASSES, type ScriptClass} from "./textFacts.js";

export type SplitName = "train" | "eval";

export interface IdentifiedRow {
  /** `train.json:12` (1-based row, as in the canonical contract). */
  id: string;
  row: LocalJsonRow;
}

export interface MeasuredRow extends IdentifiedRow {
  measure: RowMeasure;
  /** Index into SCRIPT_CLASSES. */
  scriptClass: number;
}

export interface PartitionInput {
  phase: Phase;
  split: SplitName;
  /** Every row the split gives this phase, in DS-Chat's order. */
  rows: IdentifiedRow[];
  /** Rows DS-Chat keeps (non-null strings for the phase); `measured` is all of them or a random sample of them. */
  usable: number;
  measured: MeasuredRow[];
  /** `countDuplicates` of the usable rows, when the caller computed it already (e.g. while workers tokenized). */
  duplicates?: DuplicateCounts;
}

export interface PartitionStats {
  phase: Phase;
  split: SplitName;
  /** Rows the split gives this phase. */
  rows: number;
  /** Rows DS-Chat skips because a string the phase needs is None (null in the file). */
  skippedNull: number;
  usable: number;
  /** Rows actually tokenized: `usable` when exact, the sample size with `--sample`. */
  measured: number;
  exact: boolean;
  lengths: {prompt: LengthSummary; chosen: LengthSummary | null; rejected: LengthSummary | null; full: LengthSummary; fullRejected: LengthSummary | null};
  /** Phase 1: rows longer than max_seq_len (right-truncated, their EOS lost). Phase 2: pairs with either side truncated. */
  truncated: RateEstimate | null;
  /** Phase 3: prompts longer than max_prompt_seq_len, dropped by DS-Chat. */
  dropped: RateEstimate | null;
  /** Phase 2: chosen and rejected identical after tokenization and truncation: DS-Chat trains on them with no signal. */
  identicalPairs: RateEstimate | null;
  /** Phase 2: pairs whose first token already differs: DS-Chat's `assert divergence_ind > 0` fails. */
  divergenceAtStart: RateEstimate | null;
  /** Phases 2 and 3: the pad token occurs inside the text, so DS-Chat's end index or mask is wrong for that row. */
  padInText: RateEstimate | null;
  /** Up to 10 row ids for each problem above. */
  examples: {truncated: string[]; dropped: string[]; identicalPairs: string[]; divergenceAtStart: string[]; padInText: string[]};
  /** Empty or whitespace-only strings among the split's rows, for the fields the phase reads (exact; null = not read). */
  emptyStrings: {prompt: number; chosen: number | null; rejected: number | null};
  /** Duplicates among the split's usable rows, by the fields the phase reads (exact, never sampled: a sample cannot see pairs). */
  duplicates: DuplicateCounts;
  /** Usable rows by the script most of their letters are in. */
  scriptMix: Record<ScriptClass, RateEstimate>;
  /** Rows in DS-Chat's dataset for this partition: usable minus phase 3's dropped prompts (estimated when sampled). */
  datasetRows: number;
  /** Bytes of this partition in DS-Chat's `.pt` data cache (int64 input_ids + attention_mask). */
  dataCacheBytes: number;
}

const MAX_EXAMPLES = 10;
const INT64_BYTES = 8;

export function computePartitionStats(input: PartitionInput, limits: SequenceLimits): PartitionStats {
  const {phase, measured, usable} = input;
  const exact = measured.length === usable;
  const rate = (count: number) => estimateProportion(count, measured.length, usable);
  const lengthsOf = (pick: (m: RowMeasure) => number | null) => {
    const values: number[] = [];
    for (const {measure} of measured) {
      const value = pick(measure);
      if (value !== null) values.push(value);
    }
    return summarizeLengths(values, {exact});
  };
  const examples: PartitionStats["examples"] = {truncated: [], dropped: [], identicalPairs: [], divergenceAtStart: [], padInText: []};
  const note = (kind: keyof PartitionStats["examples"], id: string) => {
    if (examples[kind].length < MAX_EXAMPLES) examples[kind].push(id);
  };
  let truncated = 0, dropped = 0, identical = 0, atStart = 0, padInText = 0, keptPromptTokens = 0;
  const scripts = new Array<number>(SCRIPT_CLASSES.length).fill(0);
  for (const {id, measure, scriptClass} of measured) {
    scripts[scriptClass]++;
    if (measure.padInText) (padInText++, note("padInText", id));
    const full = measure.fullTokens ?? 0;
    if (phase === 3) {
      if (full > limits.maxPromptSeqLen) (dropped++, note("dropped", id));
      else keptPromptTokens += full;
      continue;
    }
    if (full > limits.maxSeqLen || (phase === 2 && (measure.fullRejectedTokens ?? 0) > limits.maxSeqLen)) (truncated++, note("truncated", id));
    if (phase === 2 && measure.divergenceIndex === -1) (identical++, note("identicalPairs", id));
    if (phase === 2 && measure.divergenceIndex === 0) (atStart++, note("divergenceAtStart", id));
  }
  const droppedRate = phase === 3 ? rate(dropped) : null;
  const datasetRows = phase === 3 ? usable - droppedRate!.count : usable;
  const meanKeptPrompt = measured.length - dropped > 0 ? keptPromptTokens / (measured.length - dropped) : 0;
  const tokensPerRow = phase === 1 ? limits.maxSeqLen : phase === 2 ? 2 * limits.maxSeqLen : meanKeptPrompt;
  return {
    phase,
    split: input.split,
    rows: input.rows.length,
    skippedNull: input.rows.length - usable,
    usable,
    measured: measured.length,
    exact,
    lengths: {
      prompt: lengthsOf((m) => m.promptTokens),
      chosen: phase === 3 ? null : lengthsOf((m) => m.chosenTokens),
      rejected: phase === 2 ? lengthsOf((m) => m.rejectedTokens) : null,
      full: lengthsOf((m) => m.fullTokens),
      fullRejected: phase === 2 ? lengthsOf((m) => m.fullRejectedTokens) : null
    },
    truncated: phase === 3 ? null : rate(truncated),
    dropped: droppedRate,
    identicalPairs: phase === 2 ? rate(identical) : null,
    divergenceAtStart: phase === 2 ? rate(atStart) : null,
    padInText: phase === 1 ? null : rate(padInText),
    examples,
    emptyStrings: {
      prompt: input.rows.filter(({row}) => isEmptyString(row.prompt)).length,
      chosen: phase === 3 ? null : input.rows.filter(({row}) => isEmptyString(row.chosen)).length,
      rejected: phase === 2 ? input.rows.filter(({row}) => isEmptyString(row.rejected)).length : null
    },
    duplicates: input.duplicates ?? partitionDuplicates(input),
    scriptMix: Object.fromEntries(SCRIPT_CLASSES.map((name, i) => [name, rate(scripts[i])])) as Record<ScriptClass, RateEstimate>,
    datasetRows,
    dataCacheBytes: Math.round(datasetRows * tokensPerRow * 2 * INT64_BYTES)
  };
}

/** Duplicates among the rows DS-Chat keeps in this partition, by the fields the phase reads. */
export function partitionDuplicates({rows, phase}: Pick<PartitionInput, "rows" | "phase">): DuplicateCounts {
  return countDuplicates(rows.filter(({row}) => isUsable(row, phase)), phase);
}

/** `usableInPhase` on the strings DS-Chat's LocalJsonFileDataset builds from a raw row. */
export function isUsable(row: LocalJsonRow, phase: Phase): boolean {
  return usableInPhase(localJsonStrings(row), phase);
}

export interface DataCacheEstimate {
  phase: Phase;
  /** `traindata_*.pt` + `evaldata_*.pt` for this phase: every rank `torch.load`s both (create_prompt_dataset, dschat/utils/data/data_utils.py:292-379 at 83757d9c; issue #450). */
  bytesPerRank: number;
  /** Host RAM the cache takes on one node: one copy per GPU. */
  bytesPerNode: number;
  gpusPerNode: number;
}

export interface StatsSummary {
  partitions: PartitionStats[];
  dataCache: DataCacheEstimate[];
}

/** Stats for every phase partition plus DS-Chat's data-cache size per phase (train and eval of that phase together). */
export function computeStats(partitions: PartitionInput[], limits: SequenceLimits, {gpusPerNode = 1}: {gpusPerNode?: number} = {}): StatsSummary {
  const stats = partitions.map((partition) => computePartitionStats(partition, limits));
  const phases = [...new Set(stats.map((s) => s.phase))].sort();
  const dataCache = phases.map((phase) => {
    const bytesPerRank = stats.filter((s) => s.phase === phase).reduce((sum, s) => sum + s.dataCacheBytes, 0);
    return {phase, bytesPerRank, bytesPerNode: bytesPerRank * gpusPerNode, gpusPerNode};
  });
  return {partitions: stats, dataCache};
}
