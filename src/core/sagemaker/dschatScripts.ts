/**
 * DS-Chat's four `main.py` argument parsers as DS-Chat declares them (DeepSpeedExamples 83757d9c): the order of the
 * `parser.add_argument` calls (which argparse's usage line and messages follow), `--local_rank`, and the DPO script's
 * arguments, which the plan's table (`src/core/plan/dschatArgs.ts`, steps 1–3) does not cover. Everything else about an
 * argument (kind, default, choices) comes from that table, so the launcher's mapping and the emulator's stand-in parser
 * cannot drift from it. Isomorphic.
 */
import type {ArgSpec} from "../plan/dschatArgs.js";
import {step1ArgSpecs, step2ArgSpecs, step3ArgSpecs} from "../plan/dschatArgs.js";
import type {TrainingScript} from "../runs/logLines.js";

/** `--local_rank` (every main.py, e.g. step1 main.py:131): set by the launcher from torchrun's LOCAL_RANK. */
export const localRankSpec = {name: "local_rank", kind: "int", default: -1} as const satisfies ArgSpec;

const byName = (specs: readonly ArgSpec[]) => new Map(specs.map((spec) => [spec.name, spec]));
const step1 = byName(step1ArgSpecs);

/**
 * training/step2_dpo_finetuning/main.py:35-211 (added 1842b4fd, 2025-01-07, #828): step 1's arguments minus
 * `--sft_only_data_path`/`--eot_token`, with lr 1e-3 (:80), `--beta` 0.1 (:96), `--label_smoothing` 0.0 (:103),
 * `--offload_reference_model` (:162) and tensorboard path "step2_tensorboard" (:200).
 */
export const dpoArgSpecs: readonly ArgSpec[] = [
  ...["data_path", "data_split", "data_output_path", "model_name_or_path", "per_device_train_batch_size", "per_device_eval_batch_size", "max_seq_len"].map((name) => step1.get(name)!),
  {name: "learning_rate", kind: "float", default: 1e-3, min: 0},
  ...["weight_decay", "num_train_epochs"].map((name) => step1.get(name)!),
  {name: "beta", kind: "float", default: 0.1},
  {name: "label_smoothing", kind: "float", default: 0.0},
  ...["gradient_accumulation_steps", "lr_scheduler_type", "num_warmup_steps", "output_dir", "seed", "gradient_checkpointing", "dropout", "offload", "dtype"].map((name) => step1.get(name)!),
  {name: "offload_reference_model", kind: "bool", default: false},
  ...["zero_stage", "lora_dim", "lora_module_name", "only_optimize_lora", "lora_learning_rate", "compute_fp32_loss", "enable_tensorboard"].map((name) => step1.get(name)!),
  {name: "tensorboard_path", kind: "string", default: "step2_tensorboard"},
  ...["add_eot_token", "print_loss"].map((name) => step1.get(name)!)
];

/** Each script's argument table (without `--local_rank`). */
export const argSpecsByScript: Record<TrainingScript, readonly ArgSpec[]> = {
  step1: step1ArgSpecs,
  "step2-reward": step2ArgSpecs,
  "step2-dpo": dpoArgSpecs,
  step3: step3ArgSpecs
};

/**
 * The `add_argument` order of each main.py at 83757d9c (line numbers of each call), `local_rank` included. argparse prints
 * its usage line in this order, so the stand-in's messages equal DS-Chat's only in this order.
 */
