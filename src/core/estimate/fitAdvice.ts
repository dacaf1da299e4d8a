/**
 * What to change when a step does not fit its GPU: the largest per-device batch that fits, and the cheapest single change
 * whose re-estimate fits — tried in the order a DS-Chat user would pay for them (recompute, a smaller batch with more
 * accumulation, more ZeRO sharding, LoRA-only training, CPU offload, a GPU with more memory). Each candidate is a modified
 * plan run through the same estimate, never a guess. Isomorphic: no Node or DOM imports.
 */
import type {Phase} from "../canonical.js";
import {familySupport} from "../models/familySupport.js";
import type {Plan} from "../plan/normalizePlan.js";
import type {PlanModels} from "../plan/planModels.js";
import type {StepMemory} from "./estimateMemory.js";
import {estimateMemory} from "./estimateMemory.js";
import {largestBatch} from "./fitInstances.js";
import {hybridEngineInjectsKernels} from "./hybridEngineMemory.js";
import type {InstanceType} from "./instanceCatalog.js";
import {GiB} from "./modelMemory.js";

export interface FitChange {
  /** The DS-Chat flags (or instance) to change, as a user types them. */
  change: string;
  reservedBytes: number;
}

export interface StepFit {
  step: Phase;
  memory: StepMemory;
  fits: boolean;
  /** The largest per-device batch that fits (step 3: generation = training batch), 0 when none does. */
  largestBatch: number;
  /** The first change, in cost order, whose estimate fits; null when it fits already or nothing does. */
  fix: FitChange | null;
}

interface Candidate {
  change: string;
  apply: (plan: Plan) => void;
}

const only = (plan: Plan, step: Phase): Plan => structuredClone({...plan, steps: [step]});

function supervisedCandidates(plan: Plan, step: 1 | 2, batch: number, models: PlanModels): Candidate[] {
  const args = step === 1 ? plan.step1 : plan.step2;
  const arch = step === 1 ? models.step1 : models.step2;
  const of = (p: Plan) => (step === 1 ? p.step1 : p.step2);
  const candidates: Candidate[] = [];
  if (!args.gradient_checkpointing) candidates.push({change: "--gradient_checkpointing", apply: (p) => (of(p).gradient_checkpointing = true)});
  if (batch > 0 && batch < args.per_device_train_batch_size) {
    const accumulation = Math.ceil((args.per_device_train_batch_size * args.gradient_accumulation_steps) / batch);
    candidates.push({
      change: `--per_device_train_batch_size ${batch} --gradient_accumulation_steps ${accumulation} (same global batch)`,
      apply: (p) => Object.assign(of(p), {per_device_train_batch_size: batch, gradient_accumulation_steps: accumulation})
    });
  }
  for (let stage = args.zero_stage + 1; stage <= 3; stage++) candidates.push({change: `--zero_stage ${stage}`, apply: (p) => (of(p).zero_stage = stage)});
  const loraModule = arch ? familySupport[arch.family].loraModuleName : null;
  if (loraModule !== null && !args.only_optimize_lora) {
    const lora = args.lora_dim > 0 ? "--only_optimize_lora" : `--lora_dim 128 --lora_module_name ${loraModule} --only_optimize_lora`;
    candidates.push({change: lora, apply: (p) => Object.assign(of(p), {lora_dim: args.lora_dim > 0 ? args.lora_dim : 128, lora_module_name: args.lora_dim > 0 ? args.lora_module_name : loraModule, only_optimize_lora: true})});
  }
  if (!args.offload) {
    const stage = Math.max(args.zero_stage, 3);
    candidates.push({change: args.zero_stage === 3 ? "--offload" : "--zero_stage 3 --offload", apply: (p) => Object.assign(of(p), {offload: true, zero_stage: stage})});
  }
  return candidates;
}

/**
 * DS-Chat evaluates before the first epoch and after each one with per_device_eval_batch_size (16 by default): when that is
 * the peak, a smaller evaluation batch is the cheapest change (training is untouched).
 */
function evaluationCandidates(plan: Plan, step: 1 | 2, memory: StepMemory): Candidate[] {
  if (memory.peakPhase !== "evaluation") return [];
  const args = step === 1 ? plan.step1 : plan.step2;
  const candidates: Candidate[] = [];
  for (let batch = Math.floor(args.per_device_eval_batch_size / 2); batch >= 1; batch = Math.floor(batch / 2))
    candidates.push({change: `--per_device_eval_batch_size ${batch} (evaluation peaks above training)`, apply: (p) => ((step === 1 ? p.step1 : p.step2).per_device_eval_batch_size = batch)});
  return candidates;
}

