import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, describe, it} from "node:test";
import {json, runCli} from "../helpers/cli.js";
import {assertMatchesSchema} from "../helpers/schemas.js";

const work = mkdtempSync(join(tmpdir(), "dschat-plan-"));
after(() => rmSync(work, {recursive: true, force: true}));
const plan = (...args: string[]) => runCli(["plan", ...args], {env: {DSCHAT_STUDIO_CACHE: join(work, "cache")}});

describe("dschat-studio plan --json", () => {
  it("prints exactly one JSON document with the plan, commands, ds_config, memory, estimate and lint", async () => {
    const run = await plan("--model", "facebook/opt-1.3b", "--zero_stage", "3", "--per-device-train-batch-size", "4", "--gradient_checkpointing", "--data_path", "a/b", "c/d", "--instance", "ml.p4d.24xlarge", "--tokens-per-epoch", "1000000", "--json");
    assert.equal(run.code, 0, run.stderr);
    const report = json(run, "plan-report");
    assert.deepEqual(Object.keys(report), ["schema_version", "plan", "command", "ds_config", "memory", "estimate", "lint"]);
    assert.deepEqual(report.plan.step1.data_path, ["a/b", "c/d"]);
    assert.equal(report.ds_config["1"].zero_optimization.stage, 3);
    assert.equal(report.ds_config["1"].train_batch_size, 4 * 8);
    assert.match(report.command[0].shell, /^deepspeed --num_gpus 8 training\/step1_supervised_finetuning\/main\.py --data_path a\/b c\/d --model_name_or_path facebook\/opt-1\.3b --per_device_train_batch_size 4 --gradient_checkpointing --zero_stage 3 --deepspeed$/);
    assert.equal(report.memory.steps[0].fits, true);
    assert.ok(report.memory.assumptions.length > 3);
    assert.ok(report.estimate.time.hours > 0);
    assert.equal(report.estimate.fit.length > 10, true);
    assert.equal(run.stderr, "");
  });
  it("exits 4 with DS-Chat's own error when the plan cannot run", async () => {
    const run = await plan("--step", "3", "--model", "facebook/opt-1.3b", "--critic-model", "facebook/opt-350m", "--inference_tp_size", "2", "--json");
    assert.equal(run.code, 4);
    const lint: {rule: string; severity: string; step: number; field?: string}[] = json(run, "plan-report").lint;
    const tp = lint.filter((finding) => finding.rule === "inference-tp-needs-zero3");
    assert.deepEqual(tp.map((finding) => [finding.severity, finding.step, finding.field]), [["error", 3, "step3.inference_tp_size"]], "reported once, naming the argument");
  });
});

describe("dschat-studio plan: issue 12's three plans exit 0 with no error", () => {
  const errorsOf = (run: {code: number; stdout: string; stderr: string}) => json(run, "plan-report").lint.filter((f: {severity: string}) => f.severity === "error").map((f: {rule: string}) => f.rule);
  it("a BLOOM step-3 critic (no rwtranrsformer in step 3), a Llama-2 critic with DS-Chat's --num_padding_at_beginning 1, a Llama-3 name without lowercase llama", async () => {
    // On the default 1×A10G these models do not fit (does-not-fit); on 8×A100-80G with the settings DS-Chat's own
    // Llama-2 scripts use they do.
    const runs = await Promise.all([
      plan("--step", "3", "--model", "bigscience/bloom-560m", "--critic-model", "bigscience/bloom-560m", "--seed", "1234", "--instance", "ml.p4de.24xlarge", "--json"),
      plan("--step", "3", "--model", "meta-llama/Llama-2-7b-hf", "--critic-model", "meta-llama/Llama-2-7b-hf", "--num_padding_at_beginning", "1", "--actor_zero_stage", "3", "--critic_zero_stage", "3", "--per_device_generation_batch_size", "1", "--per_device_training_batch_size", "1", "--actor_gradient_checkpointing", "--critic_gradient_checkpointing", "--seed", "1234", "--instance", "ml.p4de.24xlarge", "--json"),
      plan("--model", "NousResearch/Meta-Llama-3-8B", "--zero_stage", "3", "--gradient_checkpointing", "--per_device_train_batch_size", "4", "--lora_module_name", "layers.", "--instance", "ml.p4de.24xlarge", "--json")
    ]);
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(errorsOf(run), []);
    }
    const rulesOf = (run: {stdout: string}) => JSON.parse(run.stdout).lint.map((f: {rule: string}) => f.rule);
    assert.equal(rulesOf(runs[0]).some((rule: string) => rule.startsWith("bloom-step2")), false);
    assert.ok(rulesOf(runs[2]).includes("llama-name-case"), "AutoTokenizer with pad = EOS, as information");
    const cramped = await plan("--step", "3", "--model", "meta-llama/Llama-2-7b-hf", "--critic-model", "meta-llama/Llama-2-7b-hf", "--json");
    assert.equal(cramped.code, 4);
    assert.deepEqual(errorsOf(cramped), ["does-not-fit"], "the same models on one A10G");
  });
});

