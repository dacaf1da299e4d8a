import assert from "node:assert/strict";
import {describe, it} from "node:test";
import type {Phase} from "../../src/core/canonical.js";
import {deepspeedModelStates} from "../../src/core/estimate/deepspeedModelStates.js";
import {estimateMemory, reservedFor, toGiB, trainingPeakBytes} from "../../src/core/estimate/estimateMemory.js";
import {estimateTime} from "../../src/core/estimate/estimateTime.js";
import {fitInstance, largestBatch} from "../../src/core/estimate/fitInstances.js";
import {instanceCatalog, instancesJson, normalizeInstanceCatalog, requireInstance} from "../../src/core/estimate/instanceCatalog.js";
import {GiB} from "../../src/core/estimate/modelMemory.js";
import {stepModel} from "../../src/core/estimate/stepModel.js";
import {requireModel} from "../../src/core/models/findModel.js";
import type {ModelArchitecture} from "../../src/core/models/modelArchitecture.js";
import {parameterCount} from "../../src/core/models/modelArchitecture.js";
import {normalizePlan} from "../../src/core/plan/normalizePlan.js";
import {planModels} from "../../src/core/plan/planModels.js";

const within = (actual: number, expected: number, tolerance: number, label: string) =>
  assert.ok(Math.abs(actual / expected - 1) <= tolerance, `${label}: ${actual.toFixed(2)} is not within ±${tolerance * 100}% of ${expected}`);

function memoryOf(spec: unknown, worldSize: number, options: {attention?: "eager" | "sdpa"} = {}) {
  const plan = normalizePlan(spec);
  const [memory] = estimateMemory(plan, planModels(plan), {worldSize, gpusPerNode: Math.min(worldSize, 8), ...options});
  return memory;
}

describe("deepspeedModelStates(input)", () => {
  // DeepSpeed's docs (docs/code-docs/source/memory.rst, the estimate_zero*_model_states_mem_needs examples): t5-3b (Ψ = 2851M, largest layer 32M), 1 node × 8 GPUs, DeepSpeed's documented outputs.
  const t5 = {params: 2851e6, largestLayerParams: 32e6, gpusPerNode: 8, nodes: 1};
  const gib = (bytes: number) => Math.round((bytes / GiB) * 100) / 100;
  it("reproduces DeepSpeed's ZeRO-2 test vectors, code and docs formulas", () => {
    const offload = deepspeedModelStates({...t5, stage: 2, offloadOptimizer: true});
    assert.deepEqual([gib(offload.gpuBytes), gib(offload.cpuBytesPerNode)], [5.31, 127.45]);
    const code = deepspeedModelStates({...t5, stage: 2, offloadOptimizer: false});
    assert.deepEqual([gib(code.gpuBytes), gib(code.cpuBytesPerNode)], [11.28, 127.45]);
    assert.match(code.formula, /DeepSpeed code/);
    assert.equal(gib(deepspeedModelStates({...t5, stage: 2, offloadOptimizer: false, formula: "docs"}).gpuBytes), 15.93);
  });
  it("reproduces DeepSpeed's ZeRO-3 test vectors with and without zero.Init", () => {
    const rows = [
      [{offloadParam: true, offloadOptimizer: true}, 0.12, 71.69, 127.45],
      [{offloadParam: false, offloadOptimizer: true}, 0.78, 63.72, 127.45],
      [{offloadParam: false, offloadOptimizer: false}, 6.09, 1.43, 127.45]
    ] as const;
    for (const [offload, gpu, cpuInit, cpuNoInit] of rows) {
      const init = deepspeedModelStates({...t5, stage: 3, ...offload, zeroInit: true});
      const noInit = deepspeedModelStates({...t5, stage: 3, ...offload, zeroInit: false});
      assert.deepEqual([gib(init.gpuBytes), gib(init.cpuBytesPerNode), gib(noInit.cpuBytesPerNode)], [gpu, cpuInit, cpuNoInit], JSON.stringify(offload));
    }
  });
});

