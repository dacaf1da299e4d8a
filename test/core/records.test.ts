/**
 * The readers' rules in src/core/records run in the browser's upload worker on decoded text; the engine runs them on
 * files. Both must give the same records from the same bytes whatever the chunking, so that the Datasets page's
 * train.json equals `convert`'s.
 */
import assert from "node:assert/strict";
import {readFileSync} from "node:fs";
import {join} from "node:path";
import {gunzipSync} from "node:zlib";
import {describe, it} from "node:test";
import {UserError} from "../../src/core/contract/userError.js";
import {binaryKind, classifyText, isGzip, SNIFF_BYTES} from "../../src/core/records/classifyFile.js";
import {DelimitedScanner} from "../../src/core/records/delimitedScanner.js";
import {JsonArrayScanner} from "../../src/core/records/jsonArrayScanner.js";
import {JsonLinesScanner} from "../../src/core/records/jsonLines.js";
import {base64} from "../../src/core/records/plainJson.js";
import type {RecordItem, TextRecordScanner} from "../../src/core/records/recordItem.js";
import {scanTextChunks} from "../../src/core/records/scanText.js";
import {expandInputs} from "../../loaders/engine/inputs.js";
import {readRecords} from "../../loaders/engine/readers/readRecords.js";
import {sniffFile} from "../../loaders/engine/readers/sniffFile.js";
import {root} from "../helpers/cli.js";

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function collect(generator: AsyncGenerator<RecordItem[]>): Promise<RecordItem[]> {
  const items: RecordItem[] = [];
  for await (const batch of generator) items.push(...batch);
  return items;
}

async function engineRecords(path: string): Promise<RecordItem[]> {
  const [input] = await expandInputs([path], root);
  return collect(readRecords(input));
}

const cases: Array<{file: string; scanner: (source: string) => TextRecordScanner; rows: number}> = [
  {file: "test/fixtures/belle/eval_set.json", scanner: () => new JsonLinesScanner(), rows: 1000},
  {file: "test/fixtures/llama-factory/dpo_zh_demo.json", scanner: (source) => new JsonArrayScanner(source), rows: 300},
  {file: "test/fixtures/engine/alpaca_sample.csv", scanner: (source) => new DelimitedScanner(source, ","), rows: 20},
  {file: "test/fixtures/engine/alpaca_sample.tsv", scanner: (source) => new DelimitedScanner(source, "\t"), rows: 20},
  {file: "test/fixtures/malformed/broken-lines.jsonl", scanner: () => new JsonLinesScanner(), rows: -1},
  {file: "test/fixtures/malformed/ragged.csv", scanner: (source) => new DelimitedScanner(source, ","), rows: -1}
];

describe("text scanners on decoded chunks = the engine's readers on files", () => {
  for (const {file, scanner, rows} of cases) {
    it(`${file}, cut into 1- (small files), 13- and 4,096-byte chunks (multi-byte characters, escapes and quote pairs split)`, async () => {
      const expected = await engineRecords(file);
      if (rows >= 0) assert.equal(expected.length, rows, "rows in the fixture (SOURCES.md)");
      const bytes = readFileSync(join(root, file));
      const source = file.split("/").pop()!;
      for (const size of bytes.length < 100_000 ? [1, 13, 4096] : [13, 4096]) {
        const items = await collect(scanTextChunks(chunks(bytes, size), scanner(source), source));
        assert.deepEqual(items, expected, `chunks of ${size} bytes`);
      }
    });
  }

  it("refuses the same broken inputs with the same error", async () => {
    for (const [file, scanner] of [["test/fixtures/malformed/truncated-array.json", (source: string) => new JsonArrayScanner(source)], ["test/fixtures/malformed/invalid-utf8.jsonl", () => new JsonLinesScanner()]] as const) {
      const source = file.split("/").pop()!;
      const engine = await engineRecords(file).then(() => null, (error: unknown) => error);
      const page = await collect(scanTextChunks(chunks(readFileSync(join(root, file)), 64), scanner(source), source)).then(() => null, (error: unknown) => error);
      assert.ok(engine instanceof UserError && page instanceof UserError, file);
      if (file.endsWith(".json")) assert.equal(page.message, engine.message);
      else assert.match(page.what, /not valid UTF-8/);
    }
  });
});

describe("classifyFile: the kind of a file from its head", () => {
  it("decides as sniffFile does for every kind of fixture", async () => {
    for (const file of ["test/fixtures/belle/eval_set.json", "test/fixtures/llama-factory/dpo_zh_demo.json", "test/fixtures/engine/alpaca_sample.csv", "test/fixtures/hh-rlhf/harmless-base/test.jsonl.gz", "test/fixtures/llama-factory/c4_demo.jsonl"]) {
      const bytes = readFileSync(join(root, file));
      const head = bytes.subarray(0, SNIFF_BYTES);
      const gzip = isGzip(head);
      const text = gzip ? gunzipSync(bytes).subarray(0, SNIFF_BYTES) : head;
      const decided = binaryKind(head) ? {kind: binaryKind(head), gzip: false} : classifyText({source: file.split("/").pop()!, size: bytes.length, headBytes: head.length, gzip, bytes: text});
      assert.deepEqual(decided, await sniffFile(join(root, file), file), file);
    }
    assert.equal(binaryKind(new TextEncoder().encode("PAR1....")), "parquet");
    assert.equal(binaryKind(new TextEncoder().encode("ARROW1..")), "arrow");
  });
});

describe("base64(bytes)", () => {
  it("writes what Node's Buffer writes", () => {
    for (let length = 0; length < 12; length++) {
      const bytes = Uint8Array.from({length}, (_, i) => (i * 97 + 251) & 0xff);
      assert.equal(base64(bytes), Buffer.from(bytes).toString("base64"), `${length} bytes`);
    }
  });
});
