import assert from "node:assert/strict";
import {describe, it} from "node:test";
import {UserError} from "../../src/core/contract/userError.js";
import {mappingAdapter, parseMapping} from "../../src/core/formats/index.js";
import {CANONICAL_COLUMN_NAMES, canonicalTableDdl, canonicalTableRow} from "../../src/core/recipe/canonicalTable.js";
import {ColumnStatsCollector} from "../../src/core/recipe/columnStats.js";
import {localJsonLine, localJsonText, movesLastTrainRowToEval, splitTrainEval} from "../../src/core/recipe/localJsonOutput.js";
import {DEFAULT_RECIPE_REASONING, parseRecipe, recipeDocument} from "../../src/core/recipe/recipe.js";
import {keptIdsQuery, validateFilter} from "../../src/core/recipe/validateFilter.js";
import {CANONICAL_COLUMNS} from "../../loaders/engine/canonicalWriter.js";
import {assertMatchesSchema} from "../helpers/schemas.js";

const refused = (condition: string, reason: RegExp) =>
  assert.throws(
    () => validateFilter(condition),
    (error: unknown) => error instanceof UserError && error.code === "bad-filter" && error.where.field === "filter" && reason.test(error.what),
    `${condition} should be refused with ${reason}`
  );

describe("validateFilter(condition): one SQL condition over the canonical table", () => {
  it("accepts conditions over the columns, with functions, casts, CASE, IN, LIKE, lambdas and quoted names", () => {
    for (const condition of [
      "prompt_chars < 2000",
      "rejected IS NOT NULL AND NOT contains(lower(chosen), 'as an ai')",
      "phase2 AND turns BETWEEN 1 AND 3",
      `"prompt" LIKE '%Human:%' OR source IN ('a.jsonl', 'b.jsonl')`,
      "CAST(row AS VARCHAR) = '12' OR row::VARCHAR[] IS NULL",
      "CASE WHEN eval THEN chosen_chars ELSE rejected_chars END > 10",
      "len(list_filter(string_split(prompt, ' '), w -> w = 'it''s')) > 0",
      "chosen IS DISTINCT FROM rejected",
      "regexp_matches(conversation, '\"role\": ?\"system\"')",
      "  prompt_chars > 1e3  "
    ]) {
      assert.equal(validateFilter(condition), condition.trim(), condition);
    }
    assert.equal(validateFilter("   "), null, "an empty filter keeps every row");
  });

  it("refuses anything that is not one expression over this table, naming the reason", () => {
    refused("prompt_chars < 10; DROP TABLE canonical_rows", /one condition, not statements/);
    refused("id IN (SELECT id FROM canonical_rows)", /starts another query/);
    refused("EXISTS (FROM other)", /starts another query/);
    refused("read_csv('/etc/passwd') IS NOT NULL", /reads outside the table/);
    refused("query('SELECT 1') IS NOT NULL", /reads outside the table/);
    refused("rows.prompt IS NULL", /qualified names/);
    refused("prompt_char < 10", /prompt_char is not a column of rows/);
    refused('"Prompt_Chars2" < 10', /is not a column/);
    refused("prompt_chars < 10 -- trailing", /comments/);
    refused("prompt_chars < ?", /parameters/);
    refused("(prompt_chars < 10", /never closed/);
    refused("prompt_chars < 10) OR (1 = 1", /closes no/);
    refused("prompt = 'unclosed", /never closed/);
  });

  it("suggests the column meant", () => {
    assert.throws(() => validateFilter("promt_chars < 10"), (error: unknown) => error instanceof UserError && /Did you mean prompt_chars\?/.test(error.fix));
  });

  it("wraps a condition in its own parentheses in the statement that selects the kept ids", () => {
    assert.equal(keptIdsQuery("a OR b"), "SELECT id FROM rows WHERE (a OR b)");
    assert.equal(keptIdsQuery(null), "SELECT id FROM rows");
  });
});

describe("the canonical table", () => {
  it("has the columns of the engine's canonical Parquet, in the same order", () => {
    assert.deepEqual(CANONICAL_COLUMN_NAMES, Object.keys(CANONICAL_COLUMNS));
    assert.deepEqual(canonicalTableDdl(), [
      `CREATE TABLE canonical_rows ("id" VARCHAR, "source" VARCHAR, "row" INTEGER, "split" VARCHAR, "eval" BOOLEAN, "conversation" VARCHAR, "turns" INTEGER, "prompt" VARCHAR, "chosen" VARCHAR, "rejected" VARCHAR, "prompt_chars" INTEGER, "chosen_chars" INTEGER, "rejected_chars" INTEGER, "phase1" BOOLEAN, "phase2" BOOLEAN, "phase3" BOOLEAN)`,
      `CREATE VIEW rows AS SELECT "id", "source", "row", "split", "eval", "conversation", "turns", "prompt", "chosen", "rejected", "prompt_chars", "chosen_chars", "rejected_chars", "phase1", "phase2", "phase3" FROM canonical_rows`
    ]);
  });

  it("holds train.json's strings (DS-Chat's convention without local/jsonfile's leading space) and their lengths", () => {
    const adapter = mappingAdapter(parseMapping("prompt=q,chosen=a"));
    const result = adapter.convert({q: "Wie geht's?", a: "Gut."}, {source: "x.jsonl", row: 3, split: null});
    assert.ok("ok" in result);
    assert.deepEqual(canonicalTableRow(result.ok, true), {
      id: "x.jsonl:3",
      source: "x.jsonl",
      row: 3,
      split: null,
      eval: true,
      conversation: JSON.stringify([{role: "user", content: "Wie geht's?"}]),
      turns: 1,
      prompt: "Human: Wie geht's? Assistant:",
      chosen: "Gut.",
      rejected: null,
      prompt_chars: "Human: Wie geht's? Assistant:".length,
      chosen_chars: 4,
      rejected_chars: null,
      phase1: true,
      phase2: false,
      phase3: true
    });
  });
});

