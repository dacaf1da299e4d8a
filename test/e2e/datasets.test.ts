import assert from "node:assert/strict";
import {after, before, describe, it} from "node:test";
import {externalRequests, openPage, type Session} from "./harness.js";

const count = (text: string | null) => Number((text ?? "").replaceAll(",", ""));

describe("/datasets page", () => {
  let session: Session;

  before(async () => {
    // Settled when DuckDB answered every cell: the totals, the chart and the table.
    session = await openPage(
      "/datasets",
      () =>
        document.querySelector("#total-rows")?.textContent === "2,312" &&
        document.querySelector("#matching-rows")?.textContent === "2,312" &&
        document.querySelectorAll("svg rect").length >= 20 &&
        document.querySelectorAll("table td").length > 0
    );
  });

  after(() => session?.close());

  it("shows the real sample's row count and DS-Chat phase counts from DuckDB-wasm", async () => {
    assert.equal(await session.page.textContent("#total-rows"), "2,312");
    assert.equal(await session.page.textContent("#matching-rows"), "2,312");
    // Every hh-rlhf pair has a prompt and both responses, so it serves all three steps.
    for (const phase of [1, 2, 3]) assert.equal(await session.page.textContent(`#phase${phase}-rows`), "2,312");
  });

  it("draws the length histogram as SVG marks", async () => {
    const bars = await session.page.locator("svg rect").count();
    assert.ok(bars >= 20, `expected the histogram to have at least 20 bars, found ${bars}`);
  });

  it("re-queries DuckDB when the length control moves", async () => {
    await session.page.evaluate(() => {
      const input = document.querySelector<HTMLInputElement>("form input[type=number]")!;
      input.value = "1000";
      input.dispatchEvent(new Event("input", {bubbles: true}));
    });
    await session.page.waitForFunction(() => document.querySelector("#matching-rows")?.textContent !== "2,312", null, {
      timeout: 30_000
    });
    const matching = count(await session.page.textContent("#matching-rows"));
    assert.ok(matching > 0 && matching < 2312, `pairs whose longer side is ≤ 1000 characters: ${matching}`);
  });

  it("binds the search text as a parameter: quotes in it are data, not SQL", async () => {
    const before = await session.page.textContent("#matching-rows");
    await session.page.fill("form input[type=text]", "it's");
    await session.page.waitForFunction((previous) => document.querySelector("#matching-rows")?.textContent !== previous, before, {
      timeout: 30_000
    });
    const matching = count(await session.page.textContent("#matching-rows"));
    assert.ok(matching > 0 && matching < count(before), `pairs containing "it's": ${matching}`);
    assert.deepEqual(session.errors.filter((error) => /Parser Error|syntax error/i.test(error)), []);
  });

  it("renders dataset text as text, never as HTML", async () => {
    const firstPrompt = await session.page.locator("table tbody tr:first-child td").nth(3).textContent();
    assert.match(firstPrompt ?? "", /^Human: .* Assistant:$/s, "the first row's DS-Chat prompt is shown as plain text");
    assert.equal(await session.page.locator("table td script, table td img, table td iframe, table td svg").count(), 0);
  });

  it("makes no request outside 127.0.0.1", () => {
    assert.ok(session.requests.length > 10, "requests were recorded");
    assert.deepEqual(externalRequests(session.requests), []);
  });
});
