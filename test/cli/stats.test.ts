import assert from "node:assert/strict";
import {describe, it} from "node:test";
import {json, runCli} from "../helpers/cli.js";

const EDGE = "test/fixtures/converted/edge-cases";
const stats = (...args: string[]) => runCli(["stats", ...args]);

describe("dschat-studio stats <converted-dir> --tokenizer NAME", () => {
  it("prints the per-phase report and exits 0", async () => {
    const result = await stats(EDGE, "--tokenizer", "llama2", "--data-split", "0,10,0", "--max-seq-len", "64");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /tokenizer {6}measured: llama2 \(npm @lenml\/tokenizer-llama2\)/);
    assert.match(result.stdout, /model {10}meta-llama\/Llama-2-7b-hf: DS-Chat's rules for family llama/);
    assert.match(result.stdout, /BOS 1; EOS "<\/s>" = 1 token\(s\); "<\|endoftext\|>" = 7 token\(s\); pad id 32000 \(\[PAD\] added\); vocab 32001 → embeddings resized to 32008/);
    assert.match(result.stdout, /phase 2 \(step 2 reward model\), train: 12 rows from the split, 2 skipped \(null\), 10 used/);
    assert.match(result.stdout, /identical pairs \(no signal\) +2 of 10 \(20\.0%\) {2}e\.g\. train\.json:2, train\.json:9/);
    assert.match(result.stdout, /phase 1 \(step 1 SFT\), train: 0 rows .* empty: step 1 has nothing to train on\./);
    assert.match(result.stdout, /phase 1 \(step 1 SFT\), eval: 0 rows .* empty: DS-Chat's evaluation crashes with UnboundLocalError \(step1 main\.py:306\)/);
    assert.equal(result.stderr, "");
  });

  it("--json prints one document; --model switches the family rules (OPT's </s> BOS)", async () => {
    const report = json(await stats(EDGE, "--tokenizer", "gpt2", "--model", "facebook/opt-350m", "--sample", "5", "--json"), "stats");
    assert.equal(report.tokenizer.family, "opt");
    assert.equal(report.tokenizer.mismatch, null, "OPT's tokenizer is GPT-2's BPE: the counts are OPT's");
    assert.equal(report.tokenizer.end_of_text_tokens, 7);
    assert.equal(report.settings.sample, 5);
    assert.deepEqual(report.partitions.map((p: {phase: number; split: string}) => `${p.phase}${p.split}`), ["1train", "1eval", "2train", "2eval", "3train", "3eval"]);
  });

  it("says which tokenizer it measured, and warns when it is not the model's (issue 12 item 10)", async () => {
    const run = await stats(EDGE, "--tokenizer", "gpt2", "--model", "bigscience/bloomz-560m");
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /tokenizer {6}measured: gpt2 \(npm @lenml\/tokenizer-gpt2\)/);
    assert.match(run.stdout, /model {10}bigscience\/bloomz-560m: DS-Chat's rules for family bloom/);
    assert.match(run.stdout, /WARNING {8}the tokenizer measured \(gpt2, family gpt2\) is not bigscience\/bloomz-560m's \(family bloom\)/);
    assert.match(run.stderr, /^warning: the tokenizer measured \(gpt2, family gpt2\) is not bigscience\/bloomz-560m's/);
    const report = json(await stats(EDGE, "--tokenizer", "gpt2", "--model", "bigscience/bloomz-560m", "--json"), "stats");
    assert.match(report.tokenizer.mismatch, /token lengths, truncation, dropped prompts and the data-cache size are gpt2's/);
    assert.match(report.tokenizer.measured, /^gpt2 \(npm @lenml\/tokenizer-gpt2\)$/);
  });

  it("exits 2 with a fix on unusable input", async () => {
    const [noTokenizer, missing, badSplit, zeroSample, unknownTokenizer, bogus] = await Promise.all([
      stats(EDGE),
      stats("test/fixtures/converted", "--tokenizer", "gpt2"),
      stats(EDGE, "--tokenizer", "gpt2", "--data-split", "2,x,4"),
      stats(EDGE, "--tokenizer", "gpt2", "--sample", "0"),
      stats(EDGE, "--tokenizer", "no-such-model"),
      stats(EDGE, "--tokenizer", "gpt2", "--bogus")
    ]);
    assert.deepEqual([noTokenizer, missing, badSplit, zeroSample, unknownTokenizer, bogus].map((run) => run.code), [2, 2, 2, 2, 2, 2]);
    assert.match(noTokenizer.stderr, /--tokenizer: is required/);
    assert.match(missing.stderr, /has no train\.json or eval\.json/);
    assert.match(badSplit.stderr, /--data-split: data_split "2,x,4": part 2/);
    assert.match(unknownTokenizer.stderr, /--tokenizer: "no-such-model" is not in the Hugging Face cache/);
  });
});
