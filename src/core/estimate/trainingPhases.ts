/**
 * GPU memory of DS-Chat's step 1 (SFT) and step 2 (reward model) per phase of a training step, the way DeepSpeed and
 * transformers allocate it: forward, backward, the optimizer step and evaluation each peak differently, and the step's
 * peak is the largest of them. Written from the code (DeepSpeed v0.18.8, the version the SageMaker training images pin;
 * transformers' modelling files; DS-Chat at 83757d9c) and checked against a real GPU: bench/gpu reproduces the step on an
 * H200 for OPT-125m/350m/1.3b and BLOOMZ-560m (full, LoRA, only_optimize_lora; checkpointing on/off; batch 1–16; ZeRO 0,
 * 1, 2; fp16 and bf16; seq 256–1024) and test/core/estimate-gpu.test.ts holds every measured point within ±10%.
 *
 * Terms, per GPU (Ψ = parameters, T = trainable parameters, N = GPUs, b = micro-batch, s = sequence, V = vocabulary):
 * - resident: 16-bit weights 2Ψ (÷N at ZeRO-3), fp32 master copy + Adam's two moments 12T (÷N from ZeRO-1; on the CPU
 *   with --offload), the previous batch's 16-bit logits 2·b·s·V (DS-Chat keeps `outputs` until the next forward
 *   returns: step1 main.py:361-371), cuBLAS/cuBLASLt workspaces (~70 MiB measured);
 * - forward: activations + the loss's 16-bit logits, fp32 upcast and fp32 log-softmax (10·b·s·V);
 * - backward: the loss gradient adds 2·b·s·V at its start; ZeRO-1/2 add two gradient buckets of reduce_bucket_size
 *   (5e8) 16-bit elements (DS-Chat sets overlap_comm: stage_1_and_2.py setup_buckets); at its end the 16-bit gradients
 *   (2T, ÷N at ZeRO-2) plus, at ZeRO-0, the all-reduce fallback's flattened bucket (2·min(T, 5e8): engine.py
 *   allreduce_no_retain runs even on one GPU);
 * - optimizer step: ZeRO-0's FP16_Optimizer turns each param group's gradients into fp32 copies and their flattened
 *   concatenation (fused_optimizer.py 283-293: 8 B per element of the group, 4 B when the group is one tensor, which
 *   torch flattens as a view), while the 16-bit gradients of later groups wait (2 B); ZeRO-1/2 flatten the partition's
 *   16-bit gradients and cast them to fp32 (6 B per element), and check overflow and the norm with an fp32 copy, masks and
 *   an fp64 copy of one gradient at a time (10 B per element of the largest tensor, measured);
 * - evaluation (DS-Chat evaluates before the first epoch and after each, with the optimizer built): per_device_eval_batch
 *   rows; `model(**batch)` without use_cache=False builds and returns the KV cache, and each eval `outputs` lives until the
 *   next returns, so two logits tensors and two KV caches (12·b·s·V + 2 · 2·layers·b·s·kv·2 B).
 */
import type {ModelArchitecture} from "../models/modelArchitecture.js";
import {blockLinears, parameterBreakdown} from "../models/modelArchitecture.js";
import type {AttentionKernel} from "./activationProfile.js";
import {layerBytesPerToken} from "./activationProfile.js";
import {compareVersions} from "../contract/softwareVersions.js";
import type {MemoryTerm, ModelCounts, ModelSetup} from "./modelMemory.js";
import {fmt, TRAINING_LOGIT_BYTES} from "./modelMemory.js";

/** DeepSpeed's reduce_bucket_size and the all-reduce fallback's MEMORY_OPT_ALLREDUCE_SIZE (elements); DS-Chat sets neither. */
export const REDUCE_BUCKET_ELEMENTS = 5e8;
/** cuBLAS/cuBLASLt workspaces and small buffers that PyTorch's allocator holds: 66–130 MiB measured on an H200 (CUDA 13.0). */
export const LIBRARY_WORKSPACE_BYTES = 70 * 2 ** 20;
/** Overflow check (fp32 copy + masks) and fp64 norm copy of one gradient at a time in the ZeRO-1/2 step, per element. */
const ZERO_STEP_CHECK_BYTES = 10;

export interface TrainingPhase {
  name: "forward" | "backward" | "backward end" | "optimizer step" | "evaluation";
  /** Terms that exist only during this phase (the resident terms come on top). */
  terms: MemoryTerm[];
  bytes: number;
}

