// `npm run bench -- datasets-page [--rows 100000] [--url http://127.0.0.1:3000]`: the Datasets page in headless Chromium on a generated hh-rlhf-shaped
// JSON Lines upload — time to the first histogram, and how long a filter change and a mapping change take to re-render
// — beside the CLI doing the same work on the same file (convert; convert --recipe with the filter; convert --map).
// Figures, not a test: the targets (< 5 s, < 200 ms) are printed next to them. Without --url the built site is served.
import {mkdirSync, rmSync, statSync, writeFileSync} from "node:fs";
import {createHash} from "node:crypto";
import {readFileSync} from "node:fs";
import {basename, join, resolve} from "node:path";
import {fileURLToPath} from "node:url";
import {parseArgs} from "node:util";
import type {Page} from "playwright-core";
import {ensureBuilt, openBrowser, serveDist} from "../test/e2e/harness.js";
import {generateHhJsonLines, measure} from "./convert.js";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const OUT = join(ROOT, "bench", "out");
const FILTER = "prompt_chars < 1000";
/** A mapping of the hh-rlhf columns: prompt = the chosen transcript as one user turn (a change every row feels). */
const MAPPING = "prompt=rejected,chosen=chosen";

async function until(page: Page, predicate: string, arg: unknown, timeout = 300_000): Promise<number> {
  const started = performance.now();
  await page.waitForFunction(new Function("arg", `return (${predicate})(arg)`) as (arg: unknown) => boolean, arg, {timeout, polling: "raf"});
  return (performance.now() - started) / 1000;
}

/** The result `selector` is of file `name`; with `full`, of every record (not the first records' partial result). */
const sourceIs = `({selector, name, full}) => { const result = document.querySelector(selector)?.closest("[data-source]"); return result?.getAttribute("data-source") === name && (!full || result.getAttribute("data-partial") !== "true"); }`;

