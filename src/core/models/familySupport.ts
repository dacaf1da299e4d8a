/**
 * What DS-Chat (commit 83757d9c) does with each model family, as data: where its decoder blocks live, which linears
 * LoRA can wrap, the reward-model padding rule, and the crashes users hit. The lint rules and the estimator read this;
 * nothing else hard-codes a family.
 */
import type {Phase} from "../canonical.js";
import {inRange, type VersionRange} from "../contract/softwareVersions.js";

export type ModelFamily = "opt" | "bloom" | "llama" | "gpt2" | "gptj" | "gpt_neox" | "qwen2" | "chatglm";

/** One linear layer inside a decoder block, named as in the Hugging Face module tree. */
export interface BlockLinear {
  /** Path below the block, e.g. `self_attn.q_proj`. */
  name: string;
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
}

/** A failure DS-Chat is known to hit, keyed on what DS-Chat itself tests (a substring of the model path, or the family). */
export interface KnownFailure {
  id: string;
  /** The DS-Chat steps it breaks (for step 3: the actor, which also gives step 3 its tokenizer). */
  steps: Phase[];
  /**
   * Whether it also breaks a step-3 critic (and reward model). The critic is built by `create_critic_model(...,
   * rlhf_training=True)` (rlhf_engine.py:218-225, 283-290): it is never trained through step 2's `main.py` or
   * `RewardModel.forward`, never gets the hybrid engine, and is tokenized with the actor's tokenizer.
   */
  critic?: boolean;
  /** Case-sensitive substring of `model_name_or_path` that triggers it, as DS-Chat's own `in` test; absent = the whole family. */
  pathContains?: string;
  /**
   * Case-sensitive substring of the name DS-Chat's `get_tokenizer` tests (utils.py:76): the argument, or for an existing
   * local checkpoint its config.json `_name_or_path` (utils.py:97-105).
   */
  tokenizerNameContains?: string;
  /** Only for checkpoints of this vocabulary size (Llama-3's 128256 rows): the generation, not the family, fails. */
  vocabSize?: number;
  message: string;
  fix: string;
  source: string;
}

/**
 * What DeepSpeed's hybrid engine does with a step-3 actor of this family, by DeepSpeed version (`--enable_hybrid_engine`
 * applies to the actor only: the critic's ds_config never enables it, rlhf_engine.py:193-199). The first row whose
 * versions (and ZeRO stage, when given) match decides; no row = it works.
 */
export interface HybridEngineOutcome {
  versions: VersionRange;
  /** Only with the actor at ZeRO stage 3 (true) or below it (false); absent = any stage. */
  zero3?: boolean;
  /** crashes: error; wrong-output: runs but generates wrong text (warning); no-op: runs with no inference kernels (info). */
  outcome: "crashes" | "wrong-output" | "no-op";
  what: string;
  source: string;
}

export interface FamilySupport {
  family: ModelFamily;
  label: string;
  /** The README's model table: tested (OPT), listed (named, mostly untested), unsupported (no code path). */
  dschatStatus: "tested" | "listed" | "unsupported";
  /** Prefix of the decoder blocks in AutoModelForCausalLM (steps 1, 3 actor) and AutoModel (steps 2, 3 critic/reward). */
  blockPath: {causalLM: string; base: string};
  /** The `--lora_module_name` that matches every block's linears; null when the blocks hold no `nn.Linear` at all. */
  loraModuleName: string | null;
  /** Why LoRA cannot apply, when `loraModuleName` is null. */
  loraNote?: string;
  /** DS-Chat's `--num_padding_at_beginning` that is right for this tokenizer (1 only where BOS == PAD, i.e. OPT). */
  numPaddingAtBeginning: 0 | 1;
  tokenizerNote: string;
  /**
   * Whether the tokenizer already has `<|endoftext|>` as a token (GPT-2's BPE, which GPT-J, GPT-NeoX and Qwen2 share
   * or reuse): `--add_eot_token` then adds no row, because `add_special_tokens` only appends unknown tokens.
   */
  endOfTextInVocabulary: boolean;
  /**
   * The DeepSpeed versions whose hybrid engine injects inference kernels for this family (a container with hybrid-engine
   * support, deepspeed/module_inject/containers): those allocate the inference workspace the step-3 memory estimate
   * counts. null = never (generation runs through Hugging Face's generate).
   */
  hybridEngineKernels: VersionRange | null;
  hybridEngineOutcomes: HybridEngineOutcome[];
  knownFailures: KnownFailure[];
}