export interface OptimizerGroups {
  /** DS-Chat's get_optimizer_grouped_parameters: decay (not LoRA), LoRA (lora_learning_rate), no decay (biases, norms). */
  decay: number;
  lora: number;
  noDecay: number;
  /** The decay group is a single tensor (e.g. BLOOM's word embeddings under LoRA): flattening it is a view. */
  decaySingleTensor: boolean;
  /** Largest trainable tensor. */
  largestTrainable: number;
}

/** The parameter groups DS-Chat hands to the optimizer, from the architecture and the LoRA flags. */
export function optimizerGroups(setup: ModelSetup, counts: ModelCounts): OptimizerGroups {
  const {arch, vocabRows, head, loraDim, onlyOptimizeLora} = setup;
  const breakdown = parameterBreakdown(arch, vocabRows);
  const loraActive = loraDim > 0 && counts.matchedLinears > 0;
  const vHead = head === "base" ? (arch.wordEmbedProjDim ?? arch.hiddenSize) : 0;
  const linears = blockLinears(arch);
  const largestBlockSide = Math.max(...linears.map((l) => Math.max(l.inFeatures, l.outFeatures)));
  if (loraActive && onlyOptimizeLora) {
    // only_optimize_lora_parameters; step 2 forces v_head.weight to train too (force_optimize_params).
    return {decay: vHead, lora: counts.loraParams, noDecay: 0, decaySingleTensor: vHead > 0, largestTrainable: loraDim * largestBlockSide};
  }
  const embeddingMatrix = vocabRows * (arch.wordEmbedProjDim ?? arch.hiddenSize);
  const embeddingNorm = breakdown.embedding - embeddingMatrix;
  const noDecay = breakdown.layers * (breakdown.perLayer - breakdown.perLayerLinearWeights) + embeddingNorm + breakdown.finalNorm;
  const lora = loraActive ? counts.loraParams : 0;
  const decay = counts.trainable - lora - noDecay;
  const wrappedPerLayer = loraActive ? Math.round(counts.matchedLinears / arch.layers) : 0;
  const lmHeadTensors = head === "causalLM" && breakdown.lmHead > 0 ? 1 : 0;
  const decayTensors = 1 + (breakdown.positions > 0 ? 1 : 0) + (breakdown.projections > 0 ? 2 : 0) + lmHeadTensors + (vHead > 0 ? 1 : 0) + arch.layers * (linears.length - wrappedPerLayer);
  const largestLinear = Math.max(...linears.map((l) => l.inFeatures * l.outFeatures));
  return {decay, lora, noDecay, decaySingleTensor: decayTensors === 1, largestTrainable: Math.max(embeddingMatrix, wrappedPerLayer === linears.length ? 0 : largestLinear, breakdown.positions)};
}

export interface SupervisedMemorySetup {
  step: 1 | 2;
  setup: ModelSetup;
  counts: ModelCounts;
  name: string;
  batch: number;
  evalBatch: number;
  seqLen: number;
  zeroStage: number;
  offload: boolean;
  gradientCheckpointing: boolean;
  dropout: number | null;
  attention: AttentionKernel;
  worldSize: number;
  dtype: "fp16" | "bf16";
  /** DeepSpeed before 0.18.0 runs bf16 at ZeRO-0 through BF16_Optimizer (fp32 gradient accumulation). */
  deepspeedVersion: string;
}

/** DeepSpeed < 0.18.0 (engine.py get_data_types, changed by "Enable non-ZeRO mode", #7515): bf16 without ZeRO accumulates gradients in fp32 and wraps the optimizer in BF16_Optimizer. */
export function usesBf16Optimizer(dtype: string, stage: number, deepspeedVersion: string): boolean {
  return dtype === "bf16" && stage === 0 && compareVersions(deepspeedVersion, "0.18.0") < 0;
}

export interface SupervisedMemory {
  resident: MemoryTerm[];
  phases: TrainingPhase[];
  /** The training phase with the highest total (evaluation is reported apart, and counts for fit too). */
  peak: TrainingPhase;
}

const sum = (terms: MemoryTerm[]) => terms.reduce((total, term) => total + term.bytes, 0);
const phase = (name: TrainingPhase["name"], terms: MemoryTerm[]): TrainingPhase => ({name, terms, bytes: sum(terms)});

