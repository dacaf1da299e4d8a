/**
 * The parts of Hugging Face `tokenizer.json` / `tokenizer_config.json` this project reads, as types shared by the
 * tokenizer builder and the byte-level BPE encoder. Isomorphic: no Node or DOM imports.
 */

export interface AddedTokenJson {
  id: number;
  content: string;
  special?: boolean;
  single_word?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  normalized?: boolean;
}

/** The parts of `tokenizer.json` the builder reads; everything else is passed through to `@huggingface/tokenizers`. */
export interface TokenizerJson {
  added_tokens?: AddedTokenJson[];
  model?: {vocab?: unknown; [key: string]: unknown};
  [key: string]: unknown;
}

export type TokenizerConfigJson = Record<string, unknown>;
