/**
 * DS-Chat's name-based tokenizer rules and the literal tokens it adds. The model family itself is decided in
 * `models/modelFamilyOf.ts` (import it from there). Isomorphic: no Node or DOM imports.
 */

/**
 * DS-Chat's `load_hf_tokenizer` picks the slow `LlamaTokenizer` and adds a `[PAD]` token when the **case-sensitive**
 * substring "llama" is in the name (dschat/utils/utils.py:76-83 at 83757d9c). So `meta-llama/Llama-2-7b-hf` gets it
 * but `NousResearch/Llama-2-7b-hf` does not.
 */
export function usesLlamaTokenizer(modelName: string): boolean {
  return modelName.includes("llama");
}

/** The literal steps 2 and DPO append to every sequence (and step 1 before PR #819); not special for OPT or Llama (#496). */
export const END_OF_CONVERSATION_TOKEN = "<|endoftext|>";

/** The pad token DS-Chat adds for "llama" names whose tokenizer has none. */
export const LLAMA_PAD_TOKEN = "[PAD]";
