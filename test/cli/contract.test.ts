/**
 * The command-line contract, for every command at once: each --json output matches its schema (real outputs, not
 * samples; the SageMaker commands' outputs are validated in test/cli/sagemaker.test.ts against the emulator), the schema files agree with the version table, a bug exits 1 and bad input exits 2 everywhere, and every
 * DS-Chat argument means the same in DS-Chat's spelling and in kebab-case.
 */
import assert from "node:assert/strict";
import {mkdtempSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, it} from "node:test";
import {commands} from "../../cli/commands/index.js";
import {TEST_THROW_VARIABLE} from "../../cli/main.js";
import {SCHEMA_VERSIONS, type SchemaName} from "../../src/core/contract/schemaVersions.js";
import {argSpecsByStep} from "../../src/core/plan/dschatArgs.js";
import {listConvertedDatasets} from "../../loaders/datasets.js";
import {samplesDocument} from "../../loaders/samples.js";
import {json, runMain, type CliRun} from "../helpers/cli.js";
import {assertMatchesSchema, schemaFiles} from "../helpers/schemas.js";

const work = mkdtempSync(join(tmpdir(), "dschat-contract-"));
after(() => rmSync(work, {recursive: true, force: true}));
// No emulator answers on port 1: the AWS commands' bad-input cases fail before any call.
const env = {DSCHAT_STUDIO_CACHE: join(work, "cache"), DSCHAT_STUDIO_EMULATOR_PORT: "1"};
const run = (...args: string[]) => runMain(args, {env});
const EDGE = "test/fixtures/converted/edge-cases";
const converted = join(work, "converted");

describe("schemas/ and the schema version table", () => {
  it("have one schema file per document, with the table's schema_version", () => {
    const documents = Object.keys(schemaFiles).filter((name) => name !== "finding").sort();
    assert.deepEqual(documents, Object.keys(SCHEMA_VERSIONS).sort());
    for (const [name, version] of Object.entries(SCHEMA_VERSIONS)) {
      assert.equal(schemaFiles[name].$id, `${name}.schema.json`);
      assert.equal(schemaFiles[name].properties?.schema_version?.const, version, `${name}.schema.json's schema_version`);
    }
  });
  it("describe plan.json's steps with exactly DS-Chat's arguments, in main.py's order", () => {
    const plan = schemaFiles.plan as unknown as {properties: Record<string, {properties: Record<string, unknown>}>};
    for (const step of [1, 2, 3] as const) {
      assert.deepEqual(Object.keys(plan.properties[`step${step}`].properties), argSpecsByStep[step].map((spec) => spec.name), `step${step}`);
    }
  });
});

