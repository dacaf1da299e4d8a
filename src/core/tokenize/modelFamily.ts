/**
 * Which model family a DS-Chat model name belongs to, and the name-based rules DS-Chat applies because of it.
 * Isomorphic: no Node or DOM imports.
 */
import type {ModelFamily} from "../models/familySupport.js";

export type {ModelFamily};

export {modelFamilyOf} from "../models/modelFamilyOf.js";

/**
 * DS-Chat's `load_hf_tokenizer` picks the slow `LlamaTokenizer` and adds a `[PAD]` token when the **case-sensitive**
 * substring "llama" is in the name. So `meta-llama/Llama-2-7b-hf` gets it but `NousResearch/Llama-2-7b-hf` does not.
 */
export function usesLlamaTokenizer(modelName: string): boolean {
  return modelName.includes("llama");
}

export {resizedVocabSize} from "../models/modelArchitecture.js";

/** The literal steps 2 and DPO append to every sequence (and step 1 before PR #819); not special for OPT or Llama (#496). */
export const END_OF_CONVERSATION_TOKEN = "<|endoftext|>";

/** The pad token DS-Chat adds for "llama" names whose tokenizer has none. */
export const LLAMA_PAD_TOKEN = "[PAD]";

