/**
 * Per-GPU and per-node host memory of each step of a plan. Step 3 holds actor, reference, (EMA,) critic and reward at
 * once, then peaks in whichever phase is largest: generation (KV cache, hybrid-engine weights, experience logits), actor
 * training or critic training. Every term carries its formula; `assumptions` lists what is approximated.
 */
import type {Phase} from "../canonical.js";
import {familySupport} from "../models/familySupport.js";
import type {ModelArchitecture} from "../models/modelArchitecture.js";
import type {Plan} from "../plan/normalizePlan.js";
import {defaultTargetVersions} from "../plan/targetVersions.js";
import type {PlanModels} from "../plan/planModels.js";
import type {AttentionKernel} from "./activationProfile.js";
import {defaultAttention} from "./activationProfile.js";
import type {MemoryTerm, ModelCounts} from "./modelMemory.js";
import {activationTerm, fmt, frozenModelWeights, GiB, logitsTerm, trainedModelStates} from "./modelMemory.js";
import {hybridEngineInjectsKernels, inferenceWorkspaceTerm} from "./hybridEngineMemory.js";
import {stepModel} from "./stepModel.js";
import {supervisedMemory} from "./trainingPhases.js";

export interface MemoryOptions {
  worldSize: number;
  gpusPerNode: number;
  /** Rows of the training split each step reads (after data_split), for DS-Chat's in-memory data cache. */
  trainRows?: Partial<Record<Phase, number>>;
  /** Overrides the attention kernel transformers picks by default. */
  attention?: AttentionKernel;
  /** Override the plan's target versions (plan.versions): transformers picks each family's default attention kernel,
   * DeepSpeed the optimizer wrapper of bf16 at ZeRO-0. */
  transformersVersion?: string;
  deepspeedVersion?: string;
}

/** One phase of a step: the GPU bytes it peaks at (resident terms included) and its own transient terms. */
export interface PhasePeak {
  phase: string;
  bytes: number;
  terms: MemoryTerm[];
}

/** The highest phase peak among the training phases (everything but evaluation), in bytes. */
export function trainingPeakBytes(memory: StepMemory): number {
  return Math.max(...memory.phases.filter((phase) => phase.phase !== "evaluation").map((phase) => phase.bytes));
}

/** What nvidia-smi would show for an allocation peak. */
export function reservedFor(allocatedBytes: number): number {
  return allocatedBytes * (1 + ALLOCATOR_SLACK) + CUDA_CONTEXT_BYTES;
}

export interface StepMemory {
  step: Phase;
  /** GPU terms at the peak: resident states plus the largest phase's transient terms. */
  terms: MemoryTerm[];
  peakPhase: string;
  allocatedBytes: number;
  /** allocated + CUDA context + caching-allocator slack: what nvidia-smi shows. */
  reservedBytes: number;
  host: MemoryTerm[];
  hostBytesPerNode: number;
  counts: Record<string, ModelCounts>;
  notes: string[];
  /** Every phase's peak (steps 1 and 2: forward, backward, backward end, optimizer step, evaluation). */
  phases: PhasePeak[];
}

/**
 * The CUDA context (not seen by torch.cuda.max_memory_allocated: 0.75 GiB measured on an H200 with CUDA 13.0) and the
 * caching allocator's slack. "Reserved" is what the run needs of the GPU: under memory pressure PyTorch returns its
 * cached free blocks and retries before it fails, so only fragmentation counts (10%). Without pressure the allocator
 * keeps more cached — 1.0–1.66× the peak allocation over bench/gpu's 104 runs (median 1.2) — so nvidia-smi can show more.
 */
export const CUDA_CONTEXT_BYTES = 0.75 * GiB;
export const ALLOCATOR_SLACK = 0.1;

