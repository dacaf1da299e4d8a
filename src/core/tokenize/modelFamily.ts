/**
 * Which model family a DS-Chat model name belongs to, and the name-based rules DS-Chat applies because of it.
 * Isomorphic: no Node or DOM imports.
 */
import type {ModelFamily} from "../models/familySupport.js";

export type {ModelFamily};

/**
 * Name patterns for the families of `src/core/models/familySupport.ts`, checked in order: more specific first
 * ("gpt-neox" before "gpt-j", "chatglm" before anything else).
 */
const familyPatterns: [ModelFamily, RegExp][] = [
  ["chatglm", /(?:^|[^a-z])(?:chat)?glm/i],
  ["llama", /llama|vicuna/i],
  ["qwen2", /qwen/i],
  ["opt", /(?:^|[^a-z])opt-|(?:^|\/)opt$/i],
  ["bloom", /bloom/i],
  ["gpt_neox", /gpt-?neox|pythia|dolly/i],
  ["gptj", /gpt-?j(?:$|[^a-z])/i],
  ["gpt2", /gpt2|gpt-2|distilgpt|mgpt/i]
];

/**
 * The family a model name or path suggests (`facebook/opt-1.3b`, `meta-llama/Llama-2-7b-hf`); null when the name says
 * nothing (a local `./out/actor` folder, or a family DS-Chat has no rules for). A model's config.json is the better
 * source (`modelFromConfig`); the name is what the tokenizer rules key on.
 */
export function modelFamilyOf(modelName: string): ModelFamily | null {
  for (const [family, pattern] of familyPatterns) if (pattern.test(modelName)) return family;
  return null;
}

/**
 * DS-Chat's `load_hf_tokenizer` picks the slow `LlamaTokenizer` and adds a `[PAD]` token when the **case-sensitive**
 * substring "llama" is in the name. So `meta-llama/Llama-2-7b-hf` gets it but `NousResearch/Llama-2-7b-hf` does not.
 */
export function usesLlamaTokenizer(modelName: string): boolean {
  return modelName.includes("llama");
}

/** DS-Chat's `create_hf_model` resizes the embeddings to `8 * ceil(len(tokenizer) / 8)` (#728: Llama-2 32001 → 32008). */
export function resizedVocabSize(tokenizerLength: number): number {
  return 8 * Math.ceil(tokenizerLength / 8);
}

/** The literal steps 2 and DPO append to every sequence (and step 1 before PR #819); not special for OPT or Llama (#496). */
export const END_OF_CONVERSATION_TOKEN = "<|endoftext|>";

/** The pad token DS-Chat adds for "llama" names whose tokenizer has none. */
export const LLAMA_PAD_TOKEN = "[PAD]";

