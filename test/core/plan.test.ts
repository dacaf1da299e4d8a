import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {describe, it} from "node:test";
import {dschatCommand, formatNumber, mainPyArgs, shellQuote} from "../../src/core/plan/dschatCommand.js";
import {dsConfigsForPlan, getTrainDsConfig} from "../../src/core/plan/dsConfig.js";
import {defaultPlan, isChainedModel, normalizePlan} from "../../src/core/plan/normalizePlan.js";
import {validatePlan, validationRuleIds} from "../../src/core/plan/validatePlan.js";
import {UserError} from "../../src/core/contract/userError.js";

// Expected configs come from test/vectors/gen_dschat_vectors.py, a transcription of ds_utils.py and of how each main.py
// and rlhf_engine.py patch its result (DeepSpeedExamples 83757d9c); key order matters for diffing against a run's log.
interface DsConfigCase {
  step: 1 | 2 | 3;
  world_size: number;
  gpus_per_node: number;
  args: Record<string, unknown>;
  expected: Record<string, unknown>;
}
const dsConfigVectors: {cases: DsConfigCase[]} = JSON.parse(readFileSync(new URL("../vectors/ds-config-vectors.json", import.meta.url), "utf8"));

/** Every object's keys, in order, at every depth: JSON.parse keeps the order DS-Chat's dict literals had. */
function keyOrder(value: unknown, path = ""): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => [`${path}/${key}`, ...keyOrder(child, `${path}/${key}`)]);
}

describe("dsConfigsForPlan against DS-Chat's get_train_ds_config/get_eval_ds_config (test/vectors/ds-config-vectors.json)", () => {
  it(`matches all ${dsConfigVectors.cases.length} generated cases key for key, in key order`, () => {
    for (const [i, {step, world_size, gpus_per_node, args, expected}] of dsConfigVectors.cases.entries()) {
      const names = step === 3 ? {actor_model_name_or_path: "a", critic_model_name_or_path: "c"} : {model_name_or_path: "m"};
      const plan = normalizePlan({steps: [step], [`step${step}`]: {...args, ...names}});
      const actual = JSON.parse(JSON.stringify(dsConfigsForPlan(plan, world_size, gpus_per_node)));
      assert.deepEqual(actual, expected, `case ${i}: step ${step}, ${JSON.stringify(args)}`);
      assert.deepEqual(keyOrder(actual), keyOrder(expected), `case ${i}: key order`);
    }
  });
  it("covers every step, ZeRO stage, dtype, offload setting, several batch sizes and 1, 8 and 16 GPUs", () => {
    const seen = (pick: (c: DsConfigCase) => unknown) => new Set(dsConfigVectors.cases.map((c) => JSON.stringify(pick(c)))).size;
    assert.equal(seen((c) => c.step), 3);
    assert.equal(seen((c) => [c.step, c.args.zero_stage ?? c.args.actor_zero_stage]), 2 * 4 + 3);
    assert.equal(seen((c) => c.args.dtype), 2);
    assert.equal(seen((c) => c.args.offload), 2);
    assert.ok(seen((c) => c.args.per_device_train_batch_size ?? c.args.per_device_training_batch_size) >= 3);
    assert.equal(seen((c) => c.world_size), 3);
  });
});

describe("getTrainDsConfig(options)", () => {
  it("rejects a dtype DS-Chat cannot map", () => {
    assert.throws(() => getTrainDsConfig({offload: false, dtype: "fp32" as "fp16"}), /dtype must be fp16 or bf16, got "fp32"/);
  });
});