export const memoryAssumptions = [
  "Steps 1 and 2 are estimated phase by phase (forward, backward, backward end, optimizer step, evaluation) and checked against a real GPU: bench/gpu reproduced DS-Chat's step 1 with DeepSpeed v0.18.8's optimizer buffers on an H200 for OPT-125m/350m/1.3b and BLOOMZ-560m over 104 settings, and every point's estimate is within 2% of torch.cuda.max_memory_allocated (test/core/estimate-gpu.test.ts holds it within ±10%). Other families use the same terms from their modelling code, unmeasured.",
  "Resident between steps: 16-bit weights 2Ψ, fp32 master + Adam moments 12 B per trainable parameter (sharded from ZeRO-1, on the CPU with --offload), the previous batch's 16-bit logits (DS-Chat keeps `outputs`), ~70 MiB of cuBLAS workspaces. Gradients (2 B per trainable parameter, sharded at ZeRO-2) exist from backward to the optimizer step only.",
  "Optimizer step: ZeRO-0 (DeepSpeed's FP16_Optimizer) converts each param group's gradients to fp32 and flattens them (8 B per element of the group being flattened, on top of the 16-bit gradients), which is why full fine-tuning peaks at about 2Ψ + 22T at small batches, not the 2Ψ + 18T of DeepSpeed's estimator; ZeRO-1/2 flatten the partition and cast it to fp32 (6 B per element). ZeRO-1/2 also keep two 5e8-element gradient buckets (about 1.9 GiB) during backward whatever the model size, because DS-Chat enables overlap_comm.",
  "--offload moves optimizer states to CPU at ZeRO stages 1-3 and weights at stage 3 only (DeepSpeed ignores offload_param below stage 3).",
  "Activations per layer and token (16-bit): two norms 8h, q/k/v and the attention output 2h + 4·kv + 2h, 1-byte dropout masks 2h when dropout > 0 (OPT's config has 0.1), the MLP (ReLU 2f, BLOOM's GeLU 4f, gated 6f), LoRA's x·R 2r per wrapped linear, and with eager attention the fp32 softmax and its 16-bit copy 6·a·s. transformers uses SDPA by default for OPT from 4.46, Llama, Qwen2, GPT-2 and GPT-NeoX; BLOOM and GPT-J stay eager.",
  "Gradient checkpointing keeps each layer's input (2·h per token); the recomputed layer stays below the loss's logits at the start of backward.",
  "Logits (step 1): 10 B per element in the forward (16-bit logits, the fp32 upcast transformers makes for the loss, the fp32 log-softmax), 12 B at the start of backward. Evaluation (per_device_eval_batch_size, 16 by default) keeps two outputs' logits and builds the KV cache, since DS-Chat does not pass use_cache=False there: with a large vocabulary it can exceed the training peak.",
  "DS-Chat pads every sample to max_seq_len (steps 1, 2) or max_prompt_seq_len + max_answer_seq_len (step 3), so memory depends on those lengths, not on the text.",
  "Vocabulary resized to 8·ceil(len(tokenizer)/8) as DS-Chat does.",
  "Step 3 generation: KV cache 2·layers·b·(prompt+answer)·kv_heads·head_dim·2 B; with the hybrid engine at ZeRO-3 the actor's full 16-bit weights are gathered (÷ inference_tp_size).",
  "Step 3 with the hybrid engine's inference kernels: their workspace (DeepSpeed's GenWorkSpace: activations, attention scratch and KV cache for the per-GPU generation batch × inference_tp_size, prompt + answer tokens) replaces the KV cache and, unless --release_inference_cache, stays allocated through actor and critic training (#410); the actor's logits stay referenced while the critic trains.",
  `Reserved (what the run needs of the GPU) = allocated × ${1 + ALLOCATOR_SLACK} + ${CUDA_CONTEXT_BYTES / GiB} GiB CUDA context (measured on an H200): under memory pressure PyTorch frees its cached blocks before failing; without pressure its cache held 1.0–1.66× the peak allocation in bench/gpu's runs (median 1.2), which nvidia-smi then shows.`,
  "Host: DS-Chat's data cache holds rows × max_seq_len × 2 tensors × 8 B (×2 for step 2's pairs) in every GPU process; HF from_pretrained loads fp32 weights (4 B/param) in every process below ZeRO-3."
];

const sum = (terms: MemoryTerm[]) => terms.reduce((total, term) => total + term.bytes, 0);

function finish(step: Phase, terms: MemoryTerm[], peakPhase: string, host: MemoryTerm[], counts: Record<string, ModelCounts>, notes: string[], phases?: PhasePeak[]): StepMemory {
  const allocatedBytes = sum(terms);
  return {
    step,
    terms,
    peakPhase,
    allocatedBytes,
    reservedBytes: reservedFor(allocatedBytes),
    host,
    hostBytesPerNode: sum(host),
    counts,
    notes,
    phases: phases ?? [{phase: peakPhase, bytes: allocatedBytes, terms}]
  };
}

function dataCacheTerm(rows: number | undefined, seqLen: number, tensorsPerRow: number, gpusPerNode: number): MemoryTerm[] {
  if (!rows) return [];
  const bytes = rows * seqLen * tensorsPerRow * 8 * gpusPerNode;
  return [{model: "data", kind: "data-cache", bytes, formula: `${fmt(rows)} rows × ${seqLen} tokens × ${tensorsPerRow} int64 tensors × 8 B × ${gpusPerNode} processes (torch.load per rank, #450)`}];
}

function loadingTerm(name: string, params: number, stage: number, gpusPerNode: number): MemoryTerm {
  const processes = stage === 3 ? 1 : gpusPerNode;
  return {model: name, kind: "loading", bytes: 4 * params * processes, formula: `fp32 from_pretrained: 4 B × ${fmt(params)} × ${processes} process(es)${stage === 3 ? " (zero.Init partitions as it loads)" : ""} — transient`};
}

