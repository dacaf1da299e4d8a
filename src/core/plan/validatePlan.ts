/**
 * The checks DS-Chat (and DeepSpeed under it) make before training, raised here before anything is launched. Each issue
 * quotes the error DS-Chat would print, so users can match it to a log. Advice that is not a DS-Chat error is lint's job.
 */
import type {Phase} from "../canonical.js";
import type {Plan} from "./normalizePlan.js";
import {missingRequiredArgs, stepArgs} from "./normalizePlan.js";

export interface PlanIssue {
  /** Stable id; the three step-3 checks share their ids with the lint engine's rules, so a report can drop duplicates. */
  rule: string;
  step: Phase;
  /** The plan field, e.g. "step3.inference_tp_size". */
  field: string;
  message: string;
}

/** DS-Chat picks DeepSpeedCPUAdam for --offload, but DeepSpeed only moves optimizer states to the CPU from ZeRO stage 1. */
function cpuAdamIssue(step: Phase, field: string, offload: boolean, stage: number): PlanIssue[] {
  if (!offload || stage !== 0) return [];
  return [
    {
      rule: "offload-needs-zero",
      step,
      field,
      message: `--offload with ZeRO stage 0: DS-Chat uses DeepSpeedCPUAdam while the parameters stay on the GPU, and the first optimizer step fails with "CPUAdam param is on cuda:0 and must be 'cpu'"; set ${field.replace(/^step\d\./, "--")} 1, 2 or 3, or drop --offload`
    }
  ];
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
    const args = stepArgs(plan, step);
    issues.push(...dataSplitIssues(step, args.data_split));
    if (step === 1 || step === 2) {
      const a = stepArgs(plan, step);
      issues.push(...zeroStageIssue(step, `step${step}.zero_stage`, a.zero_stage), ...cpuAdamIssue(step, `step${step}.zero_stage`, a.offload, a.zero_stage));
      continue;
    }
    const a = plan.step3;
    issues.push(...zeroStageIssue(3, "step3.actor_zero_stage", a.actor_zero_stage), ...zeroStageIssue(3, "step3.critic_zero_stage", a.critic_zero_stage));
    issues.push(...cpuAdamIssue(3, "step3.actor_zero_stage", a.offload, a.actor_zero_stage), ...cpuAdamIssue(3, "step3.critic_zero_stage", a.offload, a.critic_zero_stage));
    if (a.enable_mixed_precision_lora && a.actor_lora_dim <= 0)
      issues.push({rule: "mixed-precision-lora", step, field: "step3.enable_mixed_precision_lora", message: 'step 3 asserts "Mixed Precision LoRA requires LoRA to be enabled": set --actor_lora_dim > 0'});
    if (a.enable_mixed_precision_lora && a.actor_zero_stage !== 3)
      issues.push({rule: "mixed-precision-lora", step, field: "step3.enable_mixed_precision_lora", message: 'step 3 asserts "Mixed Precision LoRA requires Zero stage 3": set --actor_zero_stage 3'});
    if (a.inference_tp_size > 1 && a.actor_zero_stage !== 3)
      issues.push({rule: "inference-tp-needs-zero3", step, field: "step3.inference_tp_size", message: 'step 3 asserts "Zero stage 3 must be used to do Tensor sharding in the hybrid engine": inference_tp_size > 1 needs --actor_zero_stage 3'});
    if (a.actor_zero_stage === 2 && a.critic_zero_stage === 2 && a.enable_hybrid_engine && a.offload && a.actor_lora_dim === 0)
      issues.push({
        rule: "z2-hybrid-offload-no-lora",
        step,
        field: "step3.offload",
        message:
          "step 3 raises ValueError: the combination of [actor_zero_stage==2, critic_zero_stage==2, enable_hybrid_engine=True, offload=True, lora=False] is currently unsupported due to training instability; change one of them (e.g. --actor_lora_dim 128)"
      });
  }
  return issues;
}
