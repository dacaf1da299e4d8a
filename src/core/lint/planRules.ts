/**
 * Lint rules about the planned run: the model families' known DS-Chat failures (data in `models/familySupport.ts`) and
 * the argument combinations DS-Chat (or DeepSpeed under it) refuses. This is the one place such a rule is written:
 * `dschat-studio plan` and the Config page get them through `report/planReport.ts`, and `plan/validatePlan.ts` keeps only
 * the value checks (required arguments, data_split, ZeRO stage range). Isomorphic: no Node or DOM imports.
 */
import {familySupport, knownFailuresFor, type ModelFamily} from "../models/familySupport.js";
import {findModel} from "../models/findModel.js";
import {loraTargets} from "../models/loraTargets.js";
import {modelFamilyOf} from "../models/modelFamilyOf.js";
import {usesLlamaTokenizer} from "../tokenize/tokenizerRules.js";
import type {LintRule, PlanFacts, RuleHit, Severity} from "./lintContext.js";

/** Known failures that need more than the family and step to happen, and how bad each is (default: error). */
const failureConditions: Record<string, {severity: Severity; applies?: (plan: PlanFacts) => boolean}> = {
  "llama-hybrid-engine-z3": {severity: "warning", applies: (plan) => plan.enableHybridEngine === true && plan.zeroStage === 3},
  "qwen2-hybrid-engine": {severity: "error", applies: (plan) => plan.enableHybridEngine === true},
  // divergence-at-start checks the real pairs when a tokenizer measured them; this is the family-level caution.
  "bloom-step2-divergence": {severity: "info"}
};

const familyOf = (name: string, given?: ModelFamily | null) => given ?? modelFamilyOf(name);

/** The plan JSON path of a DS-Chat argument of the linted step (`step3.offload`), as `normalizePlan` names it. */
const stepField = (plan: PlanFacts, arg: string) => `step${plan.step}.${arg}`;

/** The models a step loads, with the family each is: steps 1/2 one model, step 3 the actor and the critic (reward). */
function modelsOf(plan: PlanFacts): {role: string; name: string; family: ModelFamily | null; loraDim?: number; loraModuleName?: string; matched?: number; kind: "causalLM" | "base"}[] {
  const main = {role: plan.step === 3 ? "actor" : "model", name: plan.modelName, family: familyOf(plan.modelName, plan.family), loraDim: plan.loraDim, loraModuleName: plan.loraModuleName, matched: plan.loraMatchedLinears, kind: plan.step === 2 ? ("base" as const) : ("causalLM" as const)};
  if (plan.step !== 3 || !plan.criticModelName) return [main];
  const critic = {role: "critic", name: plan.criticModelName, family: familyOf(plan.criticModelName, plan.criticFamily), loraDim: plan.criticLoraDim, loraModuleName: plan.criticLoraModuleName, matched: plan.criticLoraMatchedLinears, kind: "base" as const};
  return [main, critic];
}

export const planRules: LintRule[] = [
  {
    id: "family-known-failure",
    severity: "error",
    title: "A DS-Chat failure known for this model family in this step (BLOOM rwtranrsformer, step-1 print_throughput, GLM, Llama-3 tokenizer, ...)",
    needs: ["plan"],
    check: ({plan}) =>
      modelsOf(plan!).flatMap(({role, name, family}) => {
        if (!family) return [];
        // The step-3 critic is loaded like step 2's reward model, so it hits step-2 failures too.
        const steps = role === "critic" ? ([2, 3] as const) : ([plan!.step] as const);
        return steps.flatMap((step) =>
          knownFailuresFor(family, name, step)
            .filter((failure) => failureConditions[failure.id]?.applies?.(plan!) ?? true)
            .map((failure): RuleHit => ({
              rule: failure.id,
              severity: failureConditions[failure.id]?.severity ?? "error",
              message: `${role} ${name} (${familySupport[family].label}): ${failure.message}`,
              fix: `${failure.fix} (${failure.source})`
            }))
        );
      })
  },
  {
    id: "num-padding-at-beginning",
    severity: "error",
    title: "--num_padding_at_beginning must be 1 for OPT (BOS == PAD) and 0 for every other family",
    needs: ["plan"],
    check: ({plan}) => {
      if (plan!.step === 1 || plan!.numPaddingAtBeginning === undefined) return [];
      const scored = plan!.step === 3 ? modelsOf(plan!).find((m) => m.role === "critic") : modelsOf(plan!)[0];
      if (!scored?.family) return [];
      const expected = familySupport[scored.family].numPaddingAtBeginning;
      if (plan!.numPaddingAtBeginning === expected) return [];
      return [
        {
          message: `--num_padding_at_beginning ${plan!.numPaddingAtBeginning} with ${scored.name} (${familySupport[scored.family].label}): the reward model then reads each sequence's end score at the wrong position (${expected === 1 ? "OPT's BOS is its pad, so the first pad is not the end" : "there is no leading pad to skip, so the end is taken as the last position"})`,
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
    check: ({plan}) =>
      modelsOf(plan!)
        .filter(({name, family}) => family === "llama" && !usesLlamaTokenizer(name))
        .map(({role, name}) => ({
          message: `${role} ${name}: DS-Chat's case-sensitive "llama" test fails, so it loads AutoTokenizer with pad = EOS instead of LlamaTokenizer + [PAD]; padding masks out the EOS`,
          fix: "expected with Llama-3 names (their LlamaTokenizer load would fail); for Llama-2, load from a path containing \"llama\" to get DS-Chat's tested setup"
        }))
  }
];
