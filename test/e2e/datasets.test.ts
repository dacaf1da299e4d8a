/**
 * The Datasets page in headless Chromium, on the built site: real files go in through the file input and are read,
 * detected and converted in the page's worker; what the page shows is checked against the fixtures themselves, against
 * DS-Chat's documented prompt convention, and against the CLI (`split`, `convert --recipe`) on the same files.
 */
import assert from "node:assert/strict";
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, it} from "node:test";
import type {Page} from "playwright-core";
import {json, root, runCli} from "../helpers/cli.js";
import {assertMatchesSchema} from "../helpers/schemas.js";
import {externalRequests, openPage, type Session} from "./harness.js";

const count = (text: string | null) => Number((text ?? "").replaceAll(",", ""));
const work = mkdtempSync(join(tmpdir(), "dschat-datasets-e2e-"));
const env = {DSCHAT_STUDIO_CACHE: join(work, "cache")};
const DPO_ZH = join(root, "test/fixtures/llama-factory/dpo_zh_demo.json");
const HH = join(root, "test/fixtures/hh-rlhf/harmless-base/test.jsonl.gz");
const BELLE = join(root, "test/fixtures/belle/eval_set.json");

/** Chooses a file through the page's file input and waits until its rows are converted and counted. */
async function upload(page: Page, path: string, name: string) {
  await page.setInputFiles("#dataset-file", path);
  // Results of the previous source stay until this one's are computed: each result names its source.
  const results = ["#conversion-summary", "#matching", "#row-preview", "#dataset-rows", "#phase-split"];
  // A large file shows its first records' rows first (data-partial="true"): wait for every row's.
  await page.waitForFunction(
    ({file, results}) =>
      results.every((selector) => {
        const result = document.querySelector(selector)?.closest("[data-source]");
        return result?.getAttribute("data-source") === file && result.getAttribute("data-partial") !== "true";
      }),
    {file: name, results},
    {timeout: 60_000}
  );
}

/** The text a preview cell shows, whitespace marks turned back into the characters they stand for. */
function previewText(page: Page, row: number, field: "prompt" | "chosen" | "rejected") {
  return page.evaluate(({row, field}) => {
    const pre = document.querySelectorAll("#row-preview article")[row].querySelector(`pre.${field}`)!;
    let text = "";
    for (const node of pre.childNodes) {
      const element = node as Element;
      if (node.nodeType === 1 && element.classList.contains("ws")) {
        const code = Number.parseInt(element.getAttribute("title")!.slice(2), 16);
        if (code !== 0x0a) text += String.fromCodePoint(code);
      } else text += node.textContent;
    }
    return text;
  }, {row, field});
}

async function applyFilter(page: Page, condition: string) {
  const before = await page.textContent("#matching-rows");
  await page.fill("#filter-input", condition);
  await page.press("#filter-input", "Enter");
  await page.waitForFunction((previous) => document.querySelector("#matching-rows")?.textContent !== previous, before, {timeout: 30_000});
}

async function download(page: Page, selector: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent("download", {timeout: 30_000}), page.click(selector)]);
  return readFileSync((await file.path())!);
}

/** Rows per step the CLI's `split` gives train.json and eval.json of these sizes. */
async function cliSplit(trainRows: number, evalRows: number, step: number) {
  const run = await runCli(["split", "--size", String(trainRows), "--eval-size", String(evalRows), "--seed", "1234", "--data_split", "2,4,4", "--step", String(step), "--json"]);
  const document = json<{train: number[]; eval: number[]}>(run, "split");
  return [document.train.length, document.eval.length];
}

async function pageSplit(page: Page, step: number) {
  return page.evaluate((step) => {
    const row = document.querySelector(`#phase-split tr[data-step="${step}"]`)!;
    return [row.querySelector(".train-rows")!.textContent, row.querySelector(".eval-rows")!.textContent].map((text) => Number(text!.replaceAll(",", "")));
  }, step);
}