function offloadHostTerms(name: string, counts: ModelCounts, stage: number, offload: boolean, worldSize: number, gpusPerNode: number): MemoryTerm[] {
  if (!offload || stage === 0) return [];
  const terms: MemoryTerm[] = [{model: name, kind: "optimizer", bytes: ((16 * counts.trainable) / worldSize) * gpusPerNode, formula: `16 B × ${fmt(counts.trainable)} trainable / ${worldSize} GPUs × ${gpusPerNode} per node (CPU Adam)`}];
  if (stage === 3) terms.push({model: name, kind: "weights", bytes: ((2 * counts.params) / worldSize) * gpusPerNode, formula: `2 B × ${fmt(counts.params)} / ${worldSize} GPUs × ${gpusPerNode} per node`});
  return terms;
}

/** The transformers release the job runs: the option, the plan's target, or (unknown) the default training image's. */
function transformersOf(plan: Plan, options: MemoryOptions): string {
  return options.transformersVersion ?? plan.versions.transformers ?? defaultTargetVersions().transformers!;
}

function supervisedStep(step: 1 | 2, plan: Plan, arch: ModelArchitecture, options: MemoryOptions): StepMemory {
  const args = step === 1 ? plan.step1 : plan.step2;
  const model = stepModel(plan, step === 1 ? "step1" : "step2", arch);
  const {counts} = model;
  const name = step === 1 ? "model" : "reward";
  const memory = supervisedMemory({
    step,
    setup: model,
    counts,
    name,
    batch: args.per_device_train_batch_size,
    evalBatch: args.per_device_eval_batch_size,
    seqLen: args.max_seq_len,
    zeroStage: args.zero_stage,
    offload: args.offload,
    gradientCheckpointing: args.gradient_checkpointing,
    dropout: args.dropout,
    attention: options.attention ?? defaultAttention(arch.family, transformersOf(plan, options)),
    worldSize: options.worldSize,
    dtype: args.dtype,
    deepspeedVersion: options.deepspeedVersion ?? plan.versions.deepspeed ?? defaultTargetVersions().deepspeed!
  });
  const residentBytes = sum(memory.resident);
  const phases = memory.phases.map((phase) => ({phase: phase.name, bytes: residentBytes + phase.bytes, terms: phase.terms}));
  // DS-Chat evaluates with the optimizer built, so an evaluation peak above training's fails the run just the same.
  const peak = memory.phases.reduce((best, next) => (next.bytes > best.bytes ? next : best));
  const host = [
    ...offloadHostTerms(name, counts, args.zero_stage, args.offload, options.worldSize, options.gpusPerNode),
    loadingTerm(name, counts.params, args.zero_stage, options.gpusPerNode),
    ...dataCacheTerm(options.trainRows?.[step], args.max_seq_len, step === 2 ? 4 : 2, options.gpusPerNode)
  ];
  return finish(step, [...memory.resident, ...peak.terms], peak.name, host, {[name]: counts}, counts.loraNote ? [counts.loraNote] : [], phases);
}

