/**
 * Training time and cost: compute tokens per epoch × FLOPs per token ÷ (GPU peak × utilisation), and for step 3 the
 * generation phase separately (memory-bound: every new token re-reads the actor's weights). Every constant is an input
 * with a stated default, and the result lists what it assumed.
 */
import type {Phase} from "../canonical.js";
import type {ModelArchitecture} from "../models/modelArchitecture.js";
import {parameterBreakdown} from "../models/modelArchitecture.js";
import type {Plan} from "../plan/normalizePlan.js";
import type {PlanModels} from "../plan/planModels.js";
import type {InstanceType} from "./instanceCatalog.js";
import {stepModel} from "./stepModel.js";

export interface TimeInputs {
  /** Rows of the phase's training split (after data_split), per step. DS-Chat pads each to the full length. */
  rows?: Partial<Record<Phase, number>>;
  /** Compute tokens per epoch per step, when known directly (overrides rows). */
  tokensPerEpoch?: Partial<Record<Phase, number>>;
  /** Where the rows/tokens came from, echoed in the result. */
  source?: string;
  /** Model FLOPs utilisation for training kernels. */
  utilisation?: number;
  /** Fraction of memory bandwidth generation reaches (hybrid engine kernels). */
  generationEfficiency?: number;
  /** Overrides the catalogue price ($/h per instance). */
  pricePerHour?: number;
  /** Managed spot saving (fraction of the on-demand price). */
  spotDiscount?: number;
}

export interface StepTime {
  step: Phase;
  tokensPerEpoch: number;
  tokensSource: string;
  flopsPerToken: number;
  trainingHours: number;
  generationHours: number;
  hours: number;
}

export interface TimeEstimate {
  steps: StepTime[];
  hours: number;
  pricePerHour: number | null;
  priceSource: string;
  cost: number | null;
  exceedsMaxRuntime: boolean;
  assumptions: string[];
}

/** DS-Chat's shipped step-1 log: 172 samples/s × 512 tokens on 16 V100s ≈ 43 TFLOPS each, 35% of the 125 TFLOPS peak. */
export const DEFAULT_UTILISATION = 0.35;
export const DEFAULT_GENERATION_EFFICIENCY = 0.5;
/** Without the hybrid engine, HF generate runs unfused kernels; ZeRO-3 additionally gathers weights every token. */
export const NO_HYBRID_ENGINE_SLOWDOWN = 3;
/**
 * Effective bandwidth of ZeRO-3's per-layer parameter all-gathers, GB/s received per GPU. From DeepSpeedExamples #718:
 * a bloomz-7b1 actor at ZeRO-3 on 8×A100-40G (NVLink) without the hybrid engine took ≈72 s to generate 256 tokens, i.e.
 * ≈0.28 s per token for 2 B × 7.07B × 7/8 ≈ 12.4 GB gathered per token.
 */
export const ZERO3_GATHER_GBS = 44;

/**
 * Seconds per generated token of step 3's actor on one GPU. Memory-bound decoding re-reads the actor's 16-bit weights
 * (its tensor-parallel shard with the hybrid engine); without the hybrid engine Hugging Face's generate runs unfused
 * kernels, and at ZeRO-3 it all-gathers every layer for every token (2Ψ·(N−1)/N per GPU, #764), where the hybrid engine
 * gathers once per generate call (hybrid_engine.py gather_all_layers).
 */
