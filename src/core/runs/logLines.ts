/**
 * One table of the log lines DS-Chat (DeepSpeedExamples 83757d9c, applications/DeepSpeed-Chat) and DeepSpeed print during
 * training, including the older formats still found in published logs. It is the single source of
 *  - SageMaker's `MetricDefinitions` (`metricDefinitions(script)`): one regex per metric, one capture group holding a plain
 *    number, no `(?:…)` and no lookbehind (sagemaker.md §5: the service's engine is only documented as "Python-style");
 *  - client-side parsing of a log into metric rows (`parseLogLines`), which applies exactly the same regexes, so the
 *    console's metrics and the studio's charts cannot disagree.
 * Isomorphic: no Node or DOM imports.
 *
 * Value pattern: `[a-z(]*([-+0-9.eE]+)` — the optional `[a-z(]*` skips a tensor repr's `tensor(` (step 1's
 * `loss = tensor(2.16, device='cuda:0', …)`); `inf`/`nan` do not match and produce no point (as in SageMaker).
 * Paths cited as `main.py:N` are relative to applications/DeepSpeed-Chat at 83757d9c unless a commit is named; DeepSpeed
 * paths are deepspeedai/DeepSpeed at tag v0.19.6 (HEAD of the mirror) unless a tag is named.
 */

/** The four DS-Chat training scripts (each `training/<dir>/main.py`). */
export type TrainingScript = "step1" | "step2-reward" | "step2-dpo" | "step3";

export const trainingScripts: readonly TrainingScript[] = ["step1", "step2-reward", "step2-dpo", "step3"];

/** The directory of each script's main.py, relative to applications/DeepSpeed-Chat. */
export const scriptDirectory: Record<TrainingScript, string> = {
  step1: "training/step1_supervised_finetuning",
  "step2-reward": "training/step2_reward_model_finetuning",
  "step2-dpo": "training/step2_dpo_finetuning",
  step3: "training/step3_rlhf_finetuning"
};

/** The script a plan phase runs (the plan's step 2 is the reward model; DPO is a separate script). */
export function scriptOfPhase(phase: 1 | 2 | 3): TrainingScript {
  return phase === 1 ? "step1" : phase === 2 ? "step2-reward" : "step3";
}

export interface LogMetric {
  /** SageMaker MetricDefinition Name (1–255 characters); also the metric of parsed rows. */
  name: string;
  /** SageMaker MetricDefinition Regex (1–500 characters): exactly one capture group, the value. */
  regex: string;
  unit?: string;
  description: string;
}

/** Keys a line carries besides its metrics (epoch, step…), read by `keys`; banners feed `epoch` to later lines. */
export interface LineKeys {
  epoch?: number;
  step?: number;
  globalStep?: number;
  microStep?: number;
  ppoEpoch?: number;
  rank?: number;
}

export interface LogLineKind {
  id: string;
  title: string;
  /** Which scripts print it (and so which jobs get its MetricDefinitions). */
  scripts: readonly TrainingScript[];
  /** Who prints it, with file:line and, for older formats, the commit that changed it. */
  source: string;
  /** Real examples (from test/fixtures/deepspeed-chat-logs or the print statement with values filled in). */
  examples: readonly string[];
  /** Identifies the line (all formats of it); its groups feed `keys`. */
  match: RegExp;
  keys?: (groups: RegExpExecArray) => LineKeys;
  /** Keys this line takes from the lines before it (an evaluation's epoch from its banner, a reward's step from its PPO line). */
  inherits?: readonly (keyof LineKeys)[];
  /** Its keys become the context of later lines that inherit them. */
  setsContext?: boolean;
  metrics: readonly LogMetric[];
}

/** A banner line: no metric, but it sets the epoch of the evaluation lines that follow it. */
export interface BannerKind {
  id: string;
  scripts: readonly TrainingScript[];
  source: string;
  match: RegExp;
}

const V = "[a-z(]*([-+0-9.eE]+)";
const int = (text: string | undefined) => (text === undefined ? undefined : Number.parseInt(text, 10));

