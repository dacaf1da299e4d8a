/**
 * What DS-Chat's `convert_linear_layer_to_lora(model, part_module_name, lora_dim)` wraps: every `nn.Linear` whose qualified
 * name contains `part_module_name` (a plain substring test). A name that matches nothing makes LoRA silently do nothing.
 */
import {familySupport} from "./familySupport.js";
import type {ModelArchitecture} from "./modelArchitecture.js";
import {blockLinears} from "./modelArchitecture.js";

export interface LoraTargets {
  /** Qualified names of the wrapped linears (first block's only, then "… ×layers"), for display. */
  examples: string[];
  matchedLinears: number;
  /** lora_right [in, r] + lora_left [r, out] over every wrapped linear. */
  loraParams: number;
  /** Base weights DS-Chat freezes (`weight.requires_grad = False`) in the wrapped linears; biases keep training. */
  frozenParams: number;
  /** Set when the family's blocks have no nn.Linear at all (GPT-2's Conv1D). */
  reason?: string;
}

/**
 * @param model "causalLM" for steps 1 and the step-3 actor (AutoModelForCausalLM), "base" for the reward model and critic (AutoModel)
 */
export function loraTargets(arch: ModelArchitecture, moduleName: string, loraDim: number, model: "causalLM" | "base"): LoraTargets {
  const support = familySupport[arch.family];
  if (loraDim <= 0) return {examples: [], matchedLinears: 0, loraParams: 0, frozenParams: 0};
  if (support.loraModuleName === null) return {examples: [], matchedLinears: 0, loraParams: 0, frozenParams: 0, reason: support.loraNote};
  const prefix = support.blockPath[model];
  const linears = blockLinears(arch);
  const examples: string[] = [];
  let matchedLinears = 0;
  let loraParams = 0;
  let frozenParams = 0;
  for (let layer = 0; layer < arch.layers; layer++) {
    for (const linear of linears) {
      const qualified = `${prefix}${layer}.${linear.name}`;
      if (!qualified.includes(moduleName)) continue;
      matchedLinears++;
      loraParams += loraDim * (linear.inFeatures + linear.outFeatures);
      frozenParams += linear.inFeatures * linear.outFeatures;
      if (examples.length < linears.length) examples.push(qualified);
    }
  }
  const headName = model === "causalLM" ? lmHeadName(arch) : null;
  if (headName && headName.includes(moduleName)) {
    const rows = arch.vocabSize;
    matchedLinears++;
    loraParams += loraDim * (arch.hiddenSize + rows);
    frozenParams += arch.hiddenSize * rows;
    examples.push(headName);
  }
  return {examples, matchedLinears, loraParams, frozenParams};
}

function lmHeadName(arch: ModelArchitecture): string {
  if (arch.family === "gpt_neox") return "embed_out";
  if (arch.family === "chatglm") return "transformer.output_layer";
  return "lm_head";
}