/** The terms of every phase of a step-1/2 training step (see the module comment). */
export function supervisedMemory(input: SupervisedMemorySetup): SupervisedMemory {
  const {step, setup, counts, name, batch, seqLen, zeroStage: stage, worldSize: n, gradientCheckpointing} = input;
  const {arch, vocabRows} = setup;
  const offloadOptimizer = input.offload && stage >= 1;
  const offloadParams = input.offload && stage === 3;
  const T = counts.trainable;
  const sequences = step === 2 ? 2 * batch : batch;
  const tokens = sequences * seqLen;
  const optimShard = stage >= 1 ? n : 1;
  const gradShard = stage >= 2 ? n : 1;
  const groups = optimizerGroups(setup, counts);
  const bf16Optimizer = usesBf16Optimizer(input.dtype, stage, input.deepspeedVersion);

  const resident: MemoryTerm[] = [
    {model: name, kind: "weights", bytes: offloadParams ? 0 : (2 * counts.params) / (stage === 3 ? n : 1), formula: offloadParams ? "offloaded to CPU (ZeRO-3 offload_param)" : `2 B × ${fmt(counts.params)} params${stage === 3 ? ` / ${n} GPUs (ZeRO-3)` : ""}`},
    {
      model: name,
      kind: "optimizer",
      bytes: offloadOptimizer ? 0 : (12 * T) / optimShard,
      formula: offloadOptimizer ? "offloaded to CPU (offload_optimizer, DeepSpeedCPUAdam)" : `12 B (fp32 master + Adam m, v) × ${fmt(T)} trainable${optimShard > 1 ? ` / ${n} GPUs (ZeRO-${stage})` : ""}`
    },
    {model: name, kind: "workspace", bytes: LIBRARY_WORKSPACE_BYTES, formula: "cuBLAS/cuBLASLt workspaces (~70 MiB measured)"}
  ];
  if (bf16Optimizer) {
    // BF16_Optimizer (bf16_optimizer.py): master weights and Adam partitioned over the data-parallel ranks, but one full
    // fp32 gradient buffer that backward accumulates into (not measured on a GPU: bench/gpu runs DeepSpeed 0.18's path).
    resident[1] = {model: name, kind: "optimizer", bytes: (12 * T) / n, formula: `BF16_Optimizer: 12 B (fp32 master + Adam m, v) × ${fmt(T)} trainable${n > 1 ? ` / ${n} GPUs` : ""}`};
    resident.push({model: name, kind: "gradients", bytes: 4 * T, formula: `BF16_Optimizer's fp32 gradient accumulation buffer: 4 B × ${fmt(T)} trainable (DeepSpeed < 0.18, bf16 without ZeRO)`});
  }
  if (step === 1) resident.push({model: name, kind: "logits", bytes: 2 * tokens * vocabRows, formula: `previous batch's 16-bit logits, kept by DS-Chat's outputs: 2 B × b·s·V (b=${sequences}, s=${seqLen}, V=${vocabRows})`});
  if (stage === 3) resident.push({model: name, kind: "buffers", bytes: 4 * counts.largestLayer + 2 * 2 * 3e7, formula: `ZeRO-3 gather: 4 B × largest layer ${fmt(counts.largestLayer)} + 2 B × (3e7 live + 3e7 prefetch)`});

  const loraLinearsPerLayer = setup.loraDim > 0 && counts.matchedLinears > 0 ? counts.matchedLinears / arch.layers : 0;
  const perLayer = layerBytesPerToken(arch, {seqLen, attention: input.attention, dropout: input.dropout, loraDim: setup.loraDim, loraLinearsPerLayer});
  const activations: MemoryTerm = gradientCheckpointing
    ? {model: name, kind: "activations", bytes: arch.layers * tokens * 2 * arch.hiddenSize, formula: `checkpointed: ${arch.layers} layer inputs × 2·h per token (b=${sequences}, s=${seqLen})`}
    : {model: name, kind: "activations", bytes: arch.layers * tokens * perLayer.bytes, formula: `${arch.layers} layers × b·s × (${perLayer.formula}) (b=${sequences}, s=${seqLen}, ${input.attention} attention)`};
  const logits = (bytesPerElement: number, note: string): MemoryTerm[] =>
    step === 1 ? [{model: name, kind: "logits", bytes: bytesPerElement * tokens * vocabRows, formula: `${bytesPerElement} B × b·s·V ${note}`}] : [];
  const buckets: MemoryTerm[] =
    stage === 1 || stage === 2 ? [{model: name, kind: "buffers", bytes: 2 * 2 * REDUCE_BUCKET_ELEMENTS, formula: "2 overlap_comm gradient buckets × 5e8 × 2 B (reduce_bucket_size)"}] : [];
  const gradients: MemoryTerm = {model: name, kind: "gradients", bytes: (2 * T) / gradShard, formula: `2 B × ${fmt(T)} trainable${gradShard > 1 ? ` / ${n} GPUs (ZeRO-2)` : ""}`};

  const forward = phase("forward", [activations, ...logits(TRAINING_LOGIT_BYTES, "(16-bit logits, fp32 upcast, fp32 log-softmax)")]);
  const backward = phase("backward", [activations, ...logits(TRAINING_LOGIT_BYTES + 2, "(the loss gradient joins the forward's 10 B)"), ...buckets]);
  const backwardEndTerms: MemoryTerm[] = [gradients, ...buckets];
  if (stage === 0) backwardEndTerms.push({model: name, kind: "buffers", bytes: 2 * Math.min(T, REDUCE_BUCKET_ELEMENTS), formula: "all-reduce fallback: one flattened bucket, 2 B × min(T, 5e8)"});
  const backwardEnd = phase("backward end", backwardEndTerms);
  const optimizerStep = phase(
    "optimizer step",
    bf16Optimizer
      ? [{model: name, kind: "optimizer-step", bytes: 2 * T + 4 * groups.largestTrainable, formula: "BF16_Optimizer: 16-bit gradients and one fp32 copy at a time while they are added to the fp32 buffer"}]
      : optimizerStepTerms(name, stage, T, groups, n, offloadOptimizer)
  );

  const evalTerms: MemoryTerm[] = [];
  if (step === 1) {
    const evalTokens = input.evalBatch * seqLen;
    const kvCache = 2 * arch.layers * evalTokens * arch.kvHeads * arch.headDim * 2;
    evalTerms.push(
      {model: name, kind: "logits", bytes: 12 * evalTokens * vocabRows, formula: `evaluation: 12 B × b_eval·s·V (two eval outputs' 16-bit logits, fp32 upcast, log-softmax; b_eval=${input.evalBatch})`},
      {model: name, kind: "kv-cache", bytes: 2 * kvCache, formula: `evaluation builds the KV cache (use_cache defaults on): 2 outputs × 2·${arch.layers}·b_eval·s·${arch.kvHeads}×${arch.headDim} × 2 B`}
    );
  } else {
    evalTerms.push({model: name, kind: "activations", bytes: 2 * input.evalBatch * seqLen * 6 * arch.hiddenSize, formula: "evaluation: one layer's transient tensors for chosen + rejected (no grad, no logits)"});
  }
  const evaluation = phase("evaluation", evalTerms);
  const training = [forward, backward, backwardEnd, optimizerStep];
  const peak = training.reduce((best, next) => (next.bytes > best.bytes ? next : best));
  return {resident, phases: [...training, evaluation], peak};
}

