/**
 * Reads a Hugging Face `config.json` (untrusted JSON) into a ModelArchitecture, so users can plan for any checkpoint of a
 * supported family, including their own step-1 outputs (DS-Chat saves `config.json` next to `pytorch_model.bin`).
 */
import type {ModelFamily} from "./familySupport.js";
import {modelFamilies} from "./familySupport.js";
import type {ModelArchitecture} from "./modelArchitecture.js";
import {parameterCount} from "./modelArchitecture.js";
import {UserError} from "../contract/userError.js";

/** Every config.json problem has the same fix: the file must be the model's own. */
const CONFIG_FIX = "Pass the model's own config.json (as the Hugging Face Hub or a DS-Chat checkpoint folder has it).";

/** `model_type` values as written in config.json, mapped to our families. */
const familyOfModelType: Record<string, ModelFamily> = {
  opt: "opt",
  bloom: "bloom",
  llama: "llama",
  gpt2: "gpt2",
  gptj: "gptj",
  gpt_neox: "gpt_neox",
  qwen2: "qwen2",
  chatglm: "chatglm"
};

function describe(value: unknown): string {
  return value === undefined ? "missing" : JSON.stringify(value);
}

/** Reads the first present key among `keys` as a positive integer; the error names the file and every key tried. */
function positiveInt(config: Record<string, unknown>, keys: string[], where: string, fallback?: number): number {
  for (const key of keys) {
    const value = config[key];
    if (value === undefined || value === null) continue;
    if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
    throw new UserError(`"${key}" must be a positive integer, got ${describe(value)}`, {where: {field: where}, fix: CONFIG_FIX});
  }
  if (fallback !== undefined) return fallback;
  throw new UserError(`needs one of ${keys.map((k) => `"${k}"`).join(", ")}; none is present`, {where: {field: where}, fix: CONFIG_FIX});
}

/**
 * @param config the parsed config.json
 * @param id the name to show (the repo id or path the user gave)
 */
export function modelFromConfig(config: unknown, id: string): ModelArchitecture {
  const where = `config.json of ${id}`;
  if (typeof config !== "object" || config === null || Array.isArray(config)) throw new UserError(`expected a JSON object, got ${describe(config)}`, {where: {field: where}, fix: CONFIG_FIX});
  const c = config as Record<string, unknown>;
  const modelType = c.model_type;
  const family = typeof modelType === "string" ? familyOfModelType[modelType] : undefined;
  if (!family)
    throw new UserError(`"model_type" ${describe(modelType)} is not a family DS-Chat can train here`, {
      where: {field: where},
      fix: `Use a model whose model_type is one of ${Object.keys(familyOfModelType).join(", ")} (families ${modelFamilies.join(", ")}).`
    });
  const layers = positiveInt(c, ["num_hidden_layers", "n_layer", "num_layers"], where);
  const hiddenSize = positiveInt(c, ["hidden_size", "n_embd", "n_embed"], where);
  const heads = positiveInt(c, ["num_attention_heads", "n_head"], where);
  const kvHeads =
    family === "chatglm" ? (c.multi_query_attention === false ? heads : positiveInt(c, ["multi_query_group_num"], where, heads)) : positiveInt(c, ["num_key_value_heads"], where, heads);
  const headDim = positiveInt(c, ["head_dim", "kv_channels"], where, Math.floor(hiddenSize / heads));
  const gatedFamily = family === "llama" || family === "qwen2" || family === "chatglm";
  const ffnSize = positiveInt(c, ["ffn_dim", "intermediate_size", "ffn_hidden_size", "n_inner"], where, 4 * hiddenSize);
  const vocabSize = positiveInt(c, ["padded_vocab_size", "vocab_size"], where);
  const maxPositions = positiveInt(c, ["max_position_embeddings", "n_positions", "seq_length"], where, 2048);
  const tieDefault = family === "opt" || family === "bloom" || family === "gpt2";
  const tied = typeof c.tie_word_embeddings === "boolean" ? c.tie_word_embeddings : tieDefault;
  const wordEmbedProjDim = family === "opt" && typeof c.word_embed_proj_dim === "number" && c.word_embed_proj_dim !== hiddenSize ? c.word_embed_proj_dim : undefined;
  const arch: ModelArchitecture = {
    id,
    family,
    layers,
    hiddenSize,
    heads,
    kvHeads,
    headDim,
    ffnSize,
    ffnType: gatedFamily ? "gated" : "mlp",
    vocabSize,
    // The tokenizer is not in config.json; assume it fills the embedding matrix.
    tokenizerLength: vocabSize,
    tiedEmbeddings: family === "chatglm" ? false : tied,
    maxPositions,
    ...(wordEmbedProjDim ? {wordEmbedProjDim} : {}),
    finalNorm: !(family === "opt" && c.do_layer_norm_before === false),
    publishedParams: 0,
    source: `${id}/config.json (model_type ${String(modelType)})`
  };
  arch.publishedParams = parameterCount(arch);
  return arch;
}