describe("estimateMemory(plan, models, options)", () => {
  it("anchor: the bloomz-560m tutorial's ~30 GB while training (step 1, bs 8, seq 512, LoRA 128 without only_optimize_lora, 1 GPU)", (t) => {
    for (const zero_stage of [0, 2]) {
      const memory = memoryOf({step1: {model_name_or_path: "bigscience/bloomz-560m", per_device_train_batch_size: 8, gradient_accumulation_steps: 8, max_seq_len: 512, lora_dim: 128, zero_stage}}, 1);
      // DS-Chat's default --lora_module_name matches no BLOOM linear, so this trains every parameter (the note below).
      const training = trainingPeakBytes(memory);
      t.diagnostic(`bloomz-560m ZeRO-${zero_stage}: training ${(training / 1e9).toFixed(1)} GB allocated (${toGiB(reservedFor(training))} GiB reserved); evaluation at batch 16 peaks at ${toGiB(memory.allocatedBytes)} GiB; tutorial ≈ 30 GB`);
      within(training / 1e9, 30, 0.15, `bloomz-560m ZeRO-${zero_stage}`);
      const forward = memory.phases.find((phase) => phase.phase === "forward")!;
      const logits = forward.terms.find((term) => term.kind === "logits")!;
      assert.ok(logits.bytes > 8 * GiB, "BLOOM's 250k vocabulary makes the logits the largest activation");
      assert.equal(memory.peakPhase, "evaluation", "DS-Chat's evaluation at per_device_eval_batch_size 16 needs more than training at batch 8");
      assert.match(memory.notes[0], /matches no linear of bigscience\/bloomz-560m/);
    }
  });
  it("anchor: DS-Chat's published MaxMemAllocated 22.95 GB (opt-1.3b step 1, ZeRO-2, bs 8, 16 GPUs)", (t) => {
    // DeepSpeed prints max_memory_allocated / 1024³ as "GB". The log (DS-Chat README, April 2023) predates transformers'
    // SDPA for OPT (huggingface/transformers#33298, v4.46), so it ran eager attention.
    const memory = memoryOf({step1: {model_name_or_path: "facebook/opt-1.3b", per_device_train_batch_size: 8, max_seq_len: 512, zero_stage: 2}}, 16, {attention: "eager"});
    t.diagnostic(`opt-1.3b ZeRO-2 ×16: ${toGiB(trainingPeakBytes(memory))} GiB allocated while training (${memory.peakPhase} peak ${toGiB(memory.allocatedBytes)}); log MaxMemAllocated 22.95 GB`);
    within(trainingPeakBytes(memory) / GiB, 22.95, 0.1, "opt-1.3b");
  });
  it("anchor: step 1 with ZeRO-3 + checkpointing + LoRA fits a model of about GPU GB / 3", (t) => {
    // A rule of thumb (DS-Chat README).
    const spec = {step1: {model_name_or_path: "x", per_device_train_batch_size: 1, zero_stage: 3, lora_dim: 128, gradient_checkpointing: true}};
    const cases = [["facebook/opt-13b", 1, 48], ["facebook/opt-66b", 8, 80]] as const;
    for (const [shape, gpus, gpuGiB] of cases) {
      const largest = largestFittingParams(requireModel(shape), (arch) => ({step1: arch}), spec, gpus, gpuGiB);
      t.diagnostic(`${gpus}×${gpuGiB} GB: largest ${shape}-shaped model ${(largest / 1e9).toFixed(1)}B; rule ${((gpus * gpuGiB) / 3).toFixed(1)}B`);
      within(largest / 1e9, (gpus * gpuGiB) / 3, 0.15, `${gpus}×${gpuGiB} GB`);
    }
  });
  it("anchor: step 3 actor + critic stays within GPU GB / 6, and DS-Chat's published step-3 runs fit", (t) => {
    const critic = requireModel("facebook/opt-350m");
    const run66b = {steps: 3, step3: {actor_model_name_or_path: "a", critic_model_name_or_path: "c", per_device_training_batch_size: 4, per_device_generation_batch_size: 4, actor_zero_stage: 3, critic_zero_stage: 3, enable_hybrid_engine: true, inference_tp_size: 8, tp_gather_partition_size: 4, actor_gradient_checkpointing: true, critic_gradient_checkpointing: true, actor_lora_dim: 128}};
    const largest = largestFittingParams(requireModel("facebook/opt-66b"), (arch) => ({actor: arch, critic}), run66b, 8, 80) + parameterCount(critic);
    t.diagnostic(`8×A100-80G, run_66b settings: largest actor+critic ${(largest / 1e9).toFixed(1)}B; rule ≤ ${(640 / 6).toFixed(1)}B`);
    assert.ok(largest / 1e9 <= (640 / 6) * 1.15, "the rule is an upper bound");
    const published = [
      ["facebook/opt-1.3b", 1, 48, {per_device_training_batch_size: 16, per_device_generation_batch_size: 16, gradient_accumulation_steps: 2, actor_lora_dim: 128, enable_hybrid_engine: true, actor_gradient_checkpointing: true}],
      ["facebook/opt-13b", 8, 40, {per_device_training_batch_size: 16, per_device_generation_batch_size: 16, actor_zero_stage: 3, critic_zero_stage: 3, enable_hybrid_engine: true, inference_tp_size: 2, actor_gradient_checkpointing: true, critic_gradient_checkpointing: true, actor_lora_dim: 128}],
      ["facebook/opt-66b", 8, 80, run66b.step3]
    ] as const;
    for (const [actor, gpus, gpuGiB, args] of published) {
      const memory = memoryOf({steps: 3, step3: {...args, actor_model_name_or_path: actor, critic_model_name_or_path: "facebook/opt-350m"}}, gpus);
      t.diagnostic(`${actor} + opt-350m on ${gpus}×${gpuGiB} GB: ${toGiB(memory.reservedBytes)} GiB per GPU (${memory.peakPhase})`);
      assert.ok(memory.reservedBytes <= gpuGiB * GiB, `${actor} should fit ${gpus}×${gpuGiB} GB`);
    }
  });
  it("lowers per-GPU memory as the ZeRO stage rises", () => {
    const totals = [0, 1, 2, 3].map((zero_stage) => memoryOf({step1: {model_name_or_path: "facebook/opt-6.7b", per_device_train_batch_size: 2, zero_stage}}, 8).allocatedBytes);
    for (let i = 1; i < totals.length; i++) assert.ok(totals[i] < totals[i - 1], `stage ${i} (${totals[i]}) < stage ${i - 1} (${totals[i - 1]})`);
  });
  it("counts only LoRA parameters as trainable with only_optimize_lora, and offload empties the optimizer term", () => {
    const lora = memoryOf({step1: {model_name_or_path: "facebook/opt-1.3b", lora_dim: 128, only_optimize_lora: true, zero_stage: 2, offload: true}}, 1);
    const counts = lora.counts.model;
    assert.equal(counts.trainable, counts.loraParams);
    assert.equal(lora.terms.find((term) => term.kind === "optimizer")!.bytes, 0);
    assert.ok(lora.host.some((term) => term.kind === "optimizer" && term.bytes === 16 * counts.trainable));
  });
  it("holds chosen + rejected in step 2 and no logits", () => {
    const memory = memoryOf({steps: 2, step2: {model_name_or_path: "facebook/opt-350m", per_device_train_batch_size: 4}}, 1);
    const forward = memory.phases.find((phase) => phase.phase === "forward")!;
    assert.match(forward.terms.find((term) => term.kind === "activations")!.formula, /b=8/);
    assert.equal([...memory.terms, ...memory.phases.flatMap((phase) => phase.terms)].some((term) => term.kind === "logits"), false);
  });
  it("sizes DS-Chat's data cache per GPU process on the host", () => {
    const plan = normalizePlan({step1: {model_name_or_path: "facebook/opt-125m", max_seq_len: 512}});
    const [memory] = estimateMemory(plan, planModels(plan), {worldSize: 8, gpusPerNode: 8, trainRows: {1: 2_000_000}});
    assert.equal(memory.host.find((term) => term.kind === "data-cache")!.bytes, 2_000_000 * 512 * 2 * 8 * 8);
  });
});

