/**
 * Concurrent runs (issue 9, class 5): several `convert` processes at once on the same cache key, with a cold cache
 * (they race to build the entry) and a warm one, to their own and to the same --out. Every run succeeds (one builds
 * while the others wait for its lock), every output is complete, and the cache ends with one verified entry.
 */
import assert from "node:assert/strict";
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, describe, it} from "node:test";
import {entryMismatch, readStoredEntry} from "../../loaders/engine/cache.js";
import {describeRun, runBounded} from "../helpers/bounded.js";
import {assertCompleteOutput, leftoversBeside} from "../helpers/outputs.js";

const temp = mkdtempSync(join(tmpdir(), "reliability-concurrency-"));
after(() => rmSync(temp, {recursive: true, force: true}));
const INPUT = "test/fixtures/llama-factory/alpaca_en_demo.json";
const PROCESSES = 3;

async function assertOneVerifiedEntry(cache: string): Promise<void> {
  const names = readdirSync(join(cache, "convert"));
  assert.equal(names.length, 1, `one entry and nothing else: ${names.join(", ")}`);
  const entry = join(cache, "convert", names[0]);
  assert.ok(readdirSync(join(entry, "canonical")).some((name) => name.endsWith(".parquet")), "the entry has its canonical Parquet");
  const stored = await readStoredEntry(entry);
  assert.ok(stored, "its summary.json reads");
  assert.equal(await entryMismatch(entry, stored.files, {full: true}), null, "every file has the sha256 recorded for it");
}

describe("several convert processes at once on the same inputs", () => {
  it(`${PROCESSES} at a time, 4 rounds (cold and warm cache), each to its own --out: all succeed`, async () => {
    const cache = join(temp, "own-cache");
    let expected: string | null = null;
    for (let round = 0; round < 4; round++) {
      if (round % 2 === 0) rmSync(cache, {recursive: true, force: true}); // cold: they race to build the entry
      const outs = Array.from({length: PROCESSES}, (_, i) => join(temp, `own-${round}-${i}`));
      const runs = await Promise.all(outs.map((out) => runBounded(["convert", INPUT, "--out", out, "--json"], {env: {DSCHAT_STUDIO_CACHE: cache}, timeoutMs: 120_000})));
      runs.forEach((run) => assert.equal(run.code, 0, describeRun(run)));
      const hits = runs.map((run) => (JSON.parse(run.stdout) as {cache_hit: boolean}).cache_hit);
      if (round % 2 === 0) assert.equal(hits.filter((hit) => !hit).length, 1, "one run built the entry, the others waited and read it");
      else assert.ok(hits.every(Boolean));
      for (const out of outs) {
        const {train} = assertCompleteOutput(out, `round ${round}`);
        expected ??= train;
        assert.equal(train, expected, "every output holds the same rows");
      }
      await assertOneVerifiedEntry(cache);
    }
  });
  it(`${PROCESSES + 1} at a time to the same --out, cold then warm: all succeed and the output is complete`, async () => {
    const cache = join(temp, "same-cache");
    const out = join(temp, "same", "w");
    mkdirSync(join(temp, "same"));
    for (let round = 0; round < 2; round++) {
      const runs = await Promise.all(Array.from({length: PROCESSES + 1}, () => runBounded(["convert", INPUT, "--out", out], {env: {DSCHAT_STUDIO_CACHE: cache}, timeoutMs: 120_000})));
      runs.forEach((run) => assert.equal(run.code, 0, describeRun(run)));
      assert.equal(assertCompleteOutput(out).manifest.counts.read, 999);
      assert.deepEqual(leftoversBeside(out), [], "the runs removed every version but the current one");
      await assertOneVerifiedEntry(cache);
    }
  });
  it("different inputs to the same --out at once: all succeed and the output is one of them, complete", async () => {
    const cache = join(temp, "mixed-cache");
    const out = join(temp, "mixed", "w");
    mkdirSync(join(temp, "mixed"));
    const inputs = [INPUT, "test/fixtures/llama-factory/identity.json", "test/fixtures/belle/zh_seed_tasks.json"];
    const runs = await Promise.all(inputs.map((input) => runBounded(["convert", input, "--out", out], {env: {DSCHAT_STUDIO_CACHE: cache}, timeoutMs: 120_000})));
    runs.forEach((run) => assert.equal(run.code, 0, describeRun(run)));
    assert.ok([999, 91, 175].includes(assertCompleteOutput(out).manifest.counts.read));
    assert.deepEqual(leftoversBeside(out), []);
    assert.ok(readFileSync(join(out, "train.json")).length > 0);
  });
});
