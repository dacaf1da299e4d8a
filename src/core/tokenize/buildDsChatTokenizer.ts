/**
 * Builds DS-Chat's view of a Hugging Face tokenizer from `tokenizer.json` (+ `tokenizer_config.json`) objects: the BOS
 * `add_special_tokens=True` adds, `tokenizer.eos_token`, DS-Chat's pad handling and vocabulary size. Runs in the browser
 * and in Node (`@huggingface/tokenizers` is pure JS); reading the files is the caller's business.
 */
import {Tokenizer} from "@huggingface/tokenizers";
import type {DsChatTokenizer} from "./dschatTokenizer.js";
import {speedUpTokenizer} from "./speedUpTokenizer.js";
import {byteLevelBpeEncoder} from "./byteLevelBpeEncoder.js";
import {modelFamilyOf} from "../models/modelFamilyOf.js";
import {END_OF_CONVERSATION_TOKEN, LLAMA_PAD_TOKEN, usesLlamaTokenizer} from "./tokenizerRules.js";
import type {AddedTokenJson, TokenizerConfigJson, TokenizerJson} from "./tokenizerJson.js";
import {UserError} from "../contract/userError.js";

/** OPT's `len(tokenizer)` (vocab.json 50265 entries); used when OPT is emulated on the GPT-2 vocabulary. */
const OPT_TOKENIZER_LENGTH = 50265;
const OPT_BOS_EOS = "</s>";

export interface BuildDsChatTokenizerOptions {
  /** The model name DS-Chat gets; decides the family rules. */
  modelName: string;
  /** Where the files came from, for reports. */
  source: string;
  /**
   * DS-Chat's `--add_eot_token`: this token (`--eot_token` in step 1, `<|endoftext|>` in steps 2/3) becomes a special
   * token, so `<|endoftext|>` is one token for OPT/Llama too, and a token new to the vocabulary grows it by one.
   */
  addEotToken?: string | null;
}

export function buildDsChatTokenizer(tokenizerJson: TokenizerJson, config: TokenizerConfigJson | null, options: BuildDsChatTokenizerOptions): DsChatTokenizer {
  const {modelName, source} = options;
  const family = modelFamilyOf(modelName);
  const addedTokens = [...(tokenizerJson.added_tokens ?? [])];
  const settings: TokenizerConfigJson = {...(config ?? {})};
  const notes: string[] = [];
  const vocabularyEnd = vocabularyMaxId(tokenizerJson);
  const nextId = () => 1 + addedTokens.reduce((max, t) => Math.max(max, t.id), vocabularyEnd);
  const has = (content: string) => addedTokens.some((t) => t.content === content) || vocabularyHas(tokenizerJson, content);

  // OPT's tokenizer is GPT-2's byte-level BPE with fairseq special tokens: `</s>` is BOS, EOS and (in DS-Chat) pad, and
  // `<|endoftext|>` is ordinary text. On a GPT-2 vocabulary we reproduce that; counts match OPT, ids do not.
  const emulateOpt = family === "opt" && !has(OPT_BOS_EOS);
  let prefixOverride: number[] | null = null;
  if (emulateOpt) {
    const kept = addedTokens.filter((t) => t.content !== END_OF_CONVERSATION_TOKEN);
    addedTokens.length = 0;
    addedTokens.push(...kept);
    const id = nextId();
    addedTokens.push({id, content: OPT_BOS_EOS, special: true, normalized: false});
    prefixOverride = [id];
    settings.eos_token = OPT_BOS_EOS;
    settings.bos_token = OPT_BOS_EOS;
    notes.push(`OPT emulated on this vocabulary: "${OPT_BOS_EOS}" added as BOS/EOS/pad and "${END_OF_CONVERSATION_TOKEN}" made ordinary text; token counts match OPT, ids do not`);
  }

  const eosToken = tokenText(settings.eos_token) ?? guessEos(addedTokens);
  if (eosToken === null) {
    throw new UserError(`${source}: no eos_token in tokenizer_config.json and none of </s>, <|endoftext|>, <eos> among its special tokens`, {
      fix: "DS-Chat needs tokenizer.eos_token: pass a folder whose tokenizer_config.json sets eos_token."
    });
  }

  let padToken = tokenText(settings.pad_token);
  let addsPadToken = false;
  if (usesLlamaTokenizer(modelName)) {
    if (padToken === null) {
      addsPadToken = true;
      padToken = LLAMA_PAD_TOKEN;
      if (!has(LLAMA_PAD_TOKEN)) addedTokens.push({id: nextId(), content: LLAMA_PAD_TOKEN, special: true, normalized: false});
      notes.push(`"${LLAMA_PAD_TOKEN}" added as pad (DS-Chat does this for names containing "llama")`);
    }
  } else {
    padToken = eosToken; // AutoTokenizer path: `tokenizer.pad_token = tokenizer.eos_token`
  }

  const eot = options.addEotToken;
  let addsEotToken = false;
  if (eot && !addedTokens.some((t) => t.content === eot)) {
    const existing = vocabularyId(tokenizerJson, eot);
    addsEotToken = existing === undefined;
    addedTokens.push({id: existing ?? nextId(), content: eot, special: true, normalized: false});
    notes.push(`"${eot}" added as a special token (--add_eot_token)`);
  }

  const finalJson = {...tokenizerJson, added_tokens: addedTokens};
  const tokenizer = new Tokenizer(finalJson, settings);
  speedUpTokenizer(tokenizer);
  const fast = byteLevelBpeEncoder(tokenizer, finalJson);
  const idOf = (token: string) => {
    const id = tokenizer.token_to_id(token);
    if (id === undefined) throw new UserError(`${source}: token ${JSON.stringify(token)} is not in the vocabulary`, {fix: "Pass the tokenizer files of the model DS-Chat will load (tokenizer.json with tokenizer_config.json)."});
    return id;
  };
  const encode = fast ? fast.encode : (text: string) => tokenizer.encode(text, {add_special_tokens: false}).ids;
  let {prefix, suffix} = specialTokensAround(tokenizer);
  // DS-Chat relies on OPT's tokenizer putting </s> first (hence num_padding_at_beginning 1); a vocab.json + merges.txt
  // build whose tokenizer_config.json lacks add_bos_token would otherwise miss it.
  if (family === "opt" && !prefixOverride && prefix.length === 0 && tokenizer.token_to_id(OPT_BOS_EOS) !== undefined) {
    prefix = [idOf(OPT_BOS_EOS)];
    notes.push(`"${OPT_BOS_EOS}" prepended as OPT's BOS`);
  }
  const vocabSize = emulateOpt ? OPT_TOKENIZER_LENGTH + (addsEotToken ? 1 : 0) : tokenizer.get_vocab(true).size;
  return {
    modelName,
    family,
    encode,
    ...(fast ? {encodeAfter: fast.encodeAfter, bpeTables: fast.tables} : {}),
    prefixIds: prefixOverride ?? prefix,
    suffixIds: suffix,
    eosToken,
    padId: idOf(padToken),
    vocabSize,
    addsPadToken,
    description: [source, ...notes].join("; ")
  };
}

