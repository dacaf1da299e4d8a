import assert from "node:assert/strict";
import {copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {gzipSync} from "node:zlib";
import {after, describe, it} from "node:test";
import {convertDataset, type ConvertOptions} from "../../loaders/engine/convert.js";
import {inspectDataset} from "../../loaders/engine/inspect.js";
import {fixtureRecords} from "../fixtures/formats/fixtureRecords.js";

// Issue 12 items 5-9 and 12 through the engine: what convert writes (train.json, rejects, manifest) for the inputs that
// used to lose rows or columns without a word. Expected values are computed from the fixtures' raw records.

const temp = mkdtempSync(join(tmpdir(), "engine-formats-"));
after(() => rmSync(temp, {recursive: true, force: true}));
let runs = 0;

function convert(paths: string[], options: Partial<ConvertOptions> = {}) {
  const run = ++runs;
  return convertDataset({paths, out: join(temp, `out-${run}`), env: {DSCHAT_STUDIO_CACHE: join(temp, `cache-${run}`)}, ...options});
}

const manifestOf = (out: string) => JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
const linesOf = (path: string) => readFileSync(path, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line));
const outputRows = (out: string) => [...linesOf(join(out, "train.json")), ...linesOf(join(out, "eval.json"))] as Array<{prompt: string | null; chosen: string | null; rejected: string | null}>;

describe("convert with inputs of different formats (item 6)", () => {
  // The case: a ShareGPT-preference file of 300 rows and a plain ShareGPT file of 20 (here LLaMA-Factory's
  // dpo_zh_demo.json and the first 20 rows of glaive_toolcall_en_demo.json).
  const plain = join(temp, "my_sharegpt.json");
  writeFileSync(plain, JSON.stringify((fixtureRecords("llama-factory/glaive_toolcall_en_demo.json") as unknown[]).slice(0, 20)));
  const preference = "test/fixtures/llama-factory/dpo_zh_demo.json";
  it("detects each file's format from its own records and converts all 320 rows (all 20 of the second file were rejected before)", async () => {
    const summary = await convert([preference, plain]);
    assert.deepEqual([summary.rowsRead, summary.rowsConverted, summary.rowsRejected], [320, 320, 0]);
    assert.equal(summary.format, "mixed");
    assert.deepEqual(
      summary.inputs.map((input) => [input.source, input.format, input.detection?.confidence, input.read, input.converted]),
      [
        ["dpo_zh_demo.json", "sharegpt-preference", 0.97, 300, 300],
        ["my_sharegpt.json", "sharegpt", 0.9, 20, 20]
      ]
    );
    // Preference rows serve all three steps; plain ShareGPT rows have no rejected answer, so steps 1 and 3 only.
    assert.deepEqual(summary.phaseRows, {"1": 320, "2": 300, "3": 320});
    assert.match(summary.warnings.join("\n"), /different formats, so each file was converted in its own: dpo_zh_demo\.json: sharegpt-preference \(300 rows\); my_sharegpt\.json: sharegpt \(20 rows\)/);
    const manifest = manifestOf(summary.out!);
    assert.equal(manifest.format.name, "mixed");
    assert.deepEqual(
      manifest.inputs.map((input: {format: string; chosen_by: string; detection: {confidence: number}; counts: object}) => [input.format, input.chosen_by, input.detection.confidence, input.counts]),
      [
        ["sharegpt-preference", "detection", 0.97, {read: 300, converted: 300, rejected: 0, reasoning_rows: 0}],
        ["sharegpt", "detection", 0.9, {read: 20, converted: 20, rejected: 0, reasoning_rows: 0}]
      ]
    );
  });
  it("with --format, uses it for every file and says which file's rows were all rejected", async () => {
    const summary = await convert([preference, plain], {format: "sharegpt-preference"});
    assert.deepEqual([summary.rowsConverted, summary.rowsRejected], [300, 20]);
    assert.equal(summary.format, "sharegpt-preference");
    assert.deepEqual(summary.inputs.map((input) => [input.chosenBy, input.detection?.format]), [["--format", "sharegpt-preference"], ["--format", "sharegpt"]]);
    assert.match(summary.warnings.join("\n"), /every row of my_sharegpt\.json was rejected \(20 rows, format sharegpt-preference\); the first reason: "conversations" ends with an assistant turn/);
  });
  it("inspect shows each file's format and one example of the second format", async () => {
    const report = await inspectDataset({paths: [preference, plain], countRows: false});
    assert.equal(report.format, "mixed");
    assert.deepEqual(report.inputs.map((input) => input.format), ["sharegpt-preference", "sharegpt"]);
    assert.deepEqual(report.examples.map((example) => [example.source, example.row]), [["dpo_zh_demo.json", 1], ["dpo_zh_demo.json", 2], ["dpo_zh_demo.json", 3], ["my_sharegpt.json", 1]]);
  });
  it("converts the same on worker threads (each job names its file's format)", async () => {
    const preferenceLines = join(temp, "preference.jsonl");
    writeFileSync(preferenceLines, (fixtureRecords("llama-factory/dpo_zh_demo.json") as unknown[]).map((record) => JSON.stringify(record)).join("\n") + "\n");
    const reasoning = "test/fixtures/llama-factory/reason_tool_use_demo_50.jsonl";
    const options = {reasoning: {mode: "drop" as const, open: "<think>", close: "</think>"}};
    const inline = await convert([preferenceLines, reasoning], {...options, workers: false});
    const parallel = await convert([preferenceLines, reasoning], {...options, workers: true});
    assert.deepEqual(parallel.inputs.map((input) => [input.format, input.converted, input.reasoningRows]), [["sharegpt-preference", 300, 0], ["messages", 50, 50]]);
    for (const file of ["train.json", "eval.json", "rejects.jsonl", "manifest.json"]) {
      assert.ok(readFileSync(join(parallel.out!, file)).equals(readFileSync(join(inline.out!, file))), file);
    }
  });
});