export function generationSecondsPerToken(plan: Plan, actorParams: number, instance: InstanceType, worldSize: number, options: {efficiency?: number; hybridEngine?: boolean} = {}): number {
  const a = plan.step3;
  const hybridEngine = options.hybridEngine ?? a.enable_hybrid_engine;
  const efficiency = options.efficiency ?? DEFAULT_GENERATION_EFFICIENCY;
  const weightBytes = (2 * actorParams) / (hybridEngine ? a.inference_tp_size : 1);
  const decode = (weightBytes / (instance.gpu.bandwidthGBs * 1e9 * efficiency)) * (hybridEngine ? 1 : NO_HYBRID_ENGINE_SLOWDOWN);
  if (a.actor_zero_stage !== 3 || worldSize <= 1) return decode;
  const gather = (2 * actorParams * (worldSize - 1)) / worldSize / (ZERO3_GATHER_GBS * 1e9);
  return decode + (hybridEngine ? gather / a.max_answer_seq_len : gather);
}
export const DEFAULT_SPOT_DISCOUNT = 0.7;

/** Parameters that take part in matmuls per token: every block linear plus the output projection (not the embedding lookup). */
function matmulParams(arch: ModelArchitecture, vocabRows: number, withHead: boolean): number {
  const breakdown = parameterBreakdown(arch, vocabRows);
  return arch.layers * breakdown.perLayerLinearWeights + (withHead ? vocabRows * arch.hiddenSize : 0);
}

/**
 * Training FLOPs per token: forward 2P, backward 2P for input gradients + 2 per trainable parameter for weight gradients,
 * +2P to recompute the forward with gradient checkpointing; attention adds 4·L·s·h forward (QKᵀ and AV), twice that backward.
 */
function trainingFlopsPerToken(arch: ModelArchitecture, matmul: number, trainable: number, seqLen: number, checkpointing: boolean): number {
  const attention = 4 * arch.layers * seqLen * arch.hiddenSize;
  const forward = 2 * matmul + attention;
  return forward * (checkpointing ? 2 : 1) + 2 * matmul + 2 * attention + 2 * Math.min(trainable, matmul);
}

function tokensFor(step: Phase, perRowTokens: number, inputs: TimeInputs): {tokens: number; source: string} {
  const direct = inputs.tokensPerEpoch?.[step];
  if (direct !== undefined) return {tokens: direct, source: inputs.source ?? "given tokens per epoch"};
  const rows = inputs.rows?.[step];
  if (rows !== undefined) return {tokens: rows * perRowTokens, source: `${rows} rows × ${perRowTokens} padded tokens${inputs.source ? ` (${inputs.source})` : ""}`};
  return {tokens: 0, source: "unknown: pass --tokens-per-epoch, --stats or --data"};
}

