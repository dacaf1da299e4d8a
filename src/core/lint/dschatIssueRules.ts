/**
 * The failure classes DS-Chat users report in DeepSpeedExamples' issue tracker that the plan can know before launch:
 * the hybrid engine by family and DeepSpeed version, ZeRO-3's runtime failures, DS-Chat's data cache across nodes, fp16
 * overflow, a critic of another vocabulary or checkpoint layout, LoRA-only training with gradient checkpointing. Each
 * finding names the cause, the issues that report it and the fix; version-dependent ones judge `plan.versions` and say
 * which version they judged (an unknown version makes them informational). DS-Chat is fixed at commit 83757d9c; every
 * `file:line` below is there unless it names a DeepSpeed tag. Isomorphic: no Node or DOM imports.
 */
import {familySupport, injectsHybridEngineKernels, type FamilySupport, type HybridEngineOutcome} from "../models/familySupport.js";
import {compareVersions, DSCHAT_CI_TRANSFORMERS} from "../plan/targetVersions.js";
import type {LintRule, PlanFacts, RuleHit, Severity} from "./lintContext.js";
import {modelsOf, stepField, versionGate} from "./ruleHelpers.js";

const outcomeSeverity: Record<HybridEngineOutcome["outcome"], Severity> = {crashes: "error", "wrong-output": "warning", "no-op": "info"};

const isStep3WithHybridEngine = (plan: PlanFacts) => plan.step === 3 && plan.enableHybridEngine === true;

/** Where DS-Chat's data cache is node-local on the machines it runs on (SageMaker: every instance has its own /tmp and /opt/ml). */
const NODE_LOCAL = [/^\/tmp(\/|$)/, /^\/opt\/ml(\/|$)/, /^\/dev\/shm(\/|$)/];

const seconds = (value: number) => (value >= 1 ? `${value.toFixed(2)} s` : `${(value * 1000).toFixed(0)} ms`);

