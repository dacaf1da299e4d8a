import assert from "node:assert/strict";
import {describe, it} from "node:test";
import {json, runCli} from "../helpers/cli.js";

describe("dschat-studio inspect <path...> [--json]", () => {
  it("reports format, confidence, row count, columns and 3 converted examples as one JSON object", async () => {
    const run = await runCli(["inspect", "test/fixtures/llama-factory/alpaca_en_demo.json", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const report = json(run, "inspect");
    assert.equal(report.format, "alpaca");
    assert.equal(report.chosen_by, "detection");
    assert.ok(report.detection.confidence > 0.5 && report.detection.explanation.length > 0);
    assert.ok(Array.isArray(report.detection.alternatives));
    assert.equal(report.rows, 999);
    assert.deepEqual(report.columns.map((column: {name: string}) => column.name), ["instruction", "input", "output"]);
    assert.equal(report.examples.length, 3);
    const [first] = report.examples;
    assert.deepEqual([first.source, first.row], ["alpaca_en_demo.json", 1]);
    assert.equal(first.raw.instruction, "Describe a process of making crepes.");
    assert.match(first.local_json.prompt, /^Human: Describe a process of making crepes\. Assistant:$/);
    assert.equal(first.dschat.prompt, " " + first.local_json.prompt);
    assert.deepEqual(first.phases, [1, 3]);
  });
  it("prints a readable report, and with --format shows why forced rows would be rejected", async () => {
    const [detected, forced] = await Promise.all([runCli(["inspect", "test/fixtures/belle/eval_set.json"]), runCli(["inspect", "test/fixtures/belle/eval_set.json", "--format", "alpaca"])]);
    assert.equal(detected.code, 0);
    assert.match(detected.stdout, /^input +eval_set\.json {2}jsonl, 677,585 bytes, split eval, format belle$/m);
    assert.match(detected.stdout, /^ {2}not used +class \(metadata, 100 sampled records\)$/m);
    assert.match(detected.stdout, /^format +belle /m);
    assert.match(detected.stdout, /^rows +1,000$/m);
    assert.match(detected.stdout, /^example 3: eval_set\.json row 3$/m);
    assert.match(detected.stdout, /^ {2}prompt +"Human: /m);
    assert.equal(forced.code, 0);
    assert.match(forced.stdout, /^format +alpaca .*, chosen by --format$/m);
    assert.match(forced.stdout, /^detected +belle, confidence /m);
    assert.match(forced.stdout, /^ {2}rejected +missing key "instruction"/m);
  });
  it("exits 2 listing the columns when no format fits, and on unreadable files", async () => {
    const [unknown, gzip] = await Promise.all([runCli(["inspect", "test/fixtures/malformed/unknown-shape.jsonl", "--json"]), runCli(["inspect", "test/fixtures/malformed/truncated.jsonl.gz"])]);
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stdout, "");
    assert.match(unknown.stderr, /^dschat-studio inspect: unknown-shape\.jsonl: no known format fits .*Columns found: foo, bar\n  fix: Name the format with --format NAME/);
    assert.equal(gzip.code, 2);
    assert.match(gzip.stderr, /truncated\.jsonl\.gz: not readable gzip/);
  });
});
