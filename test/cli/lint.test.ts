import assert from "node:assert/strict";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {after, describe, it} from "node:test";
import {json, runCli} from "../helpers/cli.js";

const EDGE = "test/fixtures/converted/edge-cases";

describe("dschat-studio lint <converted-dir>", () => {
  const dir = mkdtempSync(join(tmpdir(), "dschat-studio-lint-"));
  after(() => rmSync(dir, {recursive: true, force: true}));

  it("exits 0 when nothing is an error, and prints each finding's fix", async () => {
    const result = await runCli(["lint", EDGE]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /WARNING prompt-missing-markers: 2 of 11 train\.json prompts/);
    assert.match(result.stdout, /fix: /);
    assert.match(result.stdout, /0 error\(s\), 2 warning\(s\), 2 info\n$/);
  });

  it("exits 4 on an error finding; --json prints one document of findings {severity, rule, step?, message, fix}", async () => {
    const result = await runCli(["lint", EDGE, "--tokenizer", "gpt2", "--data-split", "0,10,0", "--max-seq-len", "64", "--step", "2", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = json(result, "lint");
    assert.deepEqual(report.findings.map((f: {rule: string}) => f.rule).sort(), ["duplicate-rows", "identical-pairs", "pad-in-text", "prompt-missing-markers", "train-eval-overlap", "truncation-rate"]);
    const failing = await runCli(["lint", EDGE, "--data_split", "0,10,0", "--json"]);
    assert.equal(failing.code, 4);
    assert.equal(json(failing, "lint").errors, 3);
  });

  it("reads --plan, and exits 2 on an unusable plan", async () => {
    writeFileSync(join(dir, "plan.json"), JSON.stringify({step: 2, modelName: "bigscience/bloom-560m", numPaddingAtBeginning: 1, seed: 1234}));
    const result = await runCli(["lint", EDGE, "--plan", join(dir, "plan.json")]);
    assert.equal(result.code, 4);
    assert.match(result.stdout, /ERROR   bloom-step2-rwtranrsformer: model bigscience\/bloom-560m/);
    assert.match(result.stdout, /ERROR   num-padding-at-beginning/);
    writeFileSync(join(dir, "chain.json"), JSON.stringify({steps: [1, 2, 3], step1: {model_name_or_path: "facebook/opt-1.3b"}, step2: {model_name_or_path: "facebook/opt-350m"}, step3: {inference_tp_size: 2}, infrastructure: {instance_type: "ml.p4de.24xlarge"}}));
    const chain = await runCli(["lint", EDGE, "--plan", join(dir, "chain.json"), "--json"]);
    assert.equal(chain.code, 4);
    const findings: {rule: string; message: string; step?: number; severity: string}[] = json(chain, "lint").findings;
    assert.deepEqual(findings.filter((f) => f.severity === "error").map((f) => `${f.rule} ${f.message}`), ['inference-tp-needs-zero3 step 3: step 3 asserts "Zero stage 3 must be used to do Tensor sharding in the hybrid engine": inference_tp_size 2 with actor ZeRO stage 0']);
    assert.equal(findings[0].step, 3);
    const shared = findings.find((f) => f.message.startsWith("steps 1, 2, 3: ") && f.rule === "token-checks-skipped");
    assert.ok(shared, "a finding every step shares is listed once");
    assert.equal(shared.step, undefined, "and names no single step");
    writeFileSync(join(dir, "bad.json"), JSON.stringify({step: 2}));
    const bad = await runCli(["lint", EDGE, "--plan", join(dir, "bad.json")]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--plan .*bad\.json, plan\.modelName: is undefined/);
    assert.equal((await runCli(["lint", "no/such/dir"])).code, 2);
  });

  it("--rules --json lists every rule", async () => {
    const rules = json(await runCli(["lint", "--rules", "--json"]), "lint-rules").rules;
    assert.ok(rules.some((rule: {rule: string}) => rule.rule === "offload-needs-zero"));
  });
});