export function estimateTime(plan: Plan, models: PlanModels, instance: InstanceType, inputs: TimeInputs = {}): TimeEstimate {
  const utilisation = inputs.utilisation ?? DEFAULT_UTILISATION;
  const efficiency = inputs.generationEfficiency ?? DEFAULT_GENERATION_EFFICIENCY;
  const count = plan.infrastructure.instance_count;
  const worldSize = instance.gpuCount * count;
  const flopsPerSecond = worldSize * instance.gpu.peakTflops * 1e12 * utilisation;
  const steps: StepTime[] = [];
  for (const step of plan.steps) {
    if (step === 1 || step === 2) {
      const arch = step === 1 ? models.step1 : models.step2;
      if (!arch) continue;
      const args = step === 1 ? plan.step1 : plan.step2;
      const {vocabRows, counts} = stepModel(plan, step === 1 ? "step1" : "step2", arch);
      const flopsPerToken = trainingFlopsPerToken(arch, matmulParams(arch, vocabRows, step === 1), counts.trainable, args.max_seq_len, args.gradient_checkpointing);
      const {tokens, source} = tokensFor(step, args.max_seq_len * (step === 2 ? 2 : 1), inputs);
      const hours = (tokens * flopsPerToken * args.num_train_epochs) / flopsPerSecond / 3600;
      steps.push({step, tokensPerEpoch: tokens, tokensSource: source, flopsPerToken, trainingHours: hours, generationHours: 0, hours});
      continue;
    }
    const {actor, critic} = models;
    if (!actor || !critic) continue;
    const a = plan.step3;
    const seqLen = a.max_prompt_seq_len + a.max_answer_seq_len;
    const {vocabRows: actorVocab, counts: actorCounts} = stepModel(plan, "actor", actor);
    const {vocabRows: criticVocab, counts: criticCounts} = stepModel(plan, "critic", critic);
    const actorMatmul = matmulParams(actor, actorVocab, true);
    const criticMatmul = matmulParams(critic, criticVocab, false);
    // Experience: actor and reference log-probs, critic values and reward scores, all forward only.
    const experience = 2 * (2 * actorMatmul) + 2 * (2 * criticMatmul);
    const training =
      a.ppo_epochs *
      (trainingFlopsPerToken(actor, actorMatmul, actorCounts.trainable, seqLen, a.actor_gradient_checkpointing) +
        trainingFlopsPerToken(critic, criticMatmul, criticCounts.trainable, seqLen, a.critic_gradient_checkpointing));
    const flopsPerToken = experience + training;
    const {tokens, source} = tokensFor(3, seqLen, inputs);
    const trainingHours = (tokens * flopsPerToken * a.num_train_epochs) / flopsPerSecond / 3600;
    // Generation: per batch of prompts on each GPU, max_answer_seq_len steps, each reading the actor's (tensor-parallel shard of) weights.
    const prompts = tokens / seqLen;
    const batchesPerGpu = Math.ceil(prompts / worldSize / a.per_device_generation_batch_size);
    const secondsPerToken = generationSecondsPerToken(plan, actorCounts.params, instance, worldSize, {efficiency});
    const generationHours = (batchesPerGpu * a.max_answer_seq_len * secondsPerToken * a.num_train_epochs) / 3600;
    steps.push({step, tokensPerEpoch: tokens, tokensSource: source, flopsPerToken, trainingHours, generationHours, hours: trainingHours + generationHours});
  }
  const hours = steps.reduce((total, step) => total + step.hours, 0);
  const price = inputs.pricePerHour ?? instance.pricePerHour;
  const spot = plan.infrastructure.spot ? 1 - (inputs.spotDiscount ?? DEFAULT_SPOT_DISCOUNT) : 1;
  return {
    steps,
    hours,
    pricePerHour: price,
    priceSource: inputs.pricePerHour !== undefined ? "given" : instance.priceSource,
    cost: price === null ? null : hours * price * count * spot,
    exceedsMaxRuntime: hours > plan.infrastructure.max_runtime_hours,
    assumptions: [
      `Utilisation ${utilisation} of ${instance.gpu.name}'s ${instance.gpu.peakTflops} dense TFLOPS (default from DS-Chat's own step-1 log: ≈35% on V100).`,
      "Training FLOPs per token: 2P forward + 2P input gradients + 2 per trainable parameter + 2P recompute with gradient checkpointing (6P for full fine-tuning, 8P with checkpointing) + attention 12·L·s·h.",
      "DS-Chat pads every sample to the full length, so compute tokens = rows × max_seq_len (×2 in step 2 for chosen + rejected; step 3: prompt + answer length).",
      `Step 3 generation is memory-bound: each answer token re-reads the actor's 16-bit weights at ${efficiency} of ${instance.gpu.bandwidthGBs} GB/s${a3(plan)}; an actor at ZeRO-3 also all-gathers its weights at ${ZERO3_GATHER_GBS} GB/s (measured in DeepSpeedExamples #718), once per generate call with the hybrid engine and for every token without it.`,
      plan.infrastructure.spot ? `Managed spot: ${(inputs.spotDiscount ?? DEFAULT_SPOT_DISCOUNT) * 100}% off on-demand (typical, not guaranteed).` : "On-demand price.",
      "Excludes data caching/tokenisation, evaluation, checkpoint saving and job start-up."
    ]
  };
}

function a3(plan: Plan): string {
  return plan.steps.includes(3) && !plan.step3.enable_hybrid_engine ? `, ${NO_HYBRID_ENGINE_SLOWDOWN}× slower without the hybrid engine` : "";
}