describe("fit advice when DS-Chat's evaluation is the peak", () => {
  it("bloomz-560m, LoRA 128 (h.), batch 4: evaluation at batch 16 (30.1 GiB measured on the H200) does not fit an A10G; a smaller evaluation batch does", async () => {
    const {planReport} = await import("../../src/core/report/planReport.js");
    const report = planReport(normalizePlan({steps: [1], step1: {model_name_or_path: "bigscience/bloomz-560m", per_device_train_batch_size: 4, lora_dim: 128, lora_module_name: "h."}, infrastructure: {instance_type: "ml.g5.2xlarge"}}));
    assert.equal(report.memory.steps[0].peak_phase, "evaluation");
    const finding = report.lint.find((f) => f.rule === "does-not-fit")!;
    assert.equal(finding.field, "step1.per_device_eval_batch_size");
    assert.match(finding.message, /evaluation .* is the peak, so a smaller training batch does not help/);
    assert.match(finding.fix, /^--per_device_eval_batch_size 8 \(evaluation peaks above training\): estimate [\d.]+ GiB/);
  });
});

describe("stepModel(plan, role, arch)", () => {
  it("sets each model up from its own step's flags, as DS-Chat builds it", () => {
    const plan = normalizePlan({
      steps: [1, 2, 3],
      step1: {model_name_or_path: "facebook/opt-1.3b", lora_dim: 128, add_eot_token: true},
      step2: {model_name_or_path: "facebook/opt-350m"},
      step3: {actor_lora_dim: 64, critic_lora_dim: 0, only_optimize_lora: true}
    });
    const opt = requireModel("facebook/opt-1.3b");
    const sft = stepModel(plan, "step1", opt);
    assert.deepEqual([sft.head, sft.loraDim, sft.vocabRows], ["causalLM", 128, 50272]);
    assert.ok(sft.counts.loraParams > 0);
    assert.deepEqual([stepModel(plan, "step2", opt).head, stepModel(plan, "step2", opt).loraDim], ["base", 0]);
    const actor = stepModel(plan, "actor", opt);
    const critic = stepModel(plan, "critic", opt);
    assert.deepEqual([actor.head, actor.loraDim, critic.head, critic.loraDim], ["causalLM", 64, "base", 0]);
    assert.equal(actor.counts.trainable, actor.counts.loraParams, "only_optimize_lora trains the actor's LoRA only");
    assert.equal(critic.counts.trainable, critic.counts.params, "the critic has no LoRA, so everything trains");
    const llama = {...requireModel("meta-llama/Llama-2-7b-hf"), tokenizerLength: 32000};
    assert.equal(stepModel(plan, "step1", llama).vocabRows, 32008, "--add_eot_token adds a token before the resize to 8");
    assert.equal(stepModel(plan, "step2", llama).vocabRows, 32000);
  });
});

