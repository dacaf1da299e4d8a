/**
 * The failure classes of DeepSpeedExamples' DS-Chat issues (issue 16), each planned with the flags its issues report
 * (cited per test) and checked for the finding that names the cause, the issues and the fix; each with a counter-example
 * that must stay silent. DS-Chat's code is cited at commit 83757d9c, DeepSpeed's at the tag named.
 */
import assert from "node:assert/strict";
import {describe, it} from "node:test";
import {estimateMemory, toGiB} from "../../src/core/estimate/estimateMemory.js";
import {lint} from "../../src/core/lint/lint.js";
import type {PlanFacts} from "../../src/core/lint/lintContext.js";
import {knownFailuresFor} from "../../src/core/models/familySupport.js";
import {requireModel} from "../../src/core/models/findModel.js";
import {resizedVocab} from "../../src/core/models/modelArchitecture.js";
import {normalizePlan} from "../../src/core/plan/normalizePlan.js";
import {planModels} from "../../src/core/plan/planModels.js";
import {compareVersions, defaultTargetVersions, DSCHAT_COMMIT, inRange, normalizeVersions, transformersAtLeast} from "../../src/core/plan/targetVersions.js";
import {planReport, type PlanFinding, type PlanReportOptions} from "../../src/core/report/planReport.js";

/** DeepSpeed 0.16.4 with transformers 4.48.3, what DeepSpeed's DS-Chat CI runs: no version-gated class applies. */
const CI = {deepspeed: "0.16.4", transformers: "4.48.3", torch: "2.5.1"};
/**
 * What the out-of-memory reports of April–June 2023 ran (#271, #386, #368, #410, #551 cite DeepSpeed 0.9.x): DS-Chat then
 * asked for transformers ≥ 4.28, whose OPT has eager attention only (SDPA came with 4.46, huggingface/transformers#33298),
 * so the s×s attention scores were part of every one of those runs' memory.
 */
const ERA_2023 = {deepspeed: "0.9.5", transformers: "4.30.2", torch: "2.0.1"};

function findings(spec: Record<string, unknown>, options: PlanReportOptions = {}): PlanFinding[] {
  return planReport(normalizePlan({versions: CI, ...spec}), options).lint;
}
const rules = (list: PlanFinding[]) => list.map((finding) => `${finding.severity}:${finding.rule}`);
const find = (list: PlanFinding[], rule: string) => list.find((finding) => finding.rule === rule);
const has = (list: PlanFinding[], rule: string) => list.some((finding) => finding.rule === rule);