describe("dschat-studio plan --out DIR", () => {
  it("writes plan.json, ds_config.json and a run.sh that --from reads back", async () => {
    const out = join(work, "run");
    const first = await plan("--step", "all", "--model", "facebook/opt-1.3b", "--critic-model", "facebook/opt-350m", "--seed", "42", "--instance", "ml.p4de.24xlarge", "--out", out, "--json");
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /wrote .*plan\.json, .*ds_config\.json, .*run\.sh/);
    const written = JSON.parse(readFileSync(join(out, "plan.json"), "utf8"));
    assertMatchesSchema("plan", written);
    assert.deepEqual(written.steps, [1, 2, 3]);
    assert.equal(written.step3.seed, 42);
    assert.equal(written.step3.actor_model_name_or_path, "./output/actor-models");
    const dsConfig = JSON.parse(readFileSync(join(out, "ds_config.json"), "utf8"));
    assert.deepEqual(Object.keys(dsConfig["3"]), ["actor", "ref", "critic", "reward"]);
    const script = readFileSync(join(out, "run.sh"), "utf8");
    assert.match(script, /^#!\/usr\/bin\/env bash\n/);
    assert.equal((script.match(/\| tee "\$LOG_DIR\/step\d\.log"/g) ?? []).length, 3);
    assert.equal(spawnSync("bash", ["-n", join(out, "run.sh")]).status, 0, "run.sh parses");
    const again = await plan("--from", join(out, "plan.json"), "--json");
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(json(again, "plan-report").plan, written);
  });
});

describe("dschat-studio plan --model config.json --data DIR", () => {
  it("reads a user's config.json and the converted data's manifest", async () => {
    const checkpoint = join(work, "my-llama");
    const data = join(work, "converted");
    mkdirSync(checkpoint, {recursive: true});
    writeFileSync(join(checkpoint, "config.json"), JSON.stringify({_name_or_path: "my-org/tiny-llama", model_type: "llama", num_hidden_layers: 4, hidden_size: 256, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 688, vocab_size: 32000, max_position_embeddings: 2048}));
    const converted = await runCli(["convert", "test/fixtures/llama-factory/alpaca_en_demo.json", "--out", data], {env: {DSCHAT_STUDIO_CACHE: join(work, "cache")}});
    assert.equal(converted.code, 0, converted.stderr);
    const manifest = JSON.parse(readFileSync(join(data, "manifest.json"), "utf8"));
    const run = await plan("--model", join(checkpoint, "config.json"), "--lora_dim", "8", "--data", data, "--data_split", "10,0,0", "--json");
    assert.equal(run.code, 4, `lint's lora-module-no-match is an error: ${run.stderr}`);
    const report = json(run, "plan-report");
    assert.equal(report.plan.step1.model_name_or_path, checkpoint);
    assert.equal(report.memory.models.step1, "my-org/tiny-llama");
    const rows = manifest.counts.phases.train["1"];
    assert.equal(report.estimate.time.steps[0].tokens_per_epoch, rows * 512);
    assert.match(report.estimate.time.steps[0].tokens_source, new RegExp(`${rows} rows × 512 padded tokens .*manifest\\.json`));
    assert.ok(report.lint.some((finding: {rule: string}) => finding.rule === "lora-module-no-match"), "decoder.layers. matches no Llama layer");
    assert.match(report.memory.steps[0].notes[0], /matches no linear of my-org\/tiny-llama/);
    writeFileSync(join(data, "manifest.json"), JSON.stringify({counts: manifest.counts}));
    const old = await plan("--model", "opt-125m", "--data", data);
    assert.equal(old.code, 2);
    assert.match(old.stderr, /--data .*manifest\.json, schema_version: has no schema_version/);
  });
});

