import assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {gzipSync} from "node:zlib";
import {after, describe, it} from "node:test";
import {UserError} from "../../src/core/contract/userError.js";
import {expandInputs, splitFromPath, type InputFile} from "../../loaders/engine/inputs.js";
import {readRecords} from "../../loaders/engine/readers/readRecords.js";
import type {RecordItem} from "../../loaders/engine/readers/recordItem.js";
import {sniffFile} from "../../loaders/engine/readers/sniffFile.js";
import {findInvalidUtf8} from "../../loaders/engine/readers/utf8.js";
import {createEvalSelector} from "../../loaders/engine/evalSplit.js";
import {formatProgressLine} from "../../cli/views/progress.js";

const MALFORMED = "test/fixtures/malformed";
const temp = mkdtempSync(join(tmpdir(), "engine-readers-"));
after(() => rmSync(temp, {recursive: true, force: true}));

async function fileOf(path: string): Promise<InputFile> {
  const [file] = await expandInputs([path], process.cwd());
  return file;
}

async function readAll(path: string): Promise<RecordItem[]> {
  const items: RecordItem[] = [];
  for await (const batch of readRecords(await fileOf(path))) items.push(...batch);
  return items;
}

async function rejection(promise: Promise<unknown>): Promise<UserError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof UserError, `expected a UserError, got ${error}`);
    return error;
  }
  assert.fail("expected the promise to reject");
}

/** Records with multi-byte text, escaped quotes, backslashes and nesting, enough to span several 1 MiB chunks. */
function awkwardRecords(count: number): unknown[] {
  return Array.from({length: count}, (_, i) => ({
    instruction: `第${i}题 «quote \\"inside\\"» \\\\ back\\slash ${"é😀".repeat(i % 7)}`,
    input: i % 3 ? "" : "line\nbreak and ] } [ { brackets in a string",
    output: `answer ${i} ${"x".repeat(i % 500)}`,
    nested: {list: [1, 2, [3, {deep: "]"}]], flag: i % 2 === 0, none: null}
  }));
}

