/**
 * What the Runs page charts for each DS-Chat script (which metrics share a chart), and how runs are aligned when they
 * are compared: by training micro-step, or by tokens (micro-steps × per-device batch × GPUs × padded sequence length —
 * DS-Chat pads every sample). Isomorphic.
 */
import type {Phase} from "../canonical.js";
import {findInstance} from "../estimate/instanceCatalog.js";
import type {Plan} from "../plan/normalizePlan.js";
import type {TrainingScript} from "./logLines.js";

export interface ChartGroup {
  title: string;
  metrics: readonly string[];
}

const throughput: ChartGroup[] = [
  {title: "Throughput (samples/s)", metrics: ["ds:samples_per_sec", "perf:samples_per_sec", "ppo:e2e_samples_per_sec"]},
  {title: "Achieved TFLOPs per GPU", metrics: ["perf:tflops", "ppo:e2e_tflops", "ppo:gen_tflops", "ppo:train_tflops"]},
  {title: "GPU memory, rank 0 (GiB): MaxMemAllocated and MemAllocated", metrics: ["ds:max_mem_allocated_gb", "ds:mem_allocated_gb"]}
];

export const chartGroups: Record<TrainingScript, readonly ChartGroup[]> = {
  step1: [
    {title: "Training loss (rank 0)", metrics: ["train:loss"]},
    {title: "Evaluation perplexity", metrics: ["eval:ppl"]},
    {title: "Evaluation loss", metrics: ["eval:loss"]},
    ...throughput
  ],
  "step2-reward": [
    {title: "Reward accuracy on eval", metrics: ["rm:acc", "rm:iter_acc"]},
    {title: "Chosen and rejected scores", metrics: ["rm:chosen_score", "rm:rejected_score", "rm:iter_chosen_score", "rm:iter_rejected_score"]},
    {title: "Training loss per epoch", metrics: ["rm:train_loss"]},
    ...throughput
  ],
  "step2-dpo": [
    {title: "DPO losses", metrics: ["train:loss", "dpo:eval_loss"]},
    {title: "DPO rewards: chosen and rejected", metrics: ["dpo:chosen_reward", "dpo:rejected_reward"]},
    ...throughput
  ],
  step3: [
    {title: "Actor and critic loss", metrics: ["ppo:actor_loss", "ppo:critic_loss"]},
    {title: "Average reward and its EMA", metrics: ["ppo:reward", "ppo:ema_reward"]},
    {title: "Unsupervised loss", metrics: ["ppo:unsup_loss"]},
    ...throughput
  ]
};

/** Tokens one micro-step processes over all GPUs (null when the plan's GPU count is unknown). */
export function tokensPerIteration(plan: Plan, step: Phase): number | null {
  const gpusPerNode = plan.infrastructure.gpus_per_node ?? findInstance(plan.infrastructure.instance_type)?.gpuCount ?? null;
  if (gpusPerNode === null) return null;
  const world = gpusPerNode * plan.infrastructure.instance_count;
  if (step === 3) return plan.step3.per_device_generation_batch_size * world * (plan.step3.max_prompt_seq_len + plan.step3.max_answer_seq_len);
  const args = step === 1 ? plan.step1 : plan.step2;
  return args.per_device_train_batch_size * world * args.max_seq_len * (step === 2 ? 2 : 1);
}
