/**
 * The cache verifies what it serves (issue 9, class 6): flipped bytes, a truncated or missing file, a partial entry or
 * a broken summary are caught before anything is served, and the entry is rebuilt; a page's data loader skips an
 * unreadable entry with a warning instead of failing the build.
 */
import assert from "node:assert/strict";
import {closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync, writeSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, describe, it} from "node:test";
import {tableFromIPC} from "apache-arrow";
import {readCanonicalArrow} from "../../loaders/engine/canonicalArrow.js";
import {convertDataset} from "../../loaders/engine/convert.js";
import {listConvertedDatasets} from "../../loaders/datasets.js";
import {describeRun, runCommand} from "../helpers/bounded.js";
import {root} from "../helpers/cli.js";

const temp = mkdtempSync(join(tmpdir(), "reliability-cache-"));
after(() => rmSync(temp, {recursive: true, force: true}));
const INPUT = "test/fixtures/llama-factory/dpo_zh_demo.json";
let caches = 0;

/** Flips one byte in the middle of a file and puts its modification time back (what bit rot or a careless edit does). */
function flipByte(path: string): void {
  const {atime, mtime, size} = statSync(path);
  const fd = openSync(path, "r+");
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, Math.floor(size / 2));
  byte[0] ^= 0xff;
  writeSync(fd, byte, 0, 1, Math.floor(size / 2));
  closeSync(fd);
  utimesSync(path, atime, mtime);
}

async function freshEntry(env = {}) {
  const cache = join(temp, `cache-${++caches}`);
  const notes: string[] = [];
  const first = await convertDataset({paths: [INPUT], out: null, env: {DSCHAT_STUDIO_CACHE: cache, ...env}});
  const again = () => convertDataset({paths: [INPUT], out: null, env: {DSCHAT_STUDIO_CACHE: cache, ...env}}, {log: (note) => notes.push(note)});
  return {cache, entry: first.cacheDir, first, again, notes};
}

describe("a damaged cache entry is rebuilt, never served", () => {
  const damages: Array<[string, (entry: string) => void, RegExp]> = [
    ["flipped bytes in a canonical Parquet part (time put back)", (entry) => flipByte(join(entry, "canonical", "part-00000.parquet")), /canonical\/part-00000\.parquet has other bytes than were written/],
    ["flipped bytes in train.json", (entry) => flipByte(join(entry, "train.json")), /train\.json has other bytes/],
    ["a truncated manifest.json", (entry) => truncateSync(join(entry, "manifest.json"), 100), /manifest\.json has 100 bytes, not the \d+ written/],
    ["a missing canonical/ folder (a partial entry)", (entry) => rmSync(join(entry, "canonical"), {recursive: true}), /canonical\/part-00000\.parquet is missing/],
    ["a broken summary.json", (entry) => writeFileSync(join(entry, "summary.json"), "{not json"), /summary\.json is missing, unreadable or from an older version/],
    ["an entry folder with no summary at all", (entry) => rmSync(join(entry, "summary.json")), /summary\.json is missing/]
  ];
  for (const [name, damage, reason] of damages) {
    it(`catches ${name}`, async () => {
      const {entry, first, again, notes} = await freshEntry();
      damage(entry);
      const second = await again();
      assert.equal(second.cacheHit, false, "rebuilt, not served");
      assert.match(notes.join("\n"), reason);
      assert.deepEqual([second.rowsRead, second.trainRows, second.evalRows], [first.rowsRead, first.trainRows, first.evalRows]);
      const third = await again();
      assert.equal(third.cacheHit, true, "the rebuilt entry is served");
      assert.equal(tableFromIPC(await readCanonicalArrow(third.cacheDir, {DSCHAT_STUDIO_CACHE: join(entry, "..", "..")})).numRows, 300, "its Parquet reads");
      assert.deepEqual(readdirSync(join(entry, "..")).filter((entryName) => entryName.startsWith(".")), [], "no discarded or staging folder is left");
    });
  }
  it("with DSCHAT_STUDIO_VERIFY_CACHE=full, hashes every file on each hit (and still serves an intact entry)", async () => {
    const {again, entry} = await freshEntry({DSCHAT_STUDIO_VERIFY_CACHE: "full"});
    assert.equal((await again()).cacheHit, true);
    flipByte(join(entry, "rejects.jsonl"));
    assert.equal((await again()).cacheHit, false);
  });
  it("serves canonical.arrow only while it matches its record, and rebuilds it otherwise", async () => {
    const {entry, cache} = await freshEntry();
    const env = {DSCHAT_STUDIO_CACHE: cache};
    const bytes = await readCanonicalArrow(entry, env);
    flipByte(join(entry, "canonical.arrow"));
    assert.deepEqual(await readCanonicalArrow(entry, env), bytes);
    flipByte(join(entry, "train.json"));
    await assert.rejects(readCanonicalArrow(entry, env), /its cache entry .* is damaged \(train\.json has other bytes than were written.*Run 'dschat-studio convert' on the same inputs again/);
  });
});

describe("the Datasets page's loader skips an unreadable cache entry with a warning", () => {
  it("lists the readable entries and warns about a truncated manifest.json, in process and as the data loader", async () => {
    const cache = join(temp, "pages-cache");
    const env = {DSCHAT_STUDIO_CACHE: cache};
    const good = await convertDataset({paths: ["test/fixtures/llama-factory/identity.json"], out: null, env});
    const bad = await convertDataset({paths: [INPUT], out: null, env});
    const text = readFileSync(join(bad.cacheDir, "manifest.json"), "utf8");
    writeFileSync(join(bad.cacheDir, "manifest.json"), text.slice(0, text.length / 2));
    const warnings: string[] = [];
    const listed = await listConvertedDatasets(env, (warning) => warnings.push(warning));
    assert.ok(listed.datasets.some((dataset) => dataset.key === good.cacheKey));
    assert.ok(!listed.datasets.some((dataset) => dataset.key === bad.cacheKey));
    assert.match(warnings.join("\n"), new RegExp(`skipped the converted dataset in .*${bad.cacheKey}: manifest\\.json has \\d+ bytes`));
    mkdirSync(join(cache, "convert", "0123456789abcdef0123456789abcdef")); // an empty folder where an entry would be
    const loader = await runCommand([process.execPath, "--import", "tsx", "src/data/datasets.json.ts"], {env, cwd: root, timeoutMs: 120_000});
    assert.equal(loader.code, 0, describeRun(loader));
    assert.ok((JSON.parse(loader.stdout) as {datasets: Array<{key: string}>}).datasets.some((dataset) => dataset.key === good.cacheKey));
    assert.match(loader.stderr, /warning: skipped the converted dataset in .*manifest\.json/);
  });
});
