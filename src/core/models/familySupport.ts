/**
 * What DS-Chat (commit 83757d9c) does with each model family, as data: where its decoder blocks live, which linears
 * LoRA can wrap, the reward-model padding rule, and the crashes users hit. The lint rules and the estimator read this;
 * nothing else hard-codes a family.
 */
import type {Phase} from "../canonical.js";

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
  /** The DS-Chat steps it breaks. */
  steps: Phase[];
  /** Case-sensitive substring of `model_name_or_path` that triggers it, as DS-Chat's own `in` test; absent = the whole family. */
  pathContains?: string;
  message: string;
  fix: string;
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
  /** DeepSpeed has an inference container for it, so `--enable_hybrid_engine` can run. */
  hybridEngine: boolean;
  /** The attention kernel transformers picks by default; "eager" materialises the s×s score matrix. */
  attention: "eager" | "sdpa";
  knownFailures: KnownFailure[];
}

const noModelAttribute = (label: string): KnownFailure => ({
  id: "step1-print-throughput",
  steps: [1],
  message: `step 1 calls print_throughput(model.model, ...) and ${label} models have no '.model' attribute: 'DeepSpeedEngine' object has no attribute 'model' after the first micro-batch`,
  fix: "patch step1 main.py to skip print_throughput (or wrap it in try/except) before training this family",
  source: "DeepSpeedExamples issue #924; training/step1_supervised_finetuning/main.py"
});

export const GLM_UNSUPPORTED_PARAGRAPH =
  "DS-Chat has no ChatGLM/GLM code path. ChatGLM and GLM-4 ship their modelling code in the Hub repository, so " +
  "AutoConfig/AutoModel need trust_remote_code=True, which create_hf_model never passes; their tokenizer pads on the left " +
  "with its own special tokens, which breaks the reward model's PAD-based end index and divergence_ind assertion; and " +
  "DeepSpeed has no inference container for GLM, so the hybrid engine cannot run it (DeepSpeed #3945). Training GLM with " +
  "DS-Chat needs code changes: trust_remote_code in model_utils.create_hf_model and utils.load_hf_tokenizer, a reward-model " +
  "end-index rule for its padding, and step 3 without --enable_hybrid_engine (the community fork " +
  "yangzhipeng1108/DeepSpeed-Chat-ChatGLM does the first two).";

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
    hybridEngine: true,
    attention: "eager",
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
    hybridEngine: true,
    attention: "eager",
    knownFailures: [
      {
        id: "bloom-step2-rwtranrsformer",
        steps: [2],
        pathContains: "bigscience/bloom-",
        message: "step 2 resets rm_model.rwtranrsformer.ln_f for 'bigscience/bloom-' paths; the attribute is misspelt, so it raises AttributeError",
        fix: "fix the typo (rwtransformer) in training/step2_reward_model_finetuning/main.py, or load the model from a local path without 'bigscience/bloom-' in it",
        source: "DeepSpeedExamples #839 (2024-01-17) introduced the typo"
      },
      {
        id: "bloom-step2-divergence",
        steps: [2],
        message: "bloom-560m/BLOOMZ reward models hit 'assert divergence_ind > 0' when a chosen and a rejected answer tokenize identically from the first token",
        fix: "drop pairs whose chosen and rejected texts are equal or share no prefix-free start; check with dschat-studio lint",
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
      "any path containing 'llama' loads LlamaTokenizer (slow, sentencepiece) and adds '[PAD]', so Llama-2 embeddings grow 32000 → 32008; Llama-3 repositories have no tokenizer.model and fail there.",
    hybridEngine: true,
    attention: "sdpa",
    knownFailures: [
      {
        id: "llama3-tokenizer",
        steps: [1, 2, 3],
        pathContains: "Llama-3",
        message: "the path contains 'llama', so DS-Chat calls LlamaTokenizer.from_pretrained, which needs tokenizer.model; Llama-3.x ships only tokenizer.json and fails to load",
        fix: "patch dschat/utils/utils.py load_hf_tokenizer to use AutoTokenizer, or copy the model to a path without 'llama' (its config.json _name_or_path must not contain it either)",
        source: "dschat/utils/utils.py load_hf_tokenizer"
      },
      {
        id: "llama-hybrid-engine-z3",
        steps: [3],
        message: "Llama-2 with ZeRO-3 and --enable_hybrid_engine generates repeated tokens or empty answers",
        fix: "use ZeRO-2 for the actor, or drop --enable_hybrid_engine (about 2× slower generation)",
        source: "DeepSpeedExamples #821, #864; DeepSpeed #4226"
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
    hybridEngine: true,
    attention: "eager",
    knownFailures: [noModelAttribute("GPT-2")]
  },
  gptj: {
    family: "gptj",
    label: "GPT-J",
    dschatStatus: "listed",
    blockPath: {causalLM: "transformer.h.", base: "h."},
    loraModuleName: "h.",
    numPaddingAtBeginning: 0,
    tokenizerNote: "GPT-2 BPE plus 143 padding tokens (50,400); PAD is set to EOS.",
    hybridEngine: true,
    attention: "eager",
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
    hybridEngine: true,
    attention: "sdpa",
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
    hybridEngine: false,
    attention: "sdpa",
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
    hybridEngine: false,
    attention: "sdpa",
    knownFailures: [
      {
        id: "glm-unsupported",
        steps: [1, 2, 3],
        message: GLM_UNSUPPORTED_PARAGRAPH,
        fix: "use a DS-Chat fork with GLM support, or another trainer; DS-Chat itself cannot load this model",
        source: "DeepSpeedExamples #514; DeepSpeed #3945"
      }
    ]
  }
} satisfies Record<ModelFamily, FamilySupport & {family: ModelFamily}>;

export const modelFamilies = Object.keys(familySupport) as ModelFamily[];

export function isModelFamily(value: unknown): value is ModelFamily {
  return typeof value === "string" && Object.hasOwn(familySupport, value);
}

/** The known failures a given model path hits in a given step, using DS-Chat's own substring test where it has one. */
export function knownFailuresFor(family: ModelFamily, modelPath: string, step: Phase): KnownFailure[] {
  const failures: KnownFailure[] = familySupport[family].knownFailures;
  return failures.filter((failure) => failure.steps.includes(step) && (!failure.pathContains || modelPath.includes(failure.pathContains)));
}
