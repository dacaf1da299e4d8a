/**
 * The architecture facts the estimator needs, named after the Hugging Face `config.json` keys they come from, and the
 * per-family module layout (which linears, biases and norms a decoder block has) that turns them into parameter counts.
 */
import {familySupport, type BlockLinear, type ModelFamily} from "./familySupport.js";

export interface ModelArchitecture {
  /** Hugging Face repo id (or the user's path). */
  id: string;
  family: ModelFamily;
  layers: number;
  hiddenSize: number;
  heads: number;
  /** Key/value heads (grouped-query / multi-query attention); equals `heads` for multi-head attention. */
  kvHeads: number;
  headDim: number;
  ffnSize: number;
  ffnType: "mlp" | "gated";
  /** `vocab_size` of the embedding matrix as shipped. */
  vocabSize: number;
  /** `len(tokenizer)`, which DS-Chat resizes the embeddings to (rounded up to a multiple of 8). */
  tokenizerLength: number;
  tiedEmbeddings: boolean;
  maxPositions: number;
  /** OPT-350m embeds in a smaller space (`word_embed_proj_dim`) and projects in and out. */
  wordEmbedProjDim?: number;
  /** OPT-350m (`do_layer_norm_before: false`) has no final layer norm. */
  finalNorm: boolean;
  /** Parameter count published by the model's authors (model card or paper), to check `parameterCount` against. */
  publishedParams: number;
  /** Where the facts come from: repo id and config keys. */
  source: string;
}

/** Every linear of one decoder block, with the features it maps; names match the Hugging Face module tree. */
export function blockLinears(arch: ModelArchitecture): BlockLinear[] {
  const h = arch.hiddenSize;
  const f = arch.ffnSize;
  const q = arch.heads * arch.headDim;
  const kv = arch.kvHeads * arch.headDim;
  const linear = (name: string, inFeatures: number, outFeatures: number, bias: boolean): BlockLinear => ({name, inFeatures, outFeatures, bias});
  switch (arch.family) {
    case "opt":
      return [
        linear("self_attn.k_proj", h, h, true),
        linear("self_attn.v_proj", h, h, true),
        linear("self_attn.q_proj", h, h, true),
        linear("self_attn.out_proj", h, h, true),
        linear("fc1", h, f, true),
        linear("fc2", f, h, true)
      ];
    case "bloom":
      return [
        linear("self_attention.query_key_value", h, 3 * h, true),
        linear("self_attention.dense", h, h, true),
        linear("mlp.dense_h_to_4h", h, f, true),
        linear("mlp.dense_4h_to_h", f, h, true)
      ];
    case "gpt2": // Conv1D modules: same shapes, but not nn.Linear (see familySupport.gpt2.loraNote).
      return [
        linear("attn.c_attn", h, 3 * h, true),
        linear("attn.c_proj", h, h, true),
        linear("mlp.c_fc", h, f, true),
        linear("mlp.c_proj", f, h, true)
      ];
    case "gptj":
      return [
        linear("attn.k_proj", h, h, false),
        linear("attn.v_proj", h, h, false),
        linear("attn.q_proj", h, h, false),
        linear("attn.out_proj", h, h, false),
        linear("mlp.fc_in", h, f, true),
        linear("mlp.fc_out", f, h, true)
      ];
    case "gpt_neox":
      return [
        linear("attention.query_key_value", h, 3 * h, true),
        linear("attention.dense", h, h, true),
        linear("mlp.dense_h_to_4h", h, f, true),
        linear("mlp.dense_4h_to_h", f, h, true)
      ];
    case "llama":
    case "qwen2": {
      const qkvBias = arch.family === "qwen2";
      return [
        linear("self_attn.q_proj", h, q, qkvBias),
        linear("self_attn.k_proj", h, kv, qkvBias),
        linear("self_attn.v_proj", h, kv, qkvBias),
        linear("self_attn.o_proj", q, h, false),
        linear("mlp.gate_proj", h, f, false),
        linear("mlp.up_proj", h, f, false),
        linear("mlp.down_proj", f, h, false)
      ];
    }
    case "chatglm":
      return [
        linear("self_attention.query_key_value", h, q + 2 * kv, true),
        linear("self_attention.dense", q, h, false),
        linear("mlp.dense_h_to_4h", h, 2 * f, false),
        linear("mlp.dense_4h_to_h", f, h, false)
      ];
  }
}