describe("dschat-studio plan --data DIR: the plan carries its dataset", () => {
  it("records the convert output in plan.json, trains every step on local/jsonfile, and run.sh puts the files where DS-Chat reads them", async () => {
    const data = join(work, "alpaca-converted");
    const converted = await runCli(["convert", "test/fixtures/llama-factory/alpaca_en_demo.json", "--out", data], {env: {DSCHAT_STUDIO_CACHE: join(work, "cache")}});
    assert.equal(converted.code, 0, converted.stderr);
    const manifest = JSON.parse(readFileSync(join(data, "manifest.json"), "utf8"));
    const out = join(work, "with-data");
    const run = await plan("--step", "all", "--model", "facebook/opt-125m", "--critic-model", "facebook/opt-125m", "--data", data, "--out", out, "--json");
    assert.ok(run.code === 0 || run.code === 4, run.stderr);
    const written = JSON.parse(readFileSync(join(out, "plan.json"), "utf8"));
    assertMatchesSchema("plan", written);
    assert.deepEqual(written.dataset, {
      cache_key: manifest.cache_key,
      format: manifest.format.name,
      sources: manifest.inputs.map((input: {source: string}) => input.source),
      rows: {train: manifest.counts.train, eval: manifest.counts.eval},
      phase_rows: manifest.counts.phases
    });
    for (const step of [1, 2, 3]) assert.deepEqual(written[`step${step}`].data_path, ["local/jsonfile"], `step ${step}`);
    assert.ok(json(run, "plan-report").command.every((command: {shell: string}) => command.shell.includes(" --data_path local/jsonfile ")));

    // plan --from keeps the record; a step added later trains on it too; --data_path naming other data drops it.
    const again = await plan("--from", join(out, "plan.json"), "--json");
    assert.deepEqual(json(again, "plan-report").plan, written);
    const other = json(await plan("--from", join(out, "plan.json"), "--data_path", "Dahoas/rm-static", "--json"), "plan-report").plan;
    assert.equal(other.dataset, null);
    const both = await plan("--data", data, "--data_path", "Dahoas/rm-static");
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--data_path: --data trains on the converted dataset .* names \["Dahoas\/rm-static"\]/);
    // A hand-edited plan whose data_path contradicts its dataset is refused, naming the field.
    writeFileSync(join(work, "contradiction.json"), JSON.stringify({...written, step2: {...written.step2, data_path: ["Dahoas/rm-static"]}}));
    const contradiction = await plan("--from", join(work, "contradiction.json"));
    assert.equal(contradiction.code, 2);
    assert.match(contradiction.stderr, /plan\.step2\.data_path: plan\.dataset names the converted dataset .* but step 2 trains on \["Dahoas\/rm-static"\]/);

    // run.sh, run from a DeepSpeed-Chat root whose `deepspeed` only records its arguments: data/ gets the converted files.
    const root = join(work, "DeepSpeed-Chat");
    const bin = join(work, "bin");
    mkdirSync(bin, {recursive: true});
    mkdirSync(root, {recursive: true});
    writeFileSync(join(bin, "deepspeed"), '#!/bin/sh\necho "deepspeed $*" >> "$DSCHAT_ROOT/launched.txt"\n', {mode: 0o755});
    const env = {...process.env, PATH: `${bin}:${process.env.PATH}`, DSCHAT_ROOT: root, LOG_DIR: join(work, "logs")};
    const ran = spawnSync("bash", [join(out, "run.sh")], {env, encoding: "utf8"});
    assert.equal(ran.status, 0, ran.stderr);
    for (const file of ["train.json", "eval.json"]) assert.ok(readFileSync(join(root, "data", file)).equals(readFileSync(join(data, file))), file);
    assert.equal(readFileSync(join(root, "launched.txt"), "utf8").split("\n").filter((line) => line.includes("--data_path local/jsonfile")).length, 3);
    // A different train.json already in data/ is the user's: run.sh stops instead of overwriting it.
    writeFileSync(join(root, "data", "train.json"), "{}\n");
    const refused = spawnSync("bash", [join(out, "run.sh")], {env, encoding: "utf8"});
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /data\/train\.json exists and differs from .*: move it away first/);
    assert.equal(readFileSync(join(root, "data", "train.json"), "utf8"), "{}\n");
  });
});