export const dschatIssueRules: LintRule[] = [
  {
    id: "hybrid-engine-family",
    severity: "error",
    title: "--enable_hybrid_engine with an actor family DeepSpeed's hybrid engine cannot run (by DeepSpeed version): crash, wrong text or no effect (#373, #451, #907, #503)",
    needs: ["plan"],
    check: ({plan}) => {
      // Only the actor: the critic's ds_config never enables the hybrid engine (rlhf_engine.py:193-199).
      if (!isStep3WithHybridEngine(plan!)) return [];
      const [actor] = modelsOf(plan!);
      if (!actor.family) return [];
      const support: FamilySupport = familySupport[actor.family];
      return support.hybridEngineOutcomes.flatMap((row): RuleHit[] => {
        if (row.zero3 !== undefined && row.zero3 !== (plan!.zeroStage === 3)) return [];
        const gate = versionGate(plan!, "deepspeed", row.versions, outcomeSeverity[row.outcome]);
        if (!gate) return [];
        const newer = row.versions.before ? `DeepSpeed ${row.versions.before} or newer (--deepspeed-version; pin it in training/requirements.txt), or ` : "";
        const fix =
          row.outcome === "no-op"
            ? "drop --enable_hybrid_engine: it gains nothing for this family"
            : row.outcome === "wrong-output"
              ? `${row.zero3 ? "use actor ZeRO-2 if it fits, or " : ""}drop --enable_hybrid_engine (generation then runs through Hugging Face's generate, slower)`
              : `use ${newer}drop --enable_hybrid_engine (generation then runs through Hugging Face's generate, slower)`;
        return [
          {
            severity: gate.severity,
            field: stepField(plan!, "enable_hybrid_engine"),
            message: `actor ${actor.name} (${support.label}) with --enable_hybrid_engine${row.zero3 ? " and actor ZeRO-3" : ""}: ${row.what}; ${gate.judged} (${row.source}; DeepSpeedExamples #373, #451, #907, #503)`,
            fix
          }
        ];
      });
    }
  },
  {
    id: "hybrid-engine-zero3-deepspeed",
    severity: "error",
    title: "DeepSpeed 0.18.9–0.19.5: the hybrid engine cannot be initialised with actor ZeRO-3 (IndexError in _mark_uc_metadata)",
    needs: ["plan"],
    check: ({plan}) => {
      if (!isStep3WithHybridEngine(plan!) || plan!.zeroStage !== 3) return [];
      const gate = versionGate(plan!, "deepspeed", {from: "0.18.9", before: "0.19.6"}, "error");
      if (!gate) return [];
      return [
        {
          severity: gate.severity,
          field: stepField(plan!, "enable_hybrid_engine"),
          message: `the hybrid engine wraps the actor's other nn.Linear layers (its lm_head) in LinearLayer, whose universal-checkpoint metadata (_mark_uc_metadata, added by DeepSpeed PR #7908 in 0.18.9) reads weight.shape[1] of ZeRO-3's empty partitioned weight, so deepspeed.initialize raises "IndexError: tuple index out of range" for every model; ${gate.judged} (DeepSpeed PR #8270, reproduced there with facebook/opt-1.3b; DeepSpeed #8263)`,
          fix: "pin DeepSpeed 0.18.8 or older (or a release with PR #8270, merged 2026-08-19 after 0.19.5) in training/requirements.txt and pass the same --deepspeed-version; or actor ZeRO-2, or no --enable_hybrid_engine"
        }
      ];
    }
  },
  {
    id: "hybrid-engine-lora-fuse",
    severity: "error",
    title: "DeepSpeed 0.9.3–0.9.5: the hybrid engine fuses the actor's LoRA weights into the wrong layers (size mismatch) (#587, #650, #622, #602, #643)",
    needs: ["plan"],
    check: ({plan}) => {
      if (!isStep3WithHybridEngine(plan!) || (plan!.loraDim ?? 0) <= 0 || plan!.loraMatchedLinears === 0) return [];
      const gate = versionGate(plan!, "deepspeed", {from: "0.9.3", before: "0.10.0"}, "error");
      if (!gate) return [];
      return [
        {
          severity: gate.severity,
          field: stepField(plan!, "actor_lora_dim"),
          message: `--actor_lora_dim ${plan!.loraDim} with --enable_hybrid_engine: _fuse_lora zips each layer's LoRA weights with get_all_params(), whose order the 0.9.3 refactor changed (containers/base.py @ v0.9.3) while the containers' LoRA order stayed [fc1, fc2, q, k, v, out], so the first generation fails with "The size of tensor a (h) must match the size of tensor b (4h)"; ${gate.judged} (DeepSpeedExamples #587, #650, #622, #602, #643; DeepSpeed #4302)`,
          fix: "use DeepSpeed 0.10.0 or newer (DeepSpeed PR #3563 fuses per container), or drop --enable_hybrid_engine, or --actor_lora_dim 0"
        }
      ];
    }
  },
  {
    id: "hybrid-engine-tp-zero3",
    severity: "error",
    title: "--inference_tp_size > 1 with the hybrid engine and actor ZeRO-3: the first generation fails (size mismatch) on every DeepSpeed version (#628)",
    needs: ["plan"],
    check: ({plan}) =>
      isStep3WithHybridEngine(plan!) && plan!.zeroStage === 3 && (plan!.inferenceTpSize ?? 1) > 1
        ? [
            {
              field: stepField(plan!, "inference_tp_size"),
              message: `--inference_tp_size ${plan!.inferenceTpSize}: the hybrid engine all-gathers the prompts across the tensor-parallel group (runtime/hybrid_engine.py:210-217 @ v0.19.5) but not the attention_mask DS-Chat passes to generate (ppo_trainer.py:87-93), so generation fails with "The size of tensor a (b) must match the size of tensor b (b·${plan!.inferenceTpSize})"; and it applies tensor parallelism only with an mpu, which DS-Chat never gives (rlhf_engine.py:126-129) (DeepSpeedExamples #628; DeepSpeed #3998, #4080). DS-Chat's own run_13b.sh and multi_node/run_66b.sh hit this`,
              fix: "pass --inference_tp_size 1"
            }
          ]
        : []
  },
  {
    id: "mixed-precision-lora-deepspeed",
    severity: "error",
    title: "--enable_mixed_precision_lora needs DeepSpeed 0.10.2 or newer (quantize_nontrainable_params)",
    needs: ["plan"],
    check: ({plan}) => {
      if (plan!.step !== 3 || !plan!.enableMixedPrecisionLora) return [];
      const gate = versionGate(plan!, "deepspeed", {before: "0.10.2"}, "error");
      if (!gate) return [];
      return [
        {
          severity: gate.severity,
          field: stepField(plan!, "enable_mixed_precision_lora"),
          message: `step 3 calls rlhf_engine.actor.optimizer.quantize_nontrainable_params() (main.py:489-492), which DeepSpeed has from 0.10.2 (PR #3954), and ds_utils.py:48-52 sets ZeRO++'s zero_quantized_nontrainable_weights (0.10.0, PR #3784); ${gate.judged}`,
          fix: "use DeepSpeed 0.10.2 or newer, or drop --enable_mixed_precision_lora"
        }
      ];
    }
  },
  {
    id: "zero3-inflight-params",
    severity: "warning",
    title: "DeepSpeed before 0.15.3 with ZeRO-3 in step 3: 'still have inflight params' after some steps (#591, #700)",
    needs: ["plan"],
    check: ({plan}) => {
      if (plan!.step !== 3 || (plan!.zeroStage !== 3 && plan!.criticZeroStage !== 3)) return [];
      const gate = versionGate(plan!, "deepspeed", {before: "0.15.3"}, "warning");
      if (!gate) return [];
      return [
        {
          severity: gate.severity,
          message: `ZeRO-3 ${plan!.zeroStage === 3 ? "actor" : "critic"}: step 3 switches the same engines between generation, eval and training every step (ppo_trainer.py:137-160), which changes ZeRO-3's prefetch trace, and DeepSpeed before 0.15.3 raises RuntimeError "still have inflight params" in reset_step when a prefetched parameter went unused (reported with --offload, after 14 steps in #591); ${gate.judged} (DeepSpeedExamples #591, #700; DeepSpeed #3724, #4175)`,
          fix: "use DeepSpeed 0.15.3 or newer (PR #6557 drains the prefetch registry instead of raising)"
        }
      ];
    }
  },
  {
    id: "zero3-param-not-available",
    severity: "warning",
    title: "Actor ZeRO-3 with --generation_batches > 1: assert param.ds_status == ZeroParamStatus.AVAILABLE (#704, #707)",
    needs: ["plan"],
    check: ({plan}) =>
      plan!.step === 3 && plan!.zeroStage === 3 && (plan!.generationBatches ?? 1) > 1
        ? [
            {
              field: stepField(plan!, "generation_batches"),
              message: `--generation_batches ${plan!.generationBatches} with actor ZeRO-3: several generate/eval passes before each training pass leave ZeRO-3 parameters in a state fetch_sub_module asserts against (partitioned_param_coordinator.py, every DeepSpeed version), "assert param.ds_status == ZeroParamStatus.AVAILABLE" (DeepSpeedExamples #704, #707; DeepSpeed #4194, #4533)`,
              fix: "pass --generation_batches 1 (DS-Chat's scripts use 1), or actor ZeRO-2 if it fits"
            }
          ]
        : []
  },
  {
    id: "zero3-generation-without-hybrid-engine",
    severity: "warning",
    title: "Actor ZeRO-3 generating without the hybrid engine's kernels: every token all-gathers the actor (~10× slower, #764)",
    needs: ["plan"],
    check: ({plan}) => {
      if (plan!.step !== 3 || plan!.zeroStage !== 3) return [];
      const [actor] = modelsOf(plan!);
      const kernels = actor.family !== null && injectsHybridEngineKernels(actor.family, plan!.versions?.deepspeed ?? null);
      if (plan!.enableHybridEngine && kernels) return [];
      const g = plan!.generation;
      const why = plan!.enableHybridEngine ? `the hybrid engine has no kernels for ${actor.family ? familySupport[actor.family].label : actor.name}, so it does not take over generate (runtime/hybrid_engine.py:355-357)` : "without --enable_hybrid_engine";
      const figures = g
        ? `: about ${seconds(g.secondsPerToken)} per token against ${seconds(g.secondsPerTokenWithHybridEngine)} with the hybrid engine (${(g.secondsPerToken / g.secondsPerTokenWithHybridEngine).toFixed(1)}× slower, ${g.answerTokens} tokens per answer${g.hours !== undefined ? `; ${g.hours.toFixed(1)} h of generation per epoch against ${g.hoursWithHybridEngine!.toFixed(1)} h` : ""})`
        : "";
      return [
        {
          field: stepField(plan!, "enable_hybrid_engine"),
          message: `actor ZeRO-3 ${why}: Hugging Face's generate runs with synced_gpus (ppo_trainer.py:87-93) and ZeRO-3 all-gathers every layer of the ${g ? `${(g.actorParams / 1e9).toFixed(2)}B-parameter ` : ""}actor for every generated token${figures} (DeepSpeedExamples #764: ~700 ms per token; #718: 72 s per generation at ZeRO-3 against 0.8 s at ZeRO-2)`,
          fix: kernels || !actor.family ? "pass --enable_hybrid_engine, or actor ZeRO-2 if it fits" : `use actor ZeRO-2 if it fits (${familySupport[actor.family].label} has no hybrid-engine kernels)`
        }
      ];
    }
  },
  {
    id: "data-cache-shared-multinode",
    severity: "warning",
    title: "Several nodes with DS-Chat's data cache on a path that may be shared: each node's local rank 0 writes the same files (#437, #430, #558, #787, #822)",
    needs: ["plan"],
    check: ({plan}) => {
      const path = plan!.dataOutputPath;
      if ((plan!.nodes ?? 1) <= 1 || path === undefined || NODE_LOCAL.some((pattern) => pattern.test(path))) return [];
      return [
        {
          field: stepField(plan!, "data_output_path"),
          message: `${plan!.nodes} nodes with --data_output_path ${path}: DS-Chat builds its data cache on local rank 0 of every node (data_utils.py:300), all ranks wait in a barrier and then torch.load it (:377-380); on a file system the nodes share, several nodes write the same traindata_*.pt and .npy files at once and a rank can read a half-written one ("cannot be opened", FileNotFoundError; DeepSpeedExamples #437, #430, #558, #787, #822)`,
          fix: "give each node a node-local --data_output_path (e.g. /tmp/data_files, as on SageMaker), or build the cache once before the job"
        }
      ];
    }
  },
  {
    id: "data-cache-stale-key",
    severity: "info",
    title: "DS-Chat's data cache key ignores the data files' contents and --add_eot_token: a stale cache is reused silently (#437, #558)",
    needs: ["plan"],
    check: ({plan}) => {
      const local = (plan!.dataPaths ?? []).some((path) => path.startsWith("local/"));
      if (!local && !plan!.addEotToken) return [];
      return [
        {
          message: `DS-Chat names its cache (${plan!.dataOutputPath ?? "/tmp/data_files"}/traindata_<sha256>.pt) from the data paths, data_split, phase, seed, tokenizer name, max_seq_len and sft paths only (data_utils.py:285-293), and reuses it whenever the files exist (:295-300): edits to ${local ? "train.json/eval.json" : "the data"}${plan!.addEotToken ? " and changes to --add_eot_token" : ""} do not rebuild it`,
          fix: `delete ${plan!.dataOutputPath ?? "/tmp/data_files"} (or pass a fresh --data_output_path) after changing the data or --add_eot_token; on a machine shared with other users, a /tmp/data_files another user created is not writable (#416)`
        }
      ];
    }
  },
  {
    id: "multinode-first-run-barrier",
    severity: "info",
    title: "Several nodes building DS-Chat's data cache from Hub datasets on the first run: every rank waits in a barrier meanwhile (#906)",
    needs: ["plan"],
    check: ({plan}) => {
      const hub = (plan!.dataPaths ?? []).filter((path) => !path.startsWith("local/"));
      if ((plan!.nodes ?? 1) <= 1 || hub.length === 0) return [];
      return [
        {
          message: `${plan!.nodes} nodes: on a first run local rank 0 of each node downloads and tokenizes ${hub.join(", ")} while every other rank waits in torch.distributed.barrier() (data_utils.py:300-377); a long build outlives NCCL's timeout, and a 2-node step 1 was reported hanging at start (DeepSpeedExamples #906, cause not established; the step-3 generation hang of #842 is fixed at this commit by synced_gpus, ppo_trainer.py:92)`,
          fix: "build the data cache once before the job (run the step with the same data flags on one node), or convert the data to local/jsonfile first"
        }
      ];
    }
  },
  {
    id: "fp16-overflow-risk",
    severity: "warning",
    title: "fp16 (DS-Chat's default) where users report 'Current loss scale already at minimum', inf or NaN losses; bf16 avoids it (#531, #419, #418, #444, #307, #617, #338)",
    needs: ["plan"],
    check: ({plan}) => {
      if ((plan!.dtype ?? "fp16") !== "fp16") return [];
      const models = modelsOf(plan!);
      const bloomScorer = models.find((m) => m.family === "bloom" && (plan!.step === 2 || m.role === "critic"));
      const globalBatch = (plan!.perDeviceTrainBatchSize ?? 0) * (plan!.gradientAccumulationSteps ?? 1) * (plan!.gpusPerNode ?? 1) * (plan!.nodes ?? 1);
      const fullFineTuning = (plan!.loraDim ?? 0) === 0 || !plan!.onlyOptimizeLora;
      const tinyBatch = plan!.step !== 3 && fullFineTuning && plan!.perDeviceTrainBatchSize !== undefined && globalBatch <= 8 && (plan!.learningRate ?? 0) >= 1e-4;
      const bf16 = plan!.gpuBf16 === true;
      // Step 3 overflows were reported with DS-Chat's own OPT settings: worth a hint only where bf16 is there to take.
      const reason = bloomScorer
        ? `a BLOOM ${bloomScorer.role === "critic" ? "critic/reward model" : "reward model"} (${bloomScorer.name}): its scores overflow fp16 (#338, #418)`
        : tinyBatch
          ? `a global batch of ${globalBatch} at learning rate ${plan!.learningRate} (#531: batch 1, no accumulation, lr 1e-3)`
          : plan!.step === 3 && bf16
            ? "step 3's actor and critic losses (#419, #444, #307 with DS-Chat's own OPT settings)"
            : null;
      if (!reason) return [];
      const known = bloomScorer !== undefined || tinyBatch;
      return [
        {
          severity: bf16 && known ? "warning" : "info",
          field: stepField(plan!, "dtype"),
          message: `fp16 with ${reason}: DS-Chat's fp16 config (ds_utils.py:28-30, loss_scale_window 100, DeepSpeed's minimum loss scale 1) stops with "Current loss scale already at minimum - cannot decrease scale anymore" or trains on inf/NaN losses (DeepSpeedExamples #531, #419, #418, #444, #307, #617, #338)`,
          fix: bf16
            ? `pass --dtype bf16 (${plan!.gpuName ?? "the GPU"} computes in bf16; DS-Chat expects no overflow with it, ppo_trainer.py:271-275)${tinyBatch ? ", and raise --gradient_accumulation_steps" : ""}`
            : `${plan!.gpuName ?? "this GPU"} has no bf16: lower the learning rate or raise the batch (--gradient_accumulation_steps), or plan on a GPU with bf16 (A10G, L4, A100, H100)`
        }
      ];
    }
  },
  {
    id: "critic-vocabulary-mismatch",
    severity: "error",
    title: "Step 3 actor and critic of different vocabularies: DS-Chat tokenizes both with the actor's tokenizer (#276, #577, #512, #358, #329)",
    needs: ["plan"],
    check: ({plan}) => {
      if (plan!.step !== 3) return [];
      const [actor, critic] = modelsOf(plan!);
      if (!critic || !actor.family || !critic.family) return [];
      const rows = plan!.actorVocabRows !== undefined && plan!.criticVocabRows !== undefined && plan!.actorVocabRows !== plan!.criticVocabRows;
      if (actor.family === critic.family && !rows) return [];
      const sizes = rows ? ` (${plan!.actorVocabRows} embedding rows against the critic checkpoint's ${plan!.criticVocabRows})` : "";
      return [
        {
          message: `actor ${actor.name} (${familySupport[actor.family].label}) and critic ${critic.name} (${familySupport[critic.family].label}): step 3 loads one tokenizer, the actor's (main.py:471-475), resizes both models to it (model_utils.py:111-113)${sizes} and feeds the actor's token ids to the critic and reward model; the critic checkpoint's embeddings ${rows ? "do not fit, and since DeepSpeedExamples #675 the size mismatch is dropped silently (utils.py:166-206), so they stay random" : "encode another tokenizer's ids"} — the rewards are meaningless (DeepSpeedExamples #276, #577, #512, #358, #329)`,
          fix: "train the critic in step 2 from a model with the actor's tokenizer (same family and vocabulary), or patch step 3 to tokenize separately for the critic (DeepSpeedExamples PR #579, not merged)"
        }
      ];
    }
  },
  {
    id: "critic-checkpoint-layout",
    severity: "error",
    title: "Step 3's critic must be a DS-Chat reward checkpoint with one pytorch_model.bin (#282)",
    needs: ["plan"],
    check: ({plan}) => {
      if (plan!.step !== 3 || !plan!.criticModelName) return [];
      const critic = plan!.criticModelName;
      switch (plan!.criticCheckpoint) {
        case "local": {
          const files = plan!.criticCheckpointFiles ?? [];
          if (files.includes("pytorch_model.bin")) return [];
          const found = files.filter((file) => /\.(bin|safetensors)$/.test(file) || file.endsWith(".index.json"));
          return [
            {
              field: stepField(plan!, "critic_model_name_or_path"),
              message: `critic ${critic} has no pytorch_model.bin${found.length ? ` (it has ${found.slice(0, 4).join(", ")}${found.length > 4 ? ", …" : ""})` : ""}: create_critic_model asserts "Cannot find model checkpoint at …/pytorch_model.bin" (model_utils.py:149-152) — a sharded or safetensors checkpoint fails (DeepSpeedExamples #282)`,
              fix: "use step 2's own output folder (save_hf_format writes one pytorch_model.bin, utils.py:119-134), or re-save the reward model as a single pytorch_model.bin"
            }
          ];
        }
        case "base-model":
          return [
            {
              rule: "critic-not-reward-checkpoint",
              severity: "warning",
              field: stepField(plan!, "critic_model_name_or_path"),
              message: `critic ${critic} is a base model from the Hub, not a DS-Chat reward checkpoint: step 3 builds the critic and reward model from its config (model_utils.py:100-102) and loads only state-dict keys under rwtransformer. and v_head. (utils.py:170-199), which a base model's weights do not have — nothing loads, silently, and PPO trains against a randomly initialised reward model (DeepSpeedExamples #376: "this is only for test usage")`,
              fix: "pass step 2's output folder as --critic_model_name_or_path (plan --step all chains it), or a published DS-Chat reward checkpoint such as AdamG012/chat-opt-350m-reward-deepspeed"
            }
          ];
        case "unknown":
          return [
            {
              rule: "critic-not-reward-checkpoint",
              severity: "info",
              message: `cannot tell whether critic ${critic} is a DS-Chat reward checkpoint with one pytorch_model.bin (model_utils.py:147-155; a base model or another layout loads nothing or fails, #282, #376)`,
              fix: "check that the critic repository holds the pytorch_model.bin DS-Chat's step 2 saves"
            }
          ];
        default:
          return [];
      }
    }
  },
  {
    id: "lora-only-checkpointing",
    severity: "error",
    title: "--only_optimize_lora with gradient checkpointing on a reward model or critic: the checkpointed LoRA weights get no gradient (#386)",
    needs: ["plan"],
    check: ({plan}) => {
      if (!plan!.onlyOptimizeLora) return [];
      // RewardModel has neither enable_input_require_grads nor get_input_embeddings, so the fix of DeepSpeedExamples #658
      // (lora.py:144-155) does nothing for it, and a reentrant checkpoint whose input needs no grad returns no grad.
      if (plan!.step === 3 && (plan!.criticLoraDim ?? 0) > 0 && plan!.criticGradientCheckpointing)
        return [
          {
            field: stepField(plan!, "critic_gradient_checkpointing"),
            message: "--only_optimize_lora with --critic_lora_dim > 0 and --critic_gradient_checkpointing: only_optimize_lora_parameters freezes everything but the critic's LoRA weights, v_head included (rlhf_engine.py:232-235), and make_model_gradient_checkpointing_compatible cannot reach a RewardModel's embeddings (lora.py:144-155), so the checkpointed layers return values without grad and critic_model.backward fails with \"element 0 of tensors does not require grad\" (ppo_trainer.py:242; DeepSpeedExamples #386, DeepSpeed #3339)",
            fix: "drop --critic_gradient_checkpointing, or --only_optimize_lora"
          }
        ];
      if (plan!.step === 2 && (plan!.loraDim ?? 0) > 0 && plan!.gradientCheckpointing)
        return [
          {
            severity: "warning",
            field: stepField(plan!, "gradient_checkpointing"),
            message: "--only_optimize_lora with --gradient_checkpointing in step 2: make_model_gradient_checkpointing_compatible cannot reach a RewardModel's embeddings (lora.py:144-155), so the LoRA weights inside the checkpointed layers get no gradient and only v_head (and BLOOM's ln_f) train (main.py:259-283; DeepSpeedExamples #386)",
            fix: "drop --gradient_checkpointing, or --only_optimize_lora"
          }
        ];
      return [];
    }
  },
  {
    id: "dschat-transformers-untested",
    severity: "info",
    title: "A transformers newer than the one DeepSpeed's DS-Chat CI runs (4.48.3)",
    needs: ["plan"],
    check: ({plan}) => {
      const version = plan!.versions?.transformers;
      // Once per plan: on its first step.
      if (!version || compareVersions(version, DSCHAT_CI_TRANSFORMERS) <= 0 || (plan!.planSteps ?? [plan!.step])[0] !== plan!.step) return [];
      return [
        {
          message: `transformers ${version} (plan versions) is newer than ${DSCHAT_CI_TRANSFORMERS}, the version DeepSpeed's DS-Chat CI pins since "nv-ds-chat breaks with latest transformers" (DeepSpeed #7052, commit 33dd2e216, 2025-02-19); what broke is not stated`,
          fix: `to run what DS-Chat is tested with, pin transformers==${DSCHAT_CI_TRANSFORMERS} in training/requirements.txt and pass --transformers-version ${DSCHAT_CI_TRANSFORMERS}`
        }
      ];
    }
  }
];
