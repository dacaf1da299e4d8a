import assert from "node:assert/strict";
import {join} from "node:path";
import {describe, it} from "node:test";
import {parseManifest, type Manifest} from "../../src/core/contract/manifest.js";
import {UserError} from "../../src/core/contract/userError.js";
import {hasDsChatMarkers, manifestFacts, promptMarkerFacts} from "../../src/core/lint/datasetFacts.js";
import {hasErrors, lint, lintRules} from "../../src/core/lint/lint.js";
import type {DatasetFacts, LintContext, PartitionFacts, PlanFacts} from "../../src/core/lint/lintContext.js";
import {normalizePlanFacts, planFactsFromJson} from "../../src/core/lint/planFacts.js";
import {PINNED_DEEPSPEED} from "../../src/core/plan/targetVersions.js";
import {estimateProportion} from "../../src/core/stats/estimateProportion.js";

const none = {exact: 0, normalized: 0, examples: [] as [string, string][]};
const noExamples = {truncated: [], dropped: [], identicalPairs: [], divergenceAtStart: [], padInText: []};

function partition(phase: 1 | 2 | 3, split: "train" | "eval", extra: Partial<PartitionFacts> = {}): PartitionFacts {
  return {phase, split, rows: 100, usable: 100, duplicates: none, examples: noExamples, ...extra};
}

/** A clean, tokenized dataset: every rule stays silent on it. */
function dataset(extra: Partial<DatasetFacts> = {}): DatasetFacts {
  const clean = (phase: 1 | 2 | 3) => ({
    truncated: phase === 3 ? undefined : estimateProportion(0, 100, 100),
    dropped: phase === 3 ? estimateProportion(0, 100, 100) : undefined,
    identicalPairs: phase === 2 ? estimateProportion(0, 100, 100) : undefined,
    divergenceAtStart: phase === 2 ? estimateProportion(0, 100, 100) : undefined,
    padInText: phase === 1 ? undefined : estimateProportion(0, 100, 100)
  });
  return {
    source: "converted/",
    settings: {dataSplit: "2,4,4", seed: 1234, maxSeqLen: 512, maxPromptSeqLen: 256},
    files: {train: {rows: 500, missingColumns: []}, eval: {rows: 100, missingColumns: []}},
    partitions: ([1, 2, 3] as const).flatMap((phase) => [partition(phase, "train", clean(phase)), partition(phase, "eval", clean(phase))]),
    promptsWithoutMarkers: {count: 0, total: 500, examples: []},
    trainEvalOverlap: {count: 0, examples: []},
    dataCache: [1, 2, 3].map((phase) => ({phase: phase as 1 | 2 | 3, bytesPerRank: 100 * 2 ** 20, bytesPerNode: 100 * 2 ** 20, gpusPerNode: 1})),
    tokenized: true,
    ...extra
  };
}

const withPartition = (phase: 1 | 2 | 3, split: "train" | "eval", patch: Partial<PartitionFacts>) => {
  const facts = dataset();
  facts.partitions = facts.partitions.map((p) => (p.phase === phase && p.split === split ? {...p, ...patch} : p));
  return facts;
};

/** A manifest.json as convert writes it, with the counts and deviations a test needs. */
function manifestWith(counts: {train: number; eval: number; rejected: number}, deviations: Manifest["local_jsonfile"]["deviations"] = []): Manifest {
  const phases = {"1": counts.train, "2": counts.train, "3": counts.train};
  return {
    schema_version: 2,
    tool: "dschat-studio convert",
    engine_version: "2",
    formats_version: "2",
    inputs: [
      {
        source: "data.jsonl",
        bytes: 10,
        sha256: "0".repeat(64),
        kind: "jsonl",
        gzip: false,
        split: null,
        format: "alpaca",
        chosen_by: "detection",
        detection: null,
        counts: {read: counts.train + counts.eval + counts.rejected, converted: counts.train + counts.eval, rejected: counts.rejected, reasoning_rows: 0},
        unused_columns: []
      }
    ],
    format: {name: "alpaca", title: "Alpaca", chosen_by: "detection", detection: null, map: null},
    options: {format: null, map: null, eval_ratio: 0.1, seed: 1234, reasoning: {mode: "inline", markers: "<think>,</think>"}},
    split: {method: "seeded", explanation: "seeded"},
    counts: {read: counts.train + counts.eval + counts.rejected, converted: counts.train + counts.eval, ...counts, reasoning_rows: 0, phases: {train: phases, eval: {"1": counts.eval, "2": counts.eval, "3": counts.eval}}},
    local_jsonfile: {layout: "JSON Lines", deviations},
    warnings: [],
    cache_key: "k"
  };
}

