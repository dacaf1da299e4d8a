/**
 * DS-Chat's per-phase tokenization (`create_dataset_split`, dschat/utils/data/data_utils.py:168-238 at 83757d9c) reduced to the lengths and flags a report needs.
 * Works on DS-Chat's strings for a row, so it serves `local/jsonfile` rows and canonical rows alike.
 * Isomorphic: no Node or DOM imports.
 */
import {type DsChatStrings, type Phase, usableInPhase} from "../canonical.js";
import {type DsChatTokenizer, encodeJoined, truncateWithSpecialTokens} from "./dschatTokenizer.js";
import {END_OF_CONVERSATION_TOKEN} from "./tokenizerRules.js";

export interface SequenceLimits {
  /** `--max_seq_len` of steps 1 and 2 (DS-Chat default 512). */
  maxSeqLen: number;
  /** `--max_prompt_seq_len` of step 3 (DS-Chat default 256). */
  maxPromptSeqLen: number;
}

/** Token counts of one row in one phase; `null` where the phase does not use that part or DS-Chat skips the row. */
export interface RowMeasure {
  /** `get_prompt` without special tokens. */
  promptTokens: number | null;
  /** What the chosen / rejected response adds to DS-Chat's sequence after the prompt (end token excluded). */
  chosenTokens: number | null;
  rejectedTokens: number | null;
  /** The phase's sequence before truncation, special tokens and end token included (phase 1: P&C + EOS; 2: P&C + `<|endoftext|>`; 3: prompt). */
  fullTokens: number | null;
  /** Phase 2: P&R + `<|endoftext|>` before truncation. */
  fullRejectedTokens: number | null;
  /**
   * Phase 2: the first position where the padded, truncated chosen and rejected ids differ (what `RewardModel.forward`
   * computes); -1 when they never differ. 0 is DS-Chat's `assert divergence_ind > 0` crash.
   */
  divergenceIndex: number | null;
  /** The pad id occurs among the text's own tokens, so DS-Chat takes it for the end of the sequence (phases 2 and 3). */
  padInText: boolean;
}


const emptyMeasure: RowMeasure = {
  promptTokens: null,
  chosenTokens: null,
  rejectedTokens: null,
  fullTokens: null,
  fullRejectedTokens: null,
  divergenceIndex: null,
  padInText: false
};

/**
 * One encode per sequence DS-Chat builds plus one for the prompt (whose ids the sequences reuse where provably equal). The response lengths are what the response adds to
 * DS-Chat's sequence (sequence - prompt - end token), which is also what counts against `max_seq_len`; encoding the
 * responses on their own would cost ~40% more and can differ by a token at the join.
 */
export function measureRow(strings: DsChatStrings, phase: Phase, tokenizer: DsChatTokenizer, limits: SequenceLimits): RowMeasure {
  if (!usableInPhase(strings, phase)) return emptyMeasure;
  const specials = tokenizer.prefixIds.length + tokenizer.suffixIds.length;
  const promptIds = tokenizer.encode(strings.prompt!);
  const promptTokens = promptIds.length;
  if (phase === 3) {
    return {...emptyMeasure, promptTokens, fullTokens: promptTokens + specials, padInText: promptIds.includes(tokenizer.padId)};
  }
  // DS-Chat's sequences start with the prompt string, so the prompt's ids are reused where the join provably keeps them.
  const encodeSequence = (text: string) => text.startsWith(strings.prompt!) ? encodeJoined(tokenizer, strings.prompt!, promptIds, text.slice(strings.prompt!.length)) : tokenizer.encode(text);
  const response = (sequenceTokens: number, endToken: string) => Math.max(0, sequenceTokens - promptTokens - pieces(tokenizer, endToken));
  if (phase === 1) {
    const ids = encodeSequence(strings.promptAndChosen! + tokenizer.eosToken);
    return {...emptyMeasure, promptTokens, chosenTokens: response(ids.length, tokenizer.eosToken), fullTokens: ids.length + specials};
  }
  const chosenIds = encodeSequence(strings.promptAndChosen! + END_OF_CONVERSATION_TOKEN);
  const rejectedIds = encodeSequence(strings.promptAndRejected! + END_OF_CONVERSATION_TOKEN);
  const chosenSeq = truncateWithSpecialTokens(tokenizer, chosenIds, limits.maxSeqLen);
  const rejectedSeq = truncateWithSpecialTokens(tokenizer, rejectedIds, limits.maxSeqLen);
  return {
    promptTokens,
    chosenTokens: response(chosenIds.length, END_OF_CONVERSATION_TOKEN),
    rejectedTokens: response(rejectedIds.length, END_OF_CONVERSATION_TOKEN),
    fullTokens: chosenIds.length + specials,
    fullRejectedTokens: rejectedIds.length + specials,
    divergenceIndex: firstDivergence(chosenSeq, rejectedSeq, tokenizer.padId),
    padInText: hasPadBeforeEnd(chosenIds, tokenizer.padId) || hasPadBeforeEnd(rejectedIds, tokenizer.padId)
  };
}

const piecesCache = new WeakMap<DsChatTokenizer, Map<string, number>>();

/** Token count of an end token for this tokenizer, computed once. */
function pieces(tokenizer: DsChatTokenizer, text: string): number {
  let cache = piecesCache.get(tokenizer);
  if (!cache) piecesCache.set(tokenizer, (cache = new Map()));
  let count = cache.get(text);
  if (count === undefined) cache.set(text, (count = tokenizer.encode(text).length));
  return count;
}

/** First index where two sequences differ once both are right-padded with `padId` to the same length; -1 if never. */
export function firstDivergence(a: readonly number[], b: readonly number[], padId: number): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) if ((i < a.length ? a[i] : padId) !== (i < b.length ? b[i] : padId)) return i;
  return -1;
}

/**
 * A pad id inside the text, before the final end token. For GPT-2-style tokenizers `<|endoftext|>` *is* the pad, so the
 * one DS-Chat appends is expected; one that appears earlier (a literal in the data) moves the reward model's end index.
 */
function hasPadBeforeEnd(ids: readonly number[], padId: number): boolean {
  const at = ids.indexOf(padId);
  return at !== -1 && at < ids.length - 1;
}

/** Fixed-width integer record per row, so workers can return lengths in one transferable Int32Array. */
export const MEASURE_STRIDE = 8;
const ABSENT = -2;

export function packRowMeasure(measure: RowMeasure, scriptClass: number, into: Int32Array, offset: number): void {
  into[offset] = measure.promptTokens ?? ABSENT;
  into[offset + 1] = measure.chosenTokens ?? ABSENT;
  into[offset + 2] = measure.rejectedTokens ?? ABSENT;
  into[offset + 3] = measure.fullTokens ?? ABSENT;
  into[offset + 4] = measure.fullRejectedTokens ?? ABSENT;
  into[offset + 5] = measure.divergenceIndex ?? ABSENT;
  into[offset + 6] = measure.padInText ? 1 : 0;
  into[offset + 7] = scriptClass;
}

export function unpackRowMeasure(from: Int32Array, offset: number): {measure: RowMeasure; scriptClass: number} {
  const value = (i: number) => (from[offset + i] === ABSENT ? null : from[offset + i]);
  return {
    measure: {
      promptTokens: value(0),
      chosenTokens: value(1),
      rejectedTokens: value(2),
      fullTokens: value(3),
      fullRejectedTokens: value(4),
      divergenceIndex: value(5),
      padInText: from[offset + 6] === 1
    },
    scriptClass: from[offset + 7]
  };
}
