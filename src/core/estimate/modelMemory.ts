/**
 * Per-GPU memory of one model in a DS-Chat run, term by term, each with the formula that produced it. Mixed-precision
 * Adam as DeepSpeed runs it: 16-bit weights (2 B/param) and gradients (2 B), and per trainable parameter an fp32 master
 * copy, an fp32 gradient and two fp32 Adam moments (16 B) — 20 B in all, DeepSpeed code's 2Ψ + 18Ψ/N at N = 1.
 * ZeRO shards optimizer states from stage 1, gradients from stage 2, weights at stage 3 (Rajbhandari et al. 2020, "ZeRO", arXiv:1910.02054, §5).
 */
import {familySupport} from "../models/familySupport.js";
import {loraTargets} from "../models/loraTargets.js";
import type {ModelArchitecture} from "../models/modelArchitecture.js";
import {parameterBreakdown} from "../models/modelArchitecture.js";

export const GiB = 2 ** 30;

export interface MemoryTerm {
  /** Which model it belongs to: "model" (steps 1/2), or actor/ref/ema/critic/reward in step 3. */
  model: string;
  /** weights | gradients | optimizer | activations | logits | buffers | kv-cache | hybrid-engine */
  kind: string;
  bytes: number;
  formula: string;
}

export interface ModelCounts {
  /** Parameters after DS-Chat's vocabulary resize (plus the reward head for AutoModel + v_head). */
  params: number;
  loraParams: number;
  trainable: number;
  frozen: number;
  matchedLinears: number;
  largestLayer: number;
  /** Why LoRA does nothing here, if it does nothing. */
  loraNote?: string;
}

export interface ModelSetup {
  arch: ModelArchitecture;
  vocabRows: number;
  /** causalLM = AutoModelForCausalLM (step 1, actor); base = AutoModel + v_head (reward, critic). */
  head: "causalLM" | "base";
  loraDim: number;
  loraModuleName: string;
  onlyOptimizeLora: boolean;
}

/** Parameter counts as DS-Chat builds the model: resized vocab, LoRA wrapping, only_optimize_lora. */
export function modelCounts(setup: ModelSetup): ModelCounts {
  const {arch, vocabRows, head, loraDim, loraModuleName, onlyOptimizeLora} = setup;
  const breakdown = parameterBreakdown(arch, vocabRows);
  const vHead = head === "base" ? (arch.wordEmbedProjDim ?? arch.hiddenSize) : 0;
  const base = head === "base" ? breakdown.total - breakdown.lmHead + vHead : breakdown.total;
  const lora = loraTargets(arch, loraModuleName, loraDim, head);
  const params = base + lora.loraParams;
  // only_optimize_lora keeps v_head trainable in step 2 (force_optimize_params) and only applies when LoRA is on.
  const trainable = loraDim > 0 && onlyOptimizeLora ? lora.loraParams + vHead : params - lora.frozenParams;
  const loraNote =
    loraDim > 0 && lora.matchedLinears === 0
      ? (lora.reason ?? `--lora_module_name "${loraModuleName}" matches no linear of ${arch.id} (its blocks are ${familySupport[arch.family].blockPath[head]}N.*): LoRA does nothing and every parameter trains`)
      : undefined;
  return {params, loraParams: lora.loraParams, trainable, frozen: params - trainable, matchedLinears: lora.matchedLinears, largestLayer: breakdown.largestLayer, ...(loraNote ? {loraNote} : {})};
}

export interface ShardingSetup {
  stage: number;
  /** DS-Chat's --offload: offload_optimizer (stages 1-3) and offload_param (honoured by DeepSpeed at stage 3 only). */
  offload: boolean;
  worldSize: number;
}

/** Resident model states of a trained model: weights, gradients, optimizer states, communication buffers. */
export function trainedModelStates(name: string, counts: ModelCounts, sharding: ShardingSetup): MemoryTerm[] {
  const {stage, offload, worldSize: n} = sharding;
  const paramShard = stage >= 3 ? n : 1;
  const gradShard = stage >= 2 ? n : 1;
  const optimShard = stage >= 1 ? n : 1;
  const offloadParams = offload && stage === 3;
  const offloadOptimizer = offload && stage >= 1;
  const terms: MemoryTerm[] = [
    {
      model: name,
      kind: "weights",
      bytes: offloadParams ? 0 : (2 * counts.params) / paramShard,
      formula: offloadParams ? "offloaded to CPU (ZeRO-3 offload_param)" : `2 B × ${fmt(counts.params)} params${paramShard > 1 ? ` / ${n} GPUs (ZeRO-3)` : ""}`
    },
    {
      model: name,
      kind: "gradients",
      bytes: (2 * counts.trainable) / gradShard,
      formula: `2 B × ${fmt(counts.trainable)} trainable${gradShard > 1 ? ` / ${n} GPUs (ZeRO-${stage})` : ""}`
    },
    {
      model: name,
      kind: "optimizer",
      bytes: offloadOptimizer ? 0 : (16 * counts.trainable) / optimShard,
      formula: offloadOptimizer
        ? "offloaded to CPU (offload_optimizer, DeepSpeedCPUAdam)"
        : `16 B (fp32 master + fp32 grad + Adam m, v) × ${fmt(counts.trainable)} trainable${optimShard > 1 ? ` / ${n} GPUs (ZeRO-${stage})` : ""}`
    }
  ];
  terms.push(communicationBuffers(name, counts, sharding));
  return terms;
}

