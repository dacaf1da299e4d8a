import assert from "node:assert/strict";
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, describe, it} from "node:test";
import {estimateProportion} from "../../src/core/stats/estimateProportion.js";
import {nearestRank, niceBinWidth, summarizeLengths} from "../../src/core/stats/summarizeLengths.js";
import {countDuplicates, countOverlap, dominantScript, normalizedTextHash, normalizeWhitespace, rowKeys, SCRIPT_CLASSES, textHashes} from "../../src/core/stats/textFacts.js";
import {measureRows} from "../../loaders/stats/measureRows.js";
import {readConvertedDir} from "../../loaders/stats/readConvertedDir.js";
import {allocateSample, runStats, selectPartitions} from "../../loaders/stats/runStats.js";
import {resolveTokenizer} from "../../loaders/tokenizer/resolveTokenizer.js";

const EDGE = "test/fixtures/converted/edge-cases";
const HH = "test/fixtures/converted/hh-rlhf-240";
const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≉ ${expected}`);

describe("estimateProportion(successes, measured, population)", () => {
  it("is exact when every row was measured", () => {
    assert.deepEqual(estimateProportion(3, 12, 12), {count: 3, total: 12, rate: 0.25, low: 0.25, high: 0.25, standardError: 0, exact: true, measured: 12});
  });

  it("gives Wilson's interval on the finite-population effective sample size", () => {
    const r = estimateProportion(10, 100, 1000);
    close(r.low, 0.05690407404107161);
    close(r.high, 0.16985600971364231);
    close(r.standardError, 0.02847473987257497);
    assert.equal(r.count, 100);
    assert.equal(r.exact, false);
  });

  it("reduces to the textbook Wilson bound for a huge population (0 of 50 → ≤ 7.13%)", () => {
    const r = estimateProportion(0, 50, 1e12);
    assert.equal(r.low, 0);
    assert.ok(Math.abs(r.high - 1.959963984540054 ** 2 / (50 + 1.959963984540054 ** 2)) < 1e-9);
  });

  it("refuses a sample larger than its population", () => {
    assert.throws(() => estimateProportion(1, 11, 10), /larger than its population/);
  });
});

describe("summarizeLengths(lengths, {exact})", () => {
  const oneToHundred = Array.from({length: 100}, (_, i) => 100 - i);

  it("reports nearest-rank quantiles and a histogram", () => {
    const s = summarizeLengths(oneToHundred);
    assert.deepEqual([s.p0.value, s.p50.value, s.p90.value, s.p95.value, s.p99.value, s.max.value], [1, 50, 90, 95, 99, 100]);
    assert.equal(s.mean, 50.5);
    assert.equal(s.histogram.binWidth, 5);
    assert.equal(s.histogram.counts.reduce((a, b) => a + b, 0), 100);
    assert.deepEqual(s.histogram.counts.slice(0, 2), [4, 5]);
  });

  it("gives sampled quantiles an order-statistic interval, unbounded beyond the sample's extremes", () => {
    const s = summarizeLengths(oneToHundred, {exact: false});
    assert.ok(s.p50.low! <= 50 && s.p50.high! >= 50 && s.p50.high! - s.p50.low! >= 10);
    assert.equal(s.max.high, null);
    assert.equal(s.p0.low, null);
  });

  it("handles no lengths", () => {
    assert.equal(summarizeLengths([]).p50.value, 0);
    assert.equal(nearestRank([], 0.5), 0);
  });
});

describe("niceBinWidth(maxValue)", () => {
  it("keeps at most 32 bins of width 1, 2 or 5 × 10^k", () => {
    assert.equal(niceBinWidth(10), 1);
    assert.equal(niceBinWidth(512), 20);
    assert.equal(niceBinWidth(5000), 200);
  });
});

describe("dominantScript(texts)", () => {
  it("classifies by letters, ignoring DS-Chat's Human/Assistant markers", () => {
    assert.equal(SCRIPT_CLASSES[dominantScript(["Human: 你好吗？ Assistant:", "我很好。"])], "cjk");
    assert.equal(SCRIPT_CLASSES[dominantScript(["Human: Ça va? Assistant:", "Très bien."])], "latin");
    assert.equal(SCRIPT_CLASSES[dominantScript(["Привет", null])], "other");
    assert.equal(SCRIPT_CLASSES[dominantScript(["1 + 1 = 2"])], "none");
  });
});

describe("countDuplicates(rows, phase)", () => {
  const rows = [
    {id: "a:1", row: {prompt: "p", chosen: "c", rejected: "r"}},
    {id: "a:2", row: {prompt: "p", chosen: "c", rejected: "x"}},
    {id: "a:3", row: {prompt: " p\n", chosen: "c", rejected: "r"}}
  ];

  it("compares the fields each phase reads", () => {
    assert.deepEqual(countDuplicates(rows, 2), {exact: 0, normalized: 1, examples: [["a:3", "a:1"]]});
    assert.equal(countDuplicates(rows, 1).exact, 1);
    assert.equal(countDuplicates(rows, 3).normalized, 2);
    assert.equal(normalizeWhitespace("  a \n\t b "), "a b");
  });

  it("hashes the whitespace-normalised text without building it", () => {
    const messy = " What\u00a0is\n\n2+2?\t\u3000";
    assert.equal(normalizedTextHash(messy), normalizedTextHash(normalizeWhitespace(messy)));
    assert.notEqual(normalizedTextHash(messy), normalizedTextHash("What is 2+2!"));
    assert.equal(textHashes(messy).normalized, textHashes(normalizeWhitespace(messy)).exact);
    assert.notEqual(textHashes(messy).exact, textHashes(normalizeWhitespace(messy)).exact);
    assert.notEqual(rowKeys({prompt: "ab", chosen: "c", rejected: null}).exact, rowKeys({prompt: "a", chosen: "bc", rejected: null}).exact);
    assert.notEqual(rowKeys({prompt: "a", chosen: null, rejected: null}).exact, rowKeys({prompt: "a", chosen: "", rejected: null}).exact);
  });

  it("finds exact duplicates among many rows that differ only in spacing", () => {
    const spaced = Array.from({length: 40}, (_, i) => ({id: `s:${i + 1}`, row: {prompt: `a${" ".repeat(1 + (i % 20))}b`, chosen: "c", rejected: null}}));
    assert.deepEqual(countDuplicates(spaced, 1), {exact: 20, normalized: 39, examples: [["s:2", "s:1"], ["s:3", "s:1"], ["s:4", "s:1"], ["s:5", "s:1"], ["s:6", "s:1"]]});
    assert.deepEqual(countDuplicates(spaced.slice(0, 10), 1).exact, 0);
  });

  it("counts eval rows that are also train rows", () => {
    assert.deepEqual(countOverlap([rows[0].row], rows), {count: 1, examples: ["a:1"]});
  });

  it("counts every copy of an eval row found in train, and no row that differs only in spacing", () => {
    const row = (prompt: string) => ({prompt, chosen: "c", rejected: "r"});
    const evalRows = [row("x"), row("y"), row("x"), row(" x"), row("z"), row("x")].map((r, i) => ({id: `eval.json:${i + 1}`, row: r}));
    const train = [row("q"), row("x"), row("x"), row("z"), row("x ")];
    assert.deepEqual(countOverlap(train, evalRows), {count: 4, examples: ["eval.json:1", "eval.json:3", "eval.json:5", "eval.json:6"]});
    assert.deepEqual(countOverlap([], evalRows), {count: 0, examples: []});
  });
});

describe("readConvertedDir(dir)", () => {
  const dir = mkdtempSync(join(tmpdir(), "dschat-studio-converted-"));
  after(() => rmSync(dir, {recursive: true, force: true}));

  it("reads JSON Lines and JSON arrays and notes columns no row has", () => {
    const converted = readConvertedDir(EDGE);
    assert.equal(converted.train.format, "jsonl");
    assert.equal(converted.eval.format, "json-array");
    assert.deepEqual([converted.train.rows.length, converted.eval.rows.length], [12, 3]);
    assert.equal(converted.train.rows[5].id, "train.json:6");
    assert.equal(converted.train.rows[5].row.prompt, null);
    assert.deepEqual(converted.train.missingColumns, []);
  });

  it("needs both train.json and eval.json, like DS-Chat", () => {
    writeFileSync(join(dir, "train.json"), "");
    assert.throws(() => readConvertedDir(dir), /has no eval\.json.*both train\.json and eval\.json/s);
  });

  it("names the file and line of a bad row", () => {
    writeFileSync(join(dir, "eval.json"), '{"prompt": "a", "chosen": "b", "rejected": null}\n\n{"prompt": 3}\n');
    assert.throws(() => readConvertedDir(dir), /eval\.json line 3: "prompt" is 3, not a string or null/);
    writeFileSync(join(dir, "eval.json"), '{"prompt": "a"}\n{oops\n');
    assert.throws(() => readConvertedDir(dir), /eval\.json line 2: not valid JSON/);
    writeFileSync(join(dir, "eval.json"), '{"prompt": "a", "chosen": "b"}\n');
    assert.deepEqual(readConvertedDir(dir).eval.missingColumns, ["rejected"]);
  });

  it("decodes JSON Lines line by line as the whole file would be (UTF-8, CRLF, a long blank start)", () => {
    const lines = ['{"prompt": "caf\u00e9 ☕ 中文", "chosen": "b", "rejected": null}', '{"prompt": "\\u00e9 \ud83d\ude00", "chosen": "😀", "rejected": "x"}'];
    const padding = " ".repeat((1 << 16) - 1);
    writeFileSync(join(dir, "eval.json"), `${padding}${lines[0]}\r\n\n${lines[1]}`);
    const file = readConvertedDir(dir).eval;
    assert.equal(file.format, "jsonl");
    assert.deepEqual(file.rows.map((r) => r.id), ["eval.json:1", "eval.json:3"]);
    assert.deepEqual(file.rows.map((r) => r.row), lines.map((line) => JSON.parse(line)));
    // A two-byte character cut by the end of the 64 KiB prefix that decides the format: still read as the first character.
    writeFileSync(join(dir, "eval.json"), `${padding}é[${lines[0]}]`);
    assert.throws(() => readConvertedDir(dir), /eval\.json line 1: not valid JSON/);
    // The cut character is a no-break space, which \s skips (JSON.parse does not): the file is taken for an array.
    writeFileSync(join(dir, "eval.json"), `${padding}\u00a0\n [${lines[1]}]`);
    assert.throws(() => readConvertedDir(dir), /eval\.json: starts with "\[" but is not one valid JSON array/);
    writeFileSync(join(dir, "eval.json"), `${padding}\n [${lines[1]}]`);
    assert.deepEqual(readConvertedDir(dir).eval.rows.map((r) => r.row.chosen), ["😀"]);
  });
});

describe("selectPartitions(converted, dataSplit, seed)", () => {
  it("gives each phase DS-Chat's share of train.json and of eval.json, in file order", () => {
    const parts = selectPartitions(readConvertedDir(HH), "2,4,4", 1234);
    assert.deepEqual(parts.map((p) => [p.phase, p.split, p.rows.length]), [[1, "train", 40], [1, "eval", 8], [2, "train", 80], [2, "eval", 16], [3, "train", 80], [3, "eval", 16]]);
    const trainIds = new Set(parts.filter((p) => p.split === "train").flatMap((p) => p.rows.map((r) => r.id)));
    assert.equal(trainIds.size, 200, "phases are disjoint and cover train.json");
  });
});

describe("allocateSample(sizes, total)", () => {
  it("splits a sample in proportion, at least 30 per partition", () => {
    assert.deepEqual(allocateSample([1000, 100, 10], null), [1000, 100, 10]);
    assert.deepEqual(allocateSample([1000, 100, 10], 200), [180, 30, 10]);
    assert.deepEqual(allocateSample([5, 5], 100), [5, 5]);
  });
});

describe("runStats({dir, tokenizer, ...})", () => {
  const base = {tokenizer: "gpt2", maxSeqLen: 64, maxPromptSeqLen: 256, seed: 1234, threads: 1};

  it("phase 2 of the edge-case directory: exact counts", async () => {
    const report = await runStats({...base, dir: EDGE, dataSplit: "0,10,0"});
    const [train, evaluation] = report.partitions.filter((p) => p.phase === 2);
    assert.deepEqual([train.rows, train.skippedNull, train.usable, train.measured, train.exact], [12, 2, 10, 10, true]);
    assert.deepEqual([train.truncated!.count, train.identicalPairs!.count, train.divergenceAtStart!.count, train.padInText!.count], [1, 2, 0, 1]);
    assert.deepEqual(train.examples.identicalPairs, ["train.json:2", "train.json:9"]);
    assert.deepEqual(train.examples.padInText, ["train.json:12"]);
    assert.deepEqual(train.emptyStrings, {prompt: 1, chosen: 1, rejected: 0});
    assert.deepEqual([train.duplicates.exact, train.duplicates.normalized], [1, 2]);
    assert.deepEqual([train.scriptMix.latin.count, train.scriptMix.cjk.count], [9, 1]);
    assert.deepEqual([evaluation.rows, evaluation.usable], [3, 2]);
    assert.deepEqual(report.trainEvalOverlap, {count: 1, examples: ["eval.json:1"]});
    assert.deepEqual(report.dataCache.find((c) => c.phase === 2), {phase: 2, bytesPerRank: 12 * 64 * 2 * 8 * 2, bytesPerNode: 12 * 64 * 2 * 8 * 2, gpusPerNode: 1});
    assert.equal(report.partitions.filter((p) => p.phase !== 2).every((p) => p.rows === 0), true);
    assert.equal(report.tokenizer.resizedVocabSize, 50264);
  });

  it("phase 1 truncates the long row; phase 3 drops its prompt", async () => {
    const sft = (await runStats({...base, dir: EDGE, dataSplit: "10,0,0"})).partitions[0];
    assert.deepEqual([sft.usable, sft.truncated!.count, sft.examples.truncated[0]], [11, 1, "train.json:9"]);
    const ppo = await runStats({...base, dir: EDGE, dataSplit: "0,0,10", maxPromptSeqLen: 32});
    const prompts = ppo.partitions.find((p) => p.phase === 3 && p.split === "train")!;
    assert.deepEqual([prompts.usable, prompts.dropped!.count, prompts.examples.dropped], [11, 1, ["train.json:9"]]);
    assert.equal(prompts.datasetRows, 10);
  });

  it("with --sample, every interval it states covers the exact rate", async () => {
    const options = {...base, dir: HH, dataSplit: "2,4,4", maxSeqLen: 192, maxPromptSeqLen: 96};
    const exact = await runStats(options);
    const sampled = await runStats({...options, sample: 90});
    let checked = 0;
    sampled.partitions.forEach((p, i) => {
      assert.equal(p.exact, p.measured === p.usable);
      for (const key of ["truncated", "dropped", "identicalPairs"] as const) {
        const estimate = p[key];
        const truth = exact.partitions[i][key];
        if (!estimate || !truth || estimate.exact) continue;
        assert.ok(estimate.low <= truth.rate && truth.rate <= estimate.high, `phase ${p.phase} ${p.split} ${key}: ${truth.rate} outside [${estimate.low}, ${estimate.high}]`);
        checked++;
      }
    });
    assert.ok(checked >= 3, "the sample must leave some partitions estimated");
    assert.ok(exact.partitions[0].truncated!.count > 0 && exact.partitions[4].dropped!.count > 0, "the fixture exercises truncation and drops");
  });
});

describe("runStats({dir, tokenizer, sample}) on a big input", () => {
  const dir = mkdtempSync(join(tmpdir(), "dschat-studio-big-"));
  after(() => rmSync(dir, {recursive: true, force: true}));

  it("gives the report inline measuring gives, with the tokenizer built and the sample measured in a worker", async () => {
    // Over 1 MiB of JSON Lines, so a sample goes to one worker (on a machine with a second core).
    const lines = readFileSync(join(HH, "train.json"), "utf8").trim().split("\n");
    writeFileSync(join(dir, "train.json"), Array.from({length: 7}, () => lines.join("\n")).join("\n") + "\n");
    writeFileSync(join(dir, "eval.json"), readFileSync(join(HH, "eval.json")));
    const options = {dir, tokenizer: "gpt2", modelName: "facebook/opt-350m", dataSplit: "2,4,4", seed: 1234, maxSeqLen: 192, maxPromptSeqLen: 96, sample: 300};
    const inWorker = await runStats(options);
    const inline = await runStats({...options, threads: 1});
    assert.deepEqual(inWorker, inline);
    assert.equal(inWorker.tokenizer.family, "opt");
    assert.ok(inWorker.partitions[0].duplicates.exact > 0 && inWorker.trainEvalOverlap.count === 0);
  });
});

describe("measureRows(jobs, {threads})", () => {
  it("returns the same lengths from worker threads (alone, or beside this thread) as inline", async () => {
    const files = await resolveTokenizer("gpt2");
    const rows = readConvertedDir(HH).train.rows.slice(0, 60).map(({row}) => row);
    const jobs = [{phase: 1 as const, rows}, {phase: 2 as const, rows}, {phase: 3 as const, rows: rows.slice(0, 7)}];
    const options = {files, modelName: "facebook/opt-350m", limits: {maxSeqLen: 128, maxPromptSeqLen: 64}, batchSize: 16};
    const inline = await measureRows(jobs, {...options, threads: 1});
    const progress: number[] = [];
    const workersOnly = await measureRows(jobs, {...options, threads: 2, measureHere: false, onProgress: (done) => progress.push(done)});
    assert.deepEqual(workersOnly, inline);
    assert.equal(progress.at(-1), 127);
    assert.deepEqual(await measureRows(jobs, {...options, threads: 2}), inline, "one worker beside this thread");
  });
});
