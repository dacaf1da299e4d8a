/**
 * The DeepSpeed config dicts DS-Chat builds in `dschat/utils/ds_utils.py` (get_train_ds_config, lines 13-75;
 * get_eval_ds_config, lines 78-105 at 83757d9c) and then patches in each step's main.py (steps 1 and 2: lines 225-235) and
 * dschat/rlhf/rlhf_engine.py (actor 67-87, ref 138-149, EMA 164-175, critic 193-205, reward 266-281), reproduced key for
 * key and in key order; test/vectors/gen_dschat_vectors.py transcribes the same functions to generate the expected
 * configs. DS-Chat passes them to `deepspeed.initialize(config=...)` itself; ours are for reading and diffing, never for
 * `--deepspeed_config` (DeepSpeed refuses a config given twice).
 */
import type {Plan} from "./normalizePlan.js";

export type DsDtype = "fp16" | "bf16";

export interface TrainDsConfigOptions {
  offload: boolean;
  dtype: DsDtype;
  stage?: number;
  enableHybridEngine?: boolean;
  inferenceTpSize?: number;
  releaseInferenceCache?: boolean;
  pinParameters?: boolean;
  tpGatherPartitionSize?: number;
  maxOutTokens?: number;
  enableTensorboard?: boolean;
  enableMixedPrecisionLora?: boolean;
  tbPath?: string;
  tbName?: string;
  /** Only read with enableMixedPrecisionLora: DS-Chat adds zero_hpz_partition_size when world size ≠ GPUs per node. */
  worldSize?: number;
  gpusPerNode?: number;
}

/** DS-Chat's module constants, which every caller overwrites. */
const GLOBAL_BATCH_SIZE = 32;
const MICRO_BATCH_SIZE = 4;

function dtypeEntry(dtype: DsDtype, training: boolean): [string, Record<string, unknown>] {
  if (dtype === "fp16") return ["fp16", training ? {enabled: true, loss_scale_window: 100} : {enabled: true}];
  if (dtype === "bf16") return ["bfloat16", {enabled: true}];
  // DS-Chat leaves data_type unbound for anything else (UnboundLocalError); argparse normally stops it first.
  throw new TypeError(`dtype must be fp16 or bf16, got ${JSON.stringify(dtype)}`);
}

/** `get_train_ds_config(...)` with DS-Chat's keyword defaults. */
export function getTrainDsConfig(options: TrainDsConfigOptions): Record<string, unknown> {
  const {offload, dtype, stage = 2, enableHybridEngine = false, inferenceTpSize = 1, releaseInferenceCache = false, pinParameters = true} = options;
  const {tpGatherPartitionSize = 8, maxOutTokens = 512, enableTensorboard = false, enableMixedPrecisionLora = false, tbPath = "", tbName = ""} = options;
  const device = offload ? "cpu" : "none";
  const zero: Record<string, unknown> = {
    stage,
    overlap_comm: true,
    offload_param: {device},
    offload_optimizer: {device},
    stage3_param_persistence_threshold: 1e4,
    stage3_max_live_parameters: 3e7,
    stage3_prefetch_bucket_size: 3e7,
    memory_efficient_linear: false
  };
  if (enableMixedPrecisionLora) {
    zero.zero_quantized_nontrainable_weights = true;
    const {worldSize = 1, gpusPerNode = worldSize} = options;
    if (worldSize !== gpusPerNode) zero.zero_hpz_partition_size = gpusPerNode;
  }
  const [dtypeKey, dtypeConfig] = dtypeEntry(dtype, true);
  return {
    train_batch_size: GLOBAL_BATCH_SIZE,
    train_micro_batch_size_per_gpu: MICRO_BATCH_SIZE,
    steps_per_print: 10,
    zero_optimization: zero,
    [dtypeKey]: dtypeConfig,
    gradient_clipping: 1.0,
    prescale_gradients: false,
    wall_clock_breakdown: false,
    hybrid_engine: {
      enabled: enableHybridEngine,
      max_out_tokens: maxOutTokens,
      inference_tp_size: inferenceTpSize,
      release_inference_cache: releaseInferenceCache,
      pin_parameters: pinParameters,
      tp_gather_partition_size: tpGatherPartitionSize
    },
    tensorboard: {enabled: enableTensorboard, output_path: `${tbPath}/ds_tensorboard_logs/`, job_name: `${tbName}_tensorboard`}
  };
}

