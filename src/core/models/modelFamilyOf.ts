/**
 * Which model family a model name or path suggests, for names the registry does not hold. The families and what DS-Chat
 * does with each are in `familySupport.ts`; the tokenizer rules and lint import this module directly.
 * Isomorphic: no Node or DOM imports.
 */
import type {ModelFamily} from "./familySupport.js";

/** Checked in order: more specific first ("gpt-neox" before "gpt-j", "chatglm" before anything else). */
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
 * source (`modelFromConfig`); the name is what the tokenizer rules key on. Every registry entry's id maps to its own
 * family here (test/models.test.ts checks), so the registry and the name agree.
 */
export function modelFamilyOf(modelName: string): ModelFamily | null {
  for (const [family, pattern] of familyPatterns) if (pattern.test(modelName)) return family;
  return null;
}