const ids = (context: LintContext) => lint(context).map((f) => `${f.severity}:${f.rule}`);
/** Versions DS-Chat's CI ran (DeepSpeed 0.16.4 with transformers 4.48.3): no version-gated rule applies to them. */
const tested = {deepspeed: "0.16.4", transformers: "4.48.3", torch: "2.5.1"};
const opt = (step: 1 | 2 | 3, extra: Partial<PlanFacts> = {}): PlanFacts => ({step, modelName: "facebook/opt-1.3b", zeroStage: 2, loraDim: 0, loraModuleName: "decoder.layers.", numPaddingAtBeginning: 1, seed: 1234, versions: tested, ...extra});

describe("lint(context) dataset rules", () => {
  it("are silent on clean data", () => {
    assert.deepEqual(ids({dataset: dataset()}), []);
  });

  it("empty-partition: an empty train or eval set (not step 3's unused eval) is an error for the steps checked", () => {
    const facts = withPartition(1, "eval", {rows: 0, usable: 0});
    assert.deepEqual(ids({dataset: facts}), ["error:empty-partition"]);
    assert.match(lint({dataset: facts})[0].message, /phase 1 eval gets 0 usable rows.*UnboundLocalError/);
    assert.deepEqual(ids({dataset: facts, steps: [2]}), []);
    assert.deepEqual(ids({dataset: withPartition(3, "eval", {rows: 0, usable: 0})}), []);
  });

  it("sft-only-in-phase-2: rows without rejected, or no rejected column (KeyError)", () => {
    assert.deepEqual(ids({dataset: withPartition(2, "train", {usable: 0})}), ["error:sft-only-in-phase-2"]);
    const keyError = dataset({files: {train: {rows: 500, missingColumns: ["rejected"]}, eval: {rows: 100, missingColumns: []}}});
    assert.match(lint({dataset: keyError})[0].message, /KeyError: 'rejected'/);
    assert.deepEqual(ids({dataset: withPartition(2, "train", {usable: 0}), steps: [1]}), []);
  });

  it("prompt-missing-markers", () => {
    assert.deepEqual(ids({dataset: dataset({promptsWithoutMarkers: {count: 3, total: 500, examples: ["train.json:1"]}})}), ["warning:prompt-missing-markers"]);
    assert.equal(hasDsChatMarkers("Human: hi Assistant:"), true);
    assert.equal(hasDsChatMarkers("\n\nHuman: hi\n\nAssistant: "), true);
    assert.equal(hasDsChatMarkers("Translate: cat"), false);
    assert.equal(hasDsChatMarkers("Human: hi"), false);
    assert.deepEqual(promptMarkerFacts([{id: "t:1", row: {prompt: "x", chosen: null, rejected: null}}, {id: "t:2", row: {prompt: null, chosen: "y", rejected: null}}]), {count: 1, total: 1, examples: ["t:1"]});
  });

  it("truncation-rate and prompt-drop-rate: above the threshold only", () => {
    const truncated = withPartition(1, "train", {truncated: estimateProportion(10, 100, 100), examples: {...noExamples, truncated: ["train.json:4"]}});
    assert.deepEqual(ids({dataset: truncated}), ["warning:truncation-rate"]);
    assert.deepEqual(lint({dataset: truncated})[0].rows, ["train.json:4"]);
    assert.deepEqual(ids({dataset: truncated, thresholds: {truncatedRate: 0.2}}), []);
    assert.deepEqual(ids({dataset: withPartition(1, "train", {truncated: estimateProportion(3, 100, 100)})}), []);
    assert.deepEqual(ids({dataset: withPartition(3, "train", {dropped: estimateProportion(30, 100, 100)})}), ["warning:prompt-drop-rate"]);
    assert.match(lint({dataset: withPartition(1, "train", {truncated: estimateProportion(10, 50, 100)})})[0].message, /about 20 of 100 \(\d+\.\d%–\d+\.\d% at 95%\)/);
  });

  it("divergence-at-start (error), identical-pairs and pad-in-text (warnings)", () => {
    assert.deepEqual(ids({dataset: withPartition(2, "train", {divergenceAtStart: estimateProportion(1, 100, 100)})}), ["error:divergence-at-start"]);
    assert.deepEqual(ids({dataset: withPartition(2, "eval", {identicalPairs: estimateProportion(2, 100, 100)})}), ["warning:identical-pairs"]);
    assert.deepEqual(ids({dataset: withPartition(3, "train", {padInText: estimateProportion(2, 100, 100)})}), ["warning:pad-in-text"]);
  });

  it("duplicate-rows: exact duplicates warn, whitespace-only ones inform; train-eval-overlap warns", () => {
    assert.deepEqual(ids({dataset: withPartition(1, "train", {duplicates: {exact: 2, normalized: 3, examples: [["t:2", "t:1"]]}})}), ["warning:duplicate-rows"]);
    assert.deepEqual(ids({dataset: withPartition(1, "train", {duplicates: {exact: 0, normalized: 1, examples: []}})}), ["info:duplicate-rows"]);
    assert.deepEqual(ids({dataset: dataset({trainEvalOverlap: {count: 1, examples: ["eval.json:3"]}})}), ["warning:train-eval-overlap"]);
  });

  it("data-cache-host-ram: the plan's step, GPUs per node and host RAM decide", () => {
    const facts = dataset();
    assert.deepEqual(ids({dataset: facts, plan: opt(1, {gpusPerNode: 8, hostRamGb: 1})}), []);
    assert.deepEqual(ids({dataset: facts, plan: opt(1, {gpusPerNode: 9, hostRamGb: 1})}), ["warning:data-cache-host-ram"]);
    assert.deepEqual(ids({dataset: facts, plan: opt(1, {gpusPerNode: 16, hostRamGb: 1})}), ["error:data-cache-host-ram"]);
    assert.deepEqual(ids({dataset: facts}), [], "no plan, no host RAM to compare with");
  });

  it("manifest-mismatch and convert-rejected-rows read the typed manifest", () => {
    const manifest = manifestFacts(manifestWith({train: 500, eval: 90, rejected: 3}, [{rows: 2, first_row: "a:1", summary: "prompt kept as is"}]));
    assert.deepEqual(manifest, {trainRows: 500, evalRows: 90, rejectedRows: 3, deviations: [{rows: 2, summary: "prompt kept as is"}]});
    assert.deepEqual(ids({dataset: dataset({manifest})}), ["warning:manifest-mismatch", "info:convert-rejected-rows", "info:convert-rejected-rows"]);
    assert.match(lint({dataset: dataset({manifest})})[0].message, /eval\.json has 100 rows, manifest\.json says 90/);
    assert.deepEqual(ids({dataset: dataset({manifest: manifestFacts(manifestWith({train: 500, eval: 100, rejected: 0}))})}), []);
    assert.equal(manifestFacts(null), null);
  });

  it("parseManifest refuses a manifest.json that breaks the contract, naming the field", () => {
    const valid = manifestWith({train: 1, eval: 1, rejected: 0});
    assert.deepEqual(parseManifest(JSON.parse(JSON.stringify(valid))), valid);
    const field = (json: unknown) => {
      try {
        parseManifest(json);
      } catch (error) {
        assert.ok(error instanceof UserError);
        return error.where.field;
      }
      return null;
    };
    assert.equal(field({...valid, counts: {...valid.counts, train: -1}}), "counts.train");
    assert.equal(field({...valid, schema_version: undefined}), "schema_version");
    assert.equal(field({...valid, extra: 1}), "manifest.extra");
    assert.equal(field("not a manifest"), "manifest");
  });

  it("tokenizer-model-mismatch: the measuring tokenizer is another family's (issue 12 item 10)", () => {
    const mismatch = "the tokenizer measured (gpt2, family gpt2) is not bigscience/bloomz-560m's (family bloom)";
    assert.deepEqual(ids({dataset: dataset({tokenizerMismatch: mismatch})}), ["warning:tokenizer-model-mismatch"]);
    assert.deepEqual(ids({dataset: dataset({tokenizerMismatch: null})}), []);
  });

  it("empty-partition names each step's evaluation crash: step 1 UnboundLocalError (main.py:306), step 2 ZeroDivisionError (main.py:327)", () => {
    assert.match(lint({dataset: withPartition(2, "eval", {rows: 0, usable: 0})})[0].message, /ZeroDivisionError \(step2 main\.py:327/);
    assert.match(lint({dataset: withPartition(1, "eval", {rows: 0, usable: 0})})[0].message, /UnboundLocalError: 'step' \(step1 main\.py:306/);
  });

  it("identical-pairs does not claim the divergence assert fires (identical ids give divergence_ind = seq_len - 1)", () => {
    const message = lint({dataset: withPartition(2, "eval", {identicalPairs: estimateProportion(2, 100, 100)})})[0].message;
    assert.match(message, /pass DS-Chat's divergence assert/);
  });

  it("token-checks-skipped: token rules do not run without a tokenizer", () => {
    const untokenized = withPartition(2, "train", {divergenceAtStart: estimateProportion(1, 100, 100)});
    untokenized.tokenized = false;
    assert.deepEqual(ids({dataset: untokenized}), ["info:token-checks-skipped"]);
  });
});

describe("lint(context) plan rules", () => {
  it("are silent on DS-Chat's OPT defaults", () => {
    assert.deepEqual(ids({plan: opt(1)}), []);
    assert.deepEqual(ids({plan: opt(2)}), []);
    assert.deepEqual(ids({plan: opt(3, {criticModelName: "facebook/opt-350m", criticZeroStage: 2})}), []);
  });

  it("family-known-failure: BLOOM's step-2 rwtranrsformer typo needs DS-Chat's own path test", () => {
    const bloom = {loraModuleName: "h.", numPaddingAtBeginning: 0, dtype: "bf16" as const};
    assert.deepEqual(ids({plan: opt(2, {modelName: "bigscience/bloom-560m", ...bloom})}), ["error:bloom-step2-rwtranrsformer", "info:bloom-step2-divergence"]);
    // main.py:260 tests the --model_name_or_path text.
    assert.deepEqual(ids({plan: opt(2, {modelName: "/models/my-bloom", family: "bloom", ...bloom})}), ["info:bloom-step2-divergence"]);
  });

  it("family-known-failure: step 1's print_throughput crash for GPT-2/BLOOM/GPT-NeoX, not OPT or Llama", () => {
    assert.deepEqual(ids({plan: opt(1, {modelName: "gpt2-large"})}), ["error:step1-print-throughput"]);
    assert.deepEqual(ids({plan: opt(1, {modelName: "EleutherAI/pythia-1b"})}), ["error:step1-print-throughput"]);
    assert.deepEqual(ids({plan: opt(1, {modelName: "meta-llama/Llama-2-7b-hf", loraModuleName: "layers."})}), []);
  });

  it("family-known-failure: GLM is unsupported; Llama + ZeRO-3 + hybrid engine is a warning", () => {
    assert.deepEqual(ids({plan: opt(1, {modelName: "THUDM/chatglm3-6b"})}), ["error:glm-unsupported"]);
    const llama = opt(3, {modelName: "meta-llama/Llama-2-7b-hf", loraModuleName: "layers.", zeroStage: 3, numPaddingAtBeginning: 0});
    assert.deepEqual(ids({plan: {...llama, enableHybridEngine: true}}), ["warning:hybrid-engine-family"]);
    assert.deepEqual(ids({plan: llama}), ["warning:zero3-generation-without-hybrid-engine"]);
  });

  it("num-padding-at-beginning: step 2 only, 1 for OPT and 0 for the rest (step 3's forward_value never reads it)", () => {
    assert.deepEqual(ids({plan: opt(2, {numPaddingAtBeginning: 0})}), ["error:num-padding-at-beginning"]);
    assert.match(lint({plan: opt(2, {numPaddingAtBeginning: 0})})[0].message, /c_inds\[0\] is OPT's leading <\/s> pad at position 0.*index -1/);
    const llama = lint({plan: opt(2, {modelName: "meta-llama/Llama-2-7b-hf", loraModuleName: "layers."})});
    assert.deepEqual(llama.map((f) => `${f.severity}:${f.rule}`), ["error:num-padding-at-beginning"]);
    assert.match(llama[0].message, /read at the first pad \(c_inds\[1\] - 1\) instead of the answer's last token/);
    assert.doesNotMatch(llama[0].message, /the end is taken as the last position/);
    // reward_model.py:157-170 (forward_value) ignores num_padding_at_beginning: DS-Chat's Llama-2 step-3 scripts pass 1.
    assert.deepEqual(ids({plan: opt(3, {modelName: "meta-llama/Llama-2-7b-hf", loraModuleName: "layers.", criticModelName: "meta-llama/Llama-2-7b-hf", criticLoraModuleName: "layers.", criticZeroStage: 2})}), []);
    assert.deepEqual(ids({plan: opt(1, {numPaddingAtBeginning: 0})}), []);
  });

  it("step3-seed-missing", () => {
    assert.deepEqual(ids({plan: opt(3, {seed: null})}), ["warning:step3-seed-missing"]);
    assert.deepEqual(ids({plan: opt(1, {seed: null})}), []);
  });

  it("inference-tp-needs-zero3, z2-hybrid-offload-no-lora, mixed-precision-lora", () => {
    assert.deepEqual(ids({plan: opt(3, {inferenceTpSize: 2, zeroStage: 2})}), ["error:inference-tp-needs-zero3"]);
    assert.deepEqual(ids({plan: opt(3, {inferenceTpSize: 2, zeroStage: 3, enableHybridEngine: true})}), ["error:hybrid-engine-tp-zero3"], "the converse: DeepSpeedExamples #628");
    const combo = opt(3, {zeroStage: 2, criticZeroStage: 2, enableHybridEngine: true, offload: true});
    assert.deepEqual(ids({plan: combo}), ["error:z2-hybrid-offload-no-lora"]);
    assert.deepEqual(ids({plan: {...combo, loraDim: 128}}), []);
    assert.match(lint({plan: opt(3, {enableMixedPrecisionLora: true})})[0].message, /actor_lora_dim is 0.*ZeRO stage is 2/);
    assert.deepEqual(ids({plan: opt(3, {enableMixedPrecisionLora: true, loraDim: 64, zeroStage: 3, enableHybridEngine: true})}), []);
    assert.deepEqual(lint({plan: combo}).map((finding) => finding.field), ["step3.offload"], "plan rules name the argument at fault");
  });

  it("offload-needs-zero: --offload needs ZeRO stage 1-3 in every engine it applies to", () => {
    const step1 = lint({plan: opt(1, {offload: true, zeroStage: 0})});
    assert.deepEqual(step1.map((finding) => `${finding.rule}:${finding.field}`), ["offload-needs-zero:step1.zero_stage"]);
    assert.match(step1[0].message, /CPUAdam param is on cuda:0/);
    assert.deepEqual(ids({plan: opt(1, {offload: true, zeroStage: 1})}), []);
    assert.deepEqual(ids({plan: opt(1, {offload: false, zeroStage: 0})}), []);
    const step3 = lint({plan: opt(3, {offload: true, zeroStage: 3, criticZeroStage: 0, enableHybridEngine: true})});
    assert.deepEqual(step3.map((finding) => `${finding.rule}:${finding.field}`), ["offload-needs-zero:step3.critic_zero_stage"]);
  });

  it("lora-module-no-match: the name must match the family's layers; GPT-2's Conv1D never matches", () => {
    const llama = opt(1, {modelName: "meta-llama/Llama-2-7b-hf", loraDim: 128});
    assert.deepEqual(ids({plan: llama}), ["error:lora-module-no-match"]);
    assert.match(lint({plan: llama})[0].fix, /--lora_module_name layers\./);
    assert.deepEqual(ids({plan: {...llama, loraModuleName: "layers."}}), []);
    assert.deepEqual(ids({plan: {...llama, loraDim: 0}}), []);
    assert.deepEqual(ids({plan: opt(1, {loraDim: 128})}), []);
    assert.ok(ids({plan: opt(1, {modelName: "gpt2", loraDim: 8, loraModuleName: "h."})}).includes("error:lora-module-no-match"));
    assert.deepEqual(ids({plan: opt(1, {loraDim: 8, loraMatchedLinears: 0})}), ["error:lora-module-no-match"]);
  });

  it("llama-name-case: DS-Chat's tokenizer choice is case-sensitive, on the name its loader tests", () => {
    assert.deepEqual(ids({plan: opt(1, {modelName: "NousResearch/Llama-2-7b-hf", loraModuleName: "layers."})}), ["info:llama-name-case"]);
    // utils.py:97-105: for a local checkpoint DS-Chat tests config.json's _name_or_path, not the folder name.
    assert.deepEqual(ids({plan: opt(1, {modelName: "/models/llama2", family: "llama", tokenizerName: "NousResearch/Llama-2-7b-hf", loraModuleName: "layers."})}), ["info:llama-name-case"]);
    assert.deepEqual(ids({plan: opt(1, {modelName: "/models/l2", family: "llama", tokenizerName: "meta-llama/Llama-2-7b-hf", loraModuleName: "layers."})}), []);
  });

  it("sorts errors first and reports whether any is an error", () => {
    const findings = lint({dataset: dataset({trainEvalOverlap: {count: 1, examples: []}}), plan: opt(2, {numPaddingAtBeginning: 0})});
    assert.deepEqual(findings.map((f) => f.severity), ["error", "warning"]);
    assert.equal(hasErrors(findings), true);
    assert.equal(new Set(lintRules.map((rule) => rule.id)).size, lintRules.length, "rule ids are unique");
  });
});

describe("planFactsFromJson(json)", () => {
  it("maps a chained dschat-studio plan to one PlanFacts per step, families following the chain", () => {
    const facts = planFactsFromJson({
      steps: [1, 2, 3],
      step1: {model_name_or_path: "facebook/opt-1.3b"},
      step2: {model_name_or_path: "facebook/opt-350m"},
      infrastructure: {instance_type: "ml.g5.2xlarge"}
    });
    assert.deepEqual(facts.map((f) => f.step), [1, 2, 3]);
    assert.equal(facts[2].family, "opt");
    assert.equal(facts[2].criticFamily, "opt");
    assert.equal(facts[2].seed, null);
    assert.equal(facts[1].numPaddingAtBeginning, 1);
    assert.equal(facts[2].criticCheckpoint, "chained");
    assert.deepEqual(facts[2].planSteps, [1, 2, 3]);
    assert.deepEqual(facts[0].versions, {deepspeed: PINNED_DEEPSPEED, transformers: "4.56.2", torch: "2.8.0"}, "the launcher's pinned DeepSpeed and the training image's libraries by default");
    // The A10G of ml.g5.2xlarge has bf16: step 3 in fp16 gets the hint (#419, #444).
    assert.deepEqual(ids({plan: facts[2]}), ["warning:step3-seed-missing", "info:fp16-overflow-risk"]);
    assert.deepEqual(ids({plan: facts[0]}), ["info:dschat-transformers-untested"], "once per plan, on its first step");
  });

  it("accepts bare PlanFacts and names the bad field", () => {
    assert.deepEqual(planFactsFromJson({step: 2, modelName: "gpt2", seed: null}), [{step: 2, modelName: "gpt2", seed: null}]);
    assert.throws(() => normalizePlanFacts({step: 4, modelName: "x"}), /plan\.step: is 4; expected 1, 2 or 3/);
    assert.throws(() => normalizePlanFacts({step: 1, modelName: "x", zeroStag: 2}), /plan\.zeroStag: zeroStag is not a field of plan.*Did you mean zeroStage\?/);
    assert.throws(() => normalizePlanFacts({step: 1, modelName: "x", family: "t5"}), /plan\.family: is "t5"; expected a model family/);
    assert.throws(() => planFactsFromJson([]), /plan: must be an object/);
  });
});