describe("dschat-studio plan: versions and what is on disk", () => {
  it("--deepspeed-version and friends set plan.versions; version-gated findings follow them", async () => {
    const args = ["--step", "3", "--model", "facebook/opt-1.3b", "--critic-model", "AdamG012/chat-opt-350m-reward-deepspeed", "--actor_zero_stage", "3", "--critic_zero_stage", "3", "--enable_hybrid_engine", "--seed", "1234", "--instance", "ml.p4de.24xlarge"];
    const byDefault = await plan(...args, "--json");
    assert.equal(byDefault.code, 0, "the default is the hand-off's pin, DeepSpeed 0.16.4");
    assert.equal(json(byDefault, "plan-report").plan.versions.deepspeed, "0.16.4");
    const latest = await plan(...args, "--deepspeed-version", "0.19.5", "--json");
    assert.equal(latest.code, 4, "DeepSpeed 0.19.5 cannot start the hybrid engine under ZeRO-3 (#8270)");
    assert.ok(json(latest, "plan-report").lint.some((f: {rule: string}) => f.rule === "hybrid-engine-zero3-deepspeed"));
    const pinned = await plan(...args, "--deepspeed-version", "0.16.4", "--transformers-version", "4.48.3", "--torch-version", "unknown", "--json");
    assert.equal(pinned.code, 0, pinned.stderr);
    assert.deepEqual(json(pinned, "plan-report").plan.versions, {deepspeed: "0.16.4", transformers: "4.48.3", torch: null, dschat: "83757d9c"});
    const bad = await plan("--model", "opt-125m", "--deepspeed-version", "latest");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--deepspeed-version: "latest" is not a version\n  fix: Pass e\.g\. --deepspeed-version 0\.16\.4/);
  });

  it("a local checkpoint: DS-Chat tests its config.json _name_or_path (utils.py:97-105), and the critic needs one pytorch_model.bin", async () => {
    const llama3 = join(work, "my-model");
    mkdirSync(llama3, {recursive: true});
    writeFileSync(join(llama3, "config.json"), JSON.stringify({_name_or_path: "meta-llama/Meta-Llama-3-8B", model_type: "llama", num_hidden_layers: 2, hidden_size: 256, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 688, vocab_size: 128256, max_position_embeddings: 8192}));
    const run = await plan("--model", llama3, "--lora_module_name", "layers.", "--json");
    assert.ok(json(run, "plan-report").lint.some((f: {rule: string}) => f.rule === "llama3-tokenizer"), "the folder name has no \"llama\"; its _name_or_path has");
    const critic = join(work, "sharded-critic");
    mkdirSync(critic, {recursive: true});
    writeFileSync(join(critic, "config.json"), JSON.stringify({_name_or_path: "facebook/opt-350m", model_type: "opt", num_hidden_layers: 24, hidden_size: 1024, num_attention_heads: 16, ffn_dim: 4096, vocab_size: 50272, max_position_embeddings: 2048, word_embed_proj_dim: 512, do_layer_norm_before: false}));
    writeFileSync(join(critic, "model.safetensors"), "");
    const step3 = await plan("--step", "3", "--model", "facebook/opt-1.3b", "--critic-model", critic, "--seed", "1234", "--instance", "ml.p4de.24xlarge", "--json");
    const layout = json(step3, "plan-report").lint.find((f: {rule: string}) => f.rule === "critic-checkpoint-layout");
    assert.match(layout.message, /has no pytorch_model\.bin \(it has model\.safetensors\)/);
  });
});

describe("dschat-studio plan --data / lint --plan: the rows each step gets (issue 12 item 11)", () => {
  it("warns when data_split gives the planned step a small share and the rest to steps the plan does not run", async () => {
    const data = join(work, "dpo-zh");
    const env = {DSCHAT_STUDIO_CACHE: join(work, "cache")};
    assert.equal((await runCli(["convert", "test/fixtures/llama-factory/dpo_zh_demo.json", "--out", data], {env})).code, 0);
    const trainRows = JSON.parse(readFileSync(join(data, "manifest.json"), "utf8")).counts.train;
    // DS-Chat's get_raw_dataset_split_index (data_utils.py:108-118): index = [0] + cumulative round(share × size), then
    // every boundary after the first moves by (last − size), so phase 1 of "2,4,4" absorbs the rounding.
    const cuts = [0];
    for (const share of [0.2, 0.4, 0.4]) cuts.push(cuts.at(-1)! + Math.round(share * trainRows));
    const phase1 = cuts[1] - (cuts[3] - trainRows);
    const step1 = await plan("--model", "facebook/opt-125m", "--data", data, "--out", join(work, "split-plan"), "--json");
    assert.equal(step1.code, 0, step1.stderr);
    const share = json(step1, "plan-report").lint.find((f: {rule: string}) => f.rule === "data-split-share");
    assert.equal(share.severity, "warning");
    assert.match(share.message, new RegExp(`^step 1 trains on ${phase1} of the ${trainRows} train\\.json rows it can use \\(data_split 2,4,4; .*manifest\\.json\\): \\d+%, while the phase 2 and phase 3 shares go to steps this plan does not run`));
    assert.match(share.fix, new RegExp(`^pass --data_split 10,0,0 \\(step 1 then trains on about ${trainRows} rows\\)`));
    // lint with the written plan counts the same partition row by row.
    const linted = await runCli(["lint", data, "--plan", join(work, "split-plan", "plan.json"), "--json"], {env});
    const fromLint = json(linted, "lint").findings.find((f: {rule: string}) => f.rule === "data-split-share");
    assert.equal(fromLint.severity, "warning");
    assert.match(fromLint.message, new RegExp(`^step 1 trains on ${phase1} of the ${trainRows} train\\.json rows`));
    // A chained plan uses every share: each step's rows are reported, without a warning.
    const all = await plan("--step", "all", "--model", "facebook/opt-125m", "--critic-model", "facebook/opt-125m", "--seed", "1234", "--data", data, "--json");
    const rows = json(all, "plan-report").lint.filter((f: {rule: string}) => f.rule === "data-split-share");
    assert.deepEqual(rows.map((f: {severity: string; step: number}) => `${f.severity}:${f.step}`), ["info:1", "info:2", "info:3"]);
  });
});