describe("largestBatch(plan, step, models, worldSize, gpusPerNode, gpuMemoryGiB)", () => {
  it("finds the largest per-device batch whose estimate fits, 0 when none does", () => {
    const plan = normalizePlan({step1: {model_name_or_path: "facebook/opt-350m", zero_stage: 2}});
    const models = planModels(plan);
    const batch = largestBatch(plan, 1, models, 1, 1, 22.5);
    assert.ok(batch >= 1);
    const fits = (b: number) => memoryOf({step1: {model_name_or_path: "facebook/opt-350m", zero_stage: 2, per_device_train_batch_size: b}}, 1).reservedBytes <= 22.5 * GiB;
    assert.equal(fits(batch), true);
    assert.equal(fits(batch + 1), false);
    assert.equal(largestBatch(normalizePlan({step1: {model_name_or_path: "facebook/opt-66b"}}), 1, planModels(normalizePlan({step1: {model_name_or_path: "facebook/opt-66b"}})), 1, 1, 22.5), 0);
  });
});

describe("fitInstance(plan, models, instance)", () => {
  it("reports fit, the reasons it does not, and bf16 support", () => {
    const plan = normalizePlan({step1: {model_name_or_path: "facebook/opt-6.7b", dtype: "bf16", per_device_train_batch_size: 4}});
    const small = fitInstance(plan, planModels(plan), requireInstance("ml.p3.2xlarge"));
    assert.equal(small.fits, false);
    assert.match(small.reasons.join("\n"), /no bf16 support/);
    assert.match(small.reasons.join("\n"), /step 1 needs [\d.]+ GiB per GPU/);
    const p4d = fitInstance(normalizePlan({step1: {model_name_or_path: "facebook/opt-1.3b", zero_stage: 2, per_device_train_batch_size: 4}}), planModels(plan), requireInstance("ml.p4d.24xlarge"));
    assert.equal(p4d.gpuCount, 8);
  });
});

describe("normalizeInstanceCatalog(spec, base)", () => {
  it("replaces built-in entries by name, adds new ones, and names the bad field", () => {
    const catalog = normalizeInstanceCatalog([
      {name: "ml.p4d.24xlarge", gpu: "A100_40", gpu_count: 8, host_memory_gib: 1152, price_per_hour: 21.96, price_source: "our negotiated rate"},
      {name: "lab-box", gpu: {name: "RTX 4090", memory_gib: 23.6, peak_tflops: 165, bandwidth_gbs: 1008, bf16: true}, gpu_count: 2, host_memory_gib: 128, price_per_hour: null}
    ]);
    assert.equal(catalog.length, instanceCatalog.length + 1);
    assert.equal(requireInstance("ml.p4d.24xlarge", catalog).pricePerHour, 21.96);
    assert.equal(requireInstance("lab-box", catalog).gpu.memoryGiB, 23.6);
    assert.throws(() => normalizeInstanceCatalog([{name: "x", gpu: "B300", gpu_count: 1, host_memory_gib: 1}]), /instances\[0\]\.gpu: GPU "B300" is not a known GPU/);
    assert.throws(() => normalizeInstanceCatalog([{name: "x", gpu: "A10G", gpu_count: 1.5, host_memory_gib: 1}]), /instances\[0\]\.gpu_count: must be a whole number/);
    assert.throws(() => normalizeInstanceCatalog([{name: "x", gpu: "A10G", gpuCount: 1, host_memory_gib: 1}]), /Did you mean gpu_count\?/);
    const printed = instancesJson(catalog);
    assert.deepEqual(normalizeInstanceCatalog(printed, []), catalog, "what plan --instances --json prints, --catalog reads back");
    assert.throws(() => normalizeInstanceCatalog({}), /has no schema_version/);
    assert.throws(() => normalizeInstanceCatalog("x"), /instances: must be a list/);
  });
});

