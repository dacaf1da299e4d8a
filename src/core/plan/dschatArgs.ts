/**
 * Every argument of DS-Chat's three `main.py` scripts (parse_args in training/step1_supervised_finetuning/main.py:32-208, step2_reward_model_finetuning/main.py:29-208
 * and step3_rlhf_finetuning/main.py:48-396 at DeepSpeedExamples 83757d9c) with its argparse default, as data.
 * The plan's per-step argument objects, the CLI's `--flag`s, the generated command line and the page's inputs all come
 * from these tables. `--local_rank` (set by the launcher) and `--deepspeed` (always passed) are left out.
 */

export type ArgSpec =
  | {name: string; kind: "string"; default: string | null; required?: boolean}
  | {name: string; kind: "choice"; default: string; choices: readonly string[]}
  | {name: string; kind: "int"; default: number | null; min?: number}
  | {name: string; kind: "float"; default: number | null; min?: number}
  | {name: string; kind: "bool"; default: false}
  | {name: string; kind: "strings"; default: readonly string[]};

export const LR_SCHEDULERS = ["linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup"] as const;
export const DTYPES = ["fp16", "bf16"] as const;

const common = {
  dataPath: {name: "data_path", kind: "strings", default: ["Dahoas/rm-static"]},
  dataSplit: {name: "data_split", kind: "string", default: "2,4,4"},
  perDeviceEval: {name: "per_device_eval_batch_size", kind: "int", default: 16, min: 1},
  maxSeqLen: {name: "max_seq_len", kind: "int", default: 512, min: 1},
  weightDecay: {name: "weight_decay", kind: "float", default: 0.0, min: 0},
  epochs: {name: "num_train_epochs", kind: "int", default: 1, min: 1},
  gas: {name: "gradient_accumulation_steps", kind: "int", default: 1, min: 1},
  scheduler: {name: "lr_scheduler_type", kind: "choice", default: "cosine", choices: LR_SCHEDULERS},
  outputDir: {name: "output_dir", kind: "string", default: null},
  offload: {name: "offload", kind: "bool", default: false},
  dtype: {name: "dtype", kind: "choice", default: "fp16", choices: DTYPES},
  fp32Loss: {name: "compute_fp32_loss", kind: "bool", default: false},
  tensorboard: {name: "enable_tensorboard", kind: "bool", default: false},
  addEot: {name: "add_eot_token", kind: "bool", default: false},
  onlyLora: {name: "only_optimize_lora", kind: "bool", default: false}
} as const;

/** Steps 1 and 2 share most of their parser; the differences are spelled out per step. */
const stepOneTwoCommon = [
  common.dataPath,
  common.dataSplit,
  {name: "data_output_path", kind: "string", default: "/tmp/data_files/"},
  {name: "model_name_or_path", kind: "string", default: null, required: true},
  {name: "per_device_train_batch_size", kind: "int", default: 16, min: 1},
  common.perDeviceEval,
  common.maxSeqLen
] as const;

const stepOneTwoTraining = [
  common.weightDecay,
  common.epochs,
  common.gas,
  common.scheduler,
  {name: "num_warmup_steps", kind: "int", default: 0, min: 0},
  common.outputDir,
  {name: "seed", kind: "int", default: 1234, min: 0},
  {name: "gradient_checkpointing", kind: "bool", default: false},
  {name: "dropout", kind: "float", default: null, min: 0},
  common.offload,
  common.dtype,
  {name: "zero_stage", kind: "int", default: 0, min: 0},
  {name: "lora_dim", kind: "int", default: 0, min: 0},
  {name: "lora_module_name", kind: "string", default: "decoder.layers."},
  common.onlyLora,
  {name: "lora_learning_rate", kind: "float", default: 5e-4, min: 0},
  common.fp32Loss,
  common.tensorboard
] as const;

export const step1ArgSpecs = [
  ...stepOneTwoCommon.slice(0, 2),
  {name: "sft_only_data_path", kind: "strings", default: []},
  ...stepOneTwoCommon.slice(2),
  {name: "learning_rate", kind: "float", default: 1e-3, min: 0},
  ...stepOneTwoTraining,
  {name: "tensorboard_path", kind: "string", default: "step1_tensorboard"},
  common.addEot,
  {name: "eot_token", kind: "string", default: "<|endoftext|>"},
  {name: "print_loss", kind: "bool", default: false}
] as const satisfies readonly ArgSpec[];

export const step2ArgSpecs = [
  ...stepOneTwoCommon,
  {name: "learning_rate", kind: "float", default: 5e-5, min: 0},
  {name: "num_padding_at_beginning", kind: "int", default: 1, min: 0},
  ...stepOneTwoTraining,
  {name: "eval_interval", kind: "int", default: 0, min: 0},
  {name: "eval_iters", kind: "int", default: 100, min: 1},
  {name: "tensorboard_path", kind: "string", default: "step2_tensorboard"},
  common.addEot
] as const satisfies readonly ArgSpec[];