describe("every command's --json output matches its schema", () => {
  before(async () => {
    const result = await run("convert", "test/fixtures/llama-factory/dpo_zh_demo.json", "--out", converted, "--json");
    assert.equal(result.code, 0, result.stderr);
  });
  const cases: Array<[string, SchemaName, string[], number]> = [
    ["convert", "convert", ["convert", "test/fixtures/llama-factory/identity.json", "--out", join(work, "identity"), "--json"], 0],
    ["convert, files of different formats, unused columns, reasoning", "convert", ["convert", "test/fixtures/llama-factory/mllm_demo.json", "test/fixtures/llama-factory/reason_tool_use_demo_50.jsonl", "test/fixtures/belle/eval_set.json", "test/fixtures/llama-factory/wiki_demo_first3.txt", "--out", join(work, "mixed"), "--json"], 0],
    ["inspect", "inspect", ["inspect", "test/fixtures/llama-factory/alpaca_en_demo.json", "--json"], 0],
    ["inspect, files of different formats", "inspect", ["inspect", "test/fixtures/llama-factory/mllm_demo.json", "test/fixtures/belle/eval_set.json", "test/fixtures/engine/wiki_paragraphs.txt", "--json"], 0],
    ["inspect --format (rejected examples)", "inspect", ["inspect", "test/fixtures/belle/eval_set.json", "--format", "alpaca", "--json"], 0],
    ["split with eval", "split", ["split", "--size", "50", "--eval-size", "10", "--seed", "1", "--data_split", "2,4,4", "--step", "1", "--json"], 0],
    ["split without eval", "split", ["split", "--size", "50", "--seed", "1", "--data_split", "2,4,4", "--step", "3", "--json"], 0],
    ["stats", "stats", ["stats", EDGE, "--tokenizer", "gpt2", "--json"], 0],
    ["stats with a manifest and a sample", "stats", ["stats", converted, "--tokenizer", "gpt2", "--sample", "50", "--json"], 0],
    ["lint", "lint", ["lint", EDGE, "--data_split", "0,10,0", "--json"], 4],
    ["lint --rules", "lint-rules", ["lint", "--rules", "--json"], 0],
    ["plan, one step", "plan-report", ["plan", "--model", "facebook/opt-1.3b", "--zero_stage", "3", "--instance", "ml.p4d.24xlarge", "--tokens-per-epoch", "1000000", "--json"], 0],
    ["plan, chained, with time from --data", "plan-report", ["plan", "--step", "all", "--model", "facebook/opt-1.3b", "--critic-model", "facebook/opt-350m", "--seed", "1", "--enable_ema", "--instance", "ml.p4de.24xlarge", "--data", converted, "--json"], 0],
    ["plan with errors", "plan-report", ["plan", "--step", "3", "--model", "opt-125m", "--inference_tp_size", "2", "--json"], 4],
    ["plan --instances", "instances", ["plan", "--instances", "--json"], 0]
  ];
  for (const [label, schema, args, code] of cases) {
    it(`${label}: schemas/${schema}.schema.json`, async () => {
      const result = await run(...args);
      assert.equal(result.code, code, result.stderr);
      const document = json(result, schema);
      assert.equal(document.schema_version, SCHEMA_VERSIONS[schema]);
    });
  }
  it("the files: manifest.json, plan.json and the pages' datasets.json and samples.json", async () => {
    assertMatchesSchema("manifest", JSON.parse(readFileSync(join(converted, "manifest.json"), "utf8")));
    assertMatchesSchema("manifest", JSON.parse(readFileSync(join(work, "mixed", "manifest.json"), "utf8")));
    const out = join(work, "plan-out");
    assert.equal((await run("plan", "--model", "opt-125m", "--out", out)).code, 0);
    assertMatchesSchema("plan", JSON.parse(readFileSync(join(out, "plan.json"), "utf8")));
    const datasets = await listConvertedDatasets(env);
    assertMatchesSchema("datasets", datasets);
    assert.ok(datasets.datasets.some((dataset) => dataset.sample === "hh-rlhf-harmless-base"), "the shipped sample is listed");
    assertMatchesSchema("samples", samplesDocument());
  });
});

describe("exit codes: one mapping in main for every command", () => {
  const names = Object.keys(commands);
  it(`a TypeError thrown inside any command exits 1 with the --debug line (${TEST_THROW_VARIABLE})`, async () => {
    for (const name of names) {
      const result = await runMain([name, ...minimalArgs[name]], {env: {...env, [TEST_THROW_VARIABLE]: name}});
      assert.equal(result.code, 1, `${name}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`^dschat-studio ${name}: unexpected error: deliberate TypeError`), name);
      assert.match(result.stderr, /Rerun with --debug for the stack trace/, name);
      assert.equal(result.stdout, "", name);
    }
  });
  it("the hook fires only for the command it names", async () => {
    const result = await runMain(["split", ...minimalArgs.split], {env: {...env, [TEST_THROW_VARIABLE]: "plan"}});
    assert.equal(result.code, 0, result.stderr);
  });
  it("bad input exits 2 in every command, with the location and the fix", async () => {
    const bad: Record<string, string[]> = {
      inspect: ["inspect", "test/fixtures/malformed/not-json.json"],
      convert: ["convert", "test/fixtures/malformed/empty.jsonl", "--out", join(work, "never")],
      split: ["split", "--size", "ten", "--seed", "1", "--data_split", "2,4,4", "--step", "1"],
      stats: ["stats", "no/such/dir", "--tokenizer", "gpt2"],
      lint: ["lint", EDGE, "--step", "4"],
      plan: ["plan", "--model", "opt-125m", "--per_device_train_batch_size", "0"],
      submit: ["submit", "no/such/plan.json", "--data", EDGE],
      chain: ["chain", "no/such/plan.json", "--data", EDGE],
      status: ["status", "dschat-step1-x", "--emulator"],
      list: ["list", "--max", "0"],
      stop: ["stop", "dschat-step1-x", "--emulator"],
      emulator: ["emulator", "--port", "70000"],
      watch: ["watch", "dschat-step1-x", "--emulator"],
      runs: ["runs", "unexpected"],
      "import-log": ["import-log", "no/such/training.log", "--plan", "no/such/plan.json"]
    };
    assert.deepEqual(Object.keys(bad).sort(), [...names].sort(), "a case per command");
    for (const [name, args] of Object.entries(bad)) {
      const result = await run(...args);
      assert.equal(result.code, 2, `${name}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`^dschat-studio ${name}: .+\\n  fix: .+\\n$`), name);
    }
  });
  it("an unknown option exits 2 and names the closest known one, in the spelling typed", async () => {
    for (const [args, suggestion] of [
      [["plan", "--max-seq-lenn", "512"], "--max-seq-len"],
      [["plan", "--max_seq_lenn", "512"], "--max_seq_len"],
      [["stats", EDGE, "--tokeniser", "gpt2"], "--tokenizer"],
      [["convert", "x", "--evalratio", "0.1"], "--eval-ratio"]
    ] as const) {
      const result = await run(...args);
      assert.equal(result.code, 2, args.join(" "));
      assert.match(result.stderr, new RegExp(`unknown option\\n  fix: Did you mean ${suggestion}\\?`), args.join(" "));
    }
  });
});

