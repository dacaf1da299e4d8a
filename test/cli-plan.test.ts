import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, describe, it} from "node:test";

const work = mkdtempSync(join(tmpdir(), "dschat-plan-"));
after(() => rmSync(work, {recursive: true, force: true}));

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ["bin/dschat-studio.js", "plan", ...args], {encoding: "utf8"});
  return {code: result.status, stdout: result.stdout, stderr: result.stderr};
}

describe("dschat-studio plan --json", () => {
  it("prints exactly one JSON document with the plan, commands, ds_config, memory, estimate and lint", () => {
    const {code, stdout, stderr} = cli("--model", "facebook/opt-1.3b", "--zero_stage", "3", "--per_device_train_batch_size", "4", "--gradient_checkpointing", "--data_path", "a/b", "c/d", "--instance", "ml.p4d.24xlarge", "--tokens-per-epoch", "1000000", "--json");
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout);
    assert.deepEqual(Object.keys(report), ["plan", "command", "ds_config", "memory", "estimate", "lint"]);
    assert.deepEqual(report.plan.step1.data_path, ["a/b", "c/d"]);
    assert.equal(report.ds_config["1"].zero_optimization.stage, 3);
    assert.equal(report.ds_config["1"].train_batch_size, 4 * 8);
    assert.match(report.command[0].shell, /^deepspeed --num_gpus 8 training\/step1_supervised_finetuning\/main\.py --data_path a\/b c\/d --model_name_or_path facebook\/opt-1\.3b --per_device_train_batch_size 4 --gradient_checkpointing --zero_stage 3 --deepspeed$/);
    assert.equal(report.memory.steps[0].fits, true);
    assert.ok(report.memory.assumptions.length > 3);
    assert.ok(report.estimate.time.hours > 0);
    assert.equal(report.estimate.fit.length > 10, true);
    assert.equal(stderr, "");
  });
  it("exits 4 with DS-Chat's own error when the plan cannot run", () => {
    const {code, stdout} = cli("--step", "3", "--model", "facebook/opt-1.3b", "--critic-model", "facebook/opt-350m", "--inference_tp_size", "2", "--json");
    assert.equal(code, 4);
    const lint: {rule: string; severity: string; step: number; field?: string}[] = JSON.parse(stdout).lint;
    const tp = lint.filter((finding) => finding.rule === "inference-tp-needs-zero3");
    assert.deepEqual(tp.map((finding) => [finding.severity, finding.field]), [["error", "step3.inference_tp_size"]], "reported once, naming the argument");
  });
});

describe("dschat-studio plan --out DIR", () => {
  it("writes plan.json, ds_config.json and a run.sh that --from reads back", () => {
    const out = join(work, "run");
    const first = cli("--step", "all", "--model", "facebook/opt-1.3b", "--critic-model", "facebook/opt-350m", "--seed", "42", "--out", out, "--json");
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /wrote .*plan\.json, .*ds_config\.json, .*run\.sh/);
    const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8"));
    assert.deepEqual(plan.steps, [1, 2, 3]);
    assert.equal(plan.step3.seed, 42);
    assert.equal(plan.step3.actor_model_name_or_path, "./output/actor-models");
    const dsConfig = JSON.parse(readFileSync(join(out, "ds_config.json"), "utf8"));
    assert.deepEqual(Object.keys(dsConfig["3"]), ["actor", "ref", "critic", "reward"]);
    const script = readFileSync(join(out, "run.sh"), "utf8");
    assert.match(script, /^#!\/usr\/bin\/env bash\n/);
    assert.equal((script.match(/\| tee "\$LOG_DIR\/step\d\.log"/g) ?? []).length, 3);
    assert.equal(spawnSync("bash", ["-n", join(out, "run.sh")]).status, 0, "run.sh parses");
    const again = cli("--from", join(out, "plan.json"), "--json");
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout).plan, plan);
  });
});