/** `get_eval_ds_config(offload, dtype, stage=0)`. */
export function getEvalDsConfig(offload: boolean, dtype: DsDtype, stage = 0): Record<string, unknown> {
  const [dtypeKey, dtypeConfig] = dtypeEntry(dtype, false);
  return {
    train_batch_size: GLOBAL_BATCH_SIZE,
    train_micro_batch_size_per_gpu: MICRO_BATCH_SIZE,
    steps_per_print: 10,
    zero_optimization: {stage, stage3_param_persistence_threshold: 1e4, offload_param: {device: offload ? "cpu" : "none"}, memory_efficient_linear: false},
    [dtypeKey]: dtypeConfig,
    gradient_clipping: 1.0,
    prescale_gradients: false,
    wall_clock_breakdown: false
  };
}

/** What the callers do next: overwrite the two batch keys in place (their position in the dict does not change). */
function withBatch(config: Record<string, unknown>, micro: number, worldSize: number, gas: number): Record<string, unknown> {
  config.train_micro_batch_size_per_gpu = micro;
  config.train_batch_size = micro * worldSize * gas;
  return config;
}

export interface Step3DsConfigs {
  actor: Record<string, unknown>;
  /** The reference model (a frozen copy of the actor). */
  ref: Record<string, unknown>;
  /** Present with --enable_ema; built like the reference model. */
  ema?: Record<string, unknown>;
  critic: Record<string, unknown>;
  reward: Record<string, unknown>;
}

export interface DsConfigs {
  1?: Record<string, unknown>;
  2?: Record<string, unknown>;
  3?: Step3DsConfigs;
}

/** `gradient_accumulation_steps_actor`: doubled when unsupervised training is on (both dataset name and config set). */
export function actorGradientAccumulation(plan: Plan): number {
  const unsupervised = plan.step3.unsupervised_dataset_name !== null && plan.step3.unsupervised_dataset_config_name !== null;
  return plan.step3.gradient_accumulation_steps * (unsupervised ? 2 : 1);
}

/** The configs each selected step builds, with the batch fields its caller sets for this world size. */
export function dsConfigsForPlan(plan: Plan, worldSize: number, gpusPerNode = worldSize): DsConfigs {
  const configs: DsConfigs = {};
  for (const step of plan.steps) {
    if (step === 1 || step === 2) {
      const args = step === 1 ? plan.step1 : plan.step2;
      const config = getTrainDsConfig({
        offload: args.offload,
        dtype: args.dtype,
        stage: args.zero_stage,
        enableTensorboard: args.enable_tensorboard,
        tbPath: args.tensorboard_path,
        tbName: `step${step}_model`
      });
      configs[step] = withBatch(config, args.per_device_train_batch_size, worldSize, args.gradient_accumulation_steps);
      continue;
    }
    const a = plan.step3;
    const micro = a.per_device_training_batch_size;
    const gasActor = actorGradientAccumulation(plan);
    const actor = getTrainDsConfig({
      offload: a.offload,
      dtype: a.dtype,
      stage: a.actor_zero_stage,
      enableHybridEngine: a.enable_hybrid_engine,
      inferenceTpSize: a.inference_tp_size,
      releaseInferenceCache: a.release_inference_cache,
      pinParameters: !a.unpin_actor_parameters,
      tpGatherPartitionSize: a.tp_gather_partition_size,
      maxOutTokens: a.max_prompt_seq_len + a.max_answer_seq_len,
      enableTensorboard: a.enable_tensorboard,
      enableMixedPrecisionLora: a.enable_mixed_precision_lora,
      tbPath: a.tensorboard_path,
      tbName: "step3_actor",
      worldSize,
      gpusPerNode
    });
    const refStage = a.actor_zero_stage === 3 ? 3 : 0;
    const critic = getTrainDsConfig({
      offload: a.offload,
      dtype: a.dtype,
      stage: a.critic_zero_stage,
      enableTensorboard: a.enable_tensorboard,
      tbPath: a.tensorboard_path,
      tbName: "step3_critic"
    });
    configs[3] = {
      actor: withBatch(actor, micro, worldSize, gasActor),
      ref: withBatch(getEvalDsConfig(a.offload_reference_model, a.dtype, refStage), micro, worldSize, gasActor),
      ...(a.enable_ema ? {ema: withBatch(getEvalDsConfig(a.offload_reference_model, a.dtype, refStage), micro, worldSize, gasActor)} : {}),
      critic: withBatch(critic, micro, worldSize, a.gradient_accumulation_steps),
      reward: withBatch(getEvalDsConfig(a.offload_reward_model, a.dtype, a.critic_zero_stage === 3 ? 3 : 0), micro, worldSize, a.gradient_accumulation_steps)
    };
  }
  return configs;
}