describe("K1 does not fit (#551, #279, #271, #380, #386, #378, #410)", () => {
  // #551/#279: DS-Chat's own step1 single_gpu/run_1.3b.sh (batch 16 by default, seq 512, --gradient_accumulation_steps 8,
  // --lora_dim 128, ZeRO 0) on one A100-40G.
  const run13b = {steps: [1], step1: {model_name_or_path: "facebook/opt-1.3b", gradient_accumulation_steps: 8, lora_dim: 128, zero_stage: 0}};

  it("#551: an error that names the peak, the largest batch that fits and the cheapest change that fits", () => {
    const list = findings({...run13b, infrastructure: {instance_type: "1xA100-40GB"}, versions: ERA_2023});
    const finding = find(list, "does-not-fit")!;
    assert.equal(finding.severity, "error");
    assert.equal(finding.field, "step1.per_device_train_batch_size");
    assert.match(finding.message, /step 1 needs about [\d.]+ GiB per GPU at its peak \((?:forward|backward|backward end|optimizer step|evaluation): .*\) and A100-40GB has 40 GiB.*#551, #279, #271, #380, #386, #378, #410/);
    const largest = Number(/the largest per-device batch that fits is (\d+)/.exec(finding.message)?.[1]);
    assert.ok(largest > 0 && largest < 16, `largest batch ${largest}`);
    assert.match(finding.fix, /^--gradient_checkpointing: estimate [\d.]+ GiB/, "recompute is the first lever");
    // The README's machine for this script: a single A6000-48G.
    assert.equal(has(findings({...run13b, infrastructure: {instance_type: "1xA6000"}, versions: ERA_2023}), "does-not-fit"), false);
  });

  it("#271: 8×V100-16G, batch 8, LoRA 128 with --only_optimize_lora, ZeRO 0", () => {
    const list = findings({steps: [1], step1: {model_name_or_path: "facebook/opt-1.3b", per_device_train_batch_size: 8, lora_dim: 128, only_optimize_lora: true, zero_stage: 0}, infrastructure: {instance_type: "ml.p3.16xlarge"}, versions: ERA_2023});
    assert.equal(find(list, "does-not-fit")?.severity, "error");
  });

  it("#386: 8×V100-32G, LoRA 128 only, without gradient checkpointing; with it, none", () => {
    const step1 = {model_name_or_path: "facebook/opt-1.3b", lora_dim: 128, only_optimize_lora: true, zero_stage: 0};
    const without = findings({steps: [1], step1, infrastructure: {instance_type: "ml.p3dn.24xlarge"}, versions: ERA_2023});
    assert.match(find(without, "does-not-fit")!.fix, /^--gradient_checkpointing/);
    assert.equal(has(findings({steps: [1], step1: {...step1, gradient_checkpointing: true}, infrastructure: {instance_type: "ml.p3dn.24xlarge"}, versions: ERA_2023}), "does-not-fit"), false);
  });

  it("#368: opt-13b + opt-350m, ZeRO-3, hybrid engine, batch 1: out of memory on 8×A100-40G, fits 8×A100-80G", () => {
    const step3 = {actor_model_name_or_path: "facebook/opt-13b", critic_model_name_or_path: "facebook/opt-350m", actor_zero_stage: 3, critic_zero_stage: 3, enable_hybrid_engine: true, per_device_generation_batch_size: 1, per_device_training_batch_size: 1, actor_gradient_checkpointing: true, critic_gradient_checkpointing: true, offload_reference_model: true, seed: 1234};
    const small = findings({steps: [3], step3, infrastructure: {instance_type: "ml.p4d.24xlarge"}, versions: ERA_2023});
    assert.equal(find(small, "does-not-fit")?.severity, "error");
    // The fix names the first change, in cost order, whose estimate fits; DS-Chat's own lever --unpin_actor_parameters
    // ("requires less memory", step3 main.py:211-216) lowers the estimate too.
    assert.match(find(small, "does-not-fit")!.fix, /^--[a-z_]+.*: estimate [\d.]+ GiB \(the first change, in cost order, whose estimate fits\)/);
    const peak = (extra: Record<string, unknown>) => planReport(normalizePlan({steps: [3], step3: {...step3, ...extra}, infrastructure: {instance_type: "ml.p4d.24xlarge"}, versions: ERA_2023})).memory.steps[0].reserved_gib;
    assert.ok(peak({unpin_actor_parameters: true}) < peak({}), "unpinning gathers one layer at a time");
    assert.equal(has(findings({steps: [3], step3, infrastructure: {instance_type: "ml.p4de.24xlarge"}, versions: ERA_2023}), "does-not-fit"), false);
  });
});

describe("K1 #410: the step-3 term the estimate missed — the hybrid engine's inference workspace", () => {
  // #410: opt-13b actor, opt-350m critic, per-device generation and training batch 32, 256 + 256 tokens, hybrid engine
  // with --inference_tp_size 2, actor ZeRO-3 with checkpointing and LoRA 128 (step3 run_13b.sh of April 2023), 8×A100-80G.
  const step3 = (batch: number, extra: Record<string, unknown> = {}) => ({
    actor_model_name_or_path: "facebook/opt-13b", critic_model_name_or_path: "facebook/opt-350m", actor_zero_stage: 3, critic_zero_stage: 3, enable_hybrid_engine: true, inference_tp_size: 2,
    per_device_generation_batch_size: batch, per_device_training_batch_size: batch, actor_gradient_checkpointing: true, actor_lora_dim: 128, actor_lora_module_name: "decoder.layers.", seed: 1234, ...extra
  });
  const memory = (spec: Record<string, unknown>) => {
    const plan = normalizePlan({steps: [3], step3: spec, versions: ERA_2023});
    return estimateMemory(plan, planModels(plan), {worldSize: 8, gpusPerNode: 8})[0];
  };

  it("sizes the workspace from DeepSpeed's GenWorkSpace for the all-gathered batch, and keeps it through training", () => {
    const m = memory(step3(32));
    const workspace = m.terms.find((term) => term.kind === "inference-workspace")!;
    // inference_context.h:119-139 @ v0.19.5, b' = 32 × tp 2 = 64 (hybrid_engine.py:210-217), T = 512, h = 5120, 40 heads of
    // 128, 40 layers, mp 2: (10·40·128·64 + 64·20·512 + 40·64·2560·2) × 512 × 2 B.
    assert.equal(workspace.bytes, (10 * 40 * 128 * 64 + 64 * 20 * 512 + 40 * 64 * 2560 * 2) * 512 * 2);
    assert.equal(toGiB(workspace.bytes), 16.25);
    // release_inference_cache is off by default (step3 main.py:217-222), so it sits under critic training, now the peak.
    assert.equal(m.peakPhase, "critic training");
    assert.ok(m.terms.some((term) => term.kind === "logits" && /ppo_trainer\.py:226-242/.test(term.formula)), "the actor's logits live on while the critic trains");
    // Up from 44 GiB (generation peak) before the term; still under 80 GiB: the OOM of #410 is not reproduced from code.
    assert.ok(m.reservedBytes / 2 ** 30 > 55 && m.reservedBytes / 2 ** 30 < 80, `${toGiB(m.reservedBytes)} GiB`);
    const released = memory(step3(32, {release_inference_cache: true}));
    // --release_inference_cache frees it after each generation: generation is the peak again, 10+ GiB lower.
    assert.equal(released.peakPhase, "generation");
    assert.ok(released.reservedBytes < m.reservedBytes - 10 * 2 ** 30, `${toGiB(released.reservedBytes)} GiB`);
  });

  it("at batch 16 the same run fits 8×A100-40G, as DS-Chat's README says of run_13b.sh (README.md:162)", () => {
    assert.ok(memory(step3(16)).reservedBytes <= 40 * 2 ** 30);
  });

  it("the #410 flags hit #628 first at this commit: tensor parallelism with the hybrid engine and ZeRO-3", () => {
    assert.ok(has(findings({steps: [3], step3: step3(32), infrastructure: {instance_type: "ml.p4de.24xlarge"}}), "hybrid-engine-tp-zero3"));
  });
});

describe("K2 hybrid engine + actor LoRA, DeepSpeed 0.9.3–0.9.5 (#587, #650, #622, #602, #643)", () => {
  // #602/#622: run_13b.sh of mid-2023: opt-13b/opt-350m, ZeRO 3/3, hybrid engine, batch 16, --actor_lora_dim 128
  // --actor_lora_module_name decoder.layers.; #650 reports DeepSpeed 0.9.5. Here without tensor parallelism (#628).
  const step3 = {actor_model_name_or_path: "facebook/opt-13b", critic_model_name_or_path: "facebook/opt-350m", actor_zero_stage: 3, critic_zero_stage: 3, enable_hybrid_engine: true, per_device_generation_batch_size: 16, per_device_training_batch_size: 16, actor_gradient_checkpointing: true, actor_lora_dim: 128, actor_lora_module_name: "decoder.layers.", seed: 1234};
  const at = (deepspeed: string | null, extra: Record<string, unknown> = {}) => findings({steps: [3], step3: {...step3, ...extra}, infrastructure: {instance_type: "ml.p4de.24xlarge"}, versions: {...CI, deepspeed}});

  it("fires as an error on DeepSpeed 0.9.5, saying which version it judged", () => {
    const finding = find(at("0.9.5"), "hybrid-engine-lora-fuse")!;
    assert.equal(finding.severity, "error");
    assert.match(finding.message, /DeepSpeed 0\.9\.5 \(plan versions\) is 0\.9\.3 up to \(not including\) 0\.10\.0.*#587, #650, #622, #602, #643/);
    assert.match(finding.fix, /DeepSpeed 0\.10\.0 or newer/);
  });

  it("not on 0.10.0 (DeepSpeed PR #3563), not on 0.9.2, not without LoRA; informs when the version is unknown", () => {
    assert.equal(has(at("0.10.0"), "hybrid-engine-lora-fuse"), false);
    assert.equal(has(at("0.9.2"), "hybrid-engine-lora-fuse"), false);
    assert.equal(has(at("0.9.5", {actor_lora_dim: 0}), "hybrid-engine-lora-fuse"), false);
    const unknown = find(at(null), "hybrid-engine-lora-fuse")!;
    assert.equal(unknown.severity, "info");
    assert.match(unknown.message, /applies if DeepSpeed is 0\.9\.3 up to/);
  });
});

describe("K3 DS-Chat's data cache across nodes (#437, #430, #558, #787, #822)", () => {
  // #822: multi-node step 1 with a Hub dataset; #558: --data_output_path ./data_files_arxiv (relative, shared).
  const step1 = (dataOutputPath: string) => ({model_name_or_path: "facebook/opt-125m", data_path: ["Dahoas/rm-static"], data_output_path: dataOutputPath});
  const on = (nodes: number, path: string) => findings({steps: [1], step1: step1(path), infrastructure: {instance_type: "ml.p4d.24xlarge", instance_count: nodes}});

  it("warns when several nodes share the cache path (every node's local rank 0 writes it, data_utils.py:300)", () => {
    for (const path of ["/fsx/data_files", "./data_files_arxiv"]) {
      const finding = find(on(2, path), "data-cache-shared-multinode")!;
      assert.equal(finding.severity, "warning");
      assert.match(finding.message, /local rank 0 of every node \(data_utils\.py:300\).*#437, #430, #558, #787, #822/);
    }
    assert.equal(has(on(2, "/tmp/data_files"), "data-cache-shared-multinode"), false, "node-local /tmp (SageMaker)");
    assert.equal(has(on(1, "/fsx/data_files"), "data-cache-shared-multinode"), false, "one node");
  });

  it("says the cache key ignores the files' contents and --add_eot_token (data_utils.py:285-293)", () => {
    const local = findings({steps: [1], step1: {model_name_or_path: "facebook/opt-125m", data_path: ["local/jsonfile"]}});
    assert.match(find(local, "data-cache-stale-key")!.message, /data_utils\.py:285-293/);
    assert.equal(has(findings({steps: [1], step1: {model_name_or_path: "facebook/opt-125m"}}), "data-cache-stale-key"), false, "Hub data, no --add_eot_token");
  });
});

describe("K4 fp16 overflow (#531, #419, #418, #444, #307, #617, #338)", () => {
  // #418: step 2 bigscience/bloomz-560m, ZeRO 3, batch 8, lr 1e-10, num_padding_at_beginning 1 (fp16 by default).
  const step2 = {model_name_or_path: "bigscience/bloomz-560m", zero_stage: 3, per_device_train_batch_size: 8, learning_rate: 1e-10, num_padding_at_beginning: 1};

  it("#418/#338: a BLOOM reward model in fp16 on a GPU with bf16 is a warning; bf16 clears it; a V100 only informs", () => {
    const finding = find(findings({steps: [2], step2, infrastructure: {instance_type: "1xA100-80GB"}}), "fp16-overflow-risk")!;
    assert.equal(finding.severity, "warning");
    assert.match(finding.message, /Current loss scale already at minimum/);
    assert.match(finding.fix, /--dtype bf16 \(A100-80GB computes in bf16/);
    assert.equal(has(findings({steps: [2], step2: {...step2, dtype: "bf16"}, infrastructure: {instance_type: "1xA100-80GB"}}), "fp16-overflow-risk"), false);
    assert.equal(find(findings({steps: [2], step2, infrastructure: {instance_type: "ml.p3.2xlarge"}}), "fp16-overflow-risk")?.severity, "info");
  });

  it("#531: gpt-j-6b step 1 with batch 1, no accumulation, lr 1e-3", () => {
    const step1 = {model_name_or_path: "EleutherAI/gpt-j-6b", per_device_train_batch_size: 1, gradient_accumulation_steps: 1, max_seq_len: 128, learning_rate: 1e-3, gradient_checkpointing: true, zero_stage: 3};
    assert.equal(find(findings({steps: [1], step1, infrastructure: {instance_type: "1xA100-80GB"}}), "fp16-overflow-risk")?.severity, "warning");
    assert.equal(has(findings({steps: [1], step1: {...step1, learning_rate: 9.65e-6}, infrastructure: {instance_type: "1xA100-80GB"}}), "fp16-overflow-risk"), false);
  });
});

describe("K5 actor and critic of different vocabularies (#276, #577, #512, #358, #329)", () => {
  const step3 = (actor: string, critic: string) => ({steps: [3], step3: {actor_model_name_or_path: actor, critic_model_name_or_path: critic, seed: 1234}, infrastructure: {instance_type: "ml.p4de.24xlarge"}});

  it("#512: a Llama-2 actor with an OPT-350m critic: one tokenizer, the actor's, and a silently dropped size mismatch", () => {
    const finding = find(findings(step3("meta-llama/Llama-2-7b-hf", "facebook/opt-350m")), "critic-vocabulary-mismatch")!;
    assert.equal(finding.severity, "error");
    // Llama-2: 32000 + DS-Chat's [PAD] → 32008 rows; OPT: 50265 → 50272 (model_utils.py:111-113).
    assert.equal(resizedVocab(requireModel("meta-llama/Llama-2-7b-hf")), 32008);
    assert.match(finding.message, /\(32008 embedding rows against the critic checkpoint's 50272\).*utils\.py:166-206.*#276, #577, #512, #358, #329/);
  });

  it("#577: a GPT-J actor with a GPT-2 critic; none for OPT + OPT or Llama-2 + Llama-2", () => {
    assert.ok(has(findings(step3("EleutherAI/gpt-j-6b", "gpt2")), "critic-vocabulary-mismatch"));
    assert.equal(has(findings(step3("facebook/opt-1.3b", "facebook/opt-350m")), "critic-vocabulary-mismatch"), false);
    assert.equal(has(findings(step3("meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-hf")), "critic-vocabulary-mismatch"), false);
  });
});

describe("K6 the hybrid engine by actor family and DeepSpeed version (#373, #451, #907, #503)", () => {
  const step3 = (actor: string, critic: string, extra: Record<string, unknown> = {}) => ({actor_model_name_or_path: actor, critic_model_name_or_path: critic, enable_hybrid_engine: true, seed: 1234, ...extra});
  const at = (deepspeed: string, spec: Record<string, unknown>) => findings({steps: [3], step3: spec, infrastructure: {instance_type: "ml.p4de.24xlarge"}, versions: {...CI, deepspeed}});

  it("#373: a Llama actor with the hybrid engine on DeepSpeed 0.9.1 crashes (no Llama container before 0.9.3)", () => {
    const finding = find(at("0.9.1", step3("meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-hf", {actor_zero_stage: 3, critic_zero_stage: 3})), "hybrid-engine-family")!;
    assert.equal(finding.severity, "error");
    assert.match(finding.message, /#373/);
  });

  it("DeepSpeed #3518: a BLOOMZ actor on DeepSpeed 0.9.2 crashes; 0.11.0 (PR #4338) runs it", () => {
    const spec = step3("bigscience/bloomz-1b7", "bigscience/bloom-560m", {actor_zero_stage: 2, critic_zero_stage: 2});
    assert.equal(find(at("0.9.2", spec), "hybrid-engine-family")?.severity, "error");
    assert.equal(has(at("0.11.0", spec), "hybrid-engine-family"), false);
  });

  it("GPT-2 has an inference policy but no hybrid-engine container: deepspeed.initialize fails from 0.9.3 on", () => {
    assert.match(find(at("0.16.4", step3("gpt2-large", "gpt2")), "hybrid-engine-family")!.message, /'DS_GPT2Container' object has no attribute 'set_params_wo_copy'/);
  });

  it("applies to the actor only: the critic never gets the hybrid engine (rlhf_engine.py:193-199)", () => {
    // A Qwen2 or Llama critic used to raise qwen2-hybrid-engine / llama-hybrid-engine-z3 errors.
    for (const critic of ["Qwen/Qwen2.5-0.5B", "meta-llama/Llama-2-7b-hf"]) {
      const list = at("0.16.4", step3("facebook/opt-1.3b", critic, {actor_zero_stage: 3, critic_zero_stage: 3}));
      assert.equal(list.some((f) => f.rule.includes("hybrid-engine")), false, critic);
    }
  });

  it("DeepSpeed 0.18.9–0.19.5 cannot initialise the hybrid engine under ZeRO-3 for any family (DeepSpeed PR #8270)", () => {
    const spec = step3("facebook/opt-1.3b", "facebook/opt-350m", {actor_zero_stage: 3, critic_zero_stage: 3});
    assert.equal(find(at("0.19.5", spec), "hybrid-engine-zero3-deepspeed")?.severity, "error");
    assert.equal(has(at("0.18.8", spec), "hybrid-engine-zero3-deepspeed"), false);
    assert.equal(has(at("0.19.5", {...spec, actor_zero_stage: 2}), "hybrid-engine-zero3-deepspeed"), false);
  });
});

describe("K7–K11 ZeRO-3 in step 3", () => {
  it("K7 #591: ZeRO-3 actor and critic with --offload on DeepSpeed 0.9.5: 'still have inflight params'; fixed in 0.15.3", () => {
    // #591 (= DeepSpeed #3724): chinese_bloom_7b actor, bloom-560m critic, ZeRO 3/3, offload, batch 8/8, 256+256, GA 16.
    const step3 = {actor_model_name_or_path: "bigscience/bloom-7b1", critic_model_name_or_path: "bigscience/bloom-560m", actor_zero_stage: 3, critic_zero_stage: 3, offload: true, per_device_generation_batch_size: 8, per_device_training_batch_size: 8, gradient_accumulation_steps: 16, num_padding_at_beginning: 1, seed: 1234};
    const at = (deepspeed: string, extra = {}) => findings({steps: [3], step3: {...step3, ...extra}, infrastructure: {instance_type: "ml.p4de.24xlarge"}, versions: {...CI, deepspeed}});
    assert.match(find(at("0.9.5"), "zero3-inflight-params")!.message, /still have inflight params.*#591, #700/);
    assert.equal(has(at("0.16.4"), "zero3-inflight-params"), false);
    assert.equal(has(at("0.9.5", {actor_zero_stage: 2, critic_zero_stage: 2}), "zero3-inflight-params"), false);
  });

  it("K8 DeepSpeed #4533: actor ZeRO-3 with --generation_batches 2: the ds_status assertion (#704, #707)", () => {
    const step3 = {actor_model_name_or_path: "facebook/opt-1.3b", critic_model_name_or_path: "facebook/opt-350m", actor_zero_stage: 3, critic_zero_stage: 3, enable_hybrid_engine: true, generation_batches: 2, seed: 1234};
    assert.match(find(findings({steps: [3], step3, infrastructure: {instance_type: "ml.p4de.24xlarge"}}), "zero3-param-not-available")!.message, /ZeroParamStatus\.AVAILABLE.*#704, #707/);
    assert.equal(has(findings({steps: [3], step3: {...step3, actor_zero_stage: 2}, infrastructure: {instance_type: "ml.p4de.24xlarge"}}), "zero3-param-not-available"), false);
  });

  it("K9 #906: a 2-node step 1 waits in a barrier while each node builds the cache (#842 is fixed here by synced_gpus)", () => {
    // #906: step 1, 2 nodes × 4 GPUs, Llama-2-7b, ZeRO 3, gradient checkpointing, Hub data.
    const step1 = {model_name_or_path: "meta-llama/Llama-2-7b-hf", zero_stage: 3, gradient_checkpointing: true, data_path: ["Dahoas/rm-static"]};
    const finding = find(findings({steps: [1], step1, infrastructure: {instance_type: "ml.p4de.24xlarge", instance_count: 2, gpus_per_node: 4}}), "multinode-first-run-barrier")!;
    assert.equal(finding.severity, "info");
    assert.match(finding.message, /#906.*#842 is fixed at this commit by synced_gpus, ppo_trainer\.py:92/);
  });

  it("K10 #628: run_13b.sh's --inference_tp_size 2 with the hybrid engine and ZeRO-3 fails on every version", () => {
    const step3 = {actor_model_name_or_path: "facebook/opt-13b", critic_model_name_or_path: "facebook/opt-350m", actor_zero_stage: 3, critic_zero_stage: 3, enable_hybrid_engine: true, inference_tp_size: 2, per_device_generation_batch_size: 4, per_device_training_batch_size: 4, seed: 1234};
    const on = (extra = {}) => findings({steps: [3], step3: {...step3, ...extra}, infrastructure: {instance_type: "ml.p4de.24xlarge"}});
    assert.equal(find(on(), "hybrid-engine-tp-zero3")?.field, "step3.inference_tp_size");
    assert.equal(has(on({inference_tp_size: 1}), "hybrid-engine-tp-zero3"), false);
    assert.equal(has(on({enable_hybrid_engine: false}), "hybrid-engine-tp-zero3"), false);
  });

  it("K11 #764: ZeRO-3 generation without the hybrid engine, with the time estimate's figures", () => {
    // #764: ZeRO-3 on 2 GPUs (A800); here opt-6.7b on 2 A100-80G, with the rows of one epoch known.
    const step3 = {actor_model_name_or_path: "facebook/opt-6.7b", critic_model_name_or_path: "facebook/opt-350m", actor_zero_stage: 3, critic_zero_stage: 3, seed: 1234};
    const list = findings({steps: [3], step3, infrastructure: {instance_type: "ml.p4de.24xlarge", gpus_per_node: 2}}, {time: {rows: {3: 40_000}}});
    const finding = find(list, "zero3-generation-without-hybrid-engine")!;
    assert.equal(finding.severity, "warning");
    const [perToken, withEngine] = [...finding.message.matchAll(/about ([\d.]+) (ms|s) per token against ([\d.]+) (ms|s)/g)][0].slice(1);
    assert.ok(perToken && withEngine);
    const ratio = Number(/\(([\d.]+)× slower/.exec(finding.message)?.[1]);
    assert.ok(ratio > 5, `${ratio}× slower`);
    assert.match(finding.message, /h of generation per epoch against [\d.]+ h.*#764/);
    assert.equal(has(findings({steps: [3], step3: {...step3, enable_hybrid_engine: true}, infrastructure: {instance_type: "ml.p4de.24xlarge"}}), "zero3-generation-without-hybrid-engine"), false);
  });
});

describe("K12 the critic checkpoint layout (#282)", () => {
  const step3 = (critic: string) => ({steps: [3], step3: {actor_model_name_or_path: "facebook/opt-6.7b", critic_model_name_or_path: critic, seed: 1234}, infrastructure: {instance_type: "ml.p4de.24xlarge"}});

  it("#282: a local critic without pytorch_model.bin (sharded or safetensors) fails create_critic_model's assert", () => {
    const localModels = {"./output/critic-6.7b": {files: ["config.json", "pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin", "pytorch_model.bin.index.json"], nameOrPath: "facebook/opt-6.7b"}};
    const finding = find(findings(step3("./output/critic-6.7b"), {models: {critic: requireModel("facebook/opt-6.7b")}, localModels}), "critic-checkpoint-layout")!;
    assert.equal(finding.severity, "error");
    assert.match(finding.message, /model_utils\.py:149-152.*#282/);
    const saved = {"./output/critic": {files: ["config.json", "pytorch_model.bin", "vocab.json"], nameOrPath: "facebook/opt-350m"}};
    assert.equal(findings(step3("./output/critic"), {models: {critic: requireModel("facebook/opt-350m")}, localModels: saved}).some((f) => f.rule.startsWith("critic-")), false);
  });

  it("a Hub base model loads nothing into the critic (utils.py:170-199, #376); DS-Chat's published reward checkpoint and a chained plan are fine", () => {
    assert.equal(find(findings(step3("facebook/opt-350m")), "critic-not-reward-checkpoint")?.severity, "warning");
    assert.equal(has(findings(step3("AdamG012/chat-opt-350m-reward-deepspeed")), "critic-not-reward-checkpoint"), false);
    const chained = findings({steps: [1, 2, 3], step1: {model_name_or_path: "facebook/opt-1.3b"}, step2: {model_name_or_path: "facebook/opt-350m"}, step3: {seed: 1234}, infrastructure: {instance_type: "ml.p4de.24xlarge"}});
    assert.equal(chained.some((f) => f.rule.startsWith("critic-")), false);
  });
});

describe("K13 --only_optimize_lora with gradient checkpointing on a reward model or critic (#386)", () => {
  it("step 3: the critic loss has no grad_fn (error); without --only_optimize_lora, none", () => {
    const step3 = {actor_model_name_or_path: "facebook/opt-1.3b", critic_model_name_or_path: "facebook/opt-350m", critic_lora_dim: 128, critic_lora_module_name: "decoder.layers.", only_optimize_lora: true, critic_gradient_checkpointing: true, seed: 1234};
    const on = (extra = {}) => findings({steps: [3], step3: {...step3, ...extra}, infrastructure: {instance_type: "ml.p4de.24xlarge"}});
    assert.equal(find(on(), "lora-only-checkpointing")?.severity, "error");
    assert.equal(has(on({only_optimize_lora: false}), "lora-only-checkpointing"), false);
  });

  it("step 2: LoRA gets no gradient (warning); step 1 is fixed by DeepSpeedExamples #658 (lora.py:144-155)", () => {
    const args = {lora_dim: 128, only_optimize_lora: true, gradient_checkpointing: true};
    assert.equal(find(findings({steps: [2], step2: {model_name_or_path: "facebook/opt-350m", ...args}}), "lora-only-checkpointing")?.severity, "warning");
    assert.equal(has(findings({steps: [1], step1: {model_name_or_path: "facebook/opt-1.3b", ...args}, infrastructure: {instance_type: "ml.p3dn.24xlarge"}}), "lora-only-checkpointing"), false);
  });
});

describe("version-dependent classes and the plan's target versions", () => {
  it("defaults to the SageMaker hand-off's training image and refuses another DS-Chat", () => {
    assert.deepEqual(defaultTargetVersions(), {deepspeed: "0.16.4", transformers: "4.56.2", torch: "2.8.0", dschat: DSCHAT_COMMIT});
    assert.deepEqual(normalizeVersions({deepspeed: "0.16.4", torch: null}), {deepspeed: "0.16.4", transformers: "4.56.2", torch: null, dschat: "83757d9c"});
    assert.throws(() => normalizeVersions({dschat: "3a77097a"}), /plan\.versions\.dschat: is "3a77097a"; the studio reproduces DS-Chat at commit 83757d9c only/);
    assert.throws(() => normalizeVersions({deepspeed: "latest"}), /plan\.versions\.deepspeed: must be a version/);
  });

  it("compares versions as DeepSpeed and transformers number them", () => {
    assert.ok(compareVersions("0.10.0", "0.9.5") > 0);
    assert.ok(compareVersions("2.8.0+cu129", "2.8.0") === 0);
    assert.equal(inRange("0.9.5", {from: "0.9.3", before: "0.10.0"}), true);
    assert.equal(inRange("0.10.0", {from: "0.9.3", before: "0.10.0"}), false);
    assert.equal(transformersAtLeast({deepspeed: null, transformers: "4.56.2", torch: null}, "4.36"), true);
    assert.equal(transformersAtLeast({deepspeed: null, transformers: null, torch: null}, "4.36"), null);
  });

  it("#386 (CausalLM), #429 (critic ZeRO-3 loading) and BLOOM left padding (#571) are fixed at 83757d9c: no finding", () => {
    // DeepSpeedExamples #658 (lora.py:144-155), #675 (load_state_dict_into_model, utils.py:155-206), #601 (utils.py:84, 89-90).
    const step3 = {actor_model_name_or_path: "bigscience/bloom-560m", critic_model_name_or_path: "./output/reward", critic_zero_stage: 3, actor_lora_dim: 128, actor_lora_module_name: "h.", only_optimize_lora: true, actor_gradient_checkpointing: true, dtype: "bf16", seed: 1234};
    const localModels = {"./output/reward": {files: ["config.json", "pytorch_model.bin"], nameOrPath: "bigscience/bloom-560m"}};
    const list = findings({steps: [3], step3, infrastructure: {instance_type: "ml.p4de.24xlarge"}}, {models: {critic: requireModel("bigscience/bloom-560m")}, localModels});
    assert.deepEqual(list.filter((f) => f.severity !== "info").map((f) => f.rule), []);
  });

  it("DS-Chat's own mixed-precision LoRA script needs DeepSpeed 0.10.2 (quantize_nontrainable_params)", () => {
    // llama2/run_llama2_7b_mixz.sh: ZeRO 3/3, LoRA 64/64, --enable_mixed_precision_lora.
    const step3 = {actor_model_name_or_path: "meta-llama/Llama-2-7b-hf", critic_model_name_or_path: "meta-llama/Llama-2-7b-hf", actor_zero_stage: 3, critic_zero_stage: 3, actor_lora_dim: 64, actor_lora_module_name: "layers.", critic_lora_dim: 64, critic_lora_module_name: "layers.", enable_mixed_precision_lora: true, per_device_generation_batch_size: 1, per_device_training_batch_size: 1, seed: 1234};
    const at = (deepspeed: string) => findings({steps: [3], step3, infrastructure: {instance_type: "ml.p4de.24xlarge"}, versions: {...CI, deepspeed}});
    assert.equal(find(at("0.10.0"), "mixed-precision-lora-deepspeed")?.severity, "error");
    assert.equal(has(at("0.10.2"), "mixed-precision-lora-deepspeed"), false);
  });
});

describe("issue 12, items 1–4: rules that followed the step-2 code into step 3, and their wording", () => {
  const facts = (extra: Partial<PlanFacts>): PlanFacts => ({step: 3, modelName: "facebook/opt-1.3b", criticModelName: "bigscience/bloom-560m", zeroStage: 2, criticZeroStage: 2, seed: 1234, dtype: "bf16", versions: CI, ...extra});

  it("item 1: rwtranrsformer exists only in step 2 (main.py:260-264); step 3's critic gets neither it nor the divergence caution", () => {
    assert.deepEqual(knownFailuresFor("bloom", {path: "bigscience/bloom-560m", role: "critic"}, 3), []);
    const ids = lint({plan: facts({modelName: "bigscience/bloom-560m"})}).map((f) => f.rule);
    assert.equal(ids.includes("bloom-step2-rwtranrsformer") || ids.includes("bloom-step2-divergence"), false, ids.join(", "));
  });

  it("item 3: DS-Chat tests the case-sensitive \"llama\" (utils.py:76) on the name its loader reads", () => {
    const model = (modelName: string, extra: Partial<PlanFacts> = {}) => lint({plan: {step: 1, modelName, loraDim: 0, versions: CI, ...extra}}).map((f) => `${f.severity}:${f.rule}`);
    assert.deepEqual(model("NousResearch/Meta-Llama-3-8B"), ["info:llama-name-case"], "AutoTokenizer, pad = EOS: no failure there");
    assert.deepEqual(model("meta-llama/Meta-Llama-3-8B"), ["error:llama3-tokenizer"]);
    // A local copy: DS-Chat reads config.json's _name_or_path (utils.py:97-105), not the folder's name.
    assert.deepEqual(model("/models/l3", {family: "llama", vocabSize: 128256, tokenizerName: "meta-llama/Meta-Llama-3-8B"}), ["error:llama3-tokenizer"]);
    assert.deepEqual(model("/models/llama-3-copy", {family: "llama", vocabSize: 128256, tokenizerName: "NousResearch/Meta-Llama-3-8B"}), ["info:llama-name-case"]);
    assert.deepEqual(model("meta-llama/Llama-2-7b-hf", {loraModuleName: "layers."}), []);
    // A chained step 3 loads step 1's saved folder, whose config.json keeps step 1's _name_or_path (utils.py:119-134).
    const chained = findings({steps: [1, 2, 3], step1: {model_name_or_path: "meta-llama/Meta-Llama-3-8B"}, step2: {model_name_or_path: "meta-llama/Meta-Llama-3-8B"}, step3: {seed: 1234}, infrastructure: {instance_type: "ml.p5en.48xlarge"}});
    assert.deepEqual(chained.filter((f) => f.rule === "llama3-tokenizer").map((f) => f.step), [1, 2, 3]);
  });

  it("item 4: GPT-J with --add_eot_token keeps 50400 rows (<|endoftext|> is in its vocabulary, utils.py:110-114)", () => {
    const gptj = requireModel("EleutherAI/gpt-j-6b");
    assert.equal(resizedVocab(gptj, true), 50400);
    assert.equal(resizedVocab(requireModel("facebook/opt-1.3b"), true), 50272, "OPT's 50265 + 1 still rounds to 50272");
    assert.equal(resizedVocab(requireModel("meta-llama/Llama-2-7b-hf"), true), 32008);
  });
});