const dsChatScripts = trainingScripts;
const trainScripts: readonly TrainingScript[] = ["step1", "step2-reward", "step2-dpo"];

export const logLineKinds: readonly LogLineKind[] = [
  {
    id: "sft-eval",
    title: "Step 1 evaluation: perplexity and loss",
    scripts: ["step1"],
    source:
      'training/step1_supervised_finetuning/main.py:352 and :381 print_rank_0(f"ppl: {perplexity}, loss: {eval_loss}"); before f7ff9dd9 (2023-10-18, #773) it printed only f"ppl: {perplexity}"',
    examples: ["ppl: 2.0179834365844727", "ppl: 1.9823, loss: 0.6843"],
    match: /^ppl: ([^,\s]+)(, loss: (\S+))?$/,
    inherits: ["epoch"],
    metrics: [
      // These two regexes are sagemaker.md §3's template, verbatim.
      {name: "eval:ppl", regex: `ppl: ${V}`, description: "perplexity on eval.json (may be inf: then no point)"},
      {name: "eval:loss", regex: `ppl: [^,]*, loss: ${V}`, description: "mean eval loss (printed since f7ff9dd9)"}
    ]
  },
  {
    id: "train-loss",
    title: "Per-step training loss (--print_loss), rank 0",
    scripts: ["step1", "step2-dpo"],
    source:
      'training/step1_supervised_finetuning/main.py:366-368 and training/step2_dpo_finetuning/main.py:491-493 print(f"Epoch: {epoch}, Step: {step}, Rank: {torch.distributed.get_rank()}, loss = {loss}") on every rank (since 19288855, 2023-07-20); only rank 0 is taken',
    examples: ["Epoch: 0, Step: 12, Rank: 0, loss = tensor(2.1641, device='cuda:0', dtype=torch.float16, grad_fn=<DivBackward0>)"],
    match: /^Epoch: (\d+), Step: (\d+), Rank: (\d+), loss = /,
    keys: (g) => ({epoch: int(g[1]), step: int(g[2]), rank: int(g[3])}),
    metrics: [{name: "train:loss", regex: `Rank: 0, loss = ${V}`, description: "training loss of one micro-batch on global rank 0"}]
  },
  {
    id: "train-throughput",
    title: "Step 1 / DPO throughput per micro-step",
    scripts: ["step1", "step2-dpo"],
    source:
      'dschat/utils/perf.py:38-40 print_throughput (rank 0): f"Model Parameters: {param_string}, Latency: {e2e_time:.2f}s, TFLOPs: {train_tflops:.2f}, Samples/sec: {samples_per_second:.2f}, Time/seq {e2e_time/batch_size:.2f}s, Batch Size: {batch_size}, Sequence Length: {seq_length}"; unchanged since 81a8521f (2023-08-22, training/utils/perf.py:45)',
    examples: ["Model Parameters: 0.331 B, Latency: 0.27s, TFLOPs: 1.02, Samples/sec: 7.28, Time/seq 0.14s, Batch Size: 2, Sequence Length: 512"],
    match: /^Model Parameters: (?:[-+0-9.eE]+ B|NA), Latency: /,
    metrics: [
      {name: "perf:latency_s", regex: "Model Parameters: [^,]*, Latency: ([-+0-9.eE]+)s", unit: "s", description: "wall time of one micro-step"},
      {name: "perf:tflops", regex: "Model Parameters: [^,]*, Latency: [^,]*, TFLOPs: ([-+0-9.eE]+)", unit: "TFLOPs", description: "achieved TFLOPs per GPU (Megatron formula)"},
      {name: "perf:samples_per_sec", regex: "Model Parameters: .*, Samples/sec: ([-+0-9.eE]+)", unit: "samples/s", description: "samples per second per GPU"},
      {name: "perf:time_per_seq_s", regex: "Model Parameters: .*, Time/seq ([-+0-9.eE]+)s", unit: "s", description: "seconds per sequence"}
    ]
  },
  {
    id: "rm-eval",
    title: "Step 2 reward evaluation",
    scripts: ["step2-reward"],
    source:
      'training/step2_reward_model_finetuning/main.py:376-379 and :420-423 f"chosen_last_scores (higher is better) : {reward_score}, rejected_last_scores (lower is better) : {reject_score}, acc (higher is better) : {acc}"; before bfad08f9 (2023-10-04, #747) without the rejected part',
    examples: [
      "chosen_last_scores (higher is better) : 2.243525981903076, acc (higher is better) : 0.6994950175285339",
      "chosen_last_scores (higher is better) : 2.24, rejected_last_scores (lower is better) : -0.51, acc (higher is better) : 0.70"
    ],
    match: /^chosen_last_scores \(higher is better\) : /,
    inherits: ["epoch"],
    metrics: [
      {name: "rm:chosen_score", regex: `chosen_last_scores \\(higher is better\\) : ${V}`, description: "mean reward of chosen answers on eval.json"},
      {name: "rm:rejected_score", regex: `rejected_last_scores \\(lower is better\\) : ${V}`, description: "mean reward of rejected answers (since bfad08f9)"},
      {name: "rm:acc", regex: `acc \\(higher is better\\) : ${V}`, description: "share of eval pairs ranked correctly"}
    ]
  },
  {
    id: "rm-epoch-loss",
    title: "Step 2 mean training loss per epoch",
    scripts: ["step2-reward"],
    source: 'training/step2_reward_model_finetuning/main.py:411-413 print_rank_0(f"Epoch {epoch+1}/{args.num_train_epochs} with loss {mean_loss/(step+1)}")',
    examples: ["Epoch 1/1 with loss 0.5754789632299672"],
    match: /^Epoch (\d+)\/(\d+) with loss /,
    keys: (g) => ({epoch: int(g[1])}),
    metrics: [{name: "rm:train_loss", regex: `Epoch [0-9]+/[0-9]+ with loss ${V}`, description: "mean reward-model training loss of the epoch"}]
  },
  {
    id: "rm-periodic-eval",
    title: "Step 2 periodic evaluation (--eval_interval)",
    scripts: ["step2-reward"],
    source:
      'training/step2_reward_model_finetuning/main.py:405-408 print_rank_0(f"Iter {total_steps}: c_scores: {reward_score}, r_scores: {reject_score}, diff: {reward_score - reject_score}, acc: {acc}") (since bfad08f9)',
    examples: ["Iter 100: c_scores: 1.25, r_scores: 0.5, diff: 0.75, acc: 0.6"],
    match: /^Iter (\d+): c_scores: /,
    keys: (g) => ({step: int(g[1])}),
    metrics: [
      {name: "rm:iter_chosen_score", regex: `Iter [0-9]+: c_scores: ${V}`, description: "periodic eval: mean chosen reward"},
      {name: "rm:iter_rejected_score", regex: `Iter [0-9]+: c_scores: [^,]*, r_scores: ${V}`, description: "periodic eval: mean rejected reward"},
      {name: "rm:iter_diff", regex: `Iter [0-9]+: c_scores: [^,]*, r_scores: [^,]*, diff: ${V}`, description: "periodic eval: chosen − rejected"},
      {name: "rm:iter_acc", regex: `Iter [0-9]+: c_scores: .*, acc: ${V}`, description: "periodic eval: accuracy"}
    ]
  },
  {
    id: "dpo-eval",
    title: "DPO evaluation",
    scripts: ["step2-dpo"],
    source:
      'training/step2_dpo_finetuning/main.py:446-448 and :507-509 print_rank_0(f"chosen: {chosen_rewards}, rejected: {rejected_rewards}, loss: {eval_loss}") (added 1842b4fd, 2025-01-07)',
    examples: ["chosen: -31.9375, rejected: -33.96875, loss: 0.6650807857513428"],
    match: /^chosen: \S+, rejected: \S+, loss: /,
    inherits: ["epoch"],
    metrics: [
      {name: "dpo:chosen_reward", regex: `chosen: ${V}, rejected: `, description: "mean implicit reward of chosen answers on eval.json"},
      {name: "dpo:rejected_reward", regex: `chosen: [^,]*, rejected: ${V}`, description: "mean implicit reward of rejected answers"},
      {name: "dpo:eval_loss", regex: `chosen: [^,]*, rejected: [^,]*, loss: ${V}`, description: "mean DPO loss on eval.json"}
    ]
  },
  {
    id: "ppo-losses",
    title: "Step 3 PPO losses per generation batch",
    scripts: ["step3"],
    source:
      "training/step3_rlhf_finetuning/main.py:576-578 print_rank_0(f'Epoch: {epoch} | Step: {step} | PPO Epoch: {ppo_ep+1} | Actor Loss: {…} | Critic Loss: {…} | Unsupervised Loss: {…}') since 81a8521f (2023-08-22); before, main.py:458-459 at e468799f f'epoch: {epoch}|step: {step}|ppo_ep: {ppo_ep+1}|act_loss: {…}|cri_loss: {…}|unsuper_loss: {…}'",
    examples: [
      "epoch: 0|step: 0|ppo_ep: 1|act_loss: 0.2099609375|cri_loss: 0.12042236328125|unsuper_loss: 0.0",
      "Epoch: 0 | Step: 12 | PPO Epoch: 1 | Actor Loss: -0.0123 | Critic Loss: 0.0456 | Unsupervised Loss: 0.0"
    ],
    match: /^(?:Epoch: (\d+) \| Step: (\d+) \| PPO Epoch: (\d+) \| Actor Loss: |epoch: (\d+)\|step: (\d+)\|ppo_ep: (\d+)\|act_loss: )/,
    keys: (g) => ({epoch: int(g[1] ?? g[4]), step: int(g[2] ?? g[5]), ppoEpoch: int(g[3] ?? g[6])}),
    setsContext: true,
    metrics: [
      // One regex covers both formats ("| Actor Loss: " and "|act_loss: ") without a second group.
      {name: "ppo:actor_loss", regex: `\\| ?[Aa]ct[or]*[_ ][Ll]oss: ${V}`, description: "mean actor (policy) loss of the PPO batch"},
      {name: "ppo:critic_loss", regex: `\\| ?[Cc]ri[tic]*[_ ][Ll]oss: ${V}`, description: "mean critic (value) loss of the PPO batch"},
      {name: "ppo:unsup_loss", regex: `\\| ?[Uu]nsup[ervised]*[_ ][Ll]oss: ${V}`, description: "mean unsupervised (pretraining) loss; 0 without --unsupervised_dataset_name"}
    ]
  },
  {
    id: "ppo-reward",
    title: "Step 3 reward score",
    scripts: ["step3"],
    source:
      'training/step3_rlhf_finetuning/main.py:590-592 print_rank_0(f"Average reward score: {average_reward/inner_iter} | EMA reward score: {ema_reward_score.get()}") since f52b7257 (2023-11-01); 81a8521f..f52b7257 f"Average reward score: {…}"; before, main.py:462-463 at e468799f f"average reward score: {…}"',
    examples: ["average reward score: -0.67919921875", "Average reward score: 3.51 | EMA reward score: 2.98"],
    match: /^[Aa]verage reward score: /,
    inherits: ["epoch", "step", "ppoEpoch"],
    metrics: [
      {name: "ppo:reward", regex: `[Aa]verage reward score: ${V}`, description: "mean reward-model score of the generated answers"},
      {name: "ppo:ema_reward", regex: `EMA reward score: ${V}`, description: "EMA (alpha 0.9) of the reward, updated every gradient_accumulation_steps_actor steps (since f52b7257)"}
    ]
  },
  {
    id: "ppo-throughput-e2e",
    title: "Step 3 end-to-end throughput",
    scripts: ["step3"],
    source:
      'dschat/utils/perf.py:128-130 print_throughput_step3: f"End-to-End => Latency: {e2e_time:.2f}s, TFLOPs: {total_tflops:.2f}, Samples/sec: {samples_per_second:.2f}, Time/seq {…:.2f}s, Batch Size: {batch_size}, Total Seq. Length: {seq_length}" ("Sequence Length" at 81a8521f, training/utils/perf.py:116)',
    examples: ["End-to-End => Latency: 3.95s, TFLOPs: 12.5, Samples/sec: 16.2, Time/seq 0.06s, Batch Size: 64, Total Seq. Length: 512"],
    match: /^End-to-End => Latency: /,
    inherits: ["epoch", "step", "ppoEpoch"],
    metrics: [
      {name: "ppo:e2e_latency_s", regex: "End-to-End => Latency: ([-+0-9.eE]+)s", unit: "s", description: "one generation + PPO training step"},
      {name: "ppo:e2e_tflops", regex: "End-to-End => Latency: [^,]*, TFLOPs: ([-+0-9.eE]+)", unit: "TFLOPs", description: "achieved TFLOPs per GPU, generation and training"},
      {name: "ppo:e2e_samples_per_sec", regex: "End-to-End => .*, Samples/sec: ([-+0-9.eE]+)", unit: "samples/s", description: "samples per second"}
    ]
  },
  {
    id: "ppo-throughput-generation",
    title: "Step 3 generation throughput",
    scripts: ["step3"],
    source:
      'dschat/utils/perf.py:131-133 f"Generation => Latency: {gen_exp_time:.2f}s, Per-token Latency {pertok_lat*1000:.2f} ms, TFLOPs: {gen_tflops:.2f}, BW: {… :.2f} GB/sec, Answer Seq. Length: {…}" (BW prints -1.00 when the dtype is neither fp16 nor fp32); at 81a8521f (training/utils/perf.py:119-120) f"Generation => Latency: {…:.2f}s, TFLOPs: {…:.2f}, BW: {…:.2f} GB/sec"',
    examples: [
      "Generation => Latency: 2.63s, Per-token Latency 10.27 ms, TFLOPs: 3.10, BW: 254.05 GB/sec, Answer Seq. Length: 256",
      "Generation => Latency: 2.63s, TFLOPs: 3.10, BW: 254.05 GB/sec"
    ],
    match: /^Generation => Latency: /,
    inherits: ["epoch", "step", "ppoEpoch"],
    metrics: [
      {name: "ppo:gen_latency_s", regex: "Generation => Latency: ([-+0-9.eE]+)s", unit: "s", description: "generation time of the batch"},
      {name: "ppo:gen_token_latency_ms", regex: "Generation => .*Per-token Latency ([-+0-9.eE]+) ms", unit: "ms", description: "per generated token (since bd1c82c5)"},
      {name: "ppo:gen_tflops", regex: "Generation => Latency: [^,]*,[^T]*TFLOPs: ([-+0-9.eE]+)", unit: "TFLOPs", description: "achieved TFLOPs per GPU during generation"},
      {name: "ppo:gen_bw_gbps", regex: "Generation => .*BW: ([-+0-9.eE]+) GB/sec", unit: "GB/s", description: "memory bandwidth during generation (-1 when not computed)"}
    ]
  },
  {
    id: "ppo-throughput-training",
    title: "Step 3 training throughput",
    scripts: ["step3"],
    source: 'dschat/utils/perf.py:134-136 f"Training   => Latency: {train_time:.2f}s, TFLOPs: {train_tflops:.2f}" (three spaces; unchanged since 81a8521f)',
    examples: ["Training   => Latency: 1.08s, TFLOPs: 20.31"],
    match: /^Training {3}=> Latency: /,
    inherits: ["epoch", "step", "ppoEpoch"],
    metrics: [
      {name: "ppo:train_latency_s", regex: "Training {3}=> Latency: ([-+0-9.eE]+)s", unit: "s", description: "PPO training time of the batch"},
      {name: "ppo:train_tflops", regex: "Training {3}=> Latency: [^,]*, TFLOPs: ([-+0-9.eE]+)", unit: "TFLOPs", description: "achieved TFLOPs per GPU during PPO training"}
    ]
  },
  {
    id: "hybrid-engine",
    title: "DeepSpeed Hybrid Engine timing (step 3 with --enable_hybrid_engine)",
    scripts: ["step3"],
    source:
      "DeepSpeed deepspeed/runtime/hybrid_engine.py:409 (v0.19.6; :359 at v0.9.0) DeepSpeedHybridEngine.eval() on rank 0: f'|E2E latency={latency:.2f}s |Gather latency=… |Generate time=…s (…%) |Training time=…s (…%) |Others=… (…%)|CurSamplesPerSec=… |AvgSamplesPerSec=…'",
    examples: [
      "|E2E latency=3.95s |Gather latency=0.00s (0.00%) |Generate time=2.63s (66.75%) |Training time=1.08s (27.43%) |Others=0.23 (5.82%)|CurSamplesPerSec=16.21 |AvgSamplesPerSec=14.91"
    ],
    match: /^\|E2E latency=/,
    metrics: [
      {name: "he:e2e_latency_s", regex: "\\|E2E latency=([-+0-9.eE]+)s", unit: "s", description: "time between two generation phases"},
      {name: "he:gather_latency_s", regex: "\\|Gather latency=([-+0-9.eE]+)s", unit: "s", description: "ZeRO-3 parameter gathering before generation"},
      {name: "he:generate_s", regex: "\\|Generate time=([-+0-9.eE]+)s", unit: "s", description: "generation time"},
      {name: "he:training_s", regex: "\\|Training time=([-+0-9.eE]+)s", unit: "s", description: "training time"},
      {name: "he:samples_per_sec", regex: "\\|CurSamplesPerSec=([-+0-9.eE]+)", unit: "samples/s", description: "samples per second of this iteration"},
      {name: "he:avg_samples_per_sec", regex: "\\|AvgSamplesPerSec=([-+0-9.eE]+)", unit: "samples/s", description: "running average samples per second"}
    ]
  },
  {
    id: "ds-progress",
    title: "DeepSpeed progress report (every steps_per_print optimizer steps)",
    // Step 3 runs two engines (actor and critic) whose reports interleave without saying which is which, so a
    // learning-rate metric there would zig-zag between the two schedules; the kind is left out of step 3.
    scripts: trainScripts,
    source:
      'DeepSpeed deepspeed/runtime/engine.py:3656 _report_progress: log_dist(f"step={step}, skipped={self.skipped_steps}, lr={lr}, mom={mom}", ranks=[0]) (engine.py:2170 at v0.9.0), prefixed "[Rank 0] " by deepspeed/utils/logging.py log_dist',
    examples: ["[2023-04-18 01:46:59,142] [INFO] [logging.py:96:log_dist] [Rank 0] step=10, skipped=6, lr=[9.649992967150629e-06, 9.649992967150629e-06], mom=[(0.9, 0.95), (0.9, 0.95)]"],
    match: /\[Rank 0\] step=(\d+), skipped=(\d+), lr=\[/,
    keys: (g) => ({globalStep: int(g[1])}),
    metrics: [
      {name: "ds:lr", regex: "\\] step=[0-9]+, skipped=[0-9]+, lr=\\[([-+0-9.eE]+)", description: "learning rate of the first parameter group"},
      {name: "ds:skipped_steps", regex: "\\] step=[0-9]+, skipped=([0-9]+)", description: "optimizer steps skipped so far (fp16 overflow)"}
    ]
  },
  {
    id: "ds-throughput",
    title: "DeepSpeed throughput and GPU memory (every steps_per_print optimizer steps)",
    scripts: dsChatScripts,
    source:
      'DeepSpeed deepspeed/utils/timer.py:264-275 ThroughputTimer.stop: "epoch={}/micro_step={}/global_step={}, RunningAvgSamplesPerSec={}, CurrSamplesPerSec={}, MemAllocated={}GB, MaxMemAllocated={}GB" (timer.py:200 at v0.9.0, same format)',
    examples: [
      "[2023-04-18 01:46:59,171] [INFO] [timer.py:199:stop] epoch=0/micro_step=10/global_step=10, RunningAvgSamplesPerSec=173.4455644119137, CurrSamplesPerSec=171.97903593624417, MemAllocated=3.96GB, MaxMemAllocated=22.95GB"
    ],
    match: /epoch=(\d+)\/micro_step=(\d+)\/global_step=(\d+), RunningAvgSamplesPerSec=/,
    keys: (g) => ({epoch: int(g[1]), microStep: int(g[2]), globalStep: int(g[3])}),
    metrics: [
      {name: "ds:samples_per_sec", regex: ", CurrSamplesPerSec=([-+0-9.eE]+)", unit: "samples/s", description: "samples per second over all GPUs, last step"},
      {name: "ds:avg_samples_per_sec", regex: "RunningAvgSamplesPerSec=([-+0-9.eE]+)", unit: "samples/s", description: "running average samples per second over all GPUs"},
      {name: "ds:mem_allocated_gb", regex: ", MemAllocated=([-+0-9.eE]+)GB", unit: "GB", description: "GPU memory allocated by PyTorch now (rank 0's GPU)"},
      {name: "ds:max_mem_allocated_gb", regex: "MaxMemAllocated=([-+0-9.eE]+)GB", unit: "GB", description: "peak GPU memory allocated by PyTorch (rank 0's GPU)"}
    ]
  },
  {
    id: "ds-overflow",
    title: "DeepSpeed fp16 overflow: step skipped",
    scripts: dsChatScripts,
    source:
      'DeepSpeed deepspeed/runtime/fp16/loss_scaler.py:274-283 (rank 0) f"[deepspeed] OVERFLOW! Rank {rank} Skipping step. Attempted loss scale: {int(cur_scale)}, reducing to {…}" or ", but hysteresis is {…}. Reducing hysteresis to {…}"; deepspeed/runtime/fp16/fused_optimizer.py:269 log_dist("Overflow detected. Skipping step. Attempted loss scale: {prev_scale}, reducing to {…}", ranks=[0])',
    examples: [
      "[2023-04-18 01:46:52,512] [INFO] [loss_scaler.py:188:update_scale] [deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 65536, reducing to 32768",
      "[2025-01-02 15:47:09,330] [INFO] [logging.py:128:log_dist] [Rank 0] Overflow detected. Skipping step. Attempted loss scale: 65536, reducing to 32768"
    ],
    match: /(?:OVERFLOW! Rank 0|\[Rank 0\] Overflow detected\.) Skipping step\. Attempted loss scale: /,
    metrics: [{name: "ds:loss_scale", regex: "Skipping step. Attempted loss scale: ([-+0-9.eE]+)", description: "fp16 loss scale that overflowed (one point per skipped step)"}]
  }
];

/** Banners that set the epoch of the evaluation lines after them; `***** Evaluating … Epoch e/N *****`. */
export const bannerKinds: readonly BannerKind[] = [
  {
    id: "eval-banner",
    scripts: ["step1", "step2-reward", "step2-dpo"],
    source:
      'step1 main.py:348-350/377-379 f"***** Evaluating perplexity, Epoch {e}/{N} *****"; step2 main.py:371-373/415-417 "Evaluating reward"; step2_dpo main.py:441-443/502-504 "Evaluating rewards" (prints Epoch 1/N before training too: main.py:442 hard-codes {1})',
    match: /^\*\*\*\*\* Evaluating (?:perplexity|reward|rewards), Epoch (\d+)\/(\d+) \*\*\*\*\*$/
  }
];

export interface MetricDefinition {
  Name: string;
  Regex: string;
}

/** SageMaker accepts at most 40 MetricDefinitions per job (sagemaker.md §2). */
export const MAX_METRIC_DEFINITIONS = 40;

/** The line kinds a script prints. */
export function lineKindsOf(script: TrainingScript): LogLineKind[] {
  return logLineKinds.filter((kind) => kind.scripts.includes(script));
}

/** SageMaker MetricDefinitions for one script's job, in table order (names unique, at most 40). */
export function metricDefinitions(script: TrainingScript): MetricDefinition[] {
  return lineKindsOf(script).flatMap((kind) => kind.metrics.map((metric) => ({Name: metric.name, Regex: metric.regex})));
}

/** Every metric of the table, with the line kind it comes from. */
export function allMetrics(): Array<LogMetric & {kind: string; scripts: readonly TrainingScript[]}> {
  return logLineKinds.flatMap((kind) => kind.metrics.map((metric) => ({...metric, kind: kind.id, scripts: kind.scripts})));
}