function step3(plan: Plan, actorArch: ModelArchitecture, criticArch: ModelArchitecture, options: MemoryOptions): StepMemory {
  const a = plan.step3;
  const n = options.worldSize;
  const seqLen = a.max_prompt_seq_len + a.max_answer_seq_len;
  const {vocabRows: actorVocab, counts: actor} = stepModel(plan, "actor", actorArch);
  const {counts: critic} = stepModel(plan, "critic", criticArch);
  const refStage = a.actor_zero_stage === 3 ? 3 : 0;
  const rewardStage = a.critic_zero_stage === 3 ? 3 : 0;
  const frozenActorParams = actor.params - actor.loraParams;
  const frozenCriticParams = critic.params - critic.loraParams;
  const resident: MemoryTerm[] = [
    ...trainedModelStates("actor", actor, {stage: a.actor_zero_stage, offload: a.offload, worldSize: n}),
    frozenModelWeights("ref", frozenActorParams, refStage, a.offload_reference_model, n),
    ...(a.enable_ema ? [frozenModelWeights("ema", frozenActorParams, refStage, a.offload_reference_model, n)] : []),
    ...trainedModelStates("critic", critic, {stage: a.critic_zero_stage, offload: a.offload, worldSize: n}),
    frozenModelWeights("reward", frozenCriticParams, rewardStage, a.offload_reward_model, n)
  ];
  const genBatch = a.per_device_generation_batch_size;
  const trainBatch = a.per_device_training_batch_size;
  const kvBytes = 2 * actorArch.layers * genBatch * seqLen * actorArch.kvHeads * actorArch.headDim * 2;
  // With the hybrid engine's kernels the KV cache lives in their workspace, which outlives generation (#410).
  const kernels = hybridEngineInjectsKernels(plan, actorArch);
  const workspace = kernels ? inferenceWorkspaceTerm(plan, actorArch) : null;
  const kept = workspace && !a.release_inference_cache ? [workspace] : [];
  const generation: MemoryTerm[] = [
    workspace ?? {model: "actor", kind: "kv-cache", bytes: kvBytes, formula: `2 · ${actorArch.layers} layers · b=${genBatch} · ${seqLen} tokens · ${actorArch.kvHeads}×${actorArch.headDim} · 2 B`},
    logitsTerm("experience", genBatch, seqLen, actorVocab, 6)
  ];
  generation[1].formula += " — actor and reference logits + log-softmax, 16-bit, while making experience";
  // Pinned (DS-Chat's default) the hybrid engine gathers every layer at once (gather_all_layers = pin_parameters,
  // runtime/hybrid_engine.py:44, 176-256 @ v0.16.4); --unpin_actor_parameters gathers one layer per forward (_zero3_forward).
  if (a.enable_hybrid_engine && a.actor_zero_stage === 3)
    generation.push(
      a.unpin_actor_parameters
        ? {model: "actor", kind: "hybrid-engine", bytes: 2 * actor.largestLayer, formula: `hybrid engine gathers one layer at a time (--unpin_actor_parameters): 2 B × ${fmt(actor.largestLayer)}`}
        : {model: "actor", kind: "hybrid-engine", bytes: (2 * actor.params) / a.inference_tp_size, formula: `hybrid engine gathers 2 B × ${fmt(actor.params)} / inference_tp_size ${a.inference_tp_size} (all layers at once; --unpin_actor_parameters gathers one at a time)`}
    );
  const actorAttention = options.attention ?? defaultAttention(actorArch.family, transformersOf(plan, options));
  const criticAttention = options.attention ?? defaultAttention(criticArch.family, transformersOf(plan, options));
  const actorTraining = [
    ...kept,
    activationTerm("actor", actorArch, {sequences: trainBatch, seqLen, gradientCheckpointing: a.actor_gradient_checkpointing, attention: actorAttention}),
    logitsTerm("actor", trainBatch, seqLen, actorVocab)
  ];
  // train_rlhf keeps the actor's logits (`actor_prob`, ppo_trainer.py:226) referenced while the critic trains (:236-242).
  const actorLogitsKept = logitsTerm("actor", trainBatch, seqLen, actorVocab, 2);
  actorLogitsKept.formula += " — the actor's 16-bit logits, still referenced while the critic trains (ppo_trainer.py:226-242)";
  const criticTraining = [...kept, activationTerm("critic", criticArch, {sequences: trainBatch, seqLen, gradientCheckpointing: a.critic_gradient_checkpointing, attention: criticAttention}), actorLogitsKept];
  const phases: [string, MemoryTerm[]][] = [
    ["generation", generation],
    ["actor training", actorTraining],
    ["critic training", criticTraining]
  ];
  const [peakPhase, peakTerms] = phases.reduce((best, phase) => (sum(phase[1]) > sum(best[1]) ? phase : best));
  const host = [
    ...offloadHostTerms("actor", actor, a.actor_zero_stage, a.offload, n, options.gpusPerNode),
    ...offloadHostTerms("critic", critic, a.critic_zero_stage, a.offload, n, options.gpusPerNode),
    ...(a.offload_reference_model && refStage === 3 ? [{model: "ref", kind: "weights", bytes: ((2 * frozenActorParams) / n) * options.gpusPerNode, formula: "2 B × actor params / GPUs × GPUs per node"}] : []),
    loadingTerm("actor", actor.params, a.actor_zero_stage, options.gpusPerNode),
    ...dataCacheTerm(options.trainRows?.[3], a.max_prompt_seq_len, 2, options.gpusPerNode)
  ];
  const notes = [actor.loraNote && `actor: ${actor.loraNote}`, critic.loraNote && `critic: ${critic.loraNote}`].filter((note): note is string => Boolean(note));
  return finish(3, [...resident, ...peakTerms], peakPhase, host, {actor, critic}, notes);
}

/** One StepMemory per selected step whose models are known. */
export function estimateMemory(plan: Plan, models: PlanModels, options: MemoryOptions): StepMemory[] {
  const steps: StepMemory[] = [];
  for (const step of plan.steps) {
    if (step === 1 && models.step1) steps.push(supervisedStep(1, plan, models.step1, options));
    if (step === 2 && models.step2) steps.push(supervisedStep(2, plan, models.step2, options));
    if (step === 3 && models.actor && models.critic) steps.push(step3(plan, models.actor, models.critic, options));
  }
  return steps;
}

export function toGiB(bytes: number): number {
  return Math.round((bytes / GiB) * 100) / 100;
}