/** What `add_special_tokens=True` adds around a text, found by encoding a probe both ways. */
function specialTokensAround(tokenizer: Tokenizer): {prefix: number[]; suffix: number[]} {
  const probe = "a";
  const bare = tokenizer.encode(probe, {add_special_tokens: false}).ids;
  const full = tokenizer.encode(probe, {add_special_tokens: true}).ids;
  for (let start = 0; start + bare.length <= full.length; start++) {
    if (bare.every((id: number, i: number) => full[start + i] === id)) return {prefix: full.slice(0, start), suffix: full.slice(start + bare.length)};
  }
  return {prefix: [], suffix: []};
}

/** `tokenizer_config.json` writes special tokens as a string or as `{content: ...}`. */
function tokenText(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as {content?: unknown}).content === "string") return (value as {content: string}).content;
  return null;
}

function guessEos(addedTokens: AddedTokenJson[]): string | null {
  for (const candidate of ["</s>", "<|endoftext|>", "<eos>", "<|end_of_text|>"]) if (addedTokens.some((t) => t.content === candidate)) return candidate;
  return null;
}

function vocabularyHas(tokenizerJson: TokenizerJson, token: string): boolean {
  const vocab = tokenizerJson.model?.vocab;
  if (Array.isArray(vocab)) return vocab.some((entry) => Array.isArray(entry) && entry[0] === token);
  return !!vocab && typeof vocab === "object" && Object.hasOwn(vocab, token);
}

function vocabularyId(tokenizerJson: TokenizerJson, token: string): number | undefined {
  const vocab = tokenizerJson.model?.vocab;
  if (Array.isArray(vocab)) {
    const at = vocab.findIndex((entry) => Array.isArray(entry) && entry[0] === token);
    return at === -1 ? undefined : at;
  }
  return vocab && typeof vocab === "object" && Object.hasOwn(vocab, token) ? (vocab as Record<string, number>)[token] : undefined;
}

function vocabularyMaxId(tokenizerJson: TokenizerJson): number {
  const vocab = tokenizerJson.model?.vocab;
  if (Array.isArray(vocab)) return vocab.length - 1; // Unigram: [token, score] pairs, id = position
  let max = -1;
  if (vocab && typeof vocab === "object") for (const id of Object.values(vocab as Record<string, number>)) if (id > max) max = id;
  return max;
}