/**
 * DeepSpeed's defaults (reduce_bucket_size 5e8 elements, 16-bit): stage 1/2 keep gradient buckets (two with DS-Chat's
 * overlap_comm); stage 3 gathers up to stage3_max_live_parameters + prefetch (3e7 each in DS-Chat) plus the largest layer;
 * stage 0 allreduces through one bucket when there is more than one GPU.
 */
function communicationBuffers(name: string, counts: ModelCounts, {stage, worldSize}: ShardingSetup): MemoryTerm {
  const bucket = Math.min(5e8, counts.trainable);
  if (stage === 3) {
    const bytes = 4 * counts.largestLayer + 2 * 2 * 3e7;
    return {model: name, kind: "buffers", bytes, formula: `ZeRO-3 gather: 4 B × largest layer ${fmt(counts.largestLayer)} + 2 B × (3e7 live + 3e7 prefetch)`};
  }
  if (stage >= 1) return {model: name, kind: "buffers", bytes: 2 * 2 * bucket, formula: `2 overlap_comm buckets × 2 B × min(5e8, trainable)`};
  if (worldSize > 1) return {model: name, kind: "buffers", bytes: 2 * bucket, formula: `allreduce bucket 2 B × min(5e8, trainable)`};
  return {model: name, kind: "buffers", bytes: 0, formula: "single GPU without ZeRO: no communication buffers"};
}

/** A frozen model (step 3 reference, EMA, reward): 16-bit weights only. */
export function frozenModelWeights(name: string, params: number, stage: number, offload: boolean, worldSize: number): MemoryTerm {
  if (offload && stage === 3) return {model: name, kind: "weights", bytes: 0, formula: "offloaded to CPU (ZeRO-3 offload_param)"};
  const shard = stage === 3 ? worldSize : 1;
  const ignored = offload ? "; offload is ignored below ZeRO-3, so the weights stay on the GPU" : "";
  return {model: name, kind: "weights", bytes: (2 * params) / shard, formula: `2 B × ${fmt(params)} params${shard > 1 ? ` / ${worldSize} GPUs (ZeRO-3)` : ""}${ignored}`};
}

export interface ActivationSetup {
  /** Sequences per micro-batch (reward models see chosen + rejected: 2 × batch). */
  sequences: number;
  seqLen: number;
  gradientCheckpointing: boolean;
  attention: "eager" | "sdpa";
}

/**
 * Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large Transformer Models", arXiv:2205.05198, §4), per layer, 16-bit: s·b·(11h + 5·a·s + MLP + 4h) with MLP = 3h + 4f for a
 * plain MLP (= 19h at f = 4h, giving the paper's 34h) and 3h + 8f for a gated one; the 5·a·s score term only with eager
 * attention. Gradient checkpointing keeps each layer's 2·s·b·h input plus one layer's full activations for recompute.
 */
export function activationTerm(name: string, arch: ModelArchitecture, setup: ActivationSetup): MemoryTerm {
  const {sequences: b, seqLen: s, gradientCheckpointing, attention} = setup;
  const h = arch.hiddenSize;
  const mlp = 3 * h + (arch.ffnType === "gated" ? 8 : 4) * arch.ffnSize;
  const scores = attention === "eager" ? 5 * arch.heads * s : 0;
  const perLayer = s * b * (11 * h + scores + mlp + 4 * h);
  if (gradientCheckpointing) {
    const bytes = arch.layers * 2 * s * b * h + perLayer;
    return {model: name, kind: "activations", bytes, formula: `checkpointed: ${arch.layers} layers × 2·s·b·h + one layer recomputed (s=${s}, b=${b})`};
  }
  const formula = `${arch.layers} layers × s·b·(11h + ${scores ? "5·a·s + " : ""}MLP + 4h) (s=${s}, b=${b}, ${attention} attention)`;
  return {model: name, kind: "activations", bytes: arch.layers * perLayer, formula};
}

/** Bytes per logit element in training: fp16 logits (2) + the fp32 upcast transformers makes for the loss (4) + its fp32 gradient (4). */
export const TRAINING_LOGIT_BYTES = 10;

export function logitsTerm(name: string, sequences: number, seqLen: number, vocabRows: number, bytesPerElement = TRAINING_LOGIT_BYTES): MemoryTerm {
  return {
    model: name,
    kind: "logits",
    bytes: sequences * seqLen * vocabRows * bytesPerElement,
    formula: `${bytesPerElement} B × b·s·V (b=${sequences}, s=${seqLen}, V=${vocabRows})`
  };
}

export function fmt(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(2)}B`;
  if (count >= 1e6) return `${(count / 1e6).toFixed(1)}M`;
  if (count >= 1e3) return `${(count / 1e3).toFixed(1)}k`;
  return String(Math.round(count));
}
