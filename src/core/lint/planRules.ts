/**
 * Lint rules about the planned run: the model families' known DS-Chat failures (data in `models/familySupport.ts`) and
 * the argument combinations DS-Chat (or DeepSpeed under it) refuses. This is the one place such a rule is written:
 * `dschat-studio plan` and the Config page get them through `report/planReport.ts`, and `plan/validatePlan.ts` keeps only
 * the value checks (required arguments, data_split, ZeRO stage range). Isomorphic: no Node or DOM imports.
 */
import {familySupport, knownFailuresFor, type ModelInStep} from "../models/familySupport.js";
import {findModel} from "../models/findModel.js";
import {loraTargets} from "../models/loraTargets.js";
import {getSplitBoundaries, parseDataSplit} from "../split/getSplitBoundaries.js";
import {usableRowsPerStep} from "../split/usableRowsPerStep.js";
import {usesLlamaTokenizer} from "../tokenize/tokenizerRules.js";
import type {LintRule, ResolvedLintContext, RuleHit, Severity} from "./lintContext.js";
import {modelsOf, stepField} from "./ruleHelpers.js";

/** Known failures that are not errors. */
const failureSeverity: Record<string, Severity> = {
  // divergence-at-start checks the real pairs when a tokenizer measured them; this is the family-level caution.
  "bloom-step2-divergence": "info"
};

/** A step that gets less than this share of the rows it could use, while other phases' shares go unused, is starved. */
export const STARVED_SHARE = 0.5;

/** Train rows, and rows usable per phase, from the plan's data (plan --data) or the linted directory. */
function dataRowsOf({plan, dataset}: ResolvedLintContext): {trainRows: number; usable: Record<"1" | "2" | "3", number>; source: string} | null {
  if (plan!.dataRows) return plan!.dataRows;
  const usable = dataset?.files.train.usable;
  return usable ? {trainRows: dataset!.files.train.rows, usable, source: `${dataset!.source}/train.json`} : null;
}

