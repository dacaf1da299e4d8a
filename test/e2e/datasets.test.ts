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
  await page.waitForFunction(
    ({file, results}) => results.every((selector) => document.querySelector(selector)?.closest("[data-source]")?.getAttribute("data-source") === file),
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

  it("makes no request outside 127.0.0.1 and raises no page error", () => {
    assert.ok(session.requests.length > 10, "requests were recorded");
    assert.deepEqual(externalRequests(session.requests), []);
    assert.deepEqual(session.errors, []);
  });
});
