/**
 * The value checks a plan must pass before DS-Chat can even parse it: required arguments, a usable `--data_split`, a ZeRO
 * stage DeepSpeed knows. Each issue quotes the error DS-Chat would print, so users can match it to a log. Rules about
 * combinations of valid arguments (offload with ZeRO 0, step 3's assertions, family failures) are lint rules, written
 * once in `src/core/lint/planRules.ts`; `report/planReport.ts` runs both.
 */
import type {Phase} from "../canonical.js";
import {UserError} from "../contract/userError.js";
import {checkSplitIndex} from "../split/getRawDatasetSplitIndex.js";
import {parseDataSplit} from "../split/getSplitBoundaries.js";
import type {Plan} from "./normalizePlan.js";
import {missingRequiredArgs, stepArgs} from "./normalizePlan.js";

/** Every rule id validatePlan can raise; none may also be a lint rule id (a test checks), so no finding is reported twice. */
export const validationRuleIds = ["missing-required-arg", "data-split", "zero-stage-range"] as const;

export interface PlanIssue {
  rule: (typeof validationRuleIds)[number];
  step: Phase;
  /** The plan field, e.g. "step3.actor_zero_stage". */
  field: string;
  message: string;
  fix: string;
}

function zeroStageIssue(step: Phase, field: string, stage: number): PlanIssue[] {
  if (stage <= 3) return [];
  return [{rule: "zero-stage-range", step, field, message: `DeepSpeed accepts ZeRO stages 0-3; ${field} is ${stage} (DeepSpeed raises "'${stage}' is not a valid ZeroStageEnum")`, fix: `set --${field.split(".")[1]} to 0, 1, 2 or 3`}];
}

/**
 * `get_raw_dataset_split_index` parses every part with float() and indexes the list with `train_phase - 1`: the same
 * rules `dschat-studio split` and `stats` apply (`parseDataSplit`, `checkSplitIndex`), reported here as findings.
 */
function dataSplitIssues(step: Phase, dataSplit: string): PlanIssue[] {
  try {
    checkSplitIndex(dataSplit, step - 1, parseDataSplit(dataSplit).length);
    return [];
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return [{rule: "data-split", step, field: `step${step}.data_split`, message: error.what, fix: error.fix}];
  }
}

export function validatePlan(plan: Plan): PlanIssue[] {
  const issues: PlanIssue[] = missingRequiredArgs(plan).map(({step, arg}) => ({
    rule: "missing-required-arg",
    step,
    field: `step${step}.${arg}`,
    message: `--${arg} is required by step ${step}'s main.py`,
    fix: arg.includes("critic") ? "pass --critic-model (a registry name or a config.json)" : "pass --model (a registry name such as facebook/opt-1.3b, or a config.json)"
  }));
  for (const step of plan.steps) {
    issues.push(...dataSplitIssues(step, stepArgs(plan, step).data_split));
    if (step === 3) issues.push(...zeroStageIssue(3, "step3.actor_zero_stage", plan.step3.actor_zero_stage), ...zeroStageIssue(3, "step3.critic_zero_stage", plan.step3.critic_zero_stage));
    else issues.push(...zeroStageIssue(step, `step${step}.zero_stage`, stepArgs(plan, step).zero_stage));
  }
  return issues;
}
