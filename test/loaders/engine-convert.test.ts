import assert from "node:assert/strict";
import {appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {gzipSync} from "node:zlib";
import {after, describe, it} from "node:test";
import {DuckDBInstance} from "@duckdb/node-api";
import {RecordBatchFileWriter, RecordBatchStreamWriter, tableFromIPC, tableFromJSON} from "apache-arrow";
import {convertToArrowStream, readCanonicalArrow} from "../../loaders/engine/canonicalArrow.js";
import {convertDataset, type ConvertOptions, type ConvertSummary} from "../../loaders/engine/convert.js";
import {UserError} from "../../src/core/contract/userError.js";

const temp = mkdtempSync(join(tmpdir(), "engine-convert-"));
after(() => rmSync(temp, {recursive: true, force: true}));
let runs = 0;

/** Each conversion gets its own cache and output folder unless the test shares them on purpose. */
function convert(paths: string[], options: Partial<ConvertOptions> = {}, effects = {}) {
  const run = ++runs;
  return convertDataset({paths, out: join(temp, `out-${run}`), env: {DSCHAT_STUDIO_CACHE: join(temp, `cache-${run}`)}, ...options}, effects);
}

interface LocalRow {
  prompt: string | null;
  chosen: string | null;
  rejected: string | null;
}

/** What DS-Chat's `load_dataset('json')` + LocalJsonFileDataset need: JSON Lines of objects with exactly these three keys, strings or null. */
function readLocalJson(path: string): LocalRow[] {
  const text = readFileSync(path, "utf8");
  if (text === "") return [];
  assert.ok(text.endsWith("\n"), `${path} ends with a newline`);
  return text
    .slice(0, -1)
    .split("\n")
    .map((line, index) => {
      const row = JSON.parse(line) as LocalRow;
      assert.deepEqual(Object.keys(row), ["prompt", "chosen", "rejected"], `${path} line ${index + 1} keys`);
      for (const value of Object.values(row)) assert.ok(value === null || typeof value === "string", `${path} line ${index + 1} values`);
      return row;
    });
}

/** The invariants every conversion must keep, checked against the files on disk. */
function checkOutputs(summary: ConvertSummary): {train: LocalRow[]; evaluation: LocalRow[]; manifest: any} {
  assert.equal(summary.rowsRead, summary.rowsConverted + summary.rowsRejected);
  const out = summary.out!;
  assert.deepEqual(readdirSync(out).sort(), [".dschat-studio.json", "eval.json", "manifest.json", "rejects.jsonl", "train.json"]);
  const train = readLocalJson(join(out, "train.json"));
  const evaluation = readLocalJson(join(out, "eval.json"));
  assert.equal(train.length, summary.trainRows);
  assert.equal(evaluation.length, summary.evalRows);
  assert.equal(train.length + evaluation.length, summary.rowsConverted);
  const rejects = readFileSync(join(out, "rejects.jsonl"), "utf8").split("\n").filter(Boolean);
  assert.equal(rejects.length, summary.rowsRejected);
  for (const line of rejects) assert.deepEqual(Object.keys(JSON.parse(line)), ["file", "row", "line", "reason", "excerpt"]);
  for (const row of [...train, ...evaluation]) {
    if (row.prompt) assert.match(row.prompt, /Human:[\s\S]*Assistant:/, "the prompt carries DS-Chat's markers");
  }
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
  assert.deepEqual(
    [manifest.counts.read, manifest.counts.converted, manifest.counts.rejected, manifest.counts.train, manifest.counts.eval],
    [summary.rowsRead, summary.rowsConverted, summary.rowsRejected, summary.trainRows, summary.evalRows]
  );
  for (const phase of ["1", "2", "3"] as const) {
    assert.equal(manifest.counts.phases.train[phase] + manifest.counts.phases.eval[phase], summary.phaseRows[phase]);
  }
  return {train, evaluation, manifest};
}

describe("convertDataset(options, effects) on the real fixtures", () => {
  const cases: Array<[string, string, number]> = [
    ["test/fixtures/hh-rlhf/harmless-base/test.jsonl.gz", "hh-rlhf", 2312],
    ["test/fixtures/belle/eval_set.json", "belle", 1000],
    ["test/fixtures/belle/zh_seed_tasks.json", "self-instruct", 175],
    ["test/fixtures/stanford-alpaca/seed_tasks.jsonl", "self-instruct", 175],
    ["test/fixtures/llama-factory/alpaca_en_demo.json", "alpaca", 999],
    ["test/fixtures/llama-factory/alpaca_zh_demo.json", "alpaca", 1000],
    ["test/fixtures/llama-factory/identity.json", "alpaca", 91],
    ["test/fixtures/llama-factory/dpo_zh_demo.json", "sharegpt-preference", 300],
    ["test/fixtures/llama-factory/kto_en_demo.json", "kto", 300],
    ["test/fixtures/llama-factory/glaive_toolcall_en_demo.json", "sharegpt", 300],
    ["test/fixtures/llama-factory/glaive_toolcall_zh_demo.json", "sharegpt", 300],
    ["test/fixtures/llama-factory/c4_demo.jsonl", "text", 300],
    ["test/fixtures/llama-factory/v1_sft_demo.jsonl", "messages", 500],
    ["test/fixtures/llama-factory/v1_dpo_demo.jsonl", "lf-v1-preference", 10]
  ];
  for (const [path, format, rows] of cases) {
    it(`converts ${path} (${format}, ${rows} rows) into valid local/jsonfile data`, async () => {
      const summary = await convert([path]);
      assert.equal(summary.format, format);
      assert.equal(summary.rowsRead, rows);
      assert.ok(summary.rowsConverted > 0);
      const {manifest} = checkOutputs(summary);
      assert.equal(summary.splitMethod, "seeded");
      assert.ok(summary.evalRows > 0 && summary.trainRows > summary.evalRows);
      assert.equal(manifest.inputs[0].bytes, readFileSync(path).length);
      assert.match(manifest.inputs[0].sha256, /^[0-9a-f]{64}$/);
      if (format === "hh-rlhf") {
        assert.deepEqual([summary.rowsConverted, summary.rowsRejected], [2312, 0]);
        assert.deepEqual(summary.phaseRows, {"1": 2312, "2": 2312, "3": 2312}, "every hh-rlhf pair serves all three phases");
      }
    });
  }
});

describe("convertDataset(options) on Parquet, Arrow, CSV and gzip inputs", () => {
  const alpaca = JSON.parse(readFileSync("test/fixtures/llama-factory/alpaca_en_demo.json", "utf8")) as Array<Record<string, string>>;

  it("reads a Hugging Face shard folder, taking train/test from the file names", async () => {
    const folder = join(temp, "hf-dataset");
    mkdirSync(join(folder, "data"), {recursive: true});
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    const source = resolve("test/fixtures/llama-factory/alpaca_en_demo.json");
    const shards: Array<[string, number, number]> = [["train-00000-of-00002", 0, 400], ["train-00001-of-00002", 400, 800], ["test-00000-of-00001", 800, 999]];
    for (const [name, from, to] of shards) {
      const target = join(folder, "data", `${name}.parquet`).replaceAll("'", "''");
      await connection.run(`COPY (SELECT * FROM read_json_auto($1) LIMIT ${to - from} OFFSET ${from}) TO '${target}' (FORMAT parquet)`, [source]);
    }
    connection.closeSync();
    instance.closeSync();
    const summary = await convert([folder]);
    const {train, evaluation, manifest} = checkOutputs(summary);
    assert.equal(summary.splitMethod, "source");
    assert.deepEqual([summary.rowsRead, summary.trainRows, summary.evalRows], [999, 800, 199]);
    assert.deepEqual(manifest.inputs.map((input: any) => [input.source, input.split, input.kind]), [
      ["data/test-00000-of-00001.parquet", "test", "parquet"],
      ["data/train-00000-of-00002.parquet", "train", "parquet"],
      ["data/train-00001-of-00002.parquet", "train", "parquet"]
    ]);
    assert.ok(train[0].prompt!.includes(alpaca[0].instruction));
    assert.ok(evaluation[0].prompt!.includes(alpaca[800].instruction));
  });

  it("reads Arrow IPC in file and stream format", async () => {
    const table = tableFromJSON(alpaca.slice(0, 50));
    writeFileSync(join(temp, "alpaca.arrow"), RecordBatchFileWriter.writeAll(table).toUint8Array(true));
    writeFileSync(join(temp, "alpaca-stream.arrow"), RecordBatchStreamWriter.writeAll(table).toUint8Array(true));
    for (const name of ["alpaca.arrow", "alpaca-stream.arrow"]) {
      const summary = await convert([join(temp, name)]);
      assert.deepEqual([summary.format, summary.rowsRead, summary.rowsConverted], ["alpaca", 50, 50]);
      checkOutputs(summary);
    }
  });

  it("reads CSV, TSV and a gzip JSON array to the same rows as the JSON", async () => {
    const gz = join(temp, "alpaca_en_demo.json.gz");
    writeFileSync(gz, gzipSync(readFileSync("test/fixtures/llama-factory/alpaca_en_demo.json")));
    const fromGzip = await convert([gz]);
    assert.deepEqual([fromGzip.rowsRead, fromGzip.rowsConverted], [999, 999]);
    const rows = (summary: ConvertSummary) => {
      const {train, evaluation} = checkOutputs(summary);
      return [...train, ...evaluation].map((row) => row.chosen).sort();
    };
    const csv = await convert(["test/fixtures/engine/alpaca_sample.csv"]);
    const tsv = await convert(["test/fixtures/engine/alpaca_sample.tsv"]);
    assert.equal(csv.rowsConverted, 20);
    assert.deepEqual(rows(csv), rows(tsv));
    assert.deepEqual(rows(csv), alpaca.slice(0, 20).map((row) => row.output).sort());
  });
});

describe("convertDataset(options) cache", () => {
  it("hits on a re-run with the same bytes and misses after a one-byte change", async () => {
    const input = join(temp, "identity.json");
    copyFileSync("test/fixtures/llama-factory/identity.json", input);
    const cache = join(temp, "shared-cache");
    const options = {env: {DSCHAT_STUDIO_CACHE: cache}};
    const first = await convert([input], options);
    const second = await convert([input], options);
    assert.deepEqual([first.cacheHit, second.cacheHit], [false, true]);
    assert.equal(second.cacheKey, first.cacheKey);
    for (const file of ["train.json", "eval.json", "manifest.json"]) {
      assert.equal(readFileSync(join(second.out!, file), "utf8"), readFileSync(join(first.out!, file), "utf8"));
    }
    appendFileSync(join(second.out!, "train.json"), '{"prompt":"edited","chosen":null,"rejected":null}\n');
    const afterEdit = await convert([input], options);
    assert.equal(afterEdit.cacheHit, true, "outputs are copies: editing one leaves the cache entry intact");
    assert.equal(readLocalJson(join(afterEdit.out!, "train.json")).length, first.trainRows);
    assert.equal(readLocalJson(join(second.out!, "train.json")).length, first.trainRows + 1, "the edited output itself is left alone");
    const bytes = readFileSync(input);
    bytes[bytes.indexOf("Hello".charCodeAt(0))] = "J".charCodeAt(0);
    writeFileSync(input, bytes);
    const third = await convert([input], options);
    assert.equal(third.cacheHit, false);
    assert.notEqual(third.cacheKey, first.cacheKey);
    writeFileSync(join(third.cacheDir, "summary.json"), "{not json");
    assert.equal((await convert([input], options)).cacheHit, false, "an unreadable entry is rebuilt, not a crash");
    const changedOptions = await convert([input], {...options, seed: 7});
    assert.equal(changedOptions.cacheHit, false);
    assert.ok(readdirSync(join(cache, "convert")).every((name) => !name.startsWith(".staging")));
    assert.ok(readdirSync(join(first.cacheDir, "canonical")).every((name) => name.endsWith(".parquet")));
  });
});

describe("convertDataset(options, {beforeCommit}) atomic output", () => {
  it("leaves no output folder and no cache entry when the run fails at the last moment", async () => {
    const cache = join(temp, "atomic-cache");
    const out = join(temp, "atomic-out");
    const failing = () => {
      throw new Error("disk full (simulated)");
    };
    const options = {out, env: {DSCHAT_STUDIO_CACHE: cache}};
    await assert.rejects(convert(["test/fixtures/llama-factory/identity.json"], options, {beforeCommit: failing}), /disk full/);
    assert.equal(existsSync(out), false);
    assert.deepEqual(readdirSync(join(cache, "convert")), []);
    assert.deepEqual(readdirSync(temp).filter((name) => name.includes("atomic-out")), []);
  });
  it("keeps an earlier output intact when a later run fails, and replaces it when one succeeds", async () => {
    const out = join(temp, "replace-out");
    const first = await convert(["test/fixtures/llama-factory/identity.json"], {out});
    const before = readFileSync(join(out, "train.json"), "utf8");
    await assert.rejects(convert([`test/fixtures/malformed/truncated-array.json`], {out}), UserError);
    assert.equal(readFileSync(join(out, "train.json"), "utf8"), before);
    const second = await convert(["test/fixtures/llama-factory/alpaca_en_demo.json"], {out});
    assert.notEqual(second.trainRows, first.trainRows);
    assert.equal(readLocalJson(join(out, "train.json")).length, second.trainRows);
  });
  it("removes staging folders left by killed runs", async () => {
    const cache = join(temp, "stale-cache");
    const stale = join(cache, "convert", ".staging-4194303-deadbeef");
    mkdirSync(stale, {recursive: true});
    await convert(["test/fixtures/llama-factory/identity.json"], {env: {DSCHAT_STUDIO_CACHE: cache}});
    assert.equal(existsSync(stale), false);
  });
  it("refuses to replace a folder it did not write", async () => {
    const out = join(temp, "someone-elses");
    mkdirSync(out);
    writeFileSync(join(out, "notes.txt"), "keep me");
    await assert.rejects(convert(["test/fixtures/llama-factory/identity.json"], {out}), /already exists and is not a dschat-studio convert output \(it holds notes\.txt\); refusing to replace it/);
    assert.equal(readFileSync(join(out, "notes.txt"), "utf8"), "keep me");
  });
});

describe("convertDataset(options) with bad rows and bad files", () => {
  it("counts broken lines and non-object items as rejects with file, row and reason", async () => {
    const summary = await convert(["test/fixtures/malformed/broken-lines.jsonl", "test/fixtures/malformed/non-object-items.json"]);
    assert.deepEqual([summary.rowsRead, summary.rowsConverted, summary.rowsRejected], [11, 5, 6]);
    checkOutputs(summary);
    const rejects = readFileSync(join(summary.out!, "rejects.jsonl"), "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line));
    assert.deepEqual(rejects.map((reject) => [reject.file, reject.row]), [
      ["broken-lines.jsonl", 2],
      ["broken-lines.jsonl", 5],
      ["non-object-items.json", 2],
      ["non-object-items.json", 3],
      ["non-object-items.json", 4],
      ["non-object-items.json", 5]
    ]);
    assert.match(rejects[2].reason, /the record is a number, not a JSON object/);
  });
  it("moves one row to eval.json when the seeded draw leaves it empty", async () => {
    const summary = await convert(["test/fixtures/malformed/broken-lines.jsonl"]);
    assert.deepEqual([summary.trainRows, summary.evalRows], [2, 1]);
    assert.match(summary.warnings[0], /the seeded split drew no eval row from 3 rows/);
  });
  it("throws a UserError when no row converts, saying why", async () => {
    await assert.rejects(convert(["test/fixtures/malformed/all-broken.jsonl"]), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /^all-broken\.jsonl: no row could be converted: 3 rows read and none is valid JSON or CSV \(all-broken\.jsonl row 1: line is not valid JSON/);
      return true;
    });
  });
  it("lists the columns found when no format fits", async () => {
    await assert.rejects(convert(["test/fixtures/malformed/unknown-shape.jsonl"]), /Columns found: foo, bar\./);
  });
  it("honours --map for a shape it cannot detect", async () => {
    const summary = await convert(["test/fixtures/malformed/unknown-shape.jsonl"], {map: "prompt=bar,chosen=bar"});
    assert.equal(summary.rowsConverted, 4);
    checkOutputs(summary);
  });
});

describe("convertToArrowStream(paths, options) and readCanonicalArrow(dir)", () => {
  it("gives the canonical rows as an Arrow IPC stream, from the cache on later calls", async () => {
    const cache = join(temp, "arrow-cache");
    const env = {DSCHAT_STUDIO_CACHE: cache};
    const bytes = await convertToArrowStream(["test/fixtures/llama-factory/dpo_zh_demo.json"], {env});
    assert.equal(bytes[0] | bytes[1] | bytes[2] | bytes[3], 0xff, "IPC stream format begins with the continuation marker");
    const table = tableFromIPC(bytes);
    assert.equal(table.numRows, 300);
    assert.deepEqual(table.schema.fields.map((field) => field.name), [
      "id", "source", "row", "split", "eval", "conversation", "turns", "prompt", "chosen", "rejected",
      "prompt_chars", "chosen_chars", "rejected_chars", "phase1", "phase2", "phase3"
    ]);
    const first = table.get(0)!.toJSON();
    assert.equal(first.id, "dpo_zh_demo.json:1");
    assert.ok(Array.isArray(JSON.parse(first.conversation)));
    assert.equal(first.prompt_chars, first.prompt.length);
    const evalRows = table.toArray().filter((row) => row.eval).length;
    const summary = await convert(["test/fixtures/llama-factory/dpo_zh_demo.json"], {env});
    assert.equal(summary.cacheHit, true);
    assert.equal(evalRows, summary.evalRows);
    assert.deepEqual(await readCanonicalArrow(summary.out!, env), bytes);
  });
});

describe("convertDataset({workers}) on worker threads", () => {
  it("writes byte-identical outputs and canonical rows to the single-threaded run", async () => {
    const alpaca = JSON.parse(readFileSync("test/fixtures/llama-factory/alpaca_en_demo.json", "utf8")) as Array<Record<string, string>>;
    const lines: string[] = [];
    for (let i = 0; i < 6000; i++) {
      const {instruction, input, output} = alpaca[i % alpaca.length];
      lines.push(i % 997 === 5 ? '{"instruction": broken' : JSON.stringify({instruction: `${instruction} (${i})`, input, output}));
      if (i % 1500 === 7) lines.push("");
    }
    const path = join(temp, "many.jsonl");
    writeFileSync(path, lines.join("\n") + "\n");
    const inline = await convert([path], {workers: false});
    const parallel = await convert([path], {workers: true});
    assert.ok(readFileSync(path).length > 4 * 1024 * 1024, "more than one 4 MiB segment");
    checkOutputs(parallel);
    assert.deepEqual([parallel.rowsRead, parallel.rowsRejected], [6000, 7]);
    for (const file of ["train.json", "eval.json", "rejects.jsonl", "manifest.json"]) {
      assert.ok(readFileSync(join(parallel.out!, file)).equals(readFileSync(join(inline.out!, file))), file);
    }
    const arrow = async (summary: ConvertSummary) => tableFromIPC(await readCanonicalArrow(summary.cacheDir)).toArray().map((row) => JSON.stringify(row.toJSON()));
    assert.deepEqual(await arrow(parallel), await arrow(inline));
  });
  it("reports unreadable input found by a worker (past the detection sample) as a UserError", async () => {
    const valid = Buffer.from(JSON.stringify({instruction: "Say hi.", input: "", output: "Hi."}) + "\n");
    const path = join(temp, "late-invalid-utf8.jsonl");
    writeFileSync(path, Buffer.concat([...Array.from({length: 30000}, () => valid), Buffer.from([0x7b, 0xff, 0x7d, 0x0a])]));
    await assert.rejects(convert([path], {workers: true}), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.deepEqual([error.where.file, error.where.line, error.where.byte], ["late-invalid-utf8.jsonl", 30001, 30000 * valid.length + 1]);
      assert.match(error.message, /^late-invalid-utf8\.jsonl line 30001 \(byte \d+\): not valid UTF-8/);
      return true;
    });
  });
});
