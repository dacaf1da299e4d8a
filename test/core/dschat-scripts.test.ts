/**
 * Every training_scripts shell script of DS-Chat at 83757d9c (steps 1-3, all sizes) taken as a plan (issue 16): the 67
 * `deepspeed main.py …` invocations those scripts make (the sweep drivers' loops expanded into their run_single.sh
 * calls), parsed into flags by running the scripts with a stand-in `deepspeed` that records its argv
 * (test/fixtures/dschat-training-scripts/, SOURCES.md). Each is planned at DeepSpeed 0.16.4 + transformers 4.48.3 (the
 * versions DeepSpeed's DS-Chat CI runs: nv-ds-chat.yml pins transformers==4.48.3) on the hardware DS-Chat's README
 * gives it, and must get no error finding — except the ones DS-Chat's own code says are errors at this commit on every
 * DeepSpeed version, listed below with the line that fails.
 */
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {describe, it} from "node:test";
import {requireModel} from "../../src/core/models/findModel.js";
import {modelFromConfig} from "../../src/core/models/modelFromConfig.js";
import {normalizePlan} from "../../src/core/plan/normalizePlan.js";
import type {PlanModels} from "../../src/core/plan/planModels.js";
import {planReport, type PlanFinding} from "../../src/core/report/planReport.js";
import type {LocalModelFacts} from "../../src/core/report/stepPlanFacts.js";

interface Invocation {
  path: string;
  step: 1 | 2 | 3;
  variant: string | null;
  args: Record<string, unknown>;
  launcher: {num_gpus: number | null; num_nodes: number | null};
  assumed_hardware: string;
}

const invocations: Invocation[] = JSON.parse(readFileSync(new URL("../fixtures/dschat-training-scripts/invocations.json", import.meta.url), "utf8"));
const name = (it: Invocation) => `${it.path.replace("applications/DeepSpeed-Chat/training/", "")}${it.variant ? ` ${it.variant}` : ""}`;

/** DeepSpeed's DS-Chat CI combination: every version-gated DS-Chat failure is fixed there (DeepSpeed ≥ 0.15.3, < 0.18.9). */
const WORKING_VERSIONS = {deepspeed: "0.16.4", transformers: "4.48.3", torch: "2.5.1"};

/**
 * The machine DS-Chat's README runs each script on: single_gpu on one A6000-48G ("1.3B … on a single consumer-grade
 * NVIDIA A6000", README.md:90), single_node on a DGX with 8 A100-40G (README.md:162), multi_node on 8 DGX nodes with 8
 * A100-80G (README.md:181). The Llama-2 scripts have no README figure: 8×A100-80G. The single-GPU 6.7B LoRA step 3 runs
 * on one A100-80G, Table 1's other single-GPU row for 6.7B (README.md:326): on an A6000 the estimate is 47.0 GiB allocated,
 * 52.5 GiB reserved of 48.
 */
function hardware(it: Invocation): {instance_type: string; instance_count: number; gpus_per_node: number | null} {
  const multiNode = /8 nodes/.test(it.assumed_hardware);
  if (it.launcher.num_gpus === 1) return {instance_type: it.step === 3 && it.path.includes("run_6.7b_lora") ? "1xA100-80GB" : "1xA6000", instance_count: 1, gpus_per_node: 1};
  return {instance_type: /A100-80G/.test(it.assumed_hardware) ? "8xA100-80GB" : "8xA100-40GB", instance_count: multiNode ? 8 : 1, gpus_per_node: null};
}

/**
 * sberbank-ai/mGPT, run_japanese.sh's model, is not in the registry: its config.json (a GPT2LMHeadModel with n_layer 24,
 * n_embd 2048, n_head 16, n_positions 2048, vocab_size 100000).
 */
const mGpt = modelFromConfig({model_type: "gpt2", n_layer: 24, n_embd: 2048, n_head: 16, n_positions: 2048, vocab_size: 100000}, "sberbank-ai/mGPT");

/**
 * Step-3 scripts take the step-1 and step-2 outputs as $1/$2 (or leave them for the user to fill): the placeholders stand
 * for DS-Chat's own save_hf_format folders (utils.py:119-134: one pytorch_model.bin, config.json with the base model's
 * _name_or_path, the tokenizer files) of the same-size step-1 model and of the script family's step-2 model.
 */
function step3Models(it: Invocation): {models: PlanModels; localModels: Record<string, LocalModelFacts>} {
  const family = it.path.includes("/llama2/") ? "llama2" : "opt";
  const size = /run_([\d.]+[mb])/.exec(it.path)?.[1];
  const actor = family === "llama2" ? "meta-llama/Llama-2-7b-hf" : `facebook/opt-${size}`;
  const critic = family === "llama2" ? "meta-llama/Llama-2-7b-hf" : "facebook/opt-350m";
  const saved = (base: string): LocalModelFacts => ({files: ["config.json", "merges.txt", "pytorch_model.bin", "vocab.json"], nameOrPath: base});
  const models: PlanModels = {};
  const localModels: Record<string, LocalModelFacts> = {};
  if (it.args.actor_model_name_or_path === "<step1-output>") [models.actor, localModels["<step1-output>"]] = [requireModel(actor), saved(actor)];
  if (it.args.critic_model_name_or_path === "<step2-output>") [models.critic, localModels["<step2-output>"]] = [requireModel(critic), saved(critic)];
  return {models, localModels};
}