function step3Candidates(plan: Plan, batch: number, models: PlanModels): Candidate[] {
  const a = plan.step3;
  const candidates: Candidate[] = [];
  if (models.actor && hybridEngineInjectsKernels(plan, models.actor) && !a.release_inference_cache)
    candidates.push({change: "--release_inference_cache", apply: (p) => (p.step3.release_inference_cache = true)});
  if (a.actor_zero_stage === 3 && !a.offload_reference_model) candidates.push({change: "--offload_reference_model", apply: (p) => (p.step3.offload_reference_model = true)});
  if (a.enable_hybrid_engine && a.actor_zero_stage === 3 && !a.unpin_actor_parameters)
    candidates.push({change: "--unpin_actor_parameters (the hybrid engine then gathers one layer at a time; slower generation)", apply: (p) => (p.step3.unpin_actor_parameters = true)});
  if (!a.critic_gradient_checkpointing) candidates.push({change: "--critic_gradient_checkpointing", apply: (p) => (p.step3.critic_gradient_checkpointing = true)});
  if (!a.actor_gradient_checkpointing) candidates.push({change: "--actor_gradient_checkpointing", apply: (p) => (p.step3.actor_gradient_checkpointing = true)});
  if (batch > 0 && (batch < a.per_device_generation_batch_size || batch < a.per_device_training_batch_size)) {
    const accumulation = Math.ceil((a.per_device_training_batch_size * a.gradient_accumulation_steps) / batch);
    candidates.push({
      change: `--per_device_generation_batch_size ${batch} --per_device_training_batch_size ${batch} --gradient_accumulation_steps ${accumulation}`,
      apply: (p) => Object.assign(p.step3, {per_device_generation_batch_size: batch, per_device_training_batch_size: batch, gradient_accumulation_steps: accumulation})
    });
  }
  for (const [arg, stage] of [["actor_zero_stage", a.actor_zero_stage], ["critic_zero_stage", a.critic_zero_stage]] as const)
    if (stage < 3) candidates.push({change: `--${arg} 3`, apply: (p) => (p.step3[arg] = 3)});
  if (!a.offload && a.actor_zero_stage > 0 && a.critic_zero_stage > 0) candidates.push({change: "--offload", apply: (p) => (p.step3.offload = true)});
  return candidates;
}

/**
 * The verdict for one step on one instance type: fits or not, the largest batch, and the cheapest change that fits.
 * `catalog` supplies the instance types a bigger GPU is looked for in (same GPU count per node).
 */
export function stepFit(plan: Plan, step: Phase, models: PlanModels, instance: InstanceType, gpusPerNode: number, catalog: readonly InstanceType[]): StepFit | null {
  const worldSize = gpusPerNode * plan.infrastructure.instance_count;
  const estimate = (candidate: Plan, gpus = gpusPerNode) => estimateMemory(candidate, models, {worldSize: gpus * candidate.infrastructure.instance_count, gpusPerNode: gpus})[0];
  const memory = estimate(only(plan, step));
  if (!memory) return null;
  const limit = instance.gpu.memoryGiB * GiB;
  const batch = largestBatch(only(plan, step), step, models, worldSize, gpusPerNode, instance.gpu.memoryGiB);
  if (memory.reservedBytes <= limit) return {step, memory, fits: true, largestBatch: batch, fix: null};
  const candidates = step === 3 ? step3Candidates(plan, batch, models) : [...evaluationCandidates(plan, step, memory), ...supervisedCandidates(plan, step, batch, models)];
  for (const candidate of candidates) {
    const changed = only(plan, step);
    candidate.apply(changed);
    const reserved = estimate(changed).reservedBytes;
    if (reserved <= limit) return {step, memory, fits: false, largestBatch: batch, fix: {change: candidate.change, reservedBytes: reserved}};
  }
  // A GPU with more memory, same GPUs per node: the smallest one whose estimate fits.
  const bigger = catalog
    .filter((other) => other.gpuCount === instance.gpuCount && other.gpu.memoryGiB > instance.gpu.memoryGiB)
    .sort((x, y) => x.gpu.memoryGiB - y.gpu.memoryGiB || (x.pricePerHour ?? Infinity) - (y.pricePerHour ?? Infinity))
    .find((other) => memory.reservedBytes <= other.gpu.memoryGiB * GiB);
  const fix = bigger ? {change: `--instance ${bigger.name} (${bigger.gpu.name}, ${bigger.gpu.memoryGiB} GiB)`, reservedBytes: memory.reservedBytes} : null;
  return {step, memory, fits: false, largestBatch: batch, fix};
}
