/**
 * Lint rules about the converted data itself, and how DS-Chat's split, tokenization and data cache treat it.
 * Isomorphic: no Node or DOM imports.
 */
import type {Phase} from "../canonical.js";
import type {LintRule, PartitionFacts, ResolvedLintContext, RuleHit} from "./lintContext.js";

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
const GIB = 1024 ** 3;

/** The partitions of the steps being checked. */
function partitionsInPlay({dataset, steps}: ResolvedLintContext): PartitionFacts[] {
  return (dataset?.partitions ?? []).filter((p) => steps.includes(p.phase));
}

const where = (p: PartitionFacts) => `phase ${p.phase} ${p.split}`;

/**
 * How each step's evaluation fails on an empty eval set, before any training: step 1's `evaluation` divides by a loop
 * variable that was never set (step1 main.py:306), step 2's `evaluation_reward` divides two zero counts first (step2
 * main.py:327). Step 3 builds an eval set it never uses.
 */
const emptyEvalCrash = {
  1: "crashes in its first evaluation with UnboundLocalError: 'step' (step1 main.py:306, losses / (step + 1))",
  2: "crashes in its first evaluation with ZeroDivisionError (step2 main.py:327, correct_predictions / total_predictions, both 0)"
} as const;

function rateHit(p: PartitionFacts, key: "truncated" | "dropped" | "identicalPairs" | "divergenceAtStart" | "padInText", text: (count: string) => string, fix: string): RuleHit[] {
  const rate = p[key];
  if (!rate || rate.count === 0) return [];
  const count = rate.exact ? `${rate.count} of ${rate.total}` : `about ${rate.count} of ${rate.total} (${percent(rate.low)}–${percent(rate.high)} at 95%)`;
  return [{message: text(count), fix, step: p.phase, split: p.split, rows: p.examples?.[key]}];
}

