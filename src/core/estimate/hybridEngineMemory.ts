/**
 * The step-3 memory the hybrid engine adds for the actor's generation: the inference kernels' one workspace, which the
 * studio's first step-3 model left out (DeepSpeedExamples #410). DeepSpeed allocates it on the first forward of layer 0
 * (deepspeed/model_implementations/transformers/ds_transformer.py:96-104 @ v0.19.5) with cudaMalloc, outside PyTorch's
 * allocator, sized by `InferenceContext::GenWorkSpace` (csrc/transformer/inference/includes/inference_context.h:98-157
 * @ v0.19.5; the same terms at v0.9.1) for the batch it sees, and frees it only with `release_inference_cache`
 * (runtime/hybrid_engine.py:265-266), which DS-Chat leaves off by default (step3 main.py:217-222 → ds_utils.py:18, 66).
 * So unless `--release_inference_cache`, it stays allocated under experience making, actor training and critic training.
 * Isomorphic: no Node or DOM imports.
 */
import {injectsHybridEngineKernels} from "../models/familySupport.js";
import type {ModelArchitecture} from "../models/modelArchitecture.js";
import type {Plan} from "../plan/normalizePlan.js";
import type {MemoryTerm} from "./modelMemory.js";

/** Whether DeepSpeed's hybrid engine injects inference kernels (and so a workspace) for this actor at the plan's DeepSpeed. */
export function hybridEngineInjectsKernels(plan: Plan, actor: ModelArchitecture): boolean {
  return plan.step3.enable_hybrid_engine && injectsHybridEngineKernels(actor.family, plan.versions.deepspeed);
}

/**
 * The sequences one generate call sees per GPU: with ZeRO-3 and inference_tp_size > 1 the hybrid engine all-gathers the
 * prompts of its tensor-parallel group first (hybrid_engine.py:210-217 @ v0.19.5: `input_shape[0] * inference_tp_size`).
 */
export function generationSequences(plan: Plan): number {
  const a = plan.step3;
  const gathered = a.enable_hybrid_engine && a.actor_zero_stage === 3 && a.inference_tp_size > 1;
  return a.per_device_generation_batch_size * (gathered ? a.inference_tp_size : 1);
}

/**
 * GenWorkSpace: (activation + temp + cache) × max_out_tokens × 2 B, with activation = 10·heads·head'·b, temp =
 * b·(heads/mp)·T, cache = layers·b·(heads·head'/mp)·2 (none for BLOOM, whose kernels keep an external cache), head' the
 * head size padded to 32/64/128 for flash attention, mp = inference_tp_size and T = max_out_tokens = prompt + answer
 * (rlhf_engine.py:76-77; hybrid_engine.py:93-94 sets min_out_tokens to the same, so the workspace is never smaller).
 */
export function inferenceWorkspaceTerm(plan: Plan, actor: ModelArchitecture): MemoryTerm {
  const a = plan.step3;
  const b = generationSequences(plan);
  const mp = a.inference_tp_size;
  const tokens = a.max_prompt_seq_len + a.max_answer_seq_len;
  const headSize = actor.hiddenSize / actor.heads;
  const paddedHead = headSize <= 32 ? 32 : headSize <= 64 ? 64 : 128;
  const effectiveHead = headSize > 128 ? headSize : paddedHead;
  const activation = 10 * actor.heads * effectiveHead * b;
  const temp = b * (actor.heads / mp) * tokens;
  const externalCache = actor.family === "bloom";
  const cache = externalCache ? 0 : actor.layers * b * ((actor.heads * effectiveHead) / mp) * 2;
  const bytes = (activation + temp + cache) * tokens * 2;
  const batch = b === a.per_device_generation_batch_size ? `b=${b}` : `b=${a.per_device_generation_batch_size}×tp ${mp}=${b} (prompts all-gathered)`;
  return {
    model: "actor",
    kind: "inference-workspace",
    bytes,
    formula:
      `hybrid-engine workspace (${(bytes / 2 ** 30).toFixed(2)} GiB): (10·${actor.heads}·${effectiveHead}·b + b·${actor.heads}/${mp}·T${externalCache ? "" : ` + ${actor.layers}·b·${actor.heads}·${effectiveHead}/${mp}·2`}) × T × 2 B, ${batch}, T=${tokens}` +
      (a.release_inference_cache ? "; released after each generation (--release_inference_cache)" : "; kept for the whole run (no --release_inference_cache)")
  };
}
