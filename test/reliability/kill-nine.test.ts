/**
 * kill -9 at every step of writing an output (issue 9, class 13): the run kills itself with SIGKILL at a named point
 * (the documented test hook DSCHAT_STUDIO_TEST_KILL_AT), and the test checks what it left: `--out` holds the old or the
 * new complete output at every one of those instants, and the next run leaves no hidden sibling, staging folder or
 * lock behind. The one window without an output, moving a folder written by an older version aside, is restored by
 * the next run even when that run fails.
 */
import assert from "node:assert/strict";
import {copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, describe, it} from "node:test";
import {describeRun, runBounded} from "../helpers/bounded.js";
import {assertCompleteOutput, leftoversBeside} from "../helpers/outputs.js";

const temp = mkdtempSync(join(tmpdir(), "reliability-kill-"));
after(() => rmSync(temp, {recursive: true, force: true}));

const OLD_INPUT = "test/fixtures/llama-factory/identity.json"; // 91 rows
const NEW_INPUT = "test/fixtures/llama-factory/alpaca_en_demo.json"; // 999 rows
const FILES = ["train.json", "eval.json", "rejects.jsonl", "manifest.json"];

async function convert(input: string, out: string, cache: string, killAt?: string) {
  return runBounded(["convert", input, "--out", out], {env: {DSCHAT_STUDIO_CACHE: cache, ...(killAt && {DSCHAT_STUDIO_TEST_KILL_AT: killAt})}, timeoutMs: 60_000});
}

function assertCleanCache(cache: string): void {
  const names = readdirSync(join(cache, "convert"));
  assert.deepEqual(names.filter((name) => !/^[0-9a-f]{32}$/.test(name)), [], "no staging, discarded or lock file is left in the cache");
}

/** The next, normal run: succeeds, writes the new output and cleans every leftover. */
async function assertNextRunCleans(out: string, cache: string): Promise<void> {
  const run = await convert(NEW_INPUT, out, cache);
  assert.equal(run.code, 0, describeRun(run));
  assert.equal(assertCompleteOutput(out).manifest.counts.read, 999);
  assert.deepEqual(leftoversBeside(out), [], "nothing hidden is left beside --out");
  assertCleanCache(cache);
}

let cases = 0;
function fresh(): {out: string; cache: string} {
  const dir = join(temp, `case-${++cases}`);
  mkdirSync(dir);
  return {out: join(dir, "w"), cache: join(dir, "cache")};
}

describe("kill -9 while convert replaces an earlier output", {concurrency: 3}, () => {
  for (const point of ["cache:before-commit", "cache:committed", "out:written", "out:link-created", "out:swapped"]) {
    it(`at ${point}: --out holds the old or the new complete output; the next run cleans up`, async () => {
      const {out, cache} = fresh();
      assert.equal((await convert(OLD_INPUT, out, cache)).code, 0);
      const killed = await convert(NEW_INPUT, out, cache, point);
      assert.equal(killed.signal, "SIGKILL", `the run reached ${point}: ${describeRun(killed)}`);
      const {manifest} = assertCompleteOutput(out, `after kill -9 at ${point}`);
      assert.ok([91, 999].includes(manifest.counts.read), `old (91 rows) or new (999 rows), not ${manifest.counts.read}`);
      if (point === "out:swapped") assert.equal(manifest.counts.read, 999);
      if (point.startsWith("cache:") || point === "out:written" || point === "out:link-created") assert.equal(manifest.counts.read, 91);
      await assertNextRunCleans(out, cache);
    });
  }
});

describe("kill -9 while convert replaces an output folder written by an older version", {concurrency: 3}, () => {
  async function legacyOutput(out: string, cache: string): Promise<void> {
    const source = `${out}-source`;
    assert.equal((await convert(OLD_INPUT, source, cache)).code, 0);
    mkdirSync(out);
    for (const name of FILES) copyFileSync(join(source, name), join(out, name));
    rmSync(source); // the link; its version folder is removed as a leftover later
  }
  for (const point of ["out:link-created", "out:swapped"]) {
    it(`at ${point}: --out holds the old or the new complete output`, async () => {
      const {out, cache} = fresh();
      await legacyOutput(out, cache);
      const killed = await convert(NEW_INPUT, out, cache, point);
      assert.equal(killed.signal, "SIGKILL", describeRun(killed));
      assert.ok([91, 999].includes(assertCompleteOutput(out).manifest.counts.read));
      await assertNextRunCleans(out, cache);
    });
  }
  it("at out:old-moved-aside (between the two renames): the next run restores the old output, even when it fails", async () => {
    const {out, cache} = fresh();
    await legacyOutput(out, cache);
    const killed = await convert(NEW_INPUT, out, cache, "out:old-moved-aside");
    assert.equal(killed.signal, "SIGKILL", describeRun(killed));
    assert.equal(existsSync(out), false, "the documented window: the old folder is aside, the link not yet in place");
    assert.equal(leftoversBeside(out).filter((name) => name.includes(".aside-")).length, 1);
    const failing = await convert("test/fixtures/malformed/empty.jsonl", out, cache);
    assert.equal(failing.code, 2, describeRun(failing));
    assert.equal(assertCompleteOutput(out, "restored by the failing run").manifest.counts.read, 91);
    await assertNextRunCleans(out, cache);
  });
  it("restores an older version's own leftover (.NAME.old-…) when --out is missing", async () => {
    const {out, cache} = fresh();
    await legacyOutput(out, cache);
    const dead = join(out, "..", ".w.old-4194303-deadbeef"); // pid above Linux's pid_max: never running
    mkdirSync(dead);
    for (const name of FILES) copyFileSync(join(out, name), join(dead, name));
    rmSync(out, {recursive: true});
    const failing = await convert("test/fixtures/malformed/empty.jsonl", out, cache);
    assert.equal(failing.code, 2);
    assert.equal(assertCompleteOutput(out).manifest.counts.read, 91);
    await assertNextRunCleans(out, cache);
  });
});

describe("kill -9 while convert writes a first output", {concurrency: 2}, () => {
  for (const point of ["out:link-created", "out:swapped"]) {
    it(`at ${point}: --out is absent or complete; the next run cleans up`, async () => {
      const {out, cache} = fresh();
      const killed = await convert(OLD_INPUT, out, cache, point);
      assert.equal(killed.signal, "SIGKILL", describeRun(killed));
      if (lstatSync(out, {throwIfNoEntry: false})) assertCompleteOutput(out);
      else assert.equal(point, "out:link-created");
      await assertNextRunCleans(out, cache);
    });
  }
});