describe("dschat-studio plan --model config.json --data DIR", () => {
  it("reads a user's config.json and the converted data's manifest", () => {
    const checkpoint = join(work, "my-llama");
    const data = join(work, "converted");
    for (const dir of [checkpoint, data]) spawnSync("mkdir", ["-p", dir]);
    writeFileSync(join(checkpoint, "config.json"), JSON.stringify({_name_or_path: "my-org/tiny-llama", model_type: "llama", num_hidden_layers: 4, hidden_size: 256, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 688, vocab_size: 32000, max_position_embeddings: 2048}));
    writeFileSync(join(data, "manifest.json"), JSON.stringify({counts: {train: 1000, eval: 50, phases: {train: {"1": 1000, "2": 600, "3": 1000}, eval: {"1": 50, "2": 30, "3": 50}}}}));
    const {code, stdout, stderr} = cli("--model", join(checkpoint, "config.json"), "--lora_dim", "8", "--data", data, "--data_split", "10,0,0", "--json");
    assert.equal(code, 4, `lint's lora-module-no-match is an error: ${stderr}`);
    const report = JSON.parse(stdout);
    assert.equal(report.plan.step1.model_name_or_path, checkpoint);
    assert.equal(report.memory.models.step1, "my-org/tiny-llama");
    assert.equal(report.estimate.time.steps[0].tokensPerEpoch, 1000 * 512);
    assert.match(report.estimate.time.steps[0].tokensSource, /1000 rows × 512 padded tokens .*manifest\.json/);
    assert.ok(report.lint.some((finding: {rule: string}) => finding.rule === "lora-module-no-match"), "decoder.layers. matches no Llama layer");
    assert.match(report.memory.steps[0].notes[0], /matches no linear of my-org\/tiny-llama/);
  });
});

describe("dschat-studio plan (errors and help)", () => {
  it("names the bad flag and value and exits 2", () => {
    const badNumber = cli("--model", "opt-1.3b", "--zero_stage", "two");
    assert.equal(badNumber.code, 2);
    assert.match(badNumber.stderr, /--zero_stage must be a number, got "two"/);
    const badInstance = cli("--model", "opt-1.3b", "--instance", "ml.x9.huge");
    assert.equal(badInstance.code, 2);
    assert.match(badInstance.stderr, /--instance "ml\.x9\.huge" is not in the catalogue/);
    const badModel = cli("--model", "nobody/nothing");
    assert.equal(badModel.code, 2);
    assert.match(badModel.stderr, /--model "nobody\/nothing" is neither a file\/directory nor a known model/);
    const wrongStep = cli("--model", "opt-1.3b", "--actor_lora_dim", "8");
    assert.equal(wrongStep.code, 2);
    assert.match(wrongStep.stderr, /--actor_lora_dim is not an argument of step 1's main\.py/);
  });
  it("prints the human view and the instance catalogue", () => {
    const human = cli("--model", "opt-125m");
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^Plan: step 1 on 1 × A10G/);
    assert.match(human.stdout, /Memory per GPU, step 1 \(SFT\)/);
    const instances = cli("--instances");
    assert.match(instances.stdout, /ml\.p4d\.24xlarge\s+8  A100-40GB/);
  });
  it("plans on a user's own catalogue", () => {
    const catalog = join(work, "catalog.json");
    writeFileSync(catalog, JSON.stringify([{name: "lab-box", gpu: "A100_80", gpuCount: 2, hostMemoryGiB: 256, pricePerHour: 3}]));
    const {code, stdout, stderr} = cli("--model", "opt-1.3b", "--zero_stage", "2", "--catalog", catalog, "--instance", "lab-box", "--tokens-per-epoch", "100000000", "--json");
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout);
    assert.equal(report.memory.worldSize, 2);
    assert.equal(report.estimate.time.pricePerHour, 3);
    assert.ok(report.estimate.fit.some((fit: {instanceType: string}) => fit.instanceType === "lab-box"));
  });
});