const noModelAttribute = (label: string): KnownFailure => ({
  id: "step1-print-throughput",
  steps: [1],
  message: `step 1 calls print_throughput(model.model, ...) and ${label} models have no '.model' attribute: 'DeepSpeedEngine' object has no attribute 'model' after the first micro-batch`,
  fix: "patch step1 main.py to skip print_throughput (or wrap it in try/except) before training this family",
  source: "DeepSpeedExamples #924; training/step1_supervised_finetuning/main.py:373 (print_throughput(model.model, ...), since DeepSpeedExamples #688)"
});

export const GLM_UNSUPPORTED_PARAGRAPH =
  "DS-Chat has no ChatGLM/GLM code path. ChatGLM and GLM-4 ship their modelling code in the Hub repository, so " +
  "AutoConfig/AutoModel need trust_remote_code=True, which create_hf_model never passes; their tokenizer pads on the left " +
  "with its own special tokens, which breaks the reward model's PAD-based end index and divergence_ind assertion; and " +
  "DeepSpeed has no inference container for GLM, so the hybrid engine cannot run it (DeepSpeed #3945). Training GLM with " +
  "DS-Chat needs code changes: trust_remote_code in model_utils.create_hf_model and utils.load_hf_tokenizer, a reward-model " +
  "end-index rule for its padding, and step 3 without --enable_hybrid_engine (the community fork " +
  "yangzhipeng1108/DeepSpeed-Chat-ChatGLM does the first two).";

/** Hybrid-engine containers for families other than OPT arrived in DeepSpeed 0.9.3. */
const BEFORE_093: HybridEngineOutcome = {
  versions: {before: "0.9.3"},
  outcome: "crashes",
  what: "DeepSpeed before 0.9.3 has hybrid-engine support for OPT only",
  source: "DeepSpeed #3284 (maintainer: \"the Hybrid Engine is only supported for the OPT family\"); the other families' hybrid-engine containers arrive with DeepSpeed PRs #3425/#3505 (v0.9.3)"
};