describe("dschat-studio plan (errors and help)", () => {
  it("names the bad option and value and exits 2", async () => {
    const [badNumber, badInstance, badModel, wrongStep, typo] = await Promise.all([
      plan("--model", "opt-1.3b", "--zero_stage", "two"),
      plan("--model", "opt-1.3b", "--instance", "ml.p4d.24xlarg"),
      plan("--model", "nobody/nothing"),
      plan("--model", "opt-1.3b", "--actor_lora_dim", "8"),
      plan("--max-seq-lenn", "512")
    ]);
    assert.deepEqual([badNumber.code, badInstance.code, badModel.code, wrongStep.code, typo.code], [2, 2, 2, 2, 2]);
    assert.match(badNumber.stderr, /--zero_stage: "two" is not a whole number/);
    assert.match(badInstance.stderr, /--instance, plan\.infrastructure\.instance_type: instance type "ml\.p4d\.24xlarg" is not in the catalogue\n  fix: Did you mean ml\.p4d\.24xlarge\?/);
    assert.match(badModel.stderr, /--model: "nobody\/nothing" is neither a file\/directory nor a known model/);
    assert.match(wrongStep.stderr, /--actor_lora_dim: is not an argument of step 1's main\.py\n  fix: Choose the step with --step \(it belongs to step 3\)/);
    assert.match(typo.stderr, /--max-seq-lenn: unknown option\n  fix: Did you mean --max-seq-len\?/);
  });
  it("prints the human view and the instance catalogue, which --catalog reads back", async () => {
    const human = await plan("--model", "opt-125m");
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^Plan: step 1 on 1 × A10G/);
    assert.match(human.stdout, /Memory per GPU, step 1 \(SFT\)/);
    assert.match(human.stdout, /\nVersions: DeepSpeed 0\.16\.4, transformers 4\.56\.2, torch 2\.8\.0, DS-Chat 83757d9c/);
    const instances = await plan("--instances");
    assert.match(instances.stdout, /ml\.p4d\.24xlarge\s+8  A100-40GB/);
    const catalog = json(await plan("--instances", "--json"), "instances");
    const file = join(work, "printed-catalog.json");
    writeFileSync(file, JSON.stringify(catalog));
    assert.deepEqual(json(await plan("--instances", "--catalog", file, "--json"), "instances"), catalog);
  });
  it("plans on a user's own catalogue", async () => {
    const catalog = join(work, "catalog.json");
    writeFileSync(catalog, JSON.stringify([{name: "lab-box", gpu: "A100_80", gpu_count: 2, host_memory_gib: 256, price_per_hour: 3}]));
    const run = await plan("--model", "opt-1.3b", "--zero_stage", "2", "--catalog", catalog, "--instance", "lab-box", "--tokens-per-epoch", "100000000", "--json");
    assert.equal(run.code, 0, run.stderr);
    const report = json(run, "plan-report");
    assert.equal(report.memory.world_size, 2);
    assert.equal(report.estimate.time.price_per_hour, 3);
    assert.ok(report.estimate.fit.some((fit: {instance_type: string}) => fit.instance_type === "lab-box"));
  });
});