describe("dsConfigsForPlan(plan, worldSize, gpusPerNode)", () => {
  it("sets step 1's batch fields to micro × world × gradient accumulation", () => {
    const plan = normalizePlan({step1: {model_name_or_path: "facebook/opt-1.3b", per_device_train_batch_size: 8, gradient_accumulation_steps: 2, zero_stage: 2, enable_tensorboard: true}});
    const config = dsConfigsForPlan(plan, 16)[1]!;
    assert.equal(config.train_batch_size, 256);
    assert.equal(config.train_micro_batch_size_per_gpu, 8);
    assert.deepEqual(config.tensorboard, {enabled: true, output_path: "step1_tensorboard/ds_tensorboard_logs/", job_name: "step1_model_tensorboard"});
  });
  it("builds step 3's actor, ref, EMA, critic and reward configs as rlhf_engine.py does", () => {
    const plan = normalizePlan({
      steps: [3],
      step3: {
        actor_model_name_or_path: "a",
        critic_model_name_or_path: "c",
        per_device_training_batch_size: 4,
        gradient_accumulation_steps: 2,
        actor_zero_stage: 3,
        critic_zero_stage: 2,
        enable_hybrid_engine: true,
        inference_tp_size: 2,
        max_prompt_seq_len: 256,
        max_answer_seq_len: 128,
        enable_ema: true,
        offload_reference_model: true,
        unsupervised_dataset_name: "wikitext",
        unsupervised_dataset_config_name: "wikitext-2-raw-v1"
      }
    });
    const configs = dsConfigsForPlan(plan, 8)[3]!;
    const actor = configs.actor as {hybrid_engine: Record<string, unknown>; train_batch_size: number; tensorboard: {job_name: string}};
    assert.deepEqual(actor.hybrid_engine, {enabled: true, max_out_tokens: 384, inference_tp_size: 2, release_inference_cache: false, pin_parameters: true, tp_gather_partition_size: 8});
    assert.equal(actor.train_batch_size, 4 * 8 * 4, "unsupervised training doubles the actor's accumulation");
    assert.equal(actor.tensorboard.job_name, "step3_actor_tensorboard");
    assert.deepEqual(configs.ref.zero_optimization, {stage: 3, stage3_param_persistence_threshold: 1e4, offload_param: {device: "cpu"}, memory_efficient_linear: false});
    assert.deepEqual(configs.ema, configs.ref);
    assert.equal(configs.critic.train_batch_size, 4 * 8 * 2);
    assert.equal((configs.reward.zero_optimization as {stage: number}).stage, 0, "reward runs ZeRO-3 only when the critic does");
    assert.equal("hybrid_engine" in configs.critic, true);
    assert.equal((configs.critic.hybrid_engine as {enabled: boolean}).enabled, false);
  });
});

describe("normalizePlan(spec)", () => {
  it("fills DS-Chat's defaults", () => {
    const plan = normalizePlan({});
    assert.deepEqual(plan, defaultPlan());
    assert.equal(plan.step3.seed, null);
    assert.equal(plan.step3.num_warmup_steps, 100);
    assert.equal(plan.step2.learning_rate, 5e-5);
    assert.deepEqual(plan.step1.data_path, ["Dahoas/rm-static"]);
  });
  it("chains steps: outputs feed step 3's actor and critic", () => {
    const plan = normalizePlan({steps: "all", step1: {model_name_or_path: "facebook/opt-1.3b"}, step2: {model_name_or_path: "facebook/opt-350m"}});
    assert.deepEqual(plan.steps, [1, 2, 3]);
    assert.equal(plan.step3.actor_model_name_or_path, "./output/actor-models");
    assert.equal(plan.step3.critic_model_name_or_path, "./output/reward-models");
  });
  it("names the field and quotes the bad value", () => {
    const fails = (spec: unknown, message: RegExp, field: string) =>
      assert.throws(() => normalizePlan(spec), (error: unknown) => error instanceof UserError && message.test(error.message) && error.where.field === field);
    fails({step1: {zero_stage: "two"}}, /plan\.step1\.zero_stage: must be a whole number, got "two"/, "plan.step1.zero_stage");
    fails({step1: {dtype: "fp32"}}, /must be one of fp16, bf16, got "fp32"/, "plan.step1.dtype");
    fails({step1: {lora_dims: 8}}, /lora_dims is not a field of plan\.step1.*Did you mean lora_dim\?/, "plan.step1.lora_dims");
    fails({step2: {print_loss: true}}, /print_loss is not a field of plan\.step2/, "plan.step2.print_loss");
    fails({steps: [4]}, /must be 1, 2, 3/, "plan.steps");
    fails({infrastructure: {instance_count: 0}}, /must be a whole number ≥ 1, got 0/, "plan.infrastructure.instance_count");
    fails({infrastructure: {instanceCount: 2}}, /Did you mean instance_count\?/, "plan.infrastructure.instanceCount");
    fails({model: "x"}, /model is not a field of plan/, "plan.model");
    fails("x", /must be an object, got "x"/, "plan");
    fails({schema_version: 2}, /has schema_version 2; this dschat-studio reads plan\.json version 1/, "schema_version");
  });
});

describe("isChainedModel(plan, role)", () => {
  it("is true only where step 3 trains an earlier step of the same plan's output (planModels and lint both ask it)", async () => {
    const {planModels} = await import("../../src/core/plan/planModels.js");
    const {planFactsFromPlan} = await import("../../src/core/lint/planFacts.js");
    const chained = normalizePlan({steps: "all", step1: {model_name_or_path: "meta-llama/Llama-2-7b-hf"}, step2: {model_name_or_path: "facebook/opt-350m"}});
    assert.deepEqual([isChainedModel(chained, "actor"), isChainedModel(chained, "critic")], [true, true]);
    assert.equal(planModels(chained).actor?.id, "meta-llama/Llama-2-7b-hf");
    assert.deepEqual([planFactsFromPlan(chained, 3).family, planFactsFromPlan(chained, 3).criticFamily], ["llama", "opt"]);
    const ownActor = normalizePlan({steps: [1, 3], step1: {model_name_or_path: "facebook/opt-1.3b"}, step3: {actor_model_name_or_path: "gpt2", critic_model_name_or_path: "facebook/opt-350m"}});
    assert.equal(isChainedModel(ownActor, "actor"), false);
    assert.equal(planModels(ownActor).actor?.id, "gpt2");
    assert.equal(planFactsFromPlan(ownActor, 3).family, "gpt2");
    assert.equal(isChainedModel(normalizePlan({steps: 3, step3: {actor_model_name_or_path: "a", critic_model_name_or_path: null}}), "critic"), false);
  });
});

