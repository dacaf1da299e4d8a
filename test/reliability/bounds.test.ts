/**
 * Bounded arguments (issue 9, classes 8 and 14): every DS-Chat integer is an integer in DS-Chat's sense and at most
 * 2^31 − 1, from the command line and from plan.json alike, and reaches the command as digits; a split too large for
 * this machine's memory is refused at once with the limit named; --threads above the cores is capped, and said so.
 */
import assert from "node:assert/strict";
import {availableParallelism} from "node:os";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, describe, it} from "node:test";
import {maxSplitRows} from "../../cli/commands/split.js";
import {argSpecsByStep} from "../../src/core/plan/dschatArgs.js";
import {DSCHAT_INT_MAX} from "../../src/core/plan/argBounds.js";
import {describeRun, runBounded} from "../helpers/bounded.js";
import {json, runMain} from "../helpers/cli.js";

const temp = mkdtempSync(join(tmpdir(), "reliability-bounds-"));
after(() => rmSync(temp, {recursive: true, force: true}));

describe("DS-Chat integer arguments", () => {
  const intArgs = ([1, 2, 3] as const).flatMap((step) => argSpecsByStep[step].filter((spec) => spec.kind === "int" && spec.name !== "seed").map((spec) => ({step, name: spec.name})));
  it(`accept 2^31 − 1 and write it as digits, for each of the ${intArgs.length} integer arguments of steps 1–3`, async () => {
    for (const {step, name} of intArgs) {
      const run = await runMain(["plan", "--step", String(step), "--model", "opt-125m", ...(step === 3 ? ["--critic-model", "opt-125m"] : []), `--${name}`, String(DSCHAT_INT_MAX), "--json"]);
      assert.ok(run.code === 0 || run.code === 4, `--${name}: ${run.stderr}`);
      const report = json(run, "plan-report");
      const argv: string[] = report.command[0].argv;
      assert.equal(argv[argv.indexOf(`--${name}`) + 1], "2147483647", `--${name} reaches the command as digits`);
    }
  });
  it("refuse what is not an integer, or is above 2^31 − 1, on the command line", async () => {
    const refusals: Array<[string[], RegExp]> = [
      [["--num_train_epochs", "1e308"], /--num_train_epochs: "1e308" is not a whole number/],
      [["--num_train_epochs", "1.0"], /"1\.0" is not a whole number/],
      [["--lora_dim", "99999999999999999999"], /--lora_dim: "99999999999999999999" is out of range \(from 0 to 2147483647\)/],
      [["--lora_dim", "2147483648"], /--lora_dim: "2147483648" is out of range \(from 0 to 2147483647\)/],
      [["--per_device_train_batch_size", "0"], /is out of range \(from 1 to 2147483647\)/],
      [["--gpus", "2147483648"], /--gpus: "2147483648" is out of range/],
      [["--max-runtime-hours", "673"], /--max-runtime-hours: "673" must be at most 672/],
      [["--price", "1e308"], /--price: "1e308" must be at most 1000000/],
      [["--tokens-per-epoch", "9007199254740993"], /--tokens-per-epoch: "9007199254740993" is out of range/]
    ];
    for (const [args, pattern] of refusals) {
      const run = await runMain(["plan", "--model", "opt-125m", ...args]);
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, pattern);
    }
  });
  it("refuse the same values in plan.json (the JSON number 1e308, a 20-digit number), naming the field", async () => {
    const cases: Array<[string, RegExp]> = [
      ['{"step1": {"num_train_epochs": 1e308}}', /plan\.step1\.num_train_epochs: must be a whole number of at most 2147483647, got 1e\+308/],
      ['{"step1": {"lora_dim": 99999999999999999999}}', /plan\.step1\.lora_dim: must be a whole number of at most 2147483647, got 100000000000000000000/],
      ['{"step1": {"lora_dim": 2147483648}}', /plan\.step1\.lora_dim: must be a whole number ≤ 2147483647, got 2147483648/],
      ['{"step2": {"seed": 4294967296}}', /plan\.step2\.seed: must be a whole number ≤ 4294967295/],
      ['{"infrastructure": {"instance_count": 1e20}}', /plan\.infrastructure\.instance_count: must be a whole number of at most 2147483647/],
      ['{"infrastructure": {"max_runtime_hours": 1000}}', /plan\.infrastructure\.max_runtime_hours: must be a number ≤ 672/]
    ];
    for (const [text, pattern] of cases) {
      const file = join(temp, "plan.json");
      writeFileSync(file, text);
      const run = await runMain(["plan", "--from", file]);
      assert.equal(run.code, 2, `${text}: ${run.stderr}`);
      assert.match(run.stderr, pattern);
    }
    writeFileSync(join(temp, "seed.json"), '{"step1": {"seed": 4294967295, "model_name_or_path": "facebook/opt-125m"}}');
    assert.equal((await runMain(["plan", "--from", join(temp, "seed.json")])).code, 0, "numpy's largest seed is accepted");
  });
});

describe("sizes beyond memory", () => {
  it("split --size 2147483648 is refused at once, naming this machine's limit", async () => {
    const run = await runBounded(["split", "--size", "2147483648", "--seed", "1", "--data_split", "10,0,0", "--step", "1"], {timeoutMs: 30_000});
    assert.equal(run.code, 2, describeRun(run));
    assert.match(run.stderr, new RegExp(`--size: 2147483648 rows need about 240\\.0 GiB of memory to split .* so split takes at most ${maxSplitRows().toLocaleString("en-US")} rows here`));
    assert.ok(run.peakMiB === null || run.peakMiB < 400, describeRun(run));
  });
  it("split --eval-size counts too, and a size within the limit still splits", async () => {
    const limit = maxSplitRows();
    const refused = await runMain(["split", "--size", "10", "--eval-size", String(limit), "--seed", "1", "--data_split", "10,0,0", "--step", "1"]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--size\/--eval-size: \d+ rows need about/);
    assert.equal((await runMain(["split", "--size", "1000", "--eval-size", "100", "--seed", "1", "--data_split", "10,0,0", "--step", "1"])).code, 0);
  });
});

describe("stats --threads above the cores", () => {
  it(`is capped at ${availableParallelism()} with a note, and uses no more memory than that many threads`, async () => {
    const converted = join(temp, "converted");
    const env = {DSCHAT_STUDIO_CACHE: join(temp, "cache")};
    assert.equal((await runMain(["convert", "test/fixtures/llama-factory/alpaca_en_demo.json", "--out", converted], {env})).code, 0);
    const many = await runBounded(["stats", converted, "--tokenizer", "gpt2", "--threads", "64", "--json"], {timeoutMs: 120_000});
    const cores = await runBounded(["stats", converted, "--tokenizer", "gpt2", "--threads", String(availableParallelism()), "--json"], {timeoutMs: 120_000});
    assert.equal(many.code, 0, describeRun(many));
    assert.equal(cores.code, 0, describeRun(cores));
    assert.match(many.stderr, new RegExp(`note: --threads 64 is more than the ${availableParallelism()} cores of this machine; using ${availableParallelism()}`));
    assert.deepEqual(JSON.parse(many.stdout).partitions, JSON.parse(cores.stdout).partitions);
    if (many.peakMiB !== null && cores.peakMiB !== null) assert.ok(many.peakMiB < cores.peakMiB * 1.5 + 50, `${many.peakMiB} MiB with 64 against ${cores.peakMiB} MiB`);
  });
});
