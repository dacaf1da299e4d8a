import assert from "node:assert/strict";
import {createHash} from "node:crypto";
import {copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, describe, it} from "node:test";
import {json, runCli} from "../helpers/cli.js";
import {assertMatchesSchema} from "../helpers/schemas.js";

const temp = mkdtempSync(join(tmpdir(), "cli-convert-"));
after(() => rmSync(temp, {recursive: true, force: true}));
const env = {DSCHAT_STUDIO_CACHE: join(temp, "cache")};

describe("dschat-studio convert <path...> --out <dir> --json", () => {
  it("prints exactly one JSON object with the contract's keys, and nothing on stderr", async () => {
    const out = join(temp, "dpo");
    const run = await runCli(["convert", "test/fixtures/llama-factory/dpo_zh_demo.json", "--out", out, "--json"], {env});
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, "");
    const result = json(run, "convert");
    assert.deepEqual(Object.keys(result), ["schema_version", "format", "rows_read", "rows_converted", "rows_rejected", "rows_filtered", "train_rows", "eval_rows", "phase_rows", "out", "cache_hit", "inputs", "warnings"]);
    assert.equal(result.rows_filtered, 0);
    assert.deepEqual([result.format, result.rows_read, result.rows_converted, result.rows_rejected], ["sharegpt-preference", 300, 300, 0]);
    assert.equal(result.train_rows + result.eval_rows, 300);
    assert.deepEqual(result.phase_rows, {"1": 300, "2": 300, "3": 300});
    assert.deepEqual([result.out, result.cache_hit], [out, false]);
    assert.deepEqual(result.inputs, [
      {source: "dpo_zh_demo.json", format: "sharegpt-preference", chosen_by: "detection", confidence: 0.97, rows_read: 300, rows_converted: 300, rows_rejected: 0, reasoning_rows: 0, unused_columns: []}
    ]);
    assert.deepEqual(result.warnings, []);
    assert.equal(readFileSync(join(out, "train.json"), "utf8").split("\n").length - 1, result.train_rows);
    assertMatchesSchema("manifest", JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")));
    const again = json(await runCli(["convert", "test/fixtures/llama-factory/dpo_zh_demo.json", "--out", out, "--json"], {env}), "convert");
    assert.equal(again.cache_hit, true);
  });
  it("prints read = converted + rejected for people, and warnings on stderr", async () => {
    const {code, stdout, stderr} = await runCli(["convert", "test/fixtures/malformed/broken-lines.jsonl", "--out", join(temp, "broken"), "--eval_ratio", "0.2", "--seed", "7"], {env});
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^rows +read 5 = converted 3 \+ rejected 2$/m);
    assert.match(stdout, /^rejects +.*broken\/rejects\.jsonl$/m);
    const manifest = JSON.parse(readFileSync(join(temp, "broken", "manifest.json"), "utf8"));
    assert.deepEqual(manifest.options, {format: null, map: null, eval_ratio: 0.2, seed: 7, reasoning: {mode: "inline", markers: "<think>,</think>"}});
  });
});

describe("dschat-studio convert on files of different formats (issue 12 item 6)", () => {
  it("converts each file in its own format; --json and the text output name each file's format, and stderr warns", async () => {
    const plain = join(temp, "my_sharegpt.json");
    writeFileSync(plain, JSON.stringify(JSON.parse(readFileSync("test/fixtures/llama-factory/glaive_toolcall_en_demo.json", "utf8")).slice(0, 20)));
    const args = ["convert", "test/fixtures/llama-factory/dpo_zh_demo.json", plain, "--out", join(temp, "mixed")];
    const [machine, person] = await Promise.all([runCli([...args, "--json"], {env}), runCli(args, {env: {DSCHAT_STUDIO_CACHE: join(temp, "cache-text")}})]);
    assert.equal(machine.code, 0, machine.stderr);
    const result = json(machine, "convert");
    assert.deepEqual([result.format, result.rows_read, result.rows_converted, result.rows_rejected], ["mixed", 320, 320, 0]);
    assert.deepEqual(result.inputs.map((input: {source: string; format: string; confidence: number}) => [input.source, input.format, input.confidence]), [["dpo_zh_demo.json", "sharegpt-preference", 0.97], ["my_sharegpt.json", "sharegpt", 0.9]]);
    assert.equal(result.warnings.length, 1);
    assert.match(machine.stderr, /^warning: the inputs have different formats, so each file was converted in its own/m);
    assert.match(person.stdout, /^input +my_sharegpt\.json: sharegpt \(confidence 0\.9\), read 20 = converted 20 \+ rejected 0$/m);
  });
});