describe("dschatCommand(plan, step, gpusPerNode, nodes)", () => {
  it("writes the launcher, the non-default arguments in parser order, and --deepspeed", () => {
    const plan = normalizePlan({step1: {model_name_or_path: "facebook/opt-1.3b", per_device_train_batch_size: 8, learning_rate: 9.65e-6, zero_stage: 2, gradient_checkpointing: true, data_path: ["Dahoas/rm-static", "Dahoas/full-hh-rlhf"], output_dir: "out dir"}});
    const command = dschatCommand(plan, 1, 8);
    assert.equal(command.stepDirectory, "training/step1_supervised_finetuning");
    assert.deepEqual(command.argv, [
      "deepspeed", "--num_gpus", "8", "training/step1_supervised_finetuning/main.py",
      "--data_path", "Dahoas/rm-static", "Dahoas/full-hh-rlhf",
      "--model_name_or_path", "facebook/opt-1.3b",
      "--per_device_train_batch_size", "8",
      "--learning_rate", "9.65e-6",
      "--output_dir", "out dir",
      "--gradient_checkpointing",
      "--zero_stage", "2",
      "--deepspeed"
    ]);
    assert.match(command.shell, /^deepspeed --num_gpus 8 training\/step1_supervised_finetuning\/main\.py .* --output_dir 'out dir' /);
    assert.deepEqual(dschatCommand(plan, 1, 8, 2).argv.slice(0, 6), ["deepspeed", "--num_nodes", "2", "--num_gpus", "8", "training/step1_supervised_finetuning/main.py"]);
  });
  it("passes step 3's seed only when set", () => {
    const plan = normalizePlan({steps: 3, step3: {actor_model_name_or_path: "a", critic_model_name_or_path: "c"}});
    assert.deepEqual(mainPyArgs(plan, 3), ["--actor_model_name_or_path", "a", "--critic_model_name_or_path", "c", "--deepspeed"]);
  });
});

describe("formatNumber(value) / shellQuote(word)", () => {
  it("keeps learning rates readable and quotes only what needs it", () => {
    assert.deepEqual([1e-3, 5e-4, 9.65e-6, 0, 27.8].map(formatNumber), ["0.001", "5e-4", "9.65e-6", "0", "27.8"]);
    assert.equal(shellQuote("<|endoftext|>"), "'<|endoftext|>'");
    assert.equal(shellQuote("it's"), "'it'\\''s'");
    assert.equal(shellQuote("decoder.layers."), "decoder.layers.");
  });
});

describe("validatePlan(plan)", () => {
  it("leaves DS-Chat's argument-combination rules to the lint registry", async () => {
    const {lintRules} = await import("../../src/core/lint/lint.js");
    const lintIds = new Set(lintRules.map((rule) => rule.id));
    assert.deepEqual(validationRuleIds.filter((id) => lintIds.has(id)), [], "a rule written in both places would be reported twice");
    const plan = normalizePlan({steps: [1, 3], step1: {model_name_or_path: "m", offload: true, zero_stage: 0}, step3: {actor_model_name_or_path: "a", critic_model_name_or_path: "c", actor_zero_stage: 2, critic_zero_stage: 2, enable_hybrid_engine: true, offload: true, inference_tp_size: 2, enable_mixed_precision_lora: true}});
    assert.deepEqual(validatePlan(plan), []);
  });
  it("reports missing required arguments, bad data splits and ZeRO stages", () => {
    const issues = validatePlan(normalizePlan({steps: [1, 2], step1: {data_split: "9,1", zero_stage: 4}, step2: {data_split: "a,b,c", model_name_or_path: "m"}}));
    assert.deepEqual(issues.map((issue) => issue.field), ["step1.model_name_or_path", "step1.zero_stage", "step2.data_split"]);
    const split = validatePlan(normalizePlan({steps: 3, step3: {actor_model_name_or_path: "a", critic_model_name_or_path: "c", data_split: "9,1", critic_zero_stage: 5}}));
    assert.match(split[0].message, /has 2 parts, so there is no split 2 \(phase 3\): DS-Chat would fail with FileNotFoundError/);
    assert.deepEqual(split.map((issue) => issue.field), ["step3.data_split", "step3.critic_zero_stage"]);
    assert.deepEqual(validatePlan(normalizePlan({step1: {model_name_or_path: "m"}})), []);
  });
});

