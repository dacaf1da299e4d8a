/**
 * One bad row never loses a convert (issue 9, class 4): a lone UTF-16 surrogate in any text field is a counted reject
 * naming the field, in every format that can carry one; a row larger than DuckDB's default 32 MB object converts, on
 * one thread and on worker threads, from JSON Lines and from a JSON array.
 */
import assert from "node:assert/strict";
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, describe, it} from "node:test";
import {tableFromIPC} from "apache-arrow";
import {readCanonicalArrow} from "../../loaders/engine/canonicalArrow.js";
import {convertDataset} from "../../loaders/engine/convert.js";
import {json, runMain} from "../helpers/cli.js";

const temp = mkdtempSync(join(tmpdir(), "reliability-rows-"));
after(() => rmSync(temp, {recursive: true, force: true}));
let runs = 0;
const env = () => ({DSCHAT_STUDIO_CACHE: join(temp, `cache-${++runs}`)});

describe("a lone surrogate is a counted reject, not a failed convert", () => {
  // Raw JSON text: "\ud800" escapes survive JSON.stringify only as escapes, so the files are written by hand.
  const cases: Array<[string, string, string, RegExp]> = [
    ["alpaca JSON Lines, instruction ends in a high surrogate", "a.jsonl", '{"instruction":"a\\ud800","output":"b"}\n{"instruction":"fine","output":"ok"}\n{"instruction":"also fine","output":"ok"}\n', /prompt holds a lone UTF-16 surrogate "\\ud800"/],
    ["alpaca JSON array, output holds a lone low surrogate", "b.json", '[{"instruction":"fine","output":"ok"},{"instruction":"x","output":"\\udc00y"},{"instruction":"also","output":"ok"}]', /chosen holds a lone UTF-16 surrogate "\\udc00" at character 1/],
    ["a reversed pair in the input field", "c.jsonl", '{"instruction":"a","input":"\\udc00\\ud800","output":"b"}\n{"instruction":"fine","output":"ok"}\n{"instruction":"also","output":"ok"}\n', /lone UTF-16 surrogate "\\udc00"/],
    ["a ShareGPT conversation value", "d.jsonl", '{"conversations":[{"from":"human","value":"hi\\ud83d"},{"from":"gpt","value":"yo"}]}\n{"conversations":[{"from":"human","value":"ok"},{"from":"gpt","value":"ok"}]}\n{"conversations":[{"from":"human","value":"ok2"},{"from":"gpt","value":"ok"}]}\n', /lone UTF-16 surrogate "\\ud83d"/],
    ["an hh-rlhf rejected transcript", "e.jsonl", '{"chosen":"\\n\\nHuman: hi\\n\\nAssistant: yo","rejected":"\\n\\nHuman: hi\\n\\nAssistant: \\udfff"}\n{"chosen":"\\n\\nHuman: a\\n\\nAssistant: b","rejected":"\\n\\nHuman: a\\n\\nAssistant: c"}\n{"chosen":"\\n\\nHuman: d\\n\\nAssistant: e","rejected":"\\n\\nHuman: d\\n\\nAssistant: f"}\n', /rejected holds a lone UTF-16 surrogate "\\udfff"/]
  ];
  for (const [name, file, text, reason] of cases) {
    it(name, async () => {
      const path = join(temp, file);
      writeFileSync(path, text);
      const out = join(temp, `out-${file}`);
      const run = await runMain(["convert", path, "--out", out, "--json"], {env: env()});
      assert.equal(run.code, 0, run.stderr);
      const result = json(run, "convert");
      assert.deepEqual([result.rows_read, result.rows_converted, result.rows_rejected], [3, 2, 1]);
      const rejects = readFileSync(join(out, "rejects.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line) as {reason: string; excerpt: string});
      assert.match(rejects[0].reason, reason);
      assert.match(rejects[0].excerpt, /\\u(d[89a-f][0-9a-f]{2})/i, "the excerpt shows the surrogate as an escape");
    });
  }
});

describe("a row above DuckDB's default 32 MB object size converts", () => {
  const big = "x".repeat(33 * 1024 * 1024); // the record alone is over 32 MiB
  it("from JSON Lines, on one thread and on worker threads, with identical outputs", async () => {
    const path = join(temp, "big.jsonl");
    writeFileSync(path, [JSON.stringify({instruction: "small", output: "ok"}), JSON.stringify({instruction: "big", output: big}), JSON.stringify({instruction: "after", output: "ok"})].join("\n") + "\n");
    const cache = env();
    const inline = await convertDataset({paths: [path], out: join(temp, "big-inline"), env: cache, workers: false});
    const parallel = await convertDataset({paths: [path], out: join(temp, "big-parallel"), env: env(), workers: true});
    for (const summary of [inline, parallel]) assert.deepEqual([summary.rowsRead, summary.rowsConverted, summary.rowsRejected], [3, 3, 0]);
    assert.ok(readFileSync(join(temp, "big-inline", "train.json")).equals(readFileSync(join(temp, "big-parallel", "train.json"))));
    const table = tableFromIPC(await readCanonicalArrow(inline.cacheDir, cache));
    assert.equal(table.numRows, 3);
    assert.equal(Math.max(...table.toArray().map((row) => (row.chosen as string | null)?.length ?? 0)), big.length, "the canonical Parquet holds the whole row");
  });
  it("from a JSON array, with an escaped quote split across two reads", async () => {
    // The first 1 MiB read ends on the backslash of \", the next begins with its quote.
    const head = '[{"instruction":"a';
    const filler = "y".repeat((1 << 20) - Buffer.byteLength(head) - 1);
    const path = join(temp, "split-escape.json");
    writeFileSync(path, `${head}${filler}\\"still inside","output":"b"},{"instruction":"c","output":"d"}]`);
    const summary = await convertDataset({paths: [path], out: join(temp, "split-escape"), env: env()});
    assert.deepEqual([summary.rowsRead, summary.rowsConverted], [2, 2], "the escaped quote does not end the string");
  });
  it("from a JSON array", async () => {
    const path = join(temp, "big.json");
    writeFileSync(path, JSON.stringify([{instruction: "big", output: big}, {instruction: "small", output: "ok"}]));
    const summary = await convertDataset({paths: [path], out: join(temp, "big-array"), env: env()});
    assert.deepEqual([summary.rowsRead, summary.rowsConverted], [2, 2]);
  });
});