describe("convert names the columns its format does not use (item 7)", () => {
  it("LLaMA-Factory's multimodal mllm_demo.json: messages + images, with <image> placeholders in the text", async () => {
    const records = fixtureRecords("llama-factory/mllm_demo.json") as Array<{messages: Array<{content: string}>; images: string[]}>;
    const summary = await convert(["test/fixtures/llama-factory/mllm_demo.json"]);
    assert.equal(summary.format, "messages");
    assert.equal(summary.rowsConverted, records.length);
    const [input] = manifestOf(summary.out!).inputs;
    assert.deepEqual(input.unused_columns, [{name: "images", rows: records.length, looks_like: "media", example: JSON.stringify(records[0].images)}]);
    const withPlaceholders = records.filter((record) => record.messages.some((message) => message.content.includes("<image>"))).length;
    const warning = summary.warnings.find((text) => text.startsWith('column "images" of mllm_demo.json'))!;
    assert.match(warning, new RegExp(`\\(${records.length} of ${records.length} rows, e\\.g\\. .*\\) looks like media .*DS-Chat trains text-only models and cannot see it`));
    assert.match(warning, new RegExp(`${withPlaceholders} converted rows still hold <image>/<video>/<audio> placeholders in their text, which DS-Chat will train on as literal text`));
    assert.ok(outputRows(summary.out!).some((row) => row.prompt!.includes("<image>")), "the text itself is left as the user wrote it");
  });
  it("BELLE's class label and HC3's id and chatgpt_answers (which DS-Chat's class ignores too)", async () => {
    const belle = await convert(["test/fixtures/belle/eval_set.json"]);
    assert.deepEqual(belle.inputs[0].unusedColumns.map((column) => [column.name, column.rows, column.looksLike]), [["class", 1000, "metadata"]]);
    const hc3 = await convert(["test/fixtures/formats/dschat/HC3-Chinese.jsonl"]);
    assert.deepEqual(hc3.inputs[0].unusedColumns.map((column) => [column.name, column.rows, column.looksLike]), [["chatgpt_answers", 3, "text"], ["id", 3, "metadata"]]);
    assert.match(hc3.warnings.join("\n"), /column "chatgpt_answers" of HC3-Chinese\.jsonl \(3 of 3 rows, e\.g\. \["操作系统/);
  });
});

describe("convert keeps rows for the DS-Chat phases that can use them (item 5)", () => {
  it("miracl-zh: the row without negatives serves steps 1 and 3; the manifest says loading by name would stop step 2", async () => {
    const summary = await convert(["test/fixtures/formats/dschat/miracl-zh-queries-22-12.jsonl"]);
    assert.equal(summary.format, "dschat:Cohere/miracl-zh-queries-22-12");
    assert.deepEqual([summary.rowsConverted, summary.rowsRejected], [3, 0]);
    assert.deepEqual(summary.phaseRows, {"1": 3, "2": 2, "3": 3});
    const [deviation] = manifestOf(summary.out!).local_jsonfile.deviations;
    assert.deepEqual([deviation.rows, deviation.first_row], [1, "miracl-zh-queries-22-12.jsonl:2"]);
    assert.match(deviation.summary, /get_prompt_and_rejected raises .*IndexError.*stops step 2; through local\/jsonfile it returns None, so step 2 skips the row/);
  });
});

describe("convert --reasoning (item 8)", () => {
  const path = "test/fixtures/llama-factory/reason_tool_use_demo_50.jsonl";
  it("keeps reasoning inline by default, states it in the manifest, and counts the rows", async () => {
    const summary = await convert([path]);
    assert.deepEqual([summary.rowsConverted, summary.rowsRejected, summary.reasoningRows], [50, 0, 50]);
    const manifest = manifestOf(summary.out!);
    assert.deepEqual(manifest.options.reasoning, {mode: "inline", markers: "<think>,</think>"});
    assert.equal(manifest.counts.reasoning_rows, 50);
    assert.ok(outputRows(summary.out!).every((row) => row.chosen!.startsWith("<think>")));
    assert.match(summary.warnings.join("\n"), /50 rows of reason_tool_use_demo_50\.jsonl have reasoning parts: kept inline before the answer between "<think>" and "<\/think>"/);
  });
  it("drops it with mode drop, and the option keys the cache", async () => {
    const cache = join(temp, "reasoning-cache");
    const env = {DSCHAT_STUDIO_CACHE: cache};
    const inline = await convert([path], {env});
    const dropped = await convert([path], {env, reasoning: {mode: "drop", open: "<think>", close: "</think>"}});
    assert.equal(dropped.cacheHit, false);
    assert.notEqual(dropped.cacheKey, inline.cacheKey);
    assert.ok(outputRows(dropped.out!).every((row) => !row.chosen!.includes("<think>") && !row.prompt!.includes("<think>")));
    assert.deepEqual(manifestOf(dropped.out!).options.reasoning, {mode: "drop", markers: "<think>,</think>"});
    const marked = await convert([path], {env, reasoning: {mode: "inline", open: "<think>\n", close: "\n</think>\n\n"}});
    assert.equal(marked.cacheHit, false);
    assert.deepEqual(manifestOf(marked.out!).options.reasoning, {mode: "inline", markers: "<think>\\n,\\n</think>\\n\\n"});
    assert.equal((await convert([path], {env})).cacheHit, true);
  });
});

describe("convert on plain-text files (item 12)", () => {
  const wiki = "test/fixtures/llama-factory/wiki_demo_first3.txt";
  const documents = readFileSync(wiki, "utf8").split("\n").filter((line) => line.trim());
  it("reads one document per line (LLaMA-Factory's wiki_demo.txt layout) into step-1 text rows", async () => {
    const summary = await convert([wiki]);
    assert.equal(summary.format, "text");
    assert.deepEqual([summary.rowsRead, summary.rowsConverted], [documents.length, documents.length]);
    assert.deepEqual(summary.phaseRows, {"1": documents.length, "2": 0, "3": 0});
    assert.deepEqual(outputRows(summary.out!).map((row) => row.chosen).sort(), [...documents].sort());
    assert.equal(manifestOf(summary.out!).inputs[0].kind, "text-lines");
  });
  it("reads blank-line-separated blocks as one document each, gzip too", async () => {
    const gz = join(temp, "wiki_paragraphs.txt.gz");
    writeFileSync(gz, gzipSync(readFileSync("test/fixtures/engine/wiki_paragraphs.txt")));
    for (const path of ["test/fixtures/engine/wiki_paragraphs.txt", gz]) {
      const report = await inspectDataset({paths: [path]});
      assert.equal(report.inputs[0].kind, "text-paragraphs");
      assert.equal(report.rows, 3);
      assert.deepEqual(report.examples.map((example) => example.row), [1, 21, 42], "a document's row is the line it starts on");
      report.examples.forEach((example, i) => {
        const text = (example.raw as {text: string}).text;
        assert.ok(text.includes("\n"));
        // The fixture is the start of each wiki_demo article, hard-wrapped at 76 columns: unwrapping gives it back.
        assert.ok(documents[i].startsWith(text.replaceAll("\n", " ")), `document ${i + 1}`);
      });
    }
  });
  it("keeps one document per line despite a stray blank line, drops the \\r of CRLF files, and refuses bytes that are not UTF-8", async () => {
    const texts = (fixtureRecords("llama-factory/c4_demo.jsonl") as Array<{text: string}>).map((record) => record.text.replace(/\s+/g, " ").trim());
    const lines = [...texts.slice(0, 100), "", ...texts.slice(100)];
    const crlf = join(temp, "c4_lines.txt");
    writeFileSync(crlf, lines.join("\r\n") + "\r\n");
    const summary = await convert([crlf]);
    assert.equal(manifestOf(summary.out!).inputs[0].kind, "text-lines");
    assert.equal(summary.rowsConverted, texts.length);
    assert.deepEqual(outputRows(summary.out!).map((row) => row.chosen).sort(), [...texts].sort());
    const bad = join(temp, "latin1.txt");
    writeFileSync(bad, Buffer.concat([Buffer.from("first document\nsecond "), Buffer.from([0xe9]), Buffer.from("t\u00e9\n")]));
    await assert.rejects(convert([bad]), /latin1\.txt byte 22: not valid UTF-8 \(near line 2\)/);
  });
  it("reads a .txt of JSON objects as JSON Lines, and skips README/LICENSE .txt files in a folder", async () => {
    const folder = join(temp, "corpus");
    mkdirSync(folder);
    copyFileSync("test/fixtures/llama-factory/c4_demo.jsonl", join(folder, "c4.txt"));
    copyFileSync(wiki, join(folder, "wiki.txt"));
    writeFileSync(join(folder, "README.txt"), "A corpus.\nTwo files.\n");
    writeFileSync(join(folder, "LICENSE.txt"), "ODC-By\n");
    const summary = await convert([folder]);
    assert.deepEqual(manifestOf(summary.out!).inputs.map((input: {source: string; kind: string}) => [input.source, input.kind]), [["c4.txt", "jsonl"], ["wiki.txt", "text-lines"]]);
    assert.equal(summary.rowsConverted, 300 + documents.length);
    assert.equal(summary.format, "text");
  });
});