export const step3ArgSpecs = [
  common.dataPath,
  common.dataSplit,
  {name: "data_output_path", kind: "string", default: "/tmp/data_files"},
  {name: "unsupervised_dataset_name", kind: "string", default: null},
  {name: "unsupervised_dataset_config_name", kind: "string", default: null},
  {name: "unsup_coef", kind: "float", default: 27.8},
  {name: "actor_model_name_or_path", kind: "string", default: null, required: true},
  {name: "critic_model_name_or_path", kind: "string", default: null, required: true},
  {name: "num_padding_at_beginning", kind: "int", default: 1, min: 0},
  {name: "per_device_generation_batch_size", kind: "int", default: 16, min: 1},
  {name: "per_device_training_batch_size", kind: "int", default: 16, min: 1},
  {name: "generation_batches", kind: "int", default: 1, min: 1},
  {name: "ppo_epochs", kind: "int", default: 1, min: 1},
  {name: "max_prompt_seq_len", kind: "int", default: 256, min: 1},
  {name: "max_answer_seq_len", kind: "int", default: 256, min: 1},
  {name: "actor_learning_rate", kind: "float", default: 9.65e-6, min: 0},
  {name: "critic_learning_rate", kind: "float", default: 5e-6, min: 0},
  {name: "actor_weight_decay", kind: "float", default: 0.0, min: 0},
  {name: "critic_weight_decay", kind: "float", default: 0.0, min: 0},
  common.epochs,
  common.scheduler,
  common.gas,
  {name: "num_warmup_steps", kind: "int", default: 100, min: 0},
  common.outputDir,
  {name: "seed", kind: "int", default: null, min: 0},
  {name: "preprocessing_num_workers", kind: "int", default: null, min: 1},
  {name: "enable_hybrid_engine", kind: "bool", default: false},
  {name: "unpin_actor_parameters", kind: "bool", default: false},
  {name: "release_inference_cache", kind: "bool", default: false},
  {name: "inference_tp_size", kind: "int", default: 1, min: 1},
  {name: "tp_gather_partition_size", kind: "int", default: 8, min: 1},
  common.offload,
  common.dtype,
  {name: "offload_reference_model", kind: "bool", default: false},
  {name: "offload_reward_model", kind: "bool", default: false},
  {name: "actor_zero_stage", kind: "int", default: 0, min: 0},
  {name: "critic_zero_stage", kind: "int", default: 0, min: 0},
  {name: "actor_gradient_checkpointing", kind: "bool", default: false},
  {name: "critic_gradient_checkpointing", kind: "bool", default: false},
  {name: "actor_dropout", kind: "float", default: null, min: 0},
  {name: "critic_dropout", kind: "float", default: null, min: 0},
  {name: "actor_lora_dim", kind: "int", default: 0, min: 0},
  {name: "actor_lora_module_name", kind: "string", default: "decoder.layers."},
  {name: "critic_lora_dim", kind: "int", default: 0, min: 0},
  {name: "critic_lora_module_name", kind: "string", default: "decoder.layers."},
  common.onlyLora,
  {name: "actor_lora_learning_rate", kind: "float", default: 5e-4, min: 0},
  {name: "critic_lora_learning_rate", kind: "float", default: 5e-4, min: 0},
  {name: "enable_ema", kind: "bool", default: false},
  {name: "enable_mixed_precision_lora", kind: "bool", default: false},
  common.fp32Loss,
  common.tensorboard,
  {name: "tensorboard_path", kind: "string", default: "step3_tensorboard"},
  common.addEot,
  {name: "align_overflow", kind: "bool", default: false},
  {name: "print_answers", kind: "bool", default: false},
  {name: "print_answers_interval", kind: "int", default: 1, min: 1},
  {name: "enable_test_mode", kind: "bool", default: false},
  {name: "test_stop_step", kind: "int", default: 0, min: 0}
] as const satisfies readonly ArgSpec[];

type ValueOf<S> = S extends {kind: "bool"}
  ? boolean
  : S extends {kind: "strings"}
    ? string[]
    : S extends {kind: "int" | "float"; default: null}
      ? number | null
      : S extends {kind: "int" | "float"}
        ? number
        : S extends {kind: "choice"; choices: readonly (infer C)[]}
          ? C
          : S extends {kind: "string"; default: null}
            ? string | null
            : string;

type ArgsOf<T extends readonly ArgSpec[]> = {-readonly [S in T[number] as S["name"]]: ValueOf<S>};

export type Step1Args = ArgsOf<typeof step1ArgSpecs>;
export type Step2Args = ArgsOf<typeof step2ArgSpecs>;
export type Step3Args = ArgsOf<typeof step3ArgSpecs>;

export const argSpecsByStep = {1: step1ArgSpecs, 2: step2ArgSpecs, 3: step3ArgSpecs} as const;

/** The directory of each step's main.py, relative to applications/DeepSpeed-Chat. */
export const stepDirectory = {
  1: "training/step1_supervised_finetuning",
  2: "training/step2_reward_model_finetuning",
  3: "training/step3_rlhf_finetuning"
} as const;

export function defaultArgs<T extends readonly ArgSpec[]>(specs: T): ArgsOf<T> {
  const args: Record<string, unknown> = {};
  for (const spec of specs) args[spec.name] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  return args as ArgsOf<T>;
}