describe("dschat-studio convert on unusable input", () => {
  // One file per kind of failure; the engine tests cover the rest of the malformed corpus without spawning.
  const cases: Array<[string, RegExp]> = [
    ["not-json.json", /^dschat-studio convert: not-json\.json: is not JSON, JSON Lines, CSV\/TSV, Parquet or Arrow: line 1 starts with "hello/],
    ["truncated.jsonl.gz", /^dschat-studio convert: truncated\.jsonl\.gz: not readable gzip: unexpected end of file \(after 6786 compressed bytes, at decompressed byte \d+\)/],
    ["invalid-utf8.jsonl", /^dschat-studio convert: invalid-utf8\.jsonl line 2 \(byte 1703\): not valid UTF-8\n  fix: Re-encode the file as UTF-8/],
    ["empty.jsonl", /^dschat-studio convert: empty\.jsonl: is empty \(0 bytes\)$/m],
    ["all-broken.jsonl", /^dschat-studio convert: all-broken\.jsonl: no row could be converted: 3 rows read and none is valid JSON or CSV/]
  ];
  it("exits 2 with a message naming the file, position and fix, writes nothing to stdout and no output folder", async () => {
    const runs = await Promise.all(cases.map(([file]) => runCli(["convert", `test/fixtures/malformed/${file}`, "--out", join(temp, `bad-${file}`), "--json"], {env})));
    runs.forEach(({code, stdout, stderr}, i) => {
      const [file, message] = cases[i];
      assert.equal(code, 2, `${file}: ${stderr}`);
      assert.equal(stdout, "", file);
      assert.match(stderr, message, file);
      assert.match(stderr, /\n  fix: \S/, `${file}: says the fix`);
      assert.doesNotMatch(stderr, /\n\s+at /, `${file}: no stack trace`);
      assert.equal(existsSync(join(temp, `bad-${file}`)), false, file);
    });
  });
  it("exits 2 on bad arguments, before reading any input", async () => {
    const [noOut, badRatio, bothFormatAndMap, badFormat, badSeed, badReasoning, badMarkers] = await Promise.all([
      runCli(["convert", "test/fixtures/llama-factory/identity.json"], {env}),
      runCli(["convert", "test/fixtures/llama-factory/identity.json", "--out", join(temp, "r"), "--eval-ratio", "1.5"], {env}),
      runCli(["convert", "no/such/input.json", "--out", join(temp, "f"), "--format", "alpaca", "--map", "prompt=instruction,chosen=output"], {env}),
      runCli(["convert", "no/such/input.json", "--out", join(temp, "g"), "--format", "alpacca"], {env}),
      runCli(["convert", "test/fixtures/llama-factory/identity.json", "--out", join(temp, "s"), "--seed", "1e3"], {env}),
      runCli(["convert", "no/such/input.json", "--out", join(temp, "t"), "--reasoning", "keep"], {env}),
      runCli(["convert", "no/such/input.json", "--out", join(temp, "u"), "--reasoning-markers", "<think>"], {env})
    ]);
    assert.deepEqual([noOut.code, badRatio.code, bothFormatAndMap.code, badFormat.code, badSeed.code, badReasoning.code, badMarkers.code], [2, 2, 2, 2, 2, 2, 2]);
    assert.match(badReasoning.stderr, /--reasoning: "keep" is not one of inline, drop/);
    assert.match(badMarkers.stderr, /--reasoning-markers: "<think>" has 0 commas; expected OPEN,CLOSE\n  fix: Pass the opening and closing marker separated by one comma/);
    assert.match(noOut.stderr, /--out: is required/);
    assert.match(badRatio.stderr, /--eval-ratio: "1\.5" must be below 1/);
    assert.match(bothFormatAndMap.stderr, /--format and --map cannot be combined/, "checked before the missing input is noticed");
    assert.match(badFormat.stderr, /--format: unknown format "alpacca"\n  fix: Did you mean alpaca\?/);
    assert.match(badSeed.stderr, /--seed: "1e3" is not a whole number\n  fix: Pass digits only, e\.g\. --seed 1234/);
  });
});

describe("dschat-studio convert --recipe recipe.json", () => {
  const DPO = "test/fixtures/llama-factory/dpo_zh_demo.json";
  const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
  const writeRecipe = (name: string, body: Record<string, unknown>) => {
    const path = join(temp, name);
    const recipe = {schema_version: 1, tool: "dschat-studio", inputs: [{source: "dpo_zh_demo.json", bytes: 853311, sha256: sha256(DPO)}], format: "sharegpt-preference", map: null, filter: null, reasoning: {mode: "inline", markers: "<think>,</think>"}, eval_ratio: 0.1, seed: 1234, ...body};
    writeFileSync(path, JSON.stringify(recipe));
    return path;
  };
  const rows = (dir: string, file: string) => readFileSync(join(dir, file), "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as {prompt: string | null});

  it("keeps the rows the filter selects, records the filter, and counts read = converted + rejected + filtered", async () => {
    const out = join(temp, "recipe-filtered");
    const run = await runCli(["convert", "--recipe", writeRecipe("filtered.json", {filter: "prompt_chars < 400"}), DPO, "--out", out, "--json"], {env});
    const result = json(run, "convert");
    // The same rows as reading the unfiltered output and keeping prompts shorter than 400 UTF-16 code units.
    const plain = join(temp, "recipe-plain");
    json(await runCli(["convert", DPO, "--out", plain, "--format", "sharegpt-preference", "--json"], {env}), "convert");
    const short = (dir: string) => [...rows(dir, "train.json"), ...rows(dir, "eval.json")].filter((row) => row.prompt!.length < 400);
    assert.equal(result.rows_converted, short(plain).length);
    assert.deepEqual(rows(out, "train.json"), rows(plain, "train.json").filter((row) => row.prompt!.length < 400), "train.json: the same rows, in order, on the same side");
    assert.deepEqual(rows(out, "eval.json"), rows(plain, "eval.json").filter((row) => row.prompt!.length < 400));
    assert.equal(result.rows_read, result.rows_converted + result.rows_rejected + result.rows_filtered);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    assertMatchesSchema("manifest", manifest);
    assert.equal(manifest.options.filter, "prompt_chars < 400");
    assert.equal(manifest.counts.filtered, result.rows_filtered);
    assert.equal(manifest.format.chosen_by, "--format");
  });

  it("finds the recipe's file by its bytes under another name or beside recipe.json, and keeps the recipe's row ids", async () => {
    const renamed = join(temp, "renamed.json");
    copyFileSync(DPO, renamed);
    const recipe = writeRecipe("renamed-recipe.json", {});
    const [a, b] = [join(temp, "recipe-a"), join(temp, "recipe-b")];
    assert.equal((await runCli(["convert", "--recipe", recipe, DPO, "--out", a], {env})).code, 0);
    assert.equal((await runCli(["convert", "--recipe", recipe, renamed, "--out", b], {env})).code, 0);
    assert.deepEqual(readFileSync(join(b, "train.json")), readFileSync(join(a, "train.json")), "the eval draw hashes the recipe's source name");
    // Without paths, the recipe's files are looked up beside recipe.json.
    const beside = join(temp, "beside");
    rmSync(beside, {recursive: true, force: true});
    writeFileSync(join(temp, "dpo_zh_demo.json"), readFileSync(DPO));
    const run = await runCli(["convert", "--recipe", recipe, "--out", beside], {env});
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(readFileSync(join(beside, "train.json")), readFileSync(join(a, "train.json")));
  });

  it("exits 2 and writes nothing for a file with other bytes, an option the recipe sets, a bad filter or one that keeps nothing", async () => {
    const [otherBytes, clash, statement, nothing] = await Promise.all([
      runCli(["convert", "--recipe", writeRecipe("other.json", {}), "test/fixtures/llama-factory/identity.json", "--out", join(temp, "x1")], {env}),
      runCli(["convert", "--recipe", writeRecipe("clash.json", {}), DPO, "--seed", "7", "--out", join(temp, "x2")], {env}),
      runCli(["convert", "--recipe", writeRecipe("statement.json", {filter: "true; DROP TABLE rows"}), DPO, "--out", join(temp, "x3")], {env}),
      runCli(["convert", "--recipe", writeRecipe("nothing.json", {filter: "prompt_chars < 0"}), DPO, "--out", join(temp, "x4")], {env})
    ]);
    assert.deepEqual([otherBytes.code, clash.code, statement.code, nothing.code], [2, 2, 2, 2]);
    assert.match(otherBytes.stderr, /--recipe: no given file has the bytes of dpo_zh_demo\.json/);
    assert.match(clash.stderr, /--seed: cannot be combined with --recipe/);
    assert.match(statement.stderr, /--recipe .*statement\.json, filter: a filter is one condition, not statements/);
    assert.match(nothing.stderr, /filter: the filter "prompt_chars < 0" leaves no row: all 300 converted rows were filtered out/);
    for (const dir of ["x1", "x2", "x3", "x4"]) assert.equal(existsSync(join(temp, dir)), false, dir);
  });
});