describe("sniffFile(path, source)", () => {
  it("tells JSON Lines from a JSON array by content, whatever the extension", async () => {
    assert.deepEqual(await sniffFile("test/fixtures/belle/eval_set.json", "eval_set.json"), {kind: "jsonl", gzip: false});
    assert.deepEqual(await sniffFile("test/fixtures/llama-factory/alpaca_en_demo.json", "a.json"), {kind: "json-array", gzip: false});
    assert.deepEqual(await sniffFile("test/fixtures/hh-rlhf/harmless-base/test.jsonl.gz", "test.jsonl.gz"), {kind: "jsonl", gzip: true});
    assert.deepEqual(await sniffFile("test/fixtures/engine/alpaca_sample.tsv", "alpaca_sample.tsv"), {kind: "tsv", gzip: false});
  });
  it("refuses empty, whitespace-only, non-JSON and single-object files with the file name", async () => {
    assert.match((await rejection(sniffFile(`${MALFORMED}/empty.jsonl`, "empty.jsonl"))).message, /^empty\.jsonl: is empty \(0 bytes\)/);
    assert.match((await rejection(sniffFile(`${MALFORMED}/whitespace.json`, "whitespace.json"))).message, /^whitespace\.json: is empty: it holds only whitespace/);
    const notJson = await rejection(sniffFile(`${MALFORMED}/not-json.json`, "not-json.json"));
    assert.match(notJson.message, /^not-json\.json: is not JSON, JSON Lines, CSV\/TSV, Parquet or Arrow: line 1 starts with "hello/);
    assert.equal(notJson.where.file, "not-json.json");
    assert.match((await rejection(sniffFile(`${MALFORMED}/one-object.json`, "one-object.json"))).message, /one JSON object \(keys: data, version\), not a list of records/);
  });
  it("reads a file of only broken lines as JSON Lines, so each line becomes a reject", async () => {
    assert.deepEqual(await sniffFile(`${MALFORMED}/all-broken.jsonl`, "all-broken.jsonl"), {kind: "jsonl", gzip: false});
  });
});

describe("readRecords(file, {onBytes})", () => {
  it("streams a JSON array across chunk boundaries exactly as JSON.parse reads it whole", async () => {
    const records = awkwardRecords(6000);
    const path = join(temp, "big-array.json");
    writeFileSync(path, JSON.stringify(records, null, 1));
    const items = await readAll(path);
    assert.equal(items.length, records.length);
    assert.deepEqual(items.map((item) => ("value" in item ? item.value : item)), records);
    assert.deepEqual(items.slice(0, 3).map((item) => item.row), [1, 2, 3]);
  });
  it("streams gzip JSON Lines with line numbers as rows, skipping blank lines", async () => {
    const records = awkwardRecords(5000);
    const path = join(temp, "big.jsonl.gz");
    writeFileSync(path, gzipSync(records.map((record) => JSON.stringify(record)).join("\n\n") + "\n"));
    const items = await readAll(path);
    assert.deepEqual(items.map((item) => ("value" in item ? item.value : item)), records);
    assert.deepEqual(items.slice(0, 3).map((item) => item.row), [1, 3, 5]);
  });
  it("reports the bytes it consumed", async () => {
    let bytes = 0;
    const file = await fileOf("test/fixtures/hh-rlhf/harmless-base/test.jsonl.gz");
    for await (const batch of readRecords(file, {onBytes: (n) => (bytes += n)})) assert.ok(batch.length > 0);
    assert.equal(bytes, 742801);
  });
  it("turns broken JSON Lines into unparsable records naming the line", async () => {
    const items = await readAll(`${MALFORMED}/broken-lines.jsonl`);
    assert.deepEqual(items.map((item) => [item.row, "failure" in item]), [[1, false], [2, true], [3, false], [5, true], [6, false]]);
    const broken = items[1];
    assert.ok("failure" in broken);
    assert.match(broken.failure, /^line is not valid JSON \(Unterminated string/);
    assert.ok(broken.excerpt.startsWith('{"instruction": "Transform'));
  });
  it("keeps non-object array items as records (the adapter rejects them) with their start line", async () => {
    const items = await readAll(`${MALFORMED}/non-object-items.json`);
    assert.deepEqual(items.map((item) => ("value" in item ? typeof item.value : "failure")), ["object", "number", "string", "object", "object", "object"]);
    assert.deepEqual(items.map((item) => item.line), [2, 7, 8, 9, 10, 14]);
  });
  it("fails on a truncated array, naming the file and line", async () => {
    const error = await rejection(readAll(`${MALFORMED}/truncated-array.json`));
    assert.equal(error.message, "truncated-array.json line 15: ends before its JSON array is closed: the file is truncated (2 complete items were read). Copy or download the file again, or close the array with ']'.");
    assert.equal(error.where.line, 15);
  });
  it("fails on invalid UTF-8, naming the line and byte", async () => {
    const error = await rejection(readAll(`${MALFORMED}/invalid-utf8.jsonl`));
    assert.match(error.message, /^invalid-utf8\.jsonl line 2 \(byte 1703\): not valid UTF-8/);
    assert.deepEqual([error.where.line, error.where.byte], [2, 1703]);
  });
  it("fails on truncated gzip, naming the offsets", async () => {
    const error = await rejection(readAll(`${MALFORMED}/truncated.jsonl.gz`));
    assert.match(error.message, /^truncated\.jsonl\.gz: not readable gzip: unexpected end of file \(after 6786 compressed bytes, at decompressed byte \d+\)/);
  });
  it("parses CSV quoting (newlines, quotes, commas) and rejects ragged rows with both field counts", async () => {
    const items = await readAll("test/fixtures/engine/alpaca_sample.csv");
    assert.equal(items.length, 20);
    const first = items[0];
    assert.ok("value" in first);
    const record = first.value as Record<string, string | null>;
    assert.equal(record.instruction, "Describe a process of making crepes.");
    assert.equal(record.input, null);
    assert.ok(record.output!.includes("\n\n1. Assemble your ingredients."));
    const ragged = await readAll(`${MALFORMED}/ragged.csv`);
    const failures = ragged.filter((item) => "failure" in item);
    assert.deepEqual(failures.map((item) => ("failure" in item ? item.failure : "")), ["line 30 has 2 fields but the header has 3", "line 31 has 4 fields but the header has 3"]);
    assert.equal(ragged.length, 7);
  });
  it("turns Parquet values into plain JSON: BigInt to number when safe, lists and structs to arrays and objects", async () => {
    const {DuckDBInstance} = await import("@duckdb/node-api");
    const connection = await (await DuckDBInstance.create(":memory:")).connect();
    const path = join(temp, "nested.parquet");
    await connection.run(
      `COPY (SELECT 7::BIGINT AS n, 12345678901234567890::UBIGINT AS big, [1, 2]::INTEGER[] AS list, {'role': 'user', 'content': 'hi'} AS turn, ` +
        `[{'from': 'human', 'value': 'q'}] AS conversations, NULL::VARCHAR AS missing, true AS flag, DATE '2024-01-02' AS day) TO '${path}' (FORMAT parquet)`
    );
    connection.closeSync();
    const [item] = await readAll(path);
    assert.ok("value" in item);
    assert.deepEqual(item.value, {
      n: 7,
      big: "12345678901234567890",
      list: [1, 2],
      turn: {role: "user", content: "hi"},
      conversations: [{from: "human", value: "q"}],
      missing: null,
      flag: true,
      day: "2024-01-02T00:00:00.000Z"
    });
  });
  it("reads TSV to the same records as CSV", async () => {
    const csv = await readAll("test/fixtures/engine/alpaca_sample.csv");
    const tsv = await readAll("test/fixtures/engine/alpaca_sample.tsv");
    assert.deepEqual(tsv.map((item) => ("value" in item ? item.value : null)), csv.map((item) => ("value" in item ? item.value : null)));
  });
});

describe("findInvalidUtf8(bytes, allowTruncatedEnd)", () => {
  it("finds the first bad byte and tolerates a sequence cut at a chunk end", () => {
    assert.equal(findInvalidUtf8(Buffer.from("héllo")), -1);
    assert.equal(findInvalidUtf8(Buffer.from([0x61, 0xff, 0x62])), 1);
    assert.equal(findInvalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80])), 1); // a UTF-16 surrogate
    assert.equal(findInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82]), true), -1);
    assert.equal(findInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82]), false), 1);
  });
});