/** Keyed by family so the compiler checks every family has an entry. */
export const familySupport = {
  opt: {
    family: "opt",
    label: "OPT",
    dschatStatus: "tested",
    blockPath: {causalLM: "model.decoder.layers.", base: "decoder.layers."},
    loraModuleName: "decoder.layers.",
    numPaddingAtBeginning: 1,
    tokenizerNote: "GPT-2 byte-level BPE; the tokenizer prepends </s> (id 2), which is also PAD, hence num_padding_at_beginning 1 (#455).",
    endOfTextInVocabulary: false,
    hybridEngineKernels: {},
    hybridEngineOutcomes: [],
    knownFailures: []
  },
  bloom: {
    family: "bloom",
    label: "BLOOM/BLOOMZ",
    dschatStatus: "listed",
    blockPath: {causalLM: "transformer.h.", base: "h."},
    loraModuleName: "h.",
    numPaddingAtBeginning: 0,
    tokenizerNote: "250,680-token BPE without BOS; the 250k vocabulary makes the logits the largest activation.",
    endOfTextInVocabulary: false,
    hybridEngineKernels: {from: "0.9.3"},
    hybridEngineOutcomes: [
      {versions: {before: "0.11.0"}, outcome: "crashes", what: "BLOOM's hybrid-engine container fails: 'DS_BloomContainer' object has no attribute 'set_params_wo_copy' before 0.9.3, then the boolean attention mask in BloomSelfAttention until DeepSpeed PR #4338 (commit 0c83436a7, first released in 0.11.0)", source: "DeepSpeed #3518 (bloomz, DeepSpeed 0.9.2; a maintainer confirmed it works after PR #4338 + DeepSpeedExamples #734), DeepSpeedExamples #497"}
    ],
    knownFailures: [
      {
        id: "bloom-step2-rwtranrsformer",
        steps: [2],
        pathContains: "bigscience/bloom-",
        message: "step 2 resets rm_model.rwtranrsformer.ln_f for 'bigscience/bloom-' paths (step2_reward_model_finetuning/main.py:260-264); the attribute is misspelt (RewardModel has rwtransformer), so it raises AttributeError. Step 3 has no such code: a BLOOM critic is not affected",
        fix: "fix the typo (rwtransformer) in training/step2_reward_model_finetuning/main.py, or load the model from a local path without 'bigscience/bloom-' in it (the test is on the --model_name_or_path text)",
        source: "DeepSpeedExamples #839 (2024-01-17) introduced the typo"
      },
      {
        id: "bloom-step2-divergence",
        steps: [2],
        message: "BLOOM's tokenizer adds no BOS, so a pair whose chosen and rejected answers differ at their very first token fails step 2's 'assert divergence_ind > 0' (reward_model.py:105; identical pairs pass it)",
        fix: "give every pair a shared prompt before the answers; dschat-studio lint --tokenizer checks the real pairs (divergence-at-start)",
        source: "DeepSpeedExamples issues #479, #338"
      },
      noModelAttribute("BLOOM")
    ]
  },
  llama: {
    family: "llama",
    label: "Llama",
    dschatStatus: "listed",
    blockPath: {causalLM: "model.layers.", base: "layers."},
    loraModuleName: "layers.",
    numPaddingAtBeginning: 0,
    tokenizerNote:
      "a name containing lowercase 'llama' loads LlamaTokenizer (slow, sentencepiece) and adds '[PAD]', so Llama-2 embeddings grow 32000 → 32008; Llama-3 repositories have no tokenizer.model and fail there.",
    endOfTextInVocabulary: false,
    hybridEngineKernels: {from: "0.9.3"},
    hybridEngineOutcomes: [
      {...BEFORE_093, what: "DeepSpeed before 0.9.3 has no Llama inference container (LLAMALayerPolicy arrives in 0.9.3): the hybrid engine fails in its first step", source: `DeepSpeedExamples #373 (Llama-7B actor + critic, DeepSpeed 0.9.1); ${BEFORE_093.source}`},
      {versions: {}, zero3: true, outcome: "wrong-output", what: "Llama-2 with ZeRO-3 and the hybrid engine generates repeated tokens or empty answers (open)", source: "DeepSpeedExamples #821, #864; DeepSpeed #4788"}
    ],
    knownFailures: [
      {
        id: "llama3-tokenizer",
        steps: [1, 2, 3],
        tokenizerNameContains: "llama",
        vocabSize: 128256,
        message: "DS-Chat's case-sensitive \"llama\" test (dschat/utils/utils.py:76) matches the name its tokenizer loader reads, so it calls LlamaTokenizer.from_pretrained, which needs a SentencePiece tokenizer.model; Llama-3 checkpoints ship only tokenizer.json, and the load fails",
        fix: "patch get_tokenizer in dschat/utils/utils.py to use AutoTokenizer, or load the model under a name without lowercase \"llama\" (for a local checkpoint DS-Chat tests its config.json _name_or_path, not the folder name: utils.py:97-105)",
        source: "dschat/utils/utils.py:75-116 at 83757d9c"
      }
    ]
  },
  gpt2: {
    family: "gpt2",
    label: "GPT-2",
    dschatStatus: "listed",
    blockPath: {causalLM: "transformer.h.", base: "h."},
    loraModuleName: null,
    loraNote: "GPT-2 blocks use transformers' Conv1D, not nn.Linear, so DS-Chat's convert_linear_layer_to_lora wraps nothing whatever --lora_module_name says.",
    numPaddingAtBeginning: 0,
    tokenizerNote: "byte-level BPE without BOS; PAD is set to EOS (<|endoftext|>).",
    endOfTextInVocabulary: true,
    hybridEngineKernels: null,
    hybridEngineOutcomes: [
      {versions: {from: "0.9.3"}, outcome: "crashes", what: "DeepSpeed registers a GPT-2 inference policy, but its DS_GPT2Container never gained hybrid-engine support, so deepspeed.initialize fails with AttributeError: 'DS_GPT2Container' object has no attribute 'set_params_wo_copy'", source: "deepspeed/module_inject/containers/gpt2.py (DS_GPT2Container(BaseTransformerContainer), v0.9.3 to v0.19.5) and runtime/hybrid_engine.py new_inference_container"},
      {...BEFORE_093}
    ],
    knownFailures: [noModelAttribute("GPT-2")]
  },
  gptj: {
    family: "gptj",
    label: "GPT-J",
    dschatStatus: "listed",
    blockPath: {causalLM: "transformer.h.", base: "h."},
    loraModuleName: "h.",
    numPaddingAtBeginning: 0,
    tokenizerNote: "GPT-2 BPE plus 143 padding tokens (50,400, <|endoftext|> among them, so --add_eot_token adds nothing); PAD is set to EOS.",
    endOfTextInVocabulary: true,
    hybridEngineKernels: {from: "0.9.3"},
    hybridEngineOutcomes: [{...BEFORE_093}],
    knownFailures: [noModelAttribute("GPT-J")]
  },
  gpt_neox: {
    family: "gpt_neox",
    label: "GPT-NeoX/Pythia",
    dschatStatus: "listed",
    blockPath: {causalLM: "gpt_neox.layers.", base: "layers."},
    loraModuleName: "layers.",
    numPaddingAtBeginning: 0,
    tokenizerNote: "NeoX BPE (50,277 tokens) without BOS; PAD is set to EOS.",
    endOfTextInVocabulary: true,
    hybridEngineKernels: {from: "0.9.3"},
    hybridEngineOutcomes: [
      {...BEFORE_093},
      {versions: {}, outcome: "wrong-output", what: "GPT-NeoX with the hybrid engine generates text that does not match the same model without it (open)", source: "DeepSpeed #3453, DeepSpeedExamples #503; ZeRO-3: IndexError in get_hidden_heads with early versions (#448)"}
    ],
    knownFailures: [noModelAttribute("GPT-NeoX")]
  },
  qwen2: {
    family: "qwen2",
    label: "Qwen2/Qwen2.5",
    dschatStatus: "listed",
    blockPath: {causalLM: "model.layers.", base: "layers."},
    loraModuleName: "layers.",
    numPaddingAtBeginning: 0,
    tokenizerNote: "byte-level BPE (151,665 tokens) without BOS; AutoTokenizer, PAD set to EOS. DS-Chat has no Qwen-specific code (not in its README table).",
    endOfTextInVocabulary: true,
    hybridEngineKernels: null,
    hybridEngineOutcomes: [
      {versions: {}, outcome: "no-op", what: "DeepSpeed has no inference container for Qwen2: the hybrid engine injects no kernels and generation runs through Hugging Face's generate, no faster than without it", source: "deepspeed/module_inject/replace_policy.py (no Qwen2 policy, v0.9.0 to v0.19.5); DeepSpeed #4954 (Mistral, no container: 'Generate time=0.00s')"}
    ],
    knownFailures: [
      {
        id: "qwen2-hybrid-engine",
        steps: [3],
        message: "DeepSpeed has no inference container for Qwen2, so --enable_hybrid_engine cannot inject kernels for the actor",
        fix: "run step 3 without --enable_hybrid_engine",
        source: "DeepSpeed module_inject replace policies (no Qwen2 policy)"
      }
    ]
  },
  chatglm: {
    family: "chatglm",
    label: "ChatGLM/GLM-4",
    dschatStatus: "unsupported",
    blockPath: {causalLM: "transformer.encoder.layers.", base: "encoder.layers."},
    loraModuleName: "layers.",
    numPaddingAtBeginning: 0,
    tokenizerNote: "custom sentencepiece/tiktoken tokenizer loaded only with trust_remote_code; pads on the left.",
    endOfTextInVocabulary: false,
    hybridEngineKernels: null,
    hybridEngineOutcomes: [],
    knownFailures: [
      {
        id: "glm-unsupported",
        steps: [1, 2, 3],
        message: GLM_UNSUPPORTED_PARAGRAPH,
        fix: "use a DS-Chat fork with GLM support, or another trainer; DS-Chat itself cannot load this model",
        source: "DeepSpeedExamples #514; DeepSpeed #3945",
        critic: true
      }
    ]
  }
} satisfies Record<ModelFamily, FamilySupport & {family: ModelFamily}>;