describe("--map conversation=PATH", () => {
  it("takes the prompt turns from a list of messages and a final assistant turn as the chosen answer", () => {
    const adapter = mappingAdapter(parseMapping("conversation=messages,rejected=bad"));
    const result = adapter.convert({messages: [{role: "user", content: "Hi"}, {role: "assistant", content: "Hello"}, {role: "user", content: "2+2?"}, {role: "assistant", content: "4"}], bad: "5"}, {source: "m.jsonl", row: 1, split: null});
    assert.ok("ok" in result, JSON.stringify(result));
    assert.equal(result.ok.dschat.prompt, " Human: Hi Assistant: Hello Human: 2+2? Assistant:");
    assert.equal(result.ok.dschat.chosen, " 4");
    assert.equal(result.ok.dschat.rejected, " 5");
    assert.throws(() => parseMapping("prompt=q,conversation=messages"), /conversation already holds the prompt/);
  });
});

describe("train.json and eval.json bytes", () => {
  it("write all three keys on every line, null where absent", () => {
    assert.equal(localJsonLine({prompt: "Human: a Assistant:", chosen: "b", rejected: null}), '{"prompt":"Human: a Assistant:","chosen":"b","rejected":null}');
    assert.equal(localJsonText([{prompt: "p", chosen: null, rejected: null}]), '{"prompt":"p","chosen":null,"rejected":null}\n');
  });

  it("move the last train row to eval.json only when a seeded draw left eval empty", () => {
    const rows = [1, 2, 3].map((row) => ({row, eval: false}));
    assert.deepEqual(splitTrainEval(rows, {splitMethod: "seeded", evalRatio: 0.1}), {train: [1, 2], eval: [3], moved: 3});
    assert.deepEqual(splitTrainEval(rows, {splitMethod: "seeded", evalRatio: 0}), {train: [1, 2, 3], eval: [], moved: null});
    assert.deepEqual(splitTrainEval(rows, {splitMethod: "source", evalRatio: 0.1}), {train: [1, 2, 3], eval: [], moved: null});
    assert.equal(movesLastTrainRowToEval({splitMethod: "seeded", evalRatio: 0.1, trainRows: 1, evalRows: 0}), false, "a single row stays in train");
  });
});

describe("ColumnStatsCollector", () => {
  it("counts types, missing keys, nulls, distinct values and string lengths per column", () => {
    const collector = new ColumnStatsCollector();
    for (const record of [{q: "ab", n: 1}, {q: "ab", n: null}, {q: "abcd", tags: ["x"]}, "not an object"]) collector.add(record);
    const byName = Object.fromEntries(collector.result().map((column) => [column.name, column]));
    assert.equal(collector.notObjects, 1);
    assert.deepEqual(byName.q.types, {string: 3, number: 0, boolean: 0, object: 0, array: 0, null: 0});
    assert.deepEqual([byName.q.missing, byName.q.distinct], [0, 2]);
    assert.deepEqual([byName.q.lengths!.min, byName.q.lengths!.max, byName.q.lengths!.mean], [2, 4, 8 / 3]);
    assert.deepEqual(byName.q.lengths!.bins.reduce((sum, bin) => sum + bin.count, 0), 3);
    assert.deepEqual([byName.n.types.number, byName.n.types.null, byName.n.missing, byName.n.distinct, byName.n.lengths], [1, 1, 1, 2, null]);
    assert.deepEqual([byName.tags.types.array, byName.tags.missing], [1, 2]);
  });
});

describe("parseRecipe(json)", () => {
  const valid = recipeDocument({
    inputs: [{source: "dpo_zh_demo.json", bytes: 853311, sha256: "a".repeat(64)}],
    format: "sharegpt-preference",
    map: null,
    filter: "prompt_chars < 400",
    reasoning: DEFAULT_RECIPE_REASONING,
    eval_ratio: 0.1,
    seed: 1234
  });

  it("reads back the document the page writes, which matches schemas/recipe.schema.json", () => {
    assertMatchesSchema("recipe", valid);
    assert.deepEqual(parseRecipe(JSON.parse(JSON.stringify(valid))), valid);
  });

  it("names the field at fault", () => {
    const bad = (patch: Record<string, unknown>, field: string, what: RegExp) =>
      assert.throws(
        () => parseRecipe({...valid, ...patch}),
        (error: unknown) => error instanceof UserError && error.where.field === field && what.test(error.what),
        `${JSON.stringify(patch)} → ${field}`
      );
    bad({filter: "1; DROP TABLE x"}, "filter", /one condition/);
    bad({format: "sharegpt-preferenc"}, "format", /unknown format/);
    bad({map: "prompt=q", format: "alpaca"}, "map", /both format and map/);
    bad({map: "chosen=a", format: null}, "map", /no prompt/);
    bad({eval_ratio: 1}, "eval_ratio", /below 1/);
    bad({seed: -1}, "seed", /≥ 0/);
    bad({inputs: []}, "inputs", /no input/);
    bad({inputs: [{source: "x", bytes: 1, sha256: "xyz"}]}, "inputs[0].sha256", /64 lower-case hex/);
    bad({extra: true}, "recipe.extra", /not a field/);
    bad({schema_version: 2}, "schema_version", /schema_version 2/);
    bad({reasoning: {mode: "keep", markers: "<think>,</think>"}}, "reasoning.mode", /one of inline, drop/);
  });
});
