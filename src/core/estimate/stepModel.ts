/**
 * A model of a DS-Chat run set up as DS-Chat builds it from the step's flags: embeddings resized for the tokenizer (one
 * more token with --add_eot_token), AutoModelForCausalLM for step 1 and the actor, AutoModel + v_head for the reward
 * model and the critic, and that model's own LoRA flags. The memory and the time estimates both start from it.
 */
import type {ModelArchitecture} from "../models/modelArchitecture.js";
import {resizedVocab} from "../models/modelArchitecture.js";
import type {Plan} from "../plan/normalizePlan.js";
import type {PlanModels} from "../plan/planModels.js";
import type {ModelCounts, ModelSetup} from "./modelMemory.js";
import {modelCounts} from "./modelMemory.js";

/** step1: the SFT model; step2: the reward model; actor and critic: step 3's trained models. */
export type ModelRole = keyof PlanModels;

export interface StepModel extends ModelSetup {
  counts: ModelCounts;
}

function roleFlags(plan: Plan, role: ModelRole): Omit<ModelSetup, "arch" | "vocabRows"> & {addEotToken: boolean} {
  if (role === "step1" || role === "step2") {
    const args = plan[role];
    return {head: role === "step1" ? "causalLM" : "base", addEotToken: args.add_eot_token, loraDim: args.lora_dim, loraModuleName: args.lora_module_name, onlyOptimizeLora: args.only_optimize_lora};
  }
  const a = plan.step3;
  return role === "actor"
    ? {head: "causalLM", addEotToken: a.add_eot_token, loraDim: a.actor_lora_dim, loraModuleName: a.actor_lora_module_name, onlyOptimizeLora: a.only_optimize_lora}
    : {head: "base", addEotToken: a.add_eot_token, loraDim: a.critic_lora_dim, loraModuleName: a.critic_lora_module_name, onlyOptimizeLora: a.only_optimize_lora};
}

export function stepModel(plan: Plan, role: ModelRole, arch: ModelArchitecture): StepModel {
  const {addEotToken, ...flags} = roleFlags(plan, role);
  const setup: ModelSetup = {arch, vocabRows: resizedVocab(arch, addEotToken), ...flags};
  return {...setup, counts: modelCounts(setup)};
}