/** Per-family norm layout: LayerNorm has weight and bias, RMSNorm only a weight. */
function normLayout(family: ModelFamily): {perLayer: number; paramsPerNorm: 1 | 2; embeddingNorm: boolean} {
  switch (family) {
    case "llama":
    case "qwen2":
    case "chatglm":
      return {perLayer: 2, paramsPerNorm: 1, embeddingNorm: false};
    case "gptj": // attention and MLP run in parallel off one ln_1
      return {perLayer: 1, paramsPerNorm: 2, embeddingNorm: false};
    case "bloom":
      return {perLayer: 2, paramsPerNorm: 2, embeddingNorm: true};
    default:
      return {perLayer: 2, paramsPerNorm: 2, embeddingNorm: false};
  }
}

/** Learned position embeddings (OPT keeps 2 extra rows for its padding offset); rotary and ALiBi families have none. */
function positionParams(arch: ModelArchitecture): number {
  if (arch.family === "opt") return (arch.maxPositions + 2) * arch.hiddenSize;
  if (arch.family === "gpt2") return arch.maxPositions * arch.hiddenSize;
  return 0;
}

export interface ParameterBreakdown {
  embedding: number;
  positions: number;
  /** One decoder block: linear weights + biases + norms. */
  perLayer: number;
  /** Weights of the linears inside one block (what LoRA can freeze). */
  perLayerLinearWeights: number;
  layers: number;
  finalNorm: number;
  /** Untied output projection (plus GPT-J's bias); 0 when tied to the embedding. */
  lmHead: number;
  /** OPT-350m's project_in / project_out. */
  projections: number;
  total: number;
  /** The biggest single tensor (DeepSpeed's "largest layer" for ZeRO-3): usually the embedding matrix. */
  largestLayer: number;
}

/** Parameter count of the causal LM computed from the architecture, for a given embedding row count (default: `vocabSize`). */
export function parameterBreakdown(arch: ModelArchitecture, vocabRows = arch.vocabSize): ParameterBreakdown {
  const h = arch.hiddenSize;
  const embedDim = arch.wordEmbedProjDim ?? h;
  const linears = blockLinears(arch);
  const perLayerLinearWeights = linears.reduce((sum, l) => sum + l.inFeatures * l.outFeatures, 0);
  const biases = linears.reduce((sum, l) => sum + (l.bias ? l.outFeatures : 0), 0);
  const norms = normLayout(arch.family);
  const perLayer = perLayerLinearWeights + biases + norms.perLayer * norms.paramsPerNorm * h;
  const embedding = vocabRows * embedDim + (norms.embeddingNorm ? 2 * h : 0);
  const positions = positionParams(arch);
  const finalNorm = arch.finalNorm ? norms.paramsPerNorm * h : 0;
  const lmHead = arch.tiedEmbeddings ? 0 : vocabRows * h + (arch.family === "gptj" ? vocabRows : 0);
  const projections = arch.wordEmbedProjDim ? 2 * arch.wordEmbedProjDim * h : 0;
  const total = embedding + positions + arch.layers * perLayer + finalNorm + lmHead + projections;
  const largestLinear = Math.max(...linears.map((l) => l.inFeatures * l.outFeatures));
  return {
    embedding,
    positions,
    perLayer,
    perLayerLinearWeights,
    layers: arch.layers,
    finalNorm,
    lmHead,
    projections,
    total,
    largestLayer: Math.max(vocabRows * embedDim, largestLinear, positions)
  };
}

export function parameterCount(arch: ModelArchitecture, vocabRows = arch.vocabSize): number {
  return parameterBreakdown(arch, vocabRows).total;
}

/**
 * DS-Chat's `create_hf_model` resizes the embeddings to `8 * ceil(len(tokenizer) / 8)` (#728: Llama-2 32001 → 32008).
 * The one implementation: the plan's memory estimate and the tokenizer report both import it from here.
 */
export function resizedVocabSize(tokenizerLength: number): number {
  return 8 * Math.ceil(tokenizerLength / 8);
}

/**
 * The embedding rows DS-Chat trains `arch` with: `len(tokenizer)` rounded up to a multiple of 8 (model_utils.py:111-113).
 * `--add_eot_token` adds `<|endoftext|>` through `add_special_tokens` (utils.py:110-114), which grows the tokenizer only
 * where the token is new: GPT-J keeps 50400.
 */
export function resizedVocab(arch: ModelArchitecture, addEotToken = false): number {
  const added = addEotToken && !familySupport[arch.family].endOfTextInVocabulary ? 1 : 0;
  return resizedVocabSize(arch.tokenizerLength + added);
}