describe("/datasets page: explore and convert in the browser", () => {
  let session: Session;

  before(async () => {
    session = await openPage("/datasets", () => document.querySelector("#detected-format")?.textContent === "hh-rlhf" && document.querySelector("#matching-rows")?.textContent === "2,312");
  });

  after(async () => {
    await session?.close();
    rmSync(work, {recursive: true, force: true});
  });

  it("opens on the shipped sample, read in the page's worker and converted as hh-rlhf", async () => {
    assert.equal(await session.page.textContent("#records-read"), "2,312");
    assert.equal(await session.page.textContent("#format-used"), "hh-rlhf");
  });

  it("reads LLaMA-Factory's Chinese DPO demo from the file input: format, rows, the prompt DS-Chat reads", async () => {
    const {page} = session;
    await upload(page, DPO_ZH, "dpo_zh_demo.json");
    const records = JSON.parse(readFileSync(DPO_ZH, "utf8")) as Array<{conversations: Array<{from: string; value: string}>; chosen: {value: string}; rejected: {value: string}}>;
    assert.equal(await page.textContent("#detected-format"), "sharegpt-preference", "ShareGPT conversations with chosen/rejected messages (SOURCES.md)");
    assert.equal(count(await page.textContent("#records-read")), records.length);
    assert.equal(count(await page.textContent("#converted-rows")), 300);
    // DS-Chat's convention: prompt " Human: " + question + " Assistant:", answer " " + text; train.json drops the
    // leading space that local/jsonfile puts back.
    const first = records[0];
    assert.equal(first.conversations.length, 1);
    assert.equal(await previewText(page, 0, "prompt"), `Human: ${first.conversations[0].value} Assistant:`);
    assert.equal(await previewText(page, 0, "chosen"), first.chosen.value);
    assert.equal(await previewText(page, 0, "rejected"), first.rejected.value);
    assert.ok((await page.locator("#row-preview article:first-child mark.marker").count()) >= 2, "Human:/Assistant: highlighted");
  });

  it("splits the rows between DS-Chat's steps for 2,4,4 and seed 1234 exactly as the CLI's split", async () => {
    const {page} = session;
    const trainRows = count(await page.textContent("#train-rows"));
    const evalRows = count(await page.textContent("#eval-rows"));
    assert.equal(trainRows + evalRows, 300);
    for (const step of [1, 2, 3]) assert.deepEqual(await pageSplit(page, step), await cliSplit(trainRows, evalRows, step), `step ${step}`);
  });

  it("counts tokens in a worker as dschat-studio stats does, and follows the max_seq_len slider", async () => {
    const {page} = session;
    const cut = (step: number) => page.evaluate((step) => document.querySelector(`#token-stats tr[data-step="${step}"] .cut-count`)?.textContent ?? "", step);
    await page.waitForFunction(() => document.querySelectorAll("#token-stats tr[data-step]").length === 3, null, {timeout: 60_000});
    const setRange = async (label: string, value: number) => {
      const before = await page.textContent("#token-stats");
      await page.evaluate(({label, value}) => {
        const form = [...document.querySelectorAll("form")].find((f) => f.querySelector("label")?.textContent === label)!;
        const input = form.querySelector<HTMLInputElement>("input[type=number]")!;
        input.value = String(value);
        input.dispatchEvent(new Event("input", {bubbles: true}));
      }, {label, value});
      await page.waitForFunction((previous) => document.querySelector("#token-stats")?.textContent !== previous, before, {timeout: 60_000});
    };
    await setRange("--max_seq_len", 256);
    await setRange("--max_prompt_seq_len", 128);
    // The CLI on the same rows: convert with the page's format, eval share and seed, then stats with its tokenizer.
    const out = join(work, "dpo-plain");
    assert.equal((await runCli(["convert", DPO_ZH, "--out", out, "--format", "sharegpt-preference"], {env})).code, 0);
    const stats = json<{partitions: Array<{phase: number; split: string; truncated: {count: number} | null; dropped: {count: number} | null}>}>(
      await runCli(["stats", out, "--tokenizer", "gpt2", "--model", "facebook/opt-1.3b", "--max_seq_len", "256", "--max_prompt_seq_len", "128", "--json"], {env}),
      "stats"
    );
    const train = (phase: number) => stats.partitions.find((p) => p.phase === phase && p.split === "train")!;
    assert.match(await cut(1), new RegExp(`^${train(1).truncated!.count} truncated`));
    assert.match(await cut(2), new RegExp(`^${train(2).truncated!.count} truncated`));
    assert.match(await cut(3), new RegExp(`^${train(3).dropped!.count} dropped`));
    assert.ok(train(3).dropped!.count > 0, "some Chinese prompts are longer than 128 tokens");
  });

  it("re-converts at once when the columns are mapped by hand, and narrows the preview when a histogram is brushed", async () => {
    const {page} = session;
    await page.selectOption("#mapping-mode", "map");
    for (const [target, column] of [["conversation", "conversations"], ["chosen", "chosen"], ["rejected", "rejected"]]) await page.selectOption(`#mapping-editor select[data-target=${target}]`, column);
    await page.waitForFunction(() => document.querySelector("#format-used")?.textContent === "map", null, {timeout: 60_000});
    assert.equal(await page.inputValue("#mapping-spec"), "chosen=chosen,rejected=rejected,conversation=conversations");
    const records = JSON.parse(readFileSync(DPO_ZH, "utf8")) as Array<{conversations: Array<{value: string}>}>;
    assert.equal(await previewText(page, 0, "prompt"), `Human: ${records[0].conversations[0].value} Assistant:`, "the same DS-Chat prompt as the format gave");
    await page.selectOption("#mapping-mode", "format");
    await page.waitForFunction(() => document.querySelector("#format-used")?.textContent === "sharegpt-preference", null, {timeout: 60_000});
    await page.waitForFunction(() => document.querySelector("#table-status")?.getAttribute("data-ready") === "true", null, {timeout: 60_000});

    const overlay = page.locator('.length-histograms svg[data-side="prompt"] .brush .overlay');
    await overlay.scrollIntoViewIfNeeded();
    const box = (await overlay.boundingBox())!;
    await page.mouse.move(box.x + 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 4, box.y + box.height / 2, {steps: 5});
    await page.mouse.up();
    await page.waitForSelector("#brush-to-filter", {timeout: 30_000});
    const matching = count(await page.textContent("#matching-rows"));
    assert.ok(matching > 0 && matching < 300, `rows in the brushed prompt lengths: ${matching}`);
    const lengths = await page.$$eval("#row-preview pre.prompt", (pres) => pres.map((pre) => pre.textContent!.length));
    assert.ok(lengths.length > 0);
    // The brush can go into the filter, as a condition convert --recipe runs too.
    await page.click("#brush-to-filter");
    await page.waitForFunction(() => /^prompt_chars BETWEEN \d+ AND \d+$/.test((document.querySelector("#filter-input") as HTMLInputElement).value), null, {timeout: 10_000});
    await page.waitForFunction((expected) => document.querySelector("#matching-rows")?.textContent === expected, String(matching), {timeout: 30_000});
    await page.fill("#filter-input", "");
    await page.press("#filter-input", "Enter");
    await page.waitForFunction(() => document.querySelector("#matching-rows")?.textContent === "300", null, {timeout: 30_000});
  });

  it("filters with a SQL condition in DuckDB-wasm, refuses another statement inline, and downloads what convert --recipe writes", async () => {
    const {page} = session;
    await applyFilter(page, "prompt_chars < 400 AND NOT contains(prompt, 'Python')");
    const matching = count(await page.textContent("#matching-rows"));
    assert.ok(matching > 0 && matching < 300, `rows kept by the filter: ${matching}`);
    // One condition over one table: a second statement is refused before it reaches DuckDB, and the count stays.
    await page.fill("#filter-input", "1 = 1; DROP TABLE canonical_rows");
    await page.press("#filter-input", "Enter");
    await page.waitForFunction(() => document.querySelector("#filter-error")?.textContent?.includes("one condition"), null, {timeout: 10_000});
    assert.equal(count(await page.textContent("#matching-rows")), matching);

    const recipe = await download(page, "#download-recipe");
    const train = await download(page, "#download-train");
    const evaluation = await download(page, "#download-eval");
    const recipePath = join(work, "recipe.json");
    writeFileSync(recipePath, recipe);
    assertMatchesSchema("recipe", JSON.parse(recipe.toString()));
    assert.equal(JSON.parse(recipe.toString()).filter, "prompt_chars < 400 AND NOT contains(prompt, 'Python')");
    const out = join(work, "recipe-out");
    const run = await runCli(["convert", "--recipe", recipePath, DPO_ZH, "--out", out, "--json"], {env});
    const summary = json<{rows_converted: number; rows_filtered: number}>(run, "convert");
    assert.equal(summary.rows_converted, matching, "the CLI keeps the rows the page kept");
    assert.equal(summary.rows_filtered, 300 - matching);
    assert.ok(train.equals(readFileSync(join(out, "train.json"))), "train.json byte for byte");
    assert.ok(evaluation.equals(readFileSync(join(out, "eval.json"))), "eval.json byte for byte");
    // An empty condition keeps every row again.
    await page.fill("#filter-input", "");
    await page.press("#filter-input", "Enter");
    await page.waitForFunction(() => document.querySelector("#matching-rows")?.textContent === document.querySelector("#total-rows")?.textContent, null, {timeout: 30_000});
  });

  it("reads the hh-rlhf split (gzip JSON Lines) through the file input, and its downloaded train.json equals convert --recipe", async () => {
    const {page} = session;
    await upload(page, HH, "test.jsonl.gz");
    assert.equal(await page.textContent("#detected-format"), "hh-rlhf");
    assert.equal(count(await page.textContent("#records-read")), 2312);
    const trainRows = count(await page.textContent("#train-rows"));
    const evalRows = count(await page.textContent("#eval-rows"));
    for (const step of [1, 2, 3]) assert.deepEqual(await pageSplit(page, step), await cliSplit(trainRows, evalRows, step), `step ${step}`);
    const recipePath = join(work, "hh-recipe.json");
    writeFileSync(recipePath, await download(page, "#download-recipe"));
    const train = await download(page, "#download-train");
    const out = join(work, "hh-out");
    const run = await runCli(["convert", "--recipe", recipePath, HH, "--out", out], {env});
    assert.equal(run.code, 0, run.stderr);
    assert.ok(train.equals(readFileSync(join(out, "train.json"))), "train.json byte for byte");
  });

  it("reads a BELLE file whose .json holds JSON Lines, as BELLE question/answer rows", async () => {
    const {page} = session;
    await upload(page, BELLE, "eval_set.json");
    assert.equal(await page.textContent("#detected-format"), "belle");
    assert.equal(count(await page.textContent("#records-read")), 1000, "1,000 rows (SOURCES.md)");
    const first = JSON.parse(readFileSync(BELLE, "utf8").split("\n")[0]) as {question: string; std_answer: string};
    assert.equal(await previewText(page, 0, "prompt"), `Human: ${first.question} Assistant:`);
    assert.equal(await previewText(page, 0, "chosen"), first.std_answer);
  });

  it("shows a <script> in the data as text and never runs it", async () => {
    const {page} = session;
    const path = join(work, "xss.jsonl");
    const payload = `<script>window.__datasetScriptRan = true</script><img src=x onerror="window.__datasetScriptRan = true">`;
    writeFileSync(path, [JSON.stringify({prompt: `Explain ${payload}`, chosen: "No.", rejected: payload}), JSON.stringify({prompt: "Hi", chosen: "Hello", rejected: "Go away"})].join("\n") + "\n");
    await upload(page, path, "xss.jsonl");
    assert.equal(await previewText(page, 0, "rejected"), payload);
    assert.equal(await page.locator("#row-preview script, #row-preview img").count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as {__datasetScriptRan?: boolean}).__datasetScriptRan), undefined);
  });

  it("counts duplicates, empty strings and identical pairs with example rows, and describes the columns", async () => {
    const {page} = session;
    const path = join(work, "quality.jsonl");
    // Built to hold: line 2 repeats line 1 exactly; line 3 repeats it but for the spacing; line 4's chosen and rejected
    // are the same text; line 5's chosen is blank; line 6 has a null rejected (an SFT row).
    const rows = [
      {prompt: "Human: What is 2+2? Assistant:", chosen: "4", rejected: "5"},
      {prompt: "Human: What is 2+2? Assistant:", chosen: "4", rejected: "5"},
      {prompt: "Human:  What is 2+2?  Assistant:", chosen: "4", rejected: "5"},
      {prompt: "Human: Name a colour. Assistant:", chosen: "Red", rejected: "Red"},
      {prompt: "Human: Say nothing. Assistant:", chosen: "   ", rejected: "Something"},
      {prompt: "Human: Hello. Assistant:", chosen: "Hi there", rejected: null}
    ];
    writeFileSync(path, rows.map((row) => JSON.stringify(row)).join("\n") + "\n");
    await upload(page, path, "quality.jsonl");
    await page.waitForFunction(() => document.querySelector("#quality-facts")?.closest("[data-source]")?.getAttribute("data-source") === "quality.jsonl", null, {timeout: 60_000});
    const facts = (await page.textContent("#quality-facts")) ?? "";
    assert.equal(await page.textContent("#duplicate-rows"), "1", "line 2 = line 1");
    assert.match(facts, /1 exact duplicate rows, 2 once whitespace is normalised/);
    assert.equal(await page.textContent("#identical-pairs"), "1");
    assert.match(facts, /1 empty or blank chosen — e\.g\. quality\.jsonl:5/);
    assert.match(facts, /pairs whose chosen and rejected are identical — e\.g\. quality\.jsonl:4/);
    await page.waitForFunction(() => document.querySelector("#column-stats")?.closest("[data-source]")?.getAttribute("data-source") === "quality.jsonl", null, {timeout: 60_000});
    const columns = await page.$$eval("#column-stats tbody tr", (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].slice(0, 5).map((td) => td.textContent ?? "")));
    const rejected = columns.find(([name]) => name === "rejected");
    assert.deepEqual(rejected, ["rejected", "string 5", "0", "1", "4"], "5 strings, none missing, 1 null, 4 distinct values (5, Red, Something and null)");
  });

  it("makes no request outside 127.0.0.1 and raises no page error", () => {
    assert.ok(session.requests.length > 10, "requests were recorded");
    assert.deepEqual(externalRequests(session.requests), []);
    assert.deepEqual(session.errors, []);
  });
});
