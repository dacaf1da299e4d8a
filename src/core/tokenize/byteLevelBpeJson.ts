/**
 * A `tokenizer.json` object for a byte-level BPE tokenizer that ships only `vocab.json` + `merges.txt` (transformers'
 * GPT2Tokenizer: GPT-2, OPT — `facebook/opt-*` repositories have no tokenizer.json). Mirrors what transformers' own
 * converter builds: ByteLevel pre-tokenizer with GPT-2's regex, BPE over the merges, the special tokens of
 * tokenizer_config.json / special_tokens_map.json as added tokens, and BOS when `add_bos_token` is set.
 * Isomorphic: no Node or DOM imports.
 */
import type {TokenizerConfigJson, TokenizerJson} from "./tokenizerJson.js";
import {UserError} from "../contract/userError.js";

const SPECIAL_KEYS = ["bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token"];

function tokenText(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as {content?: unknown}).content === "string") return (value as {content: string}).content;
  return null;
}

/** Special token strings named by a tokenizer_config.json or special_tokens_map.json. */
function specialTokens(...sources: (Record<string, unknown> | null | undefined)[]): string[] {
  const tokens = new Set<string>();
  for (const source of sources) {
    if (!source) continue;
    for (const key of SPECIAL_KEYS) {
      const token = tokenText(source[key]);
      if (token) tokens.add(token);
    }
    const extra = source.additional_special_tokens;
    if (Array.isArray(extra)) for (const token of extra.map(tokenText)) if (token) tokens.add(token);
    const decoder = source.added_tokens_decoder;
    if (decoder && typeof decoder === "object") for (const entry of Object.values(decoder)) if (tokenText(entry)) tokens.add(tokenText(entry)!);
  }
  return [...tokens];
}

export function byteLevelBpeTokenizerJson(
  vocab: Record<string, number>,
  mergesText: string,
  config: TokenizerConfigJson | null,
  specialTokensMap: Record<string, unknown> | null = null
): TokenizerJson {
  if (!vocab || typeof vocab !== "object" || Array.isArray(vocab)) throw new UserError("vocab.json must be one object of token → id", {fix: "Pass the tokenizer's own vocab.json and merges.txt, or its tokenizer.json."});
  const merges = mergesText.split(/\r?\n/).filter((line, i) => line.trim() !== "" && !(i === 0 && line.startsWith("#version")));
  const addedTokens = specialTokens(config, specialTokensMap)
    .filter((token) => Object.hasOwn(vocab, token))
    .map((token) => ({id: vocab[token], content: token, special: true, single_word: false, lstrip: false, rstrip: false, normalized: false}));
  const bos = tokenText(config?.bos_token) ?? tokenText(specialTokensMap?.bos_token);
  const addBos = config?.add_bos_token === true && bos !== null && Object.hasOwn(vocab, bos);
  const byteLevel = {type: "ByteLevel", add_prefix_space: config?.add_prefix_space === true, trim_offsets: true, use_regex: true};
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: addBos
      ? {
          type: "TemplateProcessing",
          single: [{SpecialToken: {id: bos, type_id: 0}}, {Sequence: {id: "A", type_id: 0}}],
          pair: [{SpecialToken: {id: bos, type_id: 0}}, {Sequence: {id: "A", type_id: 0}}, {SpecialToken: {id: bos, type_id: 0}}, {Sequence: {id: "B", type_id: 1}}],
          special_tokens: {[bos!]: {id: bos, ids: [vocab[bos!]], tokens: [bos]}}
        }
      : byteLevel,
    decoder: {...byteLevel, add_prefix_space: true},
    model: {type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "", fuse_unk: false, byte_fallback: false, vocab, merges}
  };
}