describe("splitFromPath(source)", () => {
  it("takes Hugging Face split names from file and folder names", () => {
    assert.equal(splitFromPath("data/train-00000-of-00002.parquet"), "train");
    assert.equal(splitFromPath("data/test-00000-of-00001.parquet"), "test");
    assert.equal(splitFromPath("harmless-base/test.jsonl.gz"), "test");
    assert.equal(splitFromPath("validation/part-0.jsonl"), "validation");
    assert.equal(splitFromPath("default/train/0000.parquet"), "train");
    assert.equal(splitFromPath("test-runs/alpaca.json"), null);
    assert.equal(splitFromPath("alpaca_en_demo.json"), null);
    assert.equal(splitFromPath("trainer_notes.jsonl"), null);
  });
});

describe("expandInputs(paths, cwd)", () => {
  it("lists a folder's data files sorted, skipping metadata, with sources relative to the folder", async () => {
    const inputs = await expandInputs(["test/fixtures/llama-factory"], process.cwd());
    assert.ok(!inputs.some((input) => input.source === "dataset_info.json"));
    assert.deepEqual(inputs.slice(0, 2).map((input) => input.source), ["alpaca_en_demo.json", "alpaca_zh_demo.json"]);
  });
  it("names a missing path", async () => {
    assert.equal((await rejection(expandInputs(["no/such/file.jsonl"], process.cwd()))).message, "no/such/file.jsonl: does not exist. Check the path (it is resolved against the current folder).");
  });
});

describe("createEvalSelector(seed, ratio)", () => {
  it("is deterministic per (seed, id), near the ratio, and different across seeds", () => {
    const ids = Array.from({length: 20000}, (_, i) => `file.jsonl:${i + 1}`);
    const a = ids.map(createEvalSelector(1234, 0.1));
    assert.deepEqual(ids.map(createEvalSelector(1234, 0.1)), a);
    const share = a.filter(Boolean).length / ids.length;
    assert.ok(share > 0.09 && share < 0.11, `eval share ${share}`);
    assert.notDeepEqual(ids.map(createEvalSelector(42, 0.1)), a);
    assert.equal(ids.map(createEvalSelector(1, 0)).filter(Boolean).length, 0);
    assert.throws(() => createEvalSelector(1, 1), RangeError);
  });
});

describe("formatProgressLine(progress, seconds)", () => {
  it("shows the share of bytes, rows, rows/s and MB/s", () => {
    assert.equal(
      formatProgressLine({bytesDone: 50e6, bytesTotal: 200e6, rowsRead: 40000}, 2),
      "[######------------------]   25%  40,000 rows  20,000 rows/s  25.0 MB/s"
    );
    assert.equal(formatProgressLine({bytesDone: 0, bytesTotal: 0, rowsRead: 0}, 0), "[------------------------]    0%  0 rows  0 rows/s  0.0 MB/s");
  });
});