export const parserOrder: Record<TrainingScript, readonly string[]> = {
  // training/step1_supervised_finetuning/main.py:36-202
  step1: [
    "data_path", "data_split", "sft_only_data_path", "data_output_path", "model_name_or_path", "per_device_train_batch_size",
    "per_device_eval_batch_size", "max_seq_len", "learning_rate", "weight_decay", "num_train_epochs", "gradient_accumulation_steps",
    "lr_scheduler_type", "num_warmup_steps", "output_dir", "seed", "local_rank", "gradient_checkpointing", "dropout", "offload", "dtype",
    "zero_stage", "lora_dim", "lora_module_name", "only_optimize_lora", "lora_learning_rate", "compute_fp32_loss", "enable_tensorboard",
    "tensorboard_path", "add_eot_token", "eot_token", "print_loss"
  ],
  // training/step2_reward_model_finetuning/main.py:33-201 (num_padding_at_beginning at :58, eval_interval/eval_iters at :178/:182)
  "step2-reward": [
    "data_path", "data_split", "data_output_path", "model_name_or_path", "num_padding_at_beginning", "per_device_train_batch_size",
    "per_device_eval_batch_size", "max_seq_len", "learning_rate", "weight_decay", "num_train_epochs", "gradient_accumulation_steps",
    "lr_scheduler_type", "num_warmup_steps", "output_dir", "seed", "local_rank", "gradient_checkpointing", "dropout", "offload", "dtype",
    "zero_stage", "lora_dim", "lora_module_name", "only_optimize_lora", "lora_learning_rate", "eval_interval", "eval_iters",
    "compute_fp32_loss", "enable_tensorboard", "tensorboard_path", "add_eot_token"
  ],
  // training/step2_dpo_finetuning/main.py:35-209
  "step2-dpo": [
    "data_path", "data_split", "data_output_path", "model_name_or_path", "per_device_train_batch_size", "per_device_eval_batch_size",
    "max_seq_len", "learning_rate", "weight_decay", "num_train_epochs", "beta", "label_smoothing", "gradient_accumulation_steps",
    "lr_scheduler_type", "num_warmup_steps", "output_dir", "seed", "local_rank", "gradient_checkpointing", "dropout", "offload", "dtype",
    "offload_reference_model", "zero_stage", "lora_dim", "lora_module_name", "only_optimize_lora", "lora_learning_rate",
    "compute_fp32_loss", "enable_tensorboard", "tensorboard_path", "add_eot_token", "print_loss"
  ],
  // training/step3_rlhf_finetuning/main.py:53-367
  step3: [
    "data_path", "data_split", "data_output_path", "unsupervised_dataset_name", "unsupervised_dataset_config_name", "unsup_coef",
    "actor_model_name_or_path", "critic_model_name_or_path", "num_padding_at_beginning", "per_device_generation_batch_size",
    "per_device_training_batch_size", "generation_batches", "ppo_epochs", "max_prompt_seq_len", "max_answer_seq_len",
    "actor_learning_rate", "critic_learning_rate", "actor_weight_decay", "critic_weight_decay", "num_train_epochs", "lr_scheduler_type",
    "gradient_accumulation_steps", "num_warmup_steps", "output_dir", "seed", "preprocessing_num_workers", "local_rank",
    "enable_hybrid_engine", "unpin_actor_parameters", "release_inference_cache", "inference_tp_size", "tp_gather_partition_size",
    "offload", "dtype", "offload_reference_model", "offload_reward_model", "actor_zero_stage", "critic_zero_stage",
    "actor_gradient_checkpointing", "critic_gradient_checkpointing", "actor_dropout", "critic_dropout", "actor_lora_dim",
    "actor_lora_module_name", "critic_lora_dim", "critic_lora_module_name", "only_optimize_lora", "actor_lora_learning_rate",
    "critic_lora_learning_rate", "enable_ema", "enable_mixed_precision_lora", "compute_fp32_loss", "enable_tensorboard",
    "tensorboard_path", "add_eot_token", "align_overflow", "print_answers", "print_answers_interval", "enable_test_mode", "test_stop_step"
  ]
};

/**
 * A script's arguments in its parser's order, `--local_rank` included. Throws when the order list and the argument table
 * disagree (an argument added to one and not the other), so the generated stand-in can never silently drop one.
 */
export function parserArgSpecs(script: TrainingScript): ArgSpec[] {
  const specs = byName(argSpecsByScript[script]);
  specs.set(localRankSpec.name, localRankSpec);
  const order = parserOrder[script];
  const missing = [...specs.keys()].filter((name) => !order.includes(name));
  const unknown = order.filter((name) => !specs.has(name));
  if (missing.length || unknown.length || new Set(order).size !== order.length)
    throw new Error(`parserOrder.${script} and the argument table disagree: missing ${missing.join(", ") || "none"}; unknown ${unknown.join(", ") || "none"}`);
  return order.map((name) => specs.get(name)!);
}

/** Arguments whose argparse `type` is transformers' SchedulerType rather than str (every main.py, e.g. step1 main.py:108-117). */
export const schedulerTypeArgs: ReadonlySet<string> = new Set(["lr_scheduler_type"]);
