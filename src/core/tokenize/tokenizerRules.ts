/**
 * DS-Chat's name-based tokenizer rules and the literal tokens it adds. The model family itself is decided in
 * `models/modelFamilyOf.ts` (import it from there). Isomorphic: no Node or DOM imports.
 */
import type {ModelFamily} from "../models/familySupport.js";
import {modelFamilyOf} from "../models/modelFamilyOf.js";

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

/**
 * Families whose tokenizer measures the same token counts as another's: OPT's and GPT-J's tokenizers are GPT-2's BPE
 * (OPT with fairseq special tokens, which the studio emulates on a GPT-2 vocabulary; GPT-J with 143 extra tokens).
 */
const SAME_COUNTS: ReadonlyArray<[ModelFamily, ModelFamily]> = [
  ["gpt2", "opt"],
  ["gpt2", "gptj"]
];

/**
 * Why token counts from tokenizer `tokenizerName` are not `modelName`'s, or null when they are (same family, or a
 * family whose counts match) or when the tokenizer's family cannot be told from its name.
 */
export function tokenizerModelMismatch(tokenizerName: string | null, modelName: string): string | null {
  if (!tokenizerName || tokenizerName === modelName) return null;
  const measured = modelFamilyOf(tokenizerName);
  const model = modelFamilyOf(modelName);
  if (!measured || !model || measured === model) return null;
  if (SAME_COUNTS.some(([a, b]) => (a === measured && b === model) || (a === model && b === measured))) return null;
  return `the tokenizer measured (${tokenizerName}, family ${measured}) is not ${modelName}'s (family ${model}): token lengths, truncation, dropped prompts and the data-cache size are ${measured}'s, while DS-Chat's rules are applied for ${model}`;
}
