/**
 * Gets `PlanFacts` for lint from plan JSON: either the plan engineer's plan (`{steps, step1, step2, step3,
 * infrastructure}`, parsed by `normalizePlan`), one PlanFacts per planned step, or a bare PlanFacts object. Plan JSON is
 * untrusted: every error names the field. Isomorphic: no Node or DOM imports.
 */
import type {Phase} from "../canonical.js";
import {findInstance} from "../estimate/instanceCatalog.js";
import {isModelFamily} from "../models/familySupport.js";
import {modelFamilyOf} from "../models/modelFamilyOf.js";
import {isChainedModel, normalizePlan, type Plan} from "../plan/normalizePlan.js";
import {checkKeys, quote, readObject} from "../contract/jsonFields.js";
import {UserError} from "../contract/userError.js";
import type {PlanFacts} from "./lintContext.js";

const PLAN_KEYS = ["schema_version", "steps", "step1", "step2", "step3", "infrastructure"];
const FIX = "Pass a plan.json written by 'dschat-studio plan --out', or a PlanFacts object {step, modelName, ...} (see the README).";

/** One PlanFacts per step the JSON describes. */
export function planFactsFromJson(json: unknown): PlanFacts[] {
  const keys = Object.keys(readObject(json, "plan", FIX));
  if (keys.some((key) => PLAN_KEYS.includes(key))) {
    const plan = normalizePlan(json);
    return plan.steps.map((step) => planFactsFromPlan(plan, step));
  }
  return [normalizePlanFacts(json as Record<string, unknown>)];
}

/** The facts of one step of a plan. Chained steps take their model family from the step that produced the model. */
export function planFactsFromPlan(plan: Plan, step: Phase): PlanFacts {
  const instance = findInstance(plan.infrastructure.instance_type);
  const machine = {gpusPerNode: plan.infrastructure.gpus_per_node ?? instance?.gpuCount, hostRamGb: instance?.hostMemoryGiB};
  if (step === 1 || step === 2) {
    const a = step === 1 ? plan.step1 : plan.step2;
    const modelName = a.model_name_or_path ?? "";
    return {
      step,
      modelName,
      family: modelFamilyOf(modelName),
      zeroStage: a.zero_stage,
      offload: a.offload,
      loraDim: a.lora_dim,
      loraModuleName: a.lora_module_name,
      numPaddingAtBeginning: step === 2 ? plan.step2.num_padding_at_beginning : undefined,
      seed: a.seed,
      dataSplit: a.data_split,
      maxSeqLen: a.max_seq_len,
      addEotToken: a.add_eot_token,
      eotToken: step === 1 ? plan.step1.eot_token : undefined,
      ...machine
    };
  }
  const a = plan.step3;
  const actor = a.actor_model_name_or_path ?? "";
  const critic = a.critic_model_name_or_path;
  // A chained step-3 model is a folder such as ./output/actor-models: the model it was trained from names the family.
  const actorSource = (isChainedModel(plan, "actor") ? plan.step1.model_name_or_path : null) ?? actor;
  const criticSource = (isChainedModel(plan, "critic") ? plan.step2.model_name_or_path : null) ?? critic;
  return {
    step,
    modelName: actor,
    family: modelFamilyOf(actorSource),
    criticModelName: critic,
    criticFamily: criticSource === null ? null : modelFamilyOf(criticSource),
    zeroStage: a.actor_zero_stage,
    criticZeroStage: a.critic_zero_stage,
    offload: a.offload,
    enableHybridEngine: a.enable_hybrid_engine,
    inferenceTpSize: a.inference_tp_size,
    loraDim: a.actor_lora_dim,
    loraModuleName: a.actor_lora_module_name,
    criticLoraDim: a.critic_lora_dim,
    criticLoraModuleName: a.critic_lora_module_name,
    enableMixedPrecisionLora: a.enable_mixed_precision_lora,
    numPaddingAtBeginning: a.num_padding_at_beginning,
    seed: a.seed,
    dataSplit: a.data_split,
    maxPromptSeqLen: a.max_prompt_seq_len,
    addEotToken: a.add_eot_token,
    ...machine
  };
}

type FieldKind = "string" | "int" | "bool" | "family" | "seed";

const factFields: Record<Exclude<keyof PlanFacts, "step" | "modelName">, FieldKind> = {
  family: "family",
  criticModelName: "string",
  criticFamily: "family",
  zeroStage: "int",
  criticZeroStage: "int",
  offload: "bool",
  enableHybridEngine: "bool",
  inferenceTpSize: "int",
  loraDim: "int",
  loraModuleName: "string",
  criticLoraDim: "int",
  criticLoraModuleName: "string",
  loraMatchedLinears: "int",
  criticLoraMatchedLinears: "int",
  enableMixedPrecisionLora: "bool",
  numPaddingAtBeginning: "int",
  seed: "seed",
  dataSplit: "string",
  maxSeqLen: "int",
  maxPromptSeqLen: "int",
  gpusPerNode: "int",
  hostRamGb: "int",
  addEotToken: "bool",
  eotToken: "string"
};

/** Checks a bare PlanFacts object field by field; unknown keys are refused so typos do not silently disable rules. */
export function normalizePlanFacts(json: Record<string, unknown>): PlanFacts {
  const bad = (field: string, want: string) => new UserError(`is ${quote(json[field])}; expected ${want}`, {where: {field: `plan.${field}`}, fix: FIX});
  if (json.step !== 1 && json.step !== 2 && json.step !== 3) throw bad("step", "1, 2 or 3");
  if (typeof json.modelName !== "string" || json.modelName === "") throw bad("modelName", "the model name or path DS-Chat gets");
  const facts: PlanFacts = {step: json.step, modelName: json.modelName};
  checkKeys(json, ["step", "modelName", ...Object.keys(factFields)], "plan", FIX);
  for (const [key, value] of Object.entries(json)) {
    if (key === "step" || key === "modelName") continue;
    const kind = factFields[key as keyof typeof factFields];
    const ok =
      kind === "string" ? typeof value === "string" || (value === null && key === "criticModelName")
      : kind === "bool" ? typeof value === "boolean"
      : kind === "family" ? value === null || isModelFamily(value)
      : kind === "seed" ? value === null || (Number.isInteger(value) && (value as number) >= 0)
      : typeof value === "number" && Number.isFinite(value) && value >= 0 && (key === "hostRamGb" || Number.isInteger(value));
    if (!ok) throw bad(key, kind === "family" ? "a model family (opt, bloom, llama, gpt2, gptj, gpt_neox, qwen2, chatglm) or null" : kind === "seed" ? "a whole number or null (not passed)" : `a ${kind === "int" ? "non-negative number" : kind}`);
    (facts as unknown as Record<string, unknown>)[key] = value;
  }
  return facts;
}