function planOf(it: Invocation): PlanFinding[] {
  const {deepspeed: _launcherFlag, ...args} = it.args;
  const plan = normalizePlan({steps: [it.step], [`step${it.step}`]: args, infrastructure: hardware(it), versions: WORKING_VERSIONS});
  const {models, localModels} = it.step === 3 ? step3Models(it) : {models: it.args.model_name_or_path === "sberbank-ai/mGPT" ? {step1: mGpt} : {}, localModels: {}};
  return planReport(plan, {models, localModels}).lint;
}

/** The errors DS-Chat's code at 83757d9c raises for its own scripts, on every DeepSpeed version, and the line that fails. */
const EXPECTED_ERRORS: Record<string, string[]> = {
  // step1 main.py:373 print_throughput(model.model, …): BloomForCausalLM and GPT2LMHeadModel have no `.model` (#924).
  "step1_supervised_finetuning/training_scripts/other_language/run_chinese.sh": ["step1-print-throughput"],
  "step1_supervised_finetuning/training_scripts/other_language/run_japanese.sh": ["step1-print-throughput"],
  // Hybrid engine + actor ZeRO-3 + --inference_tp_size > 1: the prompts are all-gathered, DS-Chat's attention_mask is
  // not (ppo_trainer.py:87-93; #628).
  "step3_rlhf_finetuning/training_scripts/opt/single_node/run_13b.sh": ["hybrid-engine-tp-zero3"],
  "step3_rlhf_finetuning/training_scripts/opt/multi_node/run_66b.sh": ["hybrid-engine-tp-zero3"],
  // DS-Chat's own ValueError (step3 main.py:391-394); its tests/test_training.py skips this sweep combination.
  "step3_rlhf_finetuning/training_scripts/opt/single_node/sweep/run_single.sh z2_he_true_offload_true_lora_false": ["z2-hybrid-offload-no-lora"],
  // Pinned (the default), the hybrid engine gathers every actor layer at once under ZeRO-3 (gather_all_layers =
  // pin_parameters, runtime/hybrid_engine.py:44, 176-256): 2 B × 30B ≈ 57 GiB per GPU, more than an A100 has.
  "step3_rlhf_finetuning/training_scripts/opt/single_node/run_30b_lora.sh": ["does-not-fit"]
};

describe("DS-Chat's own training scripts at 83757d9c, as plans", () => {
  const dpo = invocations.filter((it) => it.path.includes("step2_dpo_finetuning"));
  const planned = invocations.filter((it) => !it.path.includes("step2_dpo_finetuning"));

  it("covers all 67 invocations: 20 of step 1, 9 of step 2 (reward model), 29 of step 3, and 9 of DPO", () => {
    assert.equal(invocations.length, 67);
    const byStep = (step: number) => planned.filter((it) => it.step === step).length;
    assert.deepEqual([byStep(1), byStep(2), byStep(3), dpo.length], [20, 9, 29, 9]);
  });

  it("get no error finding, except the ones DS-Chat's code raises on every DeepSpeed version", () => {
    const errors: Record<string, string[]> = {};
    for (const it of planned) {
      const found = planOf(it).filter((finding) => finding.severity === "error").map((finding) => finding.rule);
      if (found.length) errors[name(it)] = found;
    }
    assert.deepEqual(errors, EXPECTED_ERRORS);
  });

  it("name the fix DS-Chat's own code allows for the 30B step 3: one layer at a time", () => {
    const script = planned.find((it) => it.path.endsWith("step3_rlhf_finetuning/training_scripts/opt/single_node/run_30b_lora.sh"))!;
    const finding = planOf(script).find((f) => f.rule === "does-not-fit")!;
    assert.match(finding.message, /generation: actor hybrid-engine 57\.\d+ GiB/);
    assert.match(finding.fix, /^--unpin_actor_parameters/);
  });

  it("keep their warnings to the documented classes (no naive rule fires on DS-Chat's defaults)", () => {
    const warnings = new Set(planned.flatMap((it) => planOf(it).filter((f) => f.severity === "warning").map((f) => f.rule)));
    // Llama-2 + ZeRO-3 + hybrid engine (#821, #864); ZeRO-3 generation without the hybrid engine (#764); step 3 without --seed.
    assert.deepEqual([...warnings].sort(), ["hybrid-engine-family", "step3-seed-missing", "zero3-generation-without-hybrid-engine"]);
  });

  it("a version-dependent class fires for the versions it applies to: LoRA + hybrid engine on DeepSpeed 0.9.5 (#602, #622)", () => {
    const lora = planned.find((it) => it.path.endsWith("step3_rlhf_finetuning/training_scripts/opt/single_node/run_1.3b_lora.sh"))!;
    const {deepspeed: _flag, ...args} = lora.args;
    const at = (deepspeed: string) =>
      planReport(normalizePlan({steps: [3], step3: args, infrastructure: hardware(lora), versions: {...WORKING_VERSIONS, deepspeed}}), step3Models(lora)).lint.filter((f) => f.severity === "error").map((f) => f.rule);
    assert.deepEqual(at("0.9.5"), ["hybrid-engine-lora-fuse"]);
    assert.deepEqual(at("0.10.0"), []);
  });

  it("sets aside the DPO scripts, which the studio does not plan (its step 2 is the reward model)", () => {
    assert.ok(dpo.every((it) => it.step === 2));
  });
});
