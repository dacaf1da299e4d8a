/**
 * The value checks a plan must pass before DS-Chat can even parse it: required arguments, a usable `--data_split`, a ZeRO
 * stage DeepSpeed knows. Each issue quotes the error DS-Chat would print, so users can match it to a log. Rules about
 * combinations of valid arguments (offload with ZeRO 0, step 3's assertions, family failures) are lint rules, written
 * once in `src/core/lint/planRules.ts`; `planReport` runs both.
 */
import type {Phase} from "../canonical.js";
import type {Plan} from "./normalizePlan.js";
import {missingRequiredArgs, stepArgs} from "./normalizePlan.js";

/** Every rule id validatePlan can raise; none may also be a lint rule id (test/plan.test.ts checks), so no finding is reported twice. */
export const validationRuleIds = ["missing-required-arg", "data-split", "zero-stage-range"] as const;

export interface PlanIssue {
  rule: (typeof validationRuleIds)[number];
  step: Phase;
  /** The plan field, e.g. "step3.actor_zero_stage". */
  field: string;
  message: string;
}

function zeroStageIssue(step: Phase, field: string, stage: number): PlanIssue[] {
  if (stage <= 3) return [];
  return [{rule: "zero-stage-range", step, field, message: `DeepSpeed accepts ZeRO stages 0-3; ${field} is ${stage} (DeepSpeed raises "'${stage}' is not a valid ZeroStageEnum")`}];
}

/** `get_raw_dataset_split_index` parses every part with float() and indexes the list with `train_phase - 1`. */
function dataSplitIssues(step: Phase, dataSplit: string): PlanIssue[] {
  const field = `step${step}.data_split`;
  const parts = dataSplit.split(",");
  if (parts.some((part) => part.trim() === "" || !Number.isFinite(Number(part))))
    return [{rule: "data-split", step, field, message: `data_split ${JSON.stringify(dataSplit)} must be comma-separated numbers such as "2,4,4" (DS-Chat raises ValueError: could not convert string to float)`}];
  if (parts.length < step)
    return [{rule: "data-split", step, field, message: `data_split ${JSON.stringify(dataSplit)} has ${parts.length} part(s) but step ${step} reads part ${step} (DS-Chat raises IndexError); use three parts such as "2,4,4"`}];
  const sum = parts.reduce((total, part) => total + Number(part), 0);
  if (!(sum > 0)) return [{rule: "data-split", step, field, message: `data_split ${JSON.stringify(dataSplit)} sums to 0 (DS-Chat divides by the sum: ZeroDivisionError)`}];
  return [];
}

export function validatePlan(plan: Plan): PlanIssue[] {
  const issues: PlanIssue[] = missingRequiredArgs(plan).map((message) => {
    const [, step, field] = /^plan\.step([123])\.(\S+)/.exec(message) ?? [];
    return {rule: "missing-required-arg", step: Number(step) as Phase, field: `step${step}.${field}`, message};
  });
  for (const step of plan.steps) {
    issues.push(...dataSplitIssues(step, stepArgs(plan, step).data_split));
    if (step === 3) issues.push(...zeroStageIssue(3, "step3.actor_zero_stage", plan.step3.actor_zero_stage), ...zeroStageIssue(3, "step3.critic_zero_stage", plan.step3.critic_zero_stage));
    else issues.push(...zeroStageIssue(step, `step${step}.zero_stage`, stepArgs(plan, step).zero_stage));
  }
  return issues;
}