describe("estimateTime(plan, models, instance, inputs)", () => {
  it("anchor: DS-Chat's step 1 log (opt-1.3b, 16×V100-32G, 16 epochs ≈ 94 min)", (t) => {
    const plan = normalizePlan({step1: {model_name_or_path: "facebook/opt-1.3b", per_device_train_batch_size: 8, zero_stage: 2, num_train_epochs: 16}, infrastructure: {instance_type: "8xV100-32GB", instance_count: 2}});
    const time = estimateTime(plan, planModels(plan), requireInstance("8xV100-32GB"), {rows: {1: 460 * 8 * 16}});
    t.diagnostic(`opt-1.3b step 1: ${(time.hours * 60).toFixed(1)} min; log ≈ 94 min (the default utilisation comes from this log)`);
    within(time.hours * 60, 94, 0.15, "step 1 minutes");
  });
  it("anchor: DS-Chat's step-3 table (1 epoch, 135M tokens) within ±30%", (t) => {
    const table: [string, string, number][] = [
      ["facebook/opt-1.3b", "8xA100-80GB", 1.4],
      ["facebook/opt-6.7b", "8xA100-80GB", 4.1],
      ["facebook/opt-13b", "8xA100-80GB", 9],
      ["facebook/opt-66b", "8xA100-80GB", 50.4]
    ];
    for (const [actor, instance, hours] of table) {
      const plan = normalizePlan({steps: 3, step3: {actor_model_name_or_path: actor, critic_model_name_or_path: "facebook/opt-350m", per_device_training_batch_size: 16, per_device_generation_batch_size: 16, enable_hybrid_engine: true, actor_zero_stage: 3, critic_zero_stage: 3, actor_lora_dim: 128, actor_gradient_checkpointing: true}});
      const time = estimateTime(plan, planModels(plan), requireInstance(instance), {tokensPerEpoch: {3: 135_317_504}});
      t.diagnostic(`${actor} on ${instance}: ${time.hours.toFixed(2)} h (generation ${time.steps[0].generationHours.toFixed(2)} h); published ${hours} h`);
      within(time.hours, hours, 0.3, actor);
    }
  });
  it("prices the run, applies spot and flags the max runtime", () => {
    const plan = normalizePlan({step1: {model_name_or_path: "facebook/opt-1.3b"}, infrastructure: {instance_type: "ml.g5.2xlarge", spot: true, max_runtime_hours: 0.001}});
    const time = estimateTime(plan, planModels(plan), requireInstance("ml.g5.2xlarge"), {rows: {1: 1000}, pricePerHour: 2});
    assert.ok(time.hours > 0);
    assert.ok(Math.abs(time.cost! - time.hours * 2 * 0.3) < 1e-9);
    assert.equal(time.exceedsMaxRuntime, true);
    assert.equal(time.priceSource, "given");
    const unknown = estimateTime(plan, planModels(plan), requireInstance("ml.g5.2xlarge"));
    assert.equal(unknown.hours, 0);
    assert.match(unknown.steps[0].tokensSource, /unknown/);
  });
});

/** Grows an architecture's depth until the plan no longer fits, returning the last parameter count that did. */
function largestFittingParams(shape: ModelArchitecture, place: (arch: ModelArchitecture) => Record<string, ModelArchitecture>, spec: unknown, gpus: number, gpuGiB: number): number {
  const plan = normalizePlan(spec);
  let best = 0;
  for (let layers = 1; layers <= 400; layers++) {
    const arch = {...shape, layers};
    const [memory] = estimateMemory(plan, place(arch), {worldSize: gpus, gpusPerNode: Math.min(gpus, 8)});
    // The rules of thumb are about training; DS-Chat's evaluation batch is a separate choice.
    if (reservedFor(trainingPeakBytes(memory)) > gpuGiB * GiB) break;
    best = parameterCount(arch);
  }
  return best;
}

export type {Phase};