/** The least each command needs to start (the test hook throws before any of it is used). */
const minimalArgs: Record<string, string[]> = {
  inspect: ["test/fixtures/llama-factory/identity.json"],
  convert: ["test/fixtures/llama-factory/identity.json", "--out", join(work, "hooked")],
  split: ["--size", "10", "--seed", "1", "--data_split", "2,4,4", "--step", "1"],
  stats: [EDGE, "--tokenizer", "gpt2"],
  lint: [EDGE],
  plan: ["--model", "opt-125m"],
  submit: ["plan.json", "--data", EDGE],
  chain: ["plan.json", "--data", EDGE],
  status: ["dschat-step1-x"],
  list: [],
  stop: ["dschat-step1-x"],
  emulator: [],
  watch: ["dschat-step1-x"],
  runs: [],
  "import-log": ["training.log", "--plan", "plan.json"]
};

describe("one spelling rule: DS-Chat's spelling and kebab-case mean the same", () => {
  const same = async (label: string, build: (maxSeqLen: string) => string[]) => {
    const runs: CliRun[] = [];
    for (const flag of ["--max_seq_len", "--max-seq-len"]) runs.push(await run(...build(flag)));
    for (const result of runs) assert.ok(result.code === 0 || result.code === 4, `${label}: ${result.stderr}`);
    assert.equal(runs[0].stdout, runs[1].stdout, label);
    assert.equal(runs[0].code, runs[1].code, label);
    return runs[0];
  };
  it("plan, stats, lint and split accept --max_seq_len 512 and --max-seq-len 512 with the same result", async () => {
    const plan = await same("plan", (flag) => ["plan", "--model", "opt-125m", flag, "512", "--json"]);
    assert.equal(json(plan, "plan-report").plan.step1.max_seq_len, 512);
    const stats = await same("stats", (flag) => ["stats", EDGE, "--tokenizer", "gpt2", flag, "512", "--json"]);
    assert.equal(json(stats, "stats").settings.max_seq_len, 512);
    await same("lint", (flag) => ["lint", EDGE, flag, "512", "--json"]);
    await same("split", (flag) => ["split", "--size", "100", "--seed", "1", "--data_split", "2,4,4", "--step", "1", flag, "512", "--json"]);
  });
  it("a different value changes the result, so the option is read (not ignored) where it matters", async () => {
    const at = async (value: string) => json(await run("stats", EDGE, "--tokenizer", "gpt2", "--max-seq-len", value, "--json"), "stats").partitions[0].truncated;
    assert.notDeepEqual(await at("8"), await at("512"));
  });
  it("numbers, seeds and steps follow one rule in every command", async () => {
    for (const args of [
      ["convert", "x", "--out", join(work, "y"), "--seed", "1e3"],
      ["split", "--size", "10", "--seed", "1e3", "--data_split", "2,4,4", "--step", "1"],
      ["stats", EDGE, "--tokenizer", "gpt2", "--seed", "1e3"],
      ["lint", EDGE, "--seed", "1e3"],
      ["plan", "--model", "opt-125m", "--seed", "1e3"]
    ]) {
      const result = await run(...args);
      assert.equal(result.code, 2, args.join(" "));
      assert.match(result.stderr, /--seed: "1e3" is not a whole number\n  fix: Pass digits only, e\.g\. --seed 1234\./, args[0]);
    }
    for (const args of [
      ["split", "--size", "10", "--seed", "1", "--data_split", "2,4,4", "--step", "4"],
      ["lint", EDGE, "--step", "4"]
    ]) assert.match((await run(...args)).stderr, /--step: "4" is not a DS-Chat step/, args[0]);
  });
});
