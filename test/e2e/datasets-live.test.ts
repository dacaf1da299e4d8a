/**
 * Under `npm start` (observable preview) the Datasets page lists the engine's cache as it is at each page load: a
 * dataset converted by the CLI while the server runs appears on reload, and one deleted from the cache disappears.
 */
import assert from "node:assert/strict";
import {mkdtempSync, readdirSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, before, describe, it} from "node:test";
import type {Page} from "playwright-core";
import {json, runCli} from "../helpers/cli.js";
import {ensureBuilt, externalRequests, openBrowser, startPreview, type Session} from "./harness.js";

const work = mkdtempSync(join(tmpdir(), "dschat-live-e2e-"));
const cache = join(work, "cache");

const convertedOptions = (page: Page) => page.$$eval("#dataset-source option[value^='converted:']", (options) => options.map((option) => option.textContent ?? ""));
const settled = (page: Page) => page.waitForFunction(() => Boolean(document.querySelector("#detected-format")) && Boolean(document.querySelector("#phase-split")), null, {timeout: 120_000});

describe("/datasets under npm start: the converted datasets are listed fresh at each load", () => {
  let preview: Awaited<ReturnType<typeof startPreview>>;
  let session: Session;

  before(async () => {
    ensureBuilt(); // fills the npm cache preview serves from
    preview = await startPreview({DSCHAT_STUDIO_CACHE: cache});
    session = await openBrowser();
  });

  after(async () => {
    await session?.close();
    await preview?.close();
    rmSync(work, {recursive: true, force: true});
  });

  it("shows a dataset the CLI converted while the server runs after a reload, and loads its rows", async () => {
    const {page} = session;
    await page.goto(`${preview.url}/datasets`);
    await settled(page);
    assert.deepEqual(await convertedOptions(page), [], "only the shipped sample in a fresh cache");

    const run = await runCli(["convert", "test/fixtures/llama-factory/identity.json", "--out", join(work, "identity"), "--json"], {env: {DSCHAT_STUDIO_CACHE: cache}});
    assert.equal(json<{rows_converted: number}>(run, "convert").rows_converted, 91, "91 rows (SOURCES.md)");
    await page.reload();
    await settled(page);
    const listed = await convertedOptions(page);
    assert.equal(listed.length, 1);
    assert.match(listed[0], /^identity\.json — alpaca, \d+ train rows \[[0-9a-f]{8}\]$/);

    const value = await page.$eval("#dataset-source option[value^='converted:']", (option) => (option as HTMLOptionElement).value);
    await page.selectOption("#dataset-source", value);
    await page.waitForFunction(() => document.querySelector("#total-rows")?.textContent === "91" && document.querySelector("#format-used")?.textContent === "alpaca", null, {timeout: 60_000});
  });

  it("drops a dataset deleted from the cache at the next reload", async () => {
    const {page} = session;
    for (const key of readdirSync(join(cache, "convert")).filter((name) => !name.startsWith(".") && !name.startsWith("_"))) {
      const manifest = await import(join(cache, "convert", key, "manifest.json"), {with: {type: "json"}}).then((module) => module.default as {inputs: Array<{source: string}>});
      if (manifest.inputs[0].source === "identity.json") rmSync(join(cache, "convert", key), {recursive: true});
    }
    await page.reload();
    await settled(page);
    assert.deepEqual(await convertedOptions(page), []);
  });

  it("makes no request outside 127.0.0.1", () => {
    assert.ok(session.requests.length > 10);
    assert.deepEqual(externalRequests(session.requests), []);
  });
});