export default async function benchDatasetsPage(args: string[]): Promise<void> {
  const {values} = parseArgs({args, options: {rows: {type: "string", default: "100000"}, url: {type: "string"}}});
  const rows = Number(values.rows.replaceAll("_", ""));
  mkdirSync(OUT, {recursive: true});
  const input = await generateHhJsonLines(rows);
  const name = basename(input);
  const megabytes = statSync(input).size / 1e6;
  if (!values.url) console.error(`site built in ${ensureBuilt().seconds.toFixed(0)} s`);
  const server = values.url ? {url: values.url, close: async () => {}} : await serveDist();
  const session = await openBrowser();
  const {page} = session;
  const figures: string[] = [];
  try {
    await page.goto(`${server.url}/datasets`);
    await page.waitForFunction(() => Boolean(document.querySelector("#phase-split")), null, {timeout: 300_000});

    // Upload: from the file input's change to each result of this file.
    const started = performance.now();
    await page.setInputFiles("#dataset-file", input);
    const at = async (selector: string, full = true) => (await until(page, sourceIs, {selector, name, full}), (performance.now() - started) / 1000);
    const firstHistogram = await at(".length-histograms", false);
    const converted = await at("#conversion-summary");
    const stages = await page.evaluate(() => [document.querySelector("#load-progress")?.textContent ?? "", document.querySelector("#conversion-summary")?.textContent ?? ""]);
    const histogram = await at(".length-histograms");
    const table = await at("#row-preview");
    const split = await at("#phase-split");

    await until(page, `() => document.querySelector("#table-status")?.getAttribute("data-ready") === "true"`, null);
    const tableReady = (performance.now() - started) / 1000;
    // A filter: from Enter to the new count, histograms and preview.
    const filterStarted = performance.now();
    await page.fill("#filter-input", FILTER);
    await page.press("#filter-input", "Enter");
    await page.waitForFunction((filter) => document.querySelector("#matching-rows")?.textContent !== document.querySelector("#total-rows")?.textContent && Boolean(filter), FILTER, {polling: "raf", timeout: 120_000});
    const filterCount = (performance.now() - filterStarted) / 1000;
    await page.waitForFunction(() => document.querySelectorAll("#row-preview article").length > 0, null, {polling: "raf"});
    const filterAll = (performance.now() - filterStarted) / 1000;
    const matching = Number((await page.textContent("#matching-rows"))!.replaceAll(",", ""));

    // The same filter on a settled page (the analyses and token counts of every row done): what the filter itself
    // costs, without the workers' other work competing for the cores.
    const clearFilter = async () => {
      await page.fill("#filter-input", "");
      await page.press("#filter-input", "Enter");
      await page.waitForFunction(() => document.querySelector("#matching-rows")?.textContent === document.querySelector("#total-rows")?.textContent, null, {timeout: 120_000});
    };
    const settled = `() => Boolean(document.querySelector("#token-stats")) && document.querySelector("#token-progress")?.textContent === ""`;
    await clearFilter();
    for (const pause of [3000, 1000]) await until(page, settled, null), await new Promise((resolve) => setTimeout(resolve, pause)); // the cleared filter's analysis and token counts
    const settledStarted = performance.now();
    await page.fill("#filter-input", FILTER);
    await page.press("#filter-input", "Enter");
    await page.waitForFunction(() => document.querySelector("#matching-rows")?.textContent !== document.querySelector("#total-rows")?.textContent && document.querySelectorAll("#row-preview article").length > 0, null, {polling: "raf", timeout: 120_000});
    const filterSettled = (performance.now() - settledStarted) / 1000;

    // A mapping: from the change to the re-converted count and preview.
    await clearFilter();
    const before = await page.textContent("#row-preview article pre.prompt");
    const mappingStarted = performance.now();
    await page.selectOption("#mapping-mode", "map");
    await page.fill("#mapping-spec", MAPPING);
    await page.dispatchEvent("#mapping-spec", "change");
    await page.waitForFunction((previous) => document.querySelector("#row-preview article pre.prompt")?.textContent !== previous && document.querySelector("#conversion-summary")?.textContent?.includes("map"), before, {polling: "raf", timeout: 120_000});
    const mapping = (performance.now() - mappingStarted) / 1000;
    await until(page, `() => document.querySelector("#conversion-summary")?.getAttribute("data-partial") === "false" && document.querySelector(".length-histograms")?.getAttribute("data-partial") === "false"`, null);
    const mappingAll = (performance.now() - mappingStarted) / 1000;

    // The CLI, same file, each in its own process (wall time includes Node's start).
    const cache = join(OUT, "cache-datasets-page");
    rmSync(cache, {recursive: true, force: true});
    const cli = (extra: string[]) => measure(process.execPath, ["bin/dschat-studio.js", "convert", input, "--out", join(OUT, "datasets-page-out"), "--json", ...extra], {DSCHAT_STUDIO_CACHE: cache});
    const cliConvert = await cli([]);
    const recipe = join(OUT, "datasets-page-recipe.json");
    writeFileSync(recipe, JSON.stringify({schema_version: 1, tool: "dschat-studio", inputs: [{source: name, bytes: statSync(input).size, sha256: createHash("sha256").update(readFileSync(input)).digest("hex")}], format: "hh-rlhf", map: null, filter: FILTER, reasoning: {mode: "inline", markers: "<think>,</think>"}, eval_ratio: 0.1, seed: 1234}));
    const cliFilter = await measure(process.execPath, ["bin/dschat-studio.js", "convert", "--recipe", recipe, input, "--out", join(OUT, "datasets-page-out"), "--json"], {DSCHAT_STUDIO_CACHE: cache});
    const cliKept = (JSON.parse(cliFilter.stdout) as {rows_converted: number}).rows_converted;
    const cliMap = await cli(["--map", MAPPING]);
    rmSync(cache, {recursive: true, force: true});
    rmSync(join(OUT, "datasets-page-out"), {recursive: true, force: true});

    const s = (seconds: number) => `${seconds.toFixed(2)} s`;
    const ms = (seconds: number) => `${Math.round(seconds * 1000)} ms`;
    figures.push(
      `${rows.toLocaleString("en-US")} hh-rlhf-shaped rows, ${megabytes.toFixed(0)} MB of JSON Lines (${(await import("node:os")).cpus().length} cores, load ${(await import("node:os")).loadavg()[0].toFixed(1)})`,
      `  page: file chosen → rows converted in the worker            ${s(converted)} (worker: ${/in ([\d.]+ s)/.exec(stages[0])?.[1]} to read, ${/converted in ([\d.]+ s)/.exec(stages[1])?.[1]} to convert, converting while reading)`,
      `  page: file chosen → first histogram (first 500 records)     ${s(firstHistogram)}`,
      `  page: file chosen → length histogram of every row           ${s(histogram)}   (target < 5 s)`,
      `  page: file chosen → rows previewed / phase split shown      ${s(table)} / ${s(split)}`,
      `  page: file chosen → rows loaded in DuckDB-wasm (filter ready) ${s(tableReady)}`,
      `  CLI:  dschat-studio convert (whole file, outputs written)   ${s(cliConvert.seconds)}`,
      `  page: filter "${FILTER}" → new count                  ${ms(filterCount)}; with histograms and preview ${ms(filterAll)}   (target < 200 ms); keeps ${matching.toLocaleString("en-US")} rows`,
      `  page: the same filter on a settled page (every analysis and token count done)  ${ms(filterSettled)}`,
      `  CLI:  convert --recipe with that filter                      ${s(cliFilter.seconds)}; keeps ${cliKept.toLocaleString("en-US")} rows`,
      `  page: mapping → ${MAPPING} → preview of the first records ${ms(mapping)}   (target < 200 ms); every row converted and drawn ${s(mappingAll)}`,
      `  CLI:  convert --map ${MAPPING}                     ${s(cliMap.seconds)}`
    );
    console.log(figures.join("\n"));
  } finally {
    await session.close();
    await server.close();
  }
}