describe("planReport(plan, options)", () => {
  it("derives every output from one plan and reports each DS-Chat rule once, with the field at fault", async () => {
    const {planReport} = await import("../../src/core/report/planReport.js");
    const plan = normalizePlan({steps: 3, step3: {actor_model_name_or_path: "facebook/opt-1.3b", critic_model_name_or_path: "facebook/opt-350m", inference_tp_size: 2, offload: true}, infrastructure: {instance_type: "ml.p4d.24xlarge"}});
    const report = planReport(plan);
    assert.deepEqual(Object.keys(report), ["plan", "command", "ds_config", "memory", "estimate", "lint"]);
    assert.equal(report.memory.world_size, 8);
    assert.deepEqual(report.memory.models, {actor: "facebook/opt-1.3b", critic: "facebook/opt-350m"});
    const rules = report.lint.map((finding) => finding.rule);
    assert.equal(rules.filter((rule) => rule === "inference-tp-needs-zero3").length, 1, rules.join(", "));
    assert.equal(report.lint.find((finding) => finding.rule === "inference-tp-needs-zero3")?.field, "step3.inference_tp_size");
    // DS-Chat's step-3 defaults are actor and critic ZeRO 0, so --offload hits CPUAdam in both engines.
    assert.deepEqual(report.lint.filter((finding) => finding.rule === "offload-needs-zero").map((finding) => finding.field), ["step3.actor_zero_stage", "step3.critic_zero_stage"]);
    assert.ok(rules.includes("step3-seed-missing"), "lint engine plan rules run");
    assert.equal(report.estimate.time, null, "no tokens given, no time");
    const withoutRules = planReport(plan, {lint: () => []});
    assert.deepEqual(withoutRules.lint, [], "the DS-Chat rules come from the lint registry only");
  });
  it("lists every finding of a plan that breaks all of step 3's assertions exactly once", async () => {
    const {planReport} = await import("../../src/core/report/planReport.js");
    const plan = normalizePlan({steps: 3, step3: {actor_model_name_or_path: "facebook/opt-1.3b", critic_model_name_or_path: "facebook/opt-350m", seed: 1234, actor_zero_stage: 2, critic_zero_stage: 2, enable_hybrid_engine: true, offload: true, inference_tp_size: 2, enable_mixed_precision_lora: true, data_split: "9,1"}});
    const findings = planReport(plan).lint;
    const keys = findings.map((finding) => `${finding.step}:${finding.rule}:${finding.field}`);
    assert.equal(new Set(keys).size, keys.length, keys.join(", "));
    assert.deepEqual(findings.map((finding) => finding.rule).sort(), [
      "critic-not-reward-checkpoint", // facebook/opt-350m is a base model, not a reward checkpoint (#376)
      "data-split",
      "does-not-fit", // opt-1.3b actor + opt-350m at ZeRO-2, batch 16 on one A10G
      "dschat-transformers-untested", // the training image's transformers 4.56.2
      "fp16-overflow-risk",
      "inference-tp-needs-zero3",
      "mixed-precision-lora",
      "z2-hybrid-offload-no-lora"
    ]);
    assert.ok(findings.filter((finding) => finding.severity === "error").every((finding) => finding.field?.startsWith("step3.")));
  });
  it("feeds lint the resolved architecture's family and real LoRA matches", async () => {
    const {stepPlanFacts} = await import("../../src/core/report/stepPlanFacts.js");
    const {requireModel} = await import("../../src/core/models/findModel.js");
    const plan = normalizePlan({step1: {model_name_or_path: "./checkpoints/mine", lora_dim: 64, lora_module_name: "h."}});
    const facts = stepPlanFacts(plan, 1, {step1: requireModel("bigscience/bloom-1b1")});
    assert.equal(facts.family, "bloom");
    assert.equal(facts.loraMatchedLinears, 24 * 4);
  });
});

describe("runScript(report)", () => {
  it("logs each step with tee and keeps pipefail so a failed step stops the script", async () => {
    const {planReport} = await import("../../src/core/report/planReport.js");
    const {runScript} = await import("../../src/core/report/runScript.js");
    const script = runScript(planReport(normalizePlan({steps: [1, 2], step1: {model_name_or_path: "facebook/opt-125m"}, step2: {model_name_or_path: "facebook/opt-125m"}})));
    assert.match(script, /set -euo pipefail/);
    assert.match(script, /deepspeed --num_gpus 1 training\/step1_supervised_finetuning\/main\.py .* 2>&1 \| tee "\$LOG_DIR\/step1\.log"/);
    assert.match(script, /# Step 2: ≈[\d.]+ GiB per GPU on A10G/);
  });
});