export const modelFamilies = Object.keys(familySupport) as ModelFamily[];

export function isModelFamily(value: unknown): value is ModelFamily {
  return typeof value === "string" && Object.hasOwn(familySupport, value);
}

/** A model as DS-Chat meets it in one step: the argument it gets, the name its tokenizer loader tests, its vocabulary. */
export interface ModelInStep {
  /** `--model_name_or_path` (or the actor's/critic's path) as passed. */
  path: string;
  /** What `get_tokenizer` tests: `path`, or for an existing local checkpoint its config.json `_name_or_path`. Default: `path`. */
  tokenizerName?: string;
  /** The checkpoint's `vocab_size`, when known. */
  vocabSize?: number;
  /** "critic" for step 3's critic/reward model; otherwise the step's trained model (step 3: the actor). */
  role?: "model" | "actor" | "critic";
}

/** Llama-3 by vocabulary when the checkpoint is known, else by name (Meta-Llama-3-8B, Llama-3.1-70B, llama3-8b). */
const LLAMA3_NAME = /llama-?3/i;

/** The known failures a model hits in a step, using DS-Chat's own substring tests where it has them. */
export function knownFailuresFor(family: ModelFamily, model: string | ModelInStep, step: Phase): KnownFailure[] {
  const {path, tokenizerName = path, vocabSize, role = "model"} = typeof model === "string" ? {path: model} : model;
  const failures: KnownFailure[] = familySupport[family].knownFailures;
  return failures.filter(
    (failure) =>
      failure.steps.includes(step) &&
      (role !== "critic" || failure.critic === true) &&
      (!failure.pathContains || path.includes(failure.pathContains)) &&
      (!failure.tokenizerNameContains || tokenizerName.includes(failure.tokenizerNameContains)) &&
      (failure.vocabSize === undefined || (vocabSize !== undefined ? vocabSize === failure.vocabSize : LLAMA3_NAME.test(path) || LLAMA3_NAME.test(tokenizerName)))
  );
}

/**
 * Whether DeepSpeed's hybrid engine injects inference kernels for an actor of this family (and so hooks its generate
 * and allocates a workspace: runtime/hybrid_engine.py:355-357 hooks generate only when containers were made). An
 * unknown DeepSpeed version counts as yes when any version does.
 */
export function injectsHybridEngineKernels(family: ModelFamily, deepspeedVersion: string | null): boolean {
  const kernels = familySupport[family].hybridEngineKernels;
  return kernels !== null && (deepspeedVersion === null || inRange(deepspeedVersion, kernels));
}