function optimizerStepTerms(name: string, stage: number, T: number, groups: OptimizerGroups, n: number, offloadOptimizer: boolean): MemoryTerm[] {
  if (offloadOptimizer) return [{model: name, kind: "gradients", bytes: (2 * T) / (stage >= 2 ? n : 1), formula: "16-bit gradients until DeepSpeedCPUAdam has copied them to the CPU"}];
  const sizes = [groups.decay, groups.lora, groups.noDecay].filter((size) => size > 0);
  if (stage === 0) {
    // FP16_Optimizer.step: group k flattens fp32 copies (8 B/elt; 4 B when the group is one tensor) while the 16-bit
    // gradients of group k and the groups after it still exist (2 B) and the fp32 flats of the groups before it stay (4 B).
    let bytes = 0;
    sizes.forEach((size, k) => {
      const single = k === 0 && groups.decay > 0 && groups.decaySingleTensor;
      const later = sizes.slice(k).reduce((a, b) => a + b, 0);
      const earlier = sizes.slice(0, k).reduce((a, b) => a + b, 0);
      bytes = Math.max(bytes, 2 * later + 4 * earlier + (single ? 4 : 8) * size);
    });
    return [{model: name, kind: "optimizer-step", bytes, formula: "FP16_Optimizer.step: per param group 16-bit gradients → fp32 copies → one flat fp32 gradient (DeepSpeed fused_optimizer.py)"}];
  }
  const shard = stage >= 2 ? n : 1;
  let flatten = 0;
  sizes.forEach((size, k) => {
    const later = sizes.slice(k).reduce((a, b) => a + b, 0);
    flatten = Math.max(flatten, (2 * later) / shard + (6 * size) / n);
  });
  const check = (2 * T) / shard + ZERO_STEP_CHECK_BYTES * Math.min(groups.largestTrainable, T / n);
  return [{model: name, kind: "optimizer-step", bytes: Math.max(flatten, check), formula: "ZeRO step: the partition's 16-bit gradients flattened and cast to fp32 (6 B/elt), or the overflow/norm copies of the largest gradient (10 B/elt)"}];
}