export const datasetRules: LintRule[] = [
  {
    id: "empty-partition",
    severity: "error",
    title: "A phase's train or eval set is empty: DS-Chat crashes (step 1: UnboundLocalError, step 2: ZeroDivisionError in evaluation) or trains nothing",
    needs: ["dataset"],
    check: (context) =>
      partitionsInPlay(context)
        // Step 3 builds its eval set and never uses it; phase 2 rows lost to a missing `rejected` are sft-only-in-phase-2's.
        .filter((p) => p.usable === 0 && !(p.phase === 3 && p.split === "eval") && !(p.phase === 2 && p.rows > 0))
        .map((p) => ({
          message: `${where(p)} gets 0 usable rows (${p.rows} from data_split ${context.dataset!.settings.dataSplit}): DS-Chat ${p.split === "eval" ? emptyEvalCrash[p.phase as 1 | 2] : "has nothing to train on and crashes"}`,
          fix: p.rows === 0
            ? `give phase ${p.phase} a larger share in --data_split (e.g. "2,4,4", or "${["10,0,0", "0,10,0", "0,0,10"][p.phase - 1]}" to give it every row) or add rows to ${p.split}.json`
            : `the ${p.rows} rows have null fields phase ${p.phase} needs; fill them in ${p.split}.json`,
          step: p.phase,
          split: p.split
        }))
  },
  {
    id: "sft-only-in-phase-2",
    severity: "error",
    title: "Phase 2 gets rows without `rejected` (SFT-only data): all skipped, or KeyError when the column is missing",
    needs: ["dataset"],
    check: (context) => {
      const hits: RuleHit[] = [];
      if (!context.steps.includes(2)) return hits;
      const {files} = context.dataset!;
      const missing = (["train", "eval"] as const).filter((split) => files[split].rows > 0 && files[split].missingColumns.includes("rejected"));
      if (missing.length) {
        hits.push({
          message: `${missing.map((s) => `${s}.json`).join(" and ")} ha${missing.length > 1 ? "ve" : "s"} no "rejected" value in any row: DS-Chat's phase 2 raises KeyError: 'rejected'`,
          fix: "use this data for step 1 only (--data_split 10,0,0, or DS-Chat's --sft_only_data_path), or add rejected answers"
        });
      }
      for (const p of context.dataset!.partitions) {
        if (p.phase !== 2 || p.rows === 0 || p.usable > 0 || missing.includes(p.split)) continue;
        hits.push({
          message: `${where(p)}: all ${p.rows} rows lack prompt/chosen/rejected (SFT-only data), so DS-Chat skips every row and crashes on the empty set`,
          fix: "give phase 2 preference pairs, or train step 1 only with --data_split 10,0,0",
          step: 2,
          split: p.split
        });
      }
      return hits;
    }
  },
  {
    id: "prompt-missing-markers",
    severity: "warning",
    title: "local/jsonfile prompts without DS-Chat's \"Human: ... Assistant:\" markers (DS-Chat adds none)",
    needs: ["dataset"],
    check: ({dataset}) => {
      const {count, total, examples} = dataset!.promptsWithoutMarkers;
      if (count === 0) return [];
      return [
        {
          message: `${count} of ${total} train.json prompts do not contain "Human:" and end with "Assistant:"; DS-Chat's local/jsonfile feeds " " + prompt + " " + answer as is, so the model never sees its usual turn markers`,
          fix: "convert with the Human/Assistant template (dschat-studio convert does by default), or accept that step 3 prompts and the models' training format differ",
          rows: examples
        }
      ];
    }
  },
  {
    id: "truncation-rate",
    severity: "warning",
    title: "Too many phase 1/2 rows are longer than max_seq_len (right-truncated; SFT rows lose their EOS)",
    needs: ["dataset", "tokens"],
    check: (context) =>
      partitionsInPlay(context)
        .filter((p) => p.phase !== 3 && p.truncated && p.truncated.rate > context.thresholds.truncatedRate)
        .flatMap((p) =>
          rateHit(
            p,
            "truncated",
            (count) => `${where(p)}: ${count} ${p.phase === 1 ? "rows" : "pairs"} exceed max_seq_len ${context.dataset!.settings.maxSeqLen} and are cut on the right${p.phase === 1 ? ", losing their EOS (the model does not learn to stop)" : ""} — above the ${percent(context.thresholds.truncatedRate)} threshold`,
            "raise --max_seq_len (check memory with dschat-studio plan) or drop/shorten the longest rows"
          )
        )
  },
  {
    id: "prompt-drop-rate",
    severity: "warning",
    title: "Too many step-3 prompts are longer than max_prompt_seq_len (DS-Chat drops them)",
    needs: ["dataset", "tokens"],
    check: (context) =>
      partitionsInPlay(context)
        .filter((p) => p.phase === 3 && p.split === "train" && p.dropped && p.dropped.rate > context.thresholds.droppedRate)
        .flatMap((p) =>
          rateHit(
            p,
            "dropped",
            (count) => `${where(p)}: ${count} prompts exceed max_prompt_seq_len ${context.dataset!.settings.maxPromptSeqLen} and are dropped — above the ${percent(context.thresholds.droppedRate)} threshold`,
            "raise --max_prompt_seq_len (and check generation memory) or shorten the prompts"
          )
        )
  },
  {
    id: "divergence-at-start",
    severity: "error",
    title: "Phase 2 pairs whose chosen and rejected ids differ at token 0: DS-Chat's `assert divergence_ind > 0` fails",
    needs: ["dataset", "tokens"],
    check: (context) =>
      partitionsInPlay(context)
        .filter((p) => p.phase === 2)
        .flatMap((p) =>
          rateHit(
            p,
            "divergenceAtStart",
            (count) => `${where(p)}: ${count} pairs differ from the very first token, so RewardModel.forward's assert divergence_ind > 0 fails and step 2 stops`,
            "give each pair a shared, non-empty prompt (the tokenizer has no BOS to share), or drop these rows"
          )
        )
  },
  {
    id: "identical-pairs",
    severity: "warning",
    title: "Phase 2 pairs identical after tokenization and truncation: no training signal",
    needs: ["dataset", "tokens"],
    check: (context) =>
      partitionsInPlay(context)
        .filter((p) => p.phase === 2)
        .flatMap((p) =>
          rateHit(
            p,
            "identicalPairs",
            (count) => `${where(p)}: ${count} pairs have identical chosen and rejected ids after truncation to ${context.dataset!.settings.maxSeqLen}; they pass DS-Chat's divergence assert (identical ids give divergence_ind = seq_len - 1, reward_model.py:94-97) but compare a position with itself, so they carry no training signal, and evaluation counts them as wrong (chosen > rejected is false)`,
            "drop pairs with equal answers, or raise --max_seq_len if the answers only differ after the cut"
          )
        )
  },
  {
    id: "pad-in-text",
    severity: "warning",
    title: "The pad token occurs inside the text: DS-Chat takes it for the end of the sequence",
    needs: ["dataset", "tokens"],
    check: (context) =>
      partitionsInPlay(context).flatMap((p) =>
        rateHit(
          p,
          "padInText",
          (count) => `${where(p)}: ${count} rows contain the pad token's text (for GPT-2/OPT-style tokenizers the EOS, e.g. "<|endoftext|>" or "</s>"); ${p.phase === 2 ? "the reward model reads the end score at the first pad" : "step 3 masks it out of the prompt"}`,
          "remove the special-token text from the data"
        )
      )
  },
  {
    id: "duplicate-rows",
    severity: "warning",
    title: "Duplicate rows within a phase (exact: warning; only after whitespace normalisation: info)",
    needs: ["dataset"],
    check: (context) =>
      partitionsInPlay(context)
        .filter((p) => p.duplicates.normalized > 0)
        .map((p) => ({
          severity: p.duplicates.exact > 0 ? "warning" : "info",
          message: `${where(p)}: ${p.duplicates.exact} exact duplicate rows, ${p.duplicates.normalized} after whitespace normalisation`,
          fix: "deduplicate before converting (duplicates are trained on twice and inflate eval scores)",
          step: p.phase,
          split: p.split,
          rows: p.duplicates.examples.map(([duplicate, first]) => `${duplicate} = ${first}`)
        }))
  },
  {
    id: "train-eval-overlap",
    severity: "warning",
    title: "eval.json rows that are also in train.json",
    needs: ["dataset"],
    check: ({dataset}) =>
      dataset!.trainEvalOverlap.count === 0
        ? []
        : [
            {
              message: `${dataset!.trainEvalOverlap.count} eval.json rows are identical to train.json rows, so evaluation overstates quality`,
              fix: "remove them from eval.json (or from train.json)",
              rows: dataset!.trainEvalOverlap.examples
            }
          ]
  },
  {
    id: "data-cache-host-ram",
    severity: "error",
    title: "DS-Chat's data cache (loaded once per GPU) exceeds the node's host RAM (#450)",
    needs: ["dataset", "tokens", "plan"],
    check: ({dataset, plan, thresholds}) => {
      if (!plan!.hostRamGb || !dataset!.dataCache) return [];
      const cache = dataset!.dataCache.find((c) => c.phase === plan!.step);
      if (!cache) return [];
      const gpus = plan!.gpusPerNode ?? cache.gpusPerNode;
      const need = cache.bytesPerRank * gpus;
      const have = plan!.hostRamGb * GIB;
      if (need <= thresholds.hostRamShare * have) return [];
      return [
        {
          severity: need > have ? "error" : "warning",
          message: `phase ${cache.phase}'s data cache is ${(cache.bytesPerRank / GIB).toFixed(2)} GiB per GPU; ${gpus} GPUs each torch.load it: ${(need / GIB).toFixed(1)} GiB of the node's ${plan!.hostRamGb} GiB host RAM`,
          fix: "lower --max_seq_len, use fewer rows per run, or a node with more RAM (DS-Chat keeps every padded row as int64 tensors)",
          step: cache.phase as Phase
        }
      ];
    }
  },
  {
    id: "manifest-mismatch",
    severity: "warning",
    title: "train.json/eval.json no longer match manifest.json: edited after convert (DS-Chat's data cache would not notice)",
    needs: ["dataset"],
    check: ({dataset}) => {
      const manifest = dataset!.manifest;
      if (!manifest) return [];
      const changed = (["train", "eval"] as const).filter((split) => {
        const recorded = split === "train" ? manifest.trainRows : manifest.evalRows;
        return recorded !== undefined && recorded !== dataset!.files[split].rows;
      });
      if (!changed.length) return [];
      return [
        {
          message: `${changed.map((split) => `${split}.json has ${dataset!.files[split].rows} rows, manifest.json says ${split === "train" ? manifest.trainRows : manifest.evalRows}`).join("; ")}: the files changed after convert. DS-Chat's data cache key ignores file contents, so a cache built from the old files is reused silently`,
          fix: "re-run dschat-studio convert, and delete DS-Chat's data_output_path (/tmp/data_files) before training on changed files"
        }
      ];
    }
  },
  {
    id: "convert-rejected-rows",
    severity: "info",
    title: "Source rows that convert could not map (rejects.jsonl)",
    needs: ["dataset"],
    check: ({dataset}) => {
      const rejected = dataset!.manifest?.rejectedRows ?? 0;
      const deviations = dataset!.manifest?.deviations ?? [];
      return [
        ...(rejected > 0 ? [{message: `convert left out ${rejected} source rows it could not map`, fix: "read rejects.jsonl next to train.json for each row's reason"}] : []),
        ...deviations.map((d) => ({message: `convert: ${d.rows} rows — ${d.summary}`, fix: "see manifest.json local_jsonfile.deviations"}))
      ];
    }
  },
  {
    id: "tokenizer-model-mismatch",
    severity: "warning",
    title: "The tokenizer that measured the data is not the model's: the token-based findings are another tokenizer's",
    needs: ["dataset", "tokens"],
    check: ({dataset}) => (dataset!.tokenizerMismatch ? [{message: dataset!.tokenizerMismatch, fix: "pass the model's own tokenizer with --tokenizer (a tokenizer.json, its folder, or its name in the Hugging Face cache)"}] : [])
  },
  {
    id: "token-checks-skipped",
    severity: "info",
    title: "Token-based checks need a tokenizer",
    needs: ["dataset"],
    check: ({dataset}) =>
      dataset!.tokenized
        ? []
        : [{message: "truncation, dropped prompts, identical pairs, divergence and data-cache checks were skipped", fix: "pass --tokenizer (a tokenizer.json, a model folder or name, or gpt2 / llama2)"}]
  }
];
