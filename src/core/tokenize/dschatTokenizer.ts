/**
 * A tokenizer as DS-Chat sees it after `load_hf_tokenizer`: an injected `encode` plus the special-token facts DS-Chat's
 * data code depends on. The Node loader (`loaders/tokenizer/`) builds one from a Hugging Face `tokenizer.json`; a page can
 * build one from the same files in the browser. Isomorphic: no Node or DOM imports.
 */
import type {ByteLevelBpeTables} from "./byteLevelBpeEncoder.js";
import type {ModelFamily} from "../models/familySupport.js";

export interface DsChatTokenizer {
  /** The model name DS-Chat is given (`--model_name_or_path`); its family and "llama" rules come from it. */
  modelName: string;
  /** From the name; null when the name does not tell. */
  family: ModelFamily | null;
  /** Token ids of `text` with `add_special_tokens=False`. */
  encode(text: string): number[];
  /**
   * Optional: `encode(prefix + suffix)` given `prefixIds = encode(prefix)`, reusing them where the tokenizer can prove
   * the join changes nothing (see `byteLevelBpeEncoder`). Must return exactly what `encode(prefix + suffix)` would.
   */
  encodeAfter?(prefix: string, prefixIds: readonly number[], suffix: string): number[];
  /** What `add_special_tokens=True` puts before the text (OPT `</s>`, Llama `<s>`, nothing for GPT-2/BLOOM). */
  prefixIds: readonly number[];
  /** What `add_special_tokens=True` puts after the text (nothing for the families DS-Chat supports; some tokenizers add EOS). */
  suffixIds: readonly number[];
  /** `tokenizer.eos_token`: step 1 appends it to every SFT sequence (since PR #819). */
  eosToken: string;
  /** `tokenizer.pad_token_id` after DS-Chat's handling: `[PAD]` for "llama" names without a pad, else the EOS id. */
  padId: number;
  /** `len(tokenizer)` after DS-Chat's additions; the model's embeddings are resized to a multiple of 8 of it. */
  vocabSize: number;
  /** True when DS-Chat adds `[PAD]` (vocab + 1). */
  addsPadToken: boolean;
  /** Where the vocabulary came from, and any emulation applied (e.g. OPT on the GPT-2 vocabulary), for reports. */
  description: string;
  /** Present when `encode` is the byte-level BPE encoder: enough to rebuild it in a worker (`portableTokenizer`). */
  bpeTables?: ByteLevelBpeTables;
}

/** `tokenizer(text)` with DS-Chat's default `add_special_tokens=True`, untruncated. */
export function encodeWithSpecialTokens(tokenizer: DsChatTokenizer, text: string): number[] {
  const ids = tokenizer.encode(text);
  if (tokenizer.prefixIds.length === 0 && tokenizer.suffixIds.length === 0) return ids;
  return [...tokenizer.prefixIds, ...ids, ...tokenizer.suffixIds];
}

/**
 * `tokenizer(text, max_length=maxLength, truncation=True)` on a single sequence: Hugging Face cuts the text's own tokens
 * so that text + special tokens fit, keeping the special tokens.
 */
export function truncateWithSpecialTokens(tokenizer: DsChatTokenizer, textIds: number[], maxLength: number): number[] {
  const room = Math.max(0, maxLength - tokenizer.prefixIds.length - tokenizer.suffixIds.length);
  const kept = textIds.length > room ? textIds.slice(0, room) : textIds;
  return [...tokenizer.prefixIds, ...kept, ...tokenizer.suffixIds];
}

/** How many tokens `text` becomes without special tokens: e.g. `<|endoftext|>` is 1 for GPT-2 and 7 for OPT or Llama (#496). */
/** `encode(prefix + suffix)`, through `encodeAfter` when the tokenizer has it. */
export function encodeJoined(tokenizer: DsChatTokenizer, prefix: string, prefixIds: readonly number[], suffix: string): number[] {
  return tokenizer.encodeAfter ? tokenizer.encodeAfter(prefix, prefixIds, suffix) : tokenizer.encode(prefix + suffix);
}

export function countPieces(tokenizer: DsChatTokenizer, text: string): number {
  return tokenizer.encode(text).length;
}
