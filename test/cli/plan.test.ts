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

describe("dschat-studio plan --out DIR", () => {
  it("writes plan.json, ds_config.json and a run.sh that --from reads back", async () => {
    const out = join(work, "run");
    const first = await plan("--step", "all", "--model", "facebook/opt-1.3b", "--critic-model", "facebook/opt-350m", "--seed", "42", "--out", out, "--json");
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