export const planRules: LintRule[] = [
  {
    id: "family-known-failure",
    severity: "error",
    title: "A DS-Chat failure known for this model family in this step (BLOOM rwtranrsformer, step-1 print_throughput, GLM, Llama-3 tokenizer)",
    needs: ["plan"],
    check: ({plan}) =>
      modelsOf(plan!).flatMap(({role, name, family}) => {
        if (!family) return [];
        // Step 3 tokenizes for both models with the actor's tokenizer; the critic is only loaded (create_critic_model).
        const model: ModelInStep = role === "critic" ? {path: name, role} : {path: name, tokenizerName: plan!.tokenizerName ?? name, vocabSize: plan!.vocabSize, role};
        return knownFailuresFor(family, model, plan!.step).map((failure): RuleHit => ({
          rule: failure.id,
          severity: failureSeverity[failure.id] ?? "error",
          message: `${role} ${name} (${familySupport[family].label}): ${failure.message}`,
          fix: `${failure.fix} (${failure.source})`
        }));
      })
  },
  {
    id: "num-padding-at-beginning",
    severity: "error",
    title: "Step 2: --num_padding_at_beginning must be 1 for OPT (BOS == PAD) and 0 for every other family (step 3 ignores it)",
    needs: ["plan"],
    check: ({plan}) => {
      // Only RewardModel.forward (step 2) reads it (reward_model.py:88-91, 100-102); step 3's forward_value does not
      // (reward_model.py:157-170), so DS-Chat's own Llama-2 step-3 scripts pass 1 harmlessly.
      if (plan!.step !== 2 || plan!.numPaddingAtBeginning === undefined) return [];
      const [scored] = modelsOf(plan!);
      if (!scored.family) return [];
      const expected = familySupport[scored.family].numPaddingAtBeginning;
      const given = plan!.numPaddingAtBeginning;
      if (given === expected) return [];
      const effect =
        expected === 1
          ? given === 0
            ? "c_inds[0] is OPT's leading </s> pad at position 0, so every end score is read at index -1, the last padded position"
            : `c_inds[${given}] skips ${given - 1} pad(s) after the answer, so the end score is read inside the padding`
          : `c_inds[${given}] skips the first pad after the answer, so each end score is read at the first pad (c_inds[${given}] - 1) instead of the answer's last token, or at the last position when a sequence has fewer than ${given + 1} pads`;
      return [
        {
          field: stepField(plan!, "num_padding_at_beginning"),
          message: `--num_padding_at_beginning ${given} with ${scored.name} (${familySupport[scored.family].label}): step 2's RewardModel.forward ${effect} (reward_model.py:88-91, 109)`,
          fix: `pass --num_padding_at_beginning ${expected} (DS-Chat's default is 1, right only for OPT; #455)`
        }
      ];
    }
  },
  {
    id: "step3-seed-missing",
    severity: "warning",
    title: "Step 3 without an explicit --seed: its phase-3 split is random and may overlap steps 1/2",
    needs: ["plan"],
    check: ({plan}) =>
      plan!.step === 3 && (plan!.seed === null || plan!.seed === undefined)
        ? [{message: "step 3's --seed defaults to None: numpy seeds from OS entropy, so the phase-3 prompts are an unreproducible random third that can overlap the rows steps 1 and 2 trained on", fix: "pass --seed with the value steps 1 and 2 used (DS-Chat's default there is 1234)"}]
        : []
  },
  {
    id: "offload-needs-zero",
    severity: "error",
    title: "--offload with ZeRO stage 0: DS-Chat's DeepSpeedCPUAdam gets GPU parameters and the first optimizer step fails",
    needs: ["plan"],
    check: ({plan}) => {
      if (!plan!.offload) return [];
      // Step 3 passes its one --offload to both engines, so each engine's stage is checked.
      const stages: [string, number | undefined][] = plan!.step === 3 ? [["actor_zero_stage", plan!.zeroStage], ["critic_zero_stage", plan!.criticZeroStage]] : [["zero_stage", plan!.zeroStage]];
      return stages
        .filter(([, stage]) => stage === 0)
        .map(([arg]) => ({
          field: stepField(plan!, arg),
          message: `--offload with --${arg} 0: DS-Chat picks DeepSpeedCPUAdam while the parameters stay on the GPU, and the first optimizer step fails with "CPUAdam param is on cuda:0 and must be 'cpu'"`,
          fix: `set --${arg} 1, 2 or 3 (DeepSpeed moves optimizer states to the CPU from stage 1), or drop --offload`
        }));
    }
  },
  {
    id: "inference-tp-needs-zero3",
    severity: "error",
    title: "--inference_tp_size > 1 needs --actor_zero_stage 3 (step 3 asserts it)",
    needs: ["plan"],
    check: ({plan}) =>
      plan!.step === 3 && (plan!.inferenceTpSize ?? 1) > 1 && plan!.zeroStage !== undefined && plan!.zeroStage !== 3
        ? [{field: stepField(plan!, "inference_tp_size"), message: `step 3 asserts "Zero stage 3 must be used to do Tensor sharding in the hybrid engine": inference_tp_size ${plan!.inferenceTpSize} with actor ZeRO stage ${plan!.zeroStage}`, fix: "set --actor_zero_stage 3, or --inference_tp_size 1"}]
        : []
  },
  {
    id: "z2-hybrid-offload-no-lora",
    severity: "error",
    title: "Step 3 refuses actor ZeRO 2 + critic ZeRO 2 + hybrid engine + offload without LoRA (ValueError)",
    needs: ["plan"],
    check: ({plan}) =>
      plan!.step === 3 && plan!.zeroStage === 2 && plan!.criticZeroStage === 2 && plan!.enableHybridEngine === true && plan!.offload === true && (plan!.loraDim ?? 0) === 0
        ? [{field: stepField(plan!, "offload"), message: "step 3 raises ValueError: actor_zero_stage 2, critic_zero_stage 2, enable_hybrid_engine, offload and no LoRA together are unsupported due to training instability", fix: "change one of them, e.g. --actor_lora_dim 128, or ZeRO stage 3, or no --offload"}]
        : []
  },
  {
    id: "mixed-precision-lora",
    severity: "error",
    title: "--enable_mixed_precision_lora needs --actor_lora_dim > 0 and --actor_zero_stage 3 (step 3 asserts both)",
    needs: ["plan"],
    check: ({plan}) => {
      if (plan!.step !== 3 || !plan!.enableMixedPrecisionLora) return [];
      const problems = [
        (plan!.loraDim ?? 0) <= 0 ? "actor_lora_dim is 0 (\"Mixed Precision LoRA requires LoRA to be enabled\")" : null,
        plan!.zeroStage !== undefined && plan!.zeroStage !== 3 ? `actor ZeRO stage is ${plan!.zeroStage} ("Mixed Precision LoRA requires Zero stage 3")` : null
      ].filter((problem): problem is string => problem !== null);
      return problems.length ? [{field: stepField(plan!, "enable_mixed_precision_lora"), message: `--enable_mixed_precision_lora fails step 3's assertion: ${problems.join("; ")}`, fix: "set --actor_lora_dim > 0 and --actor_zero_stage 3, or drop --enable_mixed_precision_lora"}] : [];
    }
  },
  {
    id: "lora-module-no-match",
    severity: "error",
    title: "--lora_module_name matches no linear layer of the model, so LoRA wraps nothing",
    needs: ["plan"],
    check: ({plan}) =>
      modelsOf(plan!).flatMap(({role, name, family, loraDim, loraModuleName, matched, kind}): RuleHit[] => {
        if (!loraDim || loraDim <= 0 || loraModuleName === undefined || !family) return [];
        const support = familySupport[family];
        const fix = support.loraModuleName ? `use --${role === "critic" ? "critic_" : role === "actor" ? "actor_" : ""}lora_module_name ${support.loraModuleName} (the ${support.label} blocks live under ${support.blockPath[kind]}N.)` : "use --lora_dim 0 (full fine-tuning) for this family";
        let matches = matched;
        let reason: string | undefined;
        if (matches === undefined) {
          const arch = findModel(name);
          if (arch && arch.family === family) ({matchedLinears: matches, reason} = loraTargets(arch, loraModuleName, loraDim, kind));
          else if (support.loraModuleName === null) (matches = 0), (reason = support.loraNote);
          else if (`${support.blockPath[kind]}0.`.includes(loraModuleName)) matches = 1;
        }
        if (matches === undefined) {
          return [{severity: "info", message: `${role} ${name}: cannot tell whether lora_module_name "${loraModuleName}" matches a layer (model not in the registry)`, fix}];
        }
        if (matches > 0) return [];
        return [{message: `${role} ${name}: lora_module_name "${loraModuleName}" matches no nn.Linear${reason ? ` (${reason})` : ` (${support.label} layers are named ${support.blockPath[kind]}N....)`}; DS-Chat wraps nothing and, with --only_optimize_lora, trains nothing`, fix}];
      })
  },
  {
    id: "llama-name-case",
    severity: "info",
    title: "A Llama model whose name lacks lowercase \"llama\": DS-Chat uses AutoTokenizer (pad = EOS, no [PAD])",
    needs: ["plan"],
    check: ({plan}) => {
      // The actor's tokenizer serves both step-3 models, so only the trained model's (actor's) name counts.
      const [main] = modelsOf(plan!);
      const tested = plan!.tokenizerName ?? main.name;
      if (main.family !== "llama" || usesLlamaTokenizer(tested)) return [];
      return [
        {
          message: `${main.role} ${main.name}: DS-Chat's case-sensitive "llama" test (utils.py:76) fails on ${JSON.stringify(tested)}, so it loads AutoTokenizer with pad = EOS instead of LlamaTokenizer + [PAD]; padding masks out the EOS`,
          fix: "expected with Llama-3 names (their LlamaTokenizer load would fail); for Llama-2, load it under a name containing lowercase \"llama\" to get DS-Chat's tested setup"
        }
      ];
    }
  },
  {
    id: "does-not-fit",
    severity: "error",
    title: "The memory estimate exceeds the GPU: the step runs out of GPU memory (#551, #279, #271, #380, #386, #378, #410)",
    needs: ["plan"],
    check: ({plan}) => {
      const memory = plan!.memory;
      if (!memory || memory.reservedGiB <= memory.gpuMemoryGiB) return [];
      const terms = memory.largestTerms.map((term) => `${term.model} ${term.kind} ${term.gib} GiB`).join(", ");
      // DS-Chat's evaluation (per_device_eval_batch_size) can peak above training; then the training batch is not the lever.
      const evaluation = memory.peakPhase === "evaluation";
      const batchArg = evaluation ? "per_device_eval_batch_size" : plan!.step === 3 ? "per_device_generation_batch_size" : "per_device_train_batch_size";
      const trainingBatch = memory.largestBatch > 0 ? `the largest per-device batch that fits is ${memory.largestBatch}${plan!.step === 3 ? " (generation = training batch)" : ""}` : "no per-device batch fits, not even 1";
      const batch = evaluation ? "DS-Chat's evaluation (before the first epoch and after each) is the peak, so a smaller training batch does not help" : trainingBatch;
      return [
        {
          field: stepField(plan!, batchArg),
          message: `step ${plan!.step} needs about ${memory.reservedGiB} GiB per GPU at its peak (${memory.peakPhase}: ${terms}) and ${memory.gpuName} has ${memory.gpuMemoryGiB} GiB, so it runs out of GPU memory (DeepSpeedExamples #551, #279, #271, #380, #386, #378, #410); ${batch}`,
          fix: memory.fix
            ? `${memory.fix.change}: estimate ${memory.fix.reservedGiB} GiB (the first change, in cost order, whose estimate fits)`
            : "no single change fits on this instance type: add GPUs (--nodes) or combine the changes above (see the memory terms)"
        }
      ];
    }
  },
  {
    id: "data-split-share",
    severity: "warning",
    title: "Rows each planned step trains on; a warning when --data_split gives a step a small share of the rows it could use and the rest to steps the plan does not run",
    needs: ["plan"],
    check: (context) => {
      const plan = context.plan!;
      const data = dataRowsOf(context);
      if (!data || !plan.dataSplit || data.trainRows === 0) return [];
      const step = plan.step;
      const couldUse = data.usable[String(step) as "1" | "2" | "3"];
      // A linted directory knows the exact partition (DS-Chat's shuffle); a manifest gives its size by the share.
      const partition = context.dataset?.partitions.find((p) => p.phase === step && p.split === "train");
      const gets = partition ? partition.usable : usableRowsPerStep(plan.dataSplit, data.trainRows, [step], data.usable)[step]!;
      const planned = plan.planSteps ?? [step];
      const weights = parseDataSplit(plan.dataSplit);
      const boundaries = getSplitBoundaries(plan.dataSplit, data.trainRows);
      const unplanned = ([1, 2, 3] as const).filter((other) => !planned.includes(other) && (boundaries[other] ?? 0) - (boundaries[other - 1] ?? 0) > 0);
      const rows = `step ${step} trains on ${gets} of the ${couldUse} train.json rows it can use (data_split ${plan.dataSplit}; ${data.source})`;
      if (couldUse === 0 || gets >= STARVED_SHARE * couldUse || unplanned.length === 0) return [{severity: "info", step, message: rows, fix: "nothing to do; pass --data_split to change the shares"}];
      const parts = plan.dataSplit.split(",").map((part) => part.trim());
      const usedBy = planned.filter((p) => data.usable[String(p) as "1" | "2" | "3"] > 0 && (weights[p - 1] ?? 0) > 0);
      const better = usedBy.length <= 1 ? [1, 2, 3].map((p) => (p === step ? "10" : "0")).join(",") : [1, 2, 3].map((p) => (usedBy.includes(p as 1 | 2 | 3) ? parts[p - 1] : "0")).join(",");
      const after = usableRowsPerStep(better, data.trainRows, [step], data.usable)[step]!;
      const others = unplanned.map((p) => `phase ${p}`).join(" and ");
      return [
        {
          step,
          field: stepField(plan, "data_split"),
          message: `${rows}: ${(100 * gets / couldUse).toFixed(0)}%, while the ${others} share${unplanned.length > 1 ? "s go" : " goes"} to step${unplanned.length > 1 ? "s" : ""} this plan does not run`,
          fix: `pass --data_split ${better} (step ${step} then trains on about ${after} rows), unless ${others.replaceAll("phase", "step")} will train on this data later`
        }
      ];
    }
  }
];
