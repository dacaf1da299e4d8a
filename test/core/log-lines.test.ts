import assert from "node:assert/strict";
import {spawnSync} from "node:child_process";
import {createHash} from "node:crypto";
import {readFileSync} from "node:fs";
import {describe, it} from "node:test";
import {allMetrics, bannerKinds, lineKindsOf, logLineKinds, MAX_METRIC_DEFINITIONS, metricDefinitions, trainingScripts, type TrainingScript} from "../../src/core/runs/logLines.js";
import {newParseContext, parseLogLine, parseLogLines, rowsByMetric, splitLines} from "../../src/core/runs/parseLogLines.js";

interface VectorMetric {
  count: number;
  lines: number[];
  values: number[];
  keys: Record<string, number[]>;
}
interface Vectors {
  logs: Record<string, {script: TrainingScript; sha256: string; lineCount: number; metrics: Record<string, VectorMetric>}>;
}

// Written by test/vectors/gen_log_vectors.py, a reference parser of the same logs built from DS-Chat's print statements.
const vectors: Vectors = JSON.parse(readFileSync(new URL("../vectors/log-vectors.json", import.meta.url), "utf8"));
const logPath = (name: string) => new URL(`../fixtures/deepspeed-chat-logs/${name}`, import.meta.url);

describe("the DS-Chat log-line table", () => {
  it("covers all four scripts and gives each job at most 40 metric definitions with unique names", () => {
    for (const script of trainingScripts) {
      const definitions = metricDefinitions(script);
      assert.ok(definitions.length > 0 && definitions.length <= MAX_METRIC_DEFINITIONS, `${script}: ${definitions.length}`);
      assert.equal(new Set(definitions.map((d) => d.Name)).size, definitions.length, `${script} names unique`);
    }
    const names = allMetrics().map((m) => m.name);
    assert.equal(new Set(names).size, names.length, "a metric name belongs to one line kind");
  });

  it("writes every regex as SageMaker wants it: one capture group, no (?:…) or lookaround, within the length limits", () => {
    for (const metric of allMetrics()) {
      assert.ok(metric.name.length >= 1 && metric.name.length <= 255, metric.name);
      assert.ok(metric.regex.length >= 1 && metric.regex.length <= 500, metric.name);
      assert.doesNotMatch(metric.regex, /\(\?/, `${metric.name}: no (?…) constructs`);
      const groups = new RegExp(`${metric.regex}|`).exec("")!.length - 1;
      assert.equal(groups, 1, `${metric.name}: exactly one capture group`);
    }
  });

  it("keeps sagemaker.md §3's template definitions verbatim", () => {
    const step1 = metricDefinitions("step1");
    for (const expected of [
      {Name: "train:loss", Regex: "Rank: 0, loss = [a-z(]*([-+0-9.eE]+)"},
      {Name: "eval:ppl", Regex: "ppl: [a-z(]*([-+0-9.eE]+)"},
      {Name: "eval:loss", Regex: "ppl: [^,]*, loss: [a-z(]*([-+0-9.eE]+)"}
    ])
      assert.deepEqual(
        step1.find((d) => d.Name === expected.Name),
        expected
      );
  });

  it("matches each kind's examples with its own pattern, and every metric of a kind on one of them", () => {
    for (const kind of logLineKinds) {
      const seen = new Set<string>();
      for (const example of kind.examples) {
        assert.ok(kind.match.test(example), `${kind.id} matches ${example}`);
        for (const row of parseLogLine(example, 1, newParseContext(), {script: kind.scripts[0]})) {
          assert.equal(row.kind, kind.id, `${example} yields only ${kind.id} rows, got ${row.metric}`);
          seen.add(row.metric);
        }
      }
      assert.deepEqual([...seen].sort(), kind.metrics.map((m) => m.name).sort(), `${kind.id}: every metric shown by an example`);
    }
  });

  it("parses a tensor repr, an old step-3 line followed by its reward, and ignores inf", () => {
    const rows = parseLogLines(
      [
        "Epoch: 0, Step: 3, Rank: 0, loss = tensor(2.1641, device='cuda:0', dtype=torch.float16, grad_fn=<DivBackward0>)",
        "Epoch: 0, Step: 3, Rank: 1, loss = tensor(2.5, device='cuda:1')",
        "***** Evaluating perplexity, Epoch 1/2 *****",
        "ppl: inf, loss: 7.5",
        "epoch: 0|step: 41|ppo_ep: 1|act_loss: -0.25|cri_loss: 0.125|unsuper_loss: 0.0",
        "average reward score: 1e-05"
      ],
      {}
    );
    assert.deepEqual(
      rows.map(({metric, value, line, ...keys}) => [metric, value, line, keys]),
      [
        ["train:loss", 2.1641, 1, {kind: "train-loss", epoch: 0, step: 3, rank: 0}],
        ["eval:loss", 7.5, 4, {kind: "sft-eval", epoch: 1}],
        ["ppo:actor_loss", -0.25, 5, {kind: "ppo-losses", epoch: 0, step: 41, ppoEpoch: 1}],
        ["ppo:critic_loss", 0.125, 5, {kind: "ppo-losses", epoch: 0, step: 41, ppoEpoch: 1}],
        ["ppo:unsup_loss", 0, 5, {kind: "ppo-losses", epoch: 0, step: 41, ppoEpoch: 1}],
        ["ppo:reward", 1e-5, 6, {kind: "ppo-reward", epoch: 0, step: 41, ppoEpoch: 1}]
      ]
    );
  });
});

describe("parseLogLines on the four published DS-Chat logs, against the reference parser's vectors", () => {
  for (const [name, expected] of Object.entries(vectors.logs)) {
    it(`${name} (${expected.script})`, () => {
      const bytes = readFileSync(logPath(name));
      assert.equal(createHash("sha256").update(bytes).digest("hex"), expected.sha256, "fixture unchanged since the vectors were generated");
      const lines = splitLines(bytes.toString("utf8"));
      assert.equal(lines.length, expected.lineCount);
      const started = performance.now();
      const grouped = rowsByMetric(parseLogLines(lines, {script: expected.script}));
      const elapsed = performance.now() - started;
      assert.deepEqual([...grouped.keys()].sort(), Object.keys(expected.metrics).sort(), "the same metrics");
      for (const [metric, want] of Object.entries(expected.metrics)) {
        const rows = grouped.get(metric)!;
        assert.equal(rows.length, want.count, `${metric} count`);
        assert.deepEqual(
          rows.map((r) => r.line),
          want.lines,
          `${metric} lines`
        );
        assert.deepEqual(
          rows.map((r) => r.value),
          want.values,
          `${metric} values`
        );
        for (const [key, values] of Object.entries(want.keys))
          assert.deepEqual(
            rows.map((r) => r[key as keyof typeof r]),
            values,
            `${metric} ${key}`
          );
        const ourKeys = new Set(rows.flatMap((r) => Object.keys(r)).filter((k) => !["metric", "value", "line", "kind"].includes(k)));
        assert.deepEqual([...ourKeys].sort(), Object.keys(want.keys).sort(), `${metric} carries the same keys`);
      }
      assert.ok(elapsed < 2000, `parsed ${lines.length} lines in ${elapsed.toFixed(0)} ms`);
    });
  }

  it("never lets a metric regex fire on a line its own kind does not recognise (so SageMaker's scraper sees what the parser sees)", () => {
    for (const [name, expected] of Object.entries(vectors.logs)) {
      const lines = splitLines(readFileSync(logPath(name), "utf8"));
      const kinds = lineKindsOf(expected.script);
      for (const line of lines) {
        if (bannerKinds.some((b) => b.match.test(line))) continue;
        for (const kind of kinds)
          for (const metric of kind.metrics)
            if (new RegExp(metric.regex).test(line)) assert.ok(kind.match.test(line), `${metric.name} fired on a line ${kind.id} does not match: ${line.slice(0, 160)}`);
      }
    }
  });
});

describe("the metric regexes under Python's re (the engine SageMaker documents)", () => {
  it("compile and capture the same text as in JavaScript on every line of the four logs", () => {
    const metrics = allMetrics().map((m) => ({name: m.name, regex: m.regex}));
    const lines = Object.keys(vectors.logs).flatMap((name) => splitLines(readFileSync(logPath(name), "utf8")));
    lines.push(...logLineKinds.flatMap((kind) => kind.examples));
    const script = [
      "import json, re, sys",
      "data = json.load(sys.stdin)",
      "compiled = [(m['name'], re.compile(m['regex'])) for m in data['metrics']]",
      "hits = []",
      "for i, line in enumerate(data['lines']):",
      "    for name, rx in compiled:",
      "        m = rx.search(line)",
      "        if m: hits.append([i, name, m.group(1)])",
      "json.dump(hits, sys.stdout)"
    ].join("\n");
    const python = spawnSync("python3", ["-c", script], {input: JSON.stringify({metrics, lines}), encoding: "utf8", maxBuffer: 64 * 1024 * 1024});
    assert.equal(python.status, 0, python.stderr);
    const pythonHits: Array<[number, string, string]> = JSON.parse(python.stdout);
    const jsHits: Array<[number, string, string]> = [];
    const compiled = metrics.map((m) => [m.name, new RegExp(m.regex)] as const);
    lines.forEach((line, index) => {
      for (const [name, regex] of compiled) {
        const match = regex.exec(line);
        if (match) jsHits.push([index, name, match[1]!]);
      }
    });
    assert.ok(jsHits.length > 30000, `${jsHits.length} hits`);
    assert.deepEqual(pythonHits, jsHits);
  });
});
