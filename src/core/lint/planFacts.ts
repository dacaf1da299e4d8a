/**
 * Gets `PlanFacts` for lint from plan JSON: either the plan engineer's plan (`{steps, step1, step2, step3,
 * infrastructure}`, parsed by `normalizePlan`), one PlanFacts per planned step, or a bare PlanFacts object. Plan JSON is
 * untrusted: every error names the field. Isomorphic: no Node or DOM imports.
 */
import type {Phase} from "../canonical.js";
import {findInstance, type InstanceType} from "../estimate/instanceCatalog.js";
import {isModelFamily} from "../models/familySupport.js";
import {modelFamilyOf} from "../models/modelFamilyOf.js";
import {isChainedModel, normalizePlan, type Plan} from "../plan/normalizePlan.js";
import {checkKeys, isRecord, quote, readObject} from "../contract/jsonFields.js";
import {LIBRARIES, parseVersion, type Library} from "../plan/targetVersions.js";
import {UserError} from "../contract/userError.js";
import type {PlanFacts} from "./lintContext.js";

const PLAN_KEYS = ["schema_version", "steps", "step1", "step2", "step3", "infrastructure", "versions"];
const FIX = "Pass a plan.json written by 'dschat-studio plan --out', or a PlanFacts object {step, modelName, ...} (see the README).";

/** Whether plan JSON is a dschat-studio plan ({steps, step1, …}) rather than a bare PlanFacts object. */
export function isPlanJson(json: unknown): boolean {
  return Object.keys(readObject(json, "plan", FIX)).some((key) => PLAN_KEYS.includes(key));
}

/** One PlanFacts per step the JSON describes. */
export function planFactsFromJson(json: unknown): PlanFacts[] {
  if (isPlanJson(json)) {
    const plan = normalizePlan(json);
    return plan.steps.map((step) => planFactsFromPlan(plan, step));
  }
  return [normalizePlanFacts(json as Record<string, unknown>)];
}

/** The facts of one step of a plan. Chained steps take their model family from the step that produced the model. */
export function planFactsFromPlan(plan: Plan, step: Phase, catalog?: readonly InstanceType[]): PlanFacts {
  const instance = findInstance(plan.infrastructure.instance_type, catalog);
  const {deepspeed, transformers, torch} = plan.versions;
  const machine = {
    gpusPerNode: plan.infrastructure.gpus_per_node ?? instance?.gpuCount,
    hostRamGb: instance?.hostMemoryGiB,
    ...(instance && {gpuName: instance.gpu.name, gpuBf16: instance.gpu.bf16}),
    nodes: plan.infrastructure.instance_count,
    planSteps: [...plan.steps],
    versions: {deepspeed, transformers, torch}
  };
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
      dtype: a.dtype,
      dataPaths: [...a.data_path],
      dataOutputPath: a.data_output_path,
      onlyOptimizeLora: a.only_optimize_lora,
      gradientCheckpointing: a.gradient_checkpointing,
      learningRate: a.learning_rate,
      perDeviceTrainBatchSize: a.per_device_train_batch_size,
      gradientAccumulationSteps: a.gradient_accumulation_steps,
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
    maxAnswerSeqLen: a.max_answer_seq_len,
    addEotToken: a.add_eot_token,
    dtype: a.dtype,
    dataPaths: [...a.data_path],
    dataOutputPath: a.data_output_path,
    onlyOptimizeLora: a.only_optimize_lora,
    gradientCheckpointing: a.actor_gradient_checkpointing,
    criticGradientCheckpointing: a.critic_gradient_checkpointing,
    learningRate: a.actor_learning_rate,
    perDeviceTrainBatchSize: a.per_device_training_batch_size,
    perDeviceGenerationBatchSize: a.per_device_generation_batch_size,
    generationBatches: a.generation_batches,
    gradientAccumulationSteps: a.gradient_accumulation_steps,
    releaseInferenceCache: a.release_inference_cache,
    criticCheckpoint: isChainedModel(plan, "critic") ? "chained" : undefined,
    ...machine
  };
}

type FieldKind = "string" | "int" | "number" | "bool" | "family" | "seed" | "strings" | "steps" | "versions" | "dtype" | "critic-checkpoint";

/** Facts the plan side derives from its estimates; a PlanFacts JSON object cannot set them. */
type DerivedFact = "memory" | "generation" | "dataRows";

const factFields: Record<Exclude<keyof PlanFacts, "step" | "modelName" | DerivedFact>, FieldKind> = {
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
  eotToken: "string",
  planSteps: "steps",
  versions: "versions",
  dtype: "dtype",
  gpuName: "string",
  gpuBf16: "bool",
  nodes: "int",
  dataPaths: "strings",
  dataOutputPath: "string",
  onlyOptimizeLora: "bool",
  gradientCheckpointing: "bool",
  criticGradientCheckpointing: "bool",
  learningRate: "number",
  perDeviceTrainBatchSize: "int",
  perDeviceGenerationBatchSize: "int",
  generationBatches: "int",
  gradientAccumulationSteps: "int",
  maxAnswerSeqLen: "int",
  releaseInferenceCache: "bool",
  tokenizerName: "string",
  vocabSize: "int",
  actorVocabRows: "int",
  criticVocabRows: "int",
  criticCheckpoint: "critic-checkpoint",
  criticCheckpointFiles: "strings"
};

const CRITIC_CHECKPOINTS = ["chained", "dschat-reward", "base-model", "local", "unknown"];

function factOk(kind: FieldKind, key: string, value: unknown): boolean {
  switch (kind) {
    case "string":
      return typeof value === "string" || (value === null && key === "criticModelName");
    case "bool":
      return typeof value === "boolean";
    case "family":
      return value === null || isModelFamily(value);
    case "seed":
      return value === null || (Number.isInteger(value) && (value as number) >= 0);
    case "strings":
      return Array.isArray(value) && value.every((item) => typeof item === "string");
    case "steps":
      return Array.isArray(value) && value.length > 0 && value.every((item) => item === 1 || item === 2 || item === 3);
    case "dtype":
      return value === "fp16" || value === "bf16";
    case "critic-checkpoint":
      return CRITIC_CHECKPOINTS.includes(value as string);
    case "versions":
      return isRecord(value) && Object.keys(value).every((library) => LIBRARIES.includes(library as Library) && (value[library] === null || (typeof value[library] === "string" && parseVersion(value[library] as string) !== null)));
    case "number":
      return typeof value === "number" && Number.isFinite(value) && value >= 0;
    case "int":
      return typeof value === "number" && Number.isFinite(value) && value >= 0 && (key === "hostRamGb" || Number.isInteger(value));
  }
}

const expected: Partial<Record<FieldKind, string>> = {
  family: "a model family (opt, bloom, llama, gpt2, gptj, gpt_neox, qwen2, chatglm) or null",
  seed: "a whole number or null (not passed)",
  int: "a non-negative number",
  number: "a non-negative number",
  strings: "a list of strings",
  steps: "a list of steps 1, 2, 3",
  dtype: "fp16 or bf16",
  "critic-checkpoint": CRITIC_CHECKPOINTS.join(", "),
  versions: "{deepspeed, transformers, torch}, each a version string or null"
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
    if (!factOk(kind, key, value)) throw bad(key, expected[kind] ?? `a ${kind}`);
    (facts as unknown as Record<string, unknown>)[key] = kind === "versions" ? {deepspeed: null, transformers: null, torch: null, ...(value as object)} : value;
  }
  return facts;
}
