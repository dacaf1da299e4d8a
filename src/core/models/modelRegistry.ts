/**
 * Architectures of the models DS-Chat users train, from each model's public `config.json` on the Hugging Face Hub.
 * Keys read: OPT `num_hidden_layers, hidden_size, num_attention_heads, ffn_dim, vocab_size, max_position_embeddings,
 * word_embed_proj_dim, do_layer_norm_before`; BLOOM `n_layer, hidden_size, n_head, vocab_size` (FFN = 4·hidden, ALiBi);
 * GPT-2 `n_layer, n_embd, n_head, n_positions, vocab_size`; GPT-J `n_layer, n_embd, n_head, n_positions, vocab_size,
 * tie_word_embeddings`; GPT-NeoX `num_hidden_layers, hidden_size, num_attention_heads, intermediate_size, vocab_size,
 * max_position_embeddings, tie_word_embeddings`; Llama/Qwen2 `num_hidden_layers, hidden_size, num_attention_heads,
 * num_key_value_heads, intermediate_size, vocab_size, max_position_embeddings, tie_word_embeddings`; ChatGLM
 * `num_layers, hidden_size, num_attention_heads, multi_query_group_num, kv_channels, ffn_hidden_size, padded_vocab_size,
 * seq_length`. Written from the published files (no network here); `test/models.test.ts` checks every entry's computed
 * parameter count against the published size.
 * `tokenizerLength` is `len(tokenizer)` for the repo's tokenizer (Llama-2: 32000 + the '[PAD]' DS-Chat adds).
 */
import type {ModelFamily} from "./familySupport.js";
import type {ModelArchitecture} from "./modelArchitecture.js";

/** `ffn` 0 = the usual 4 × hidden. */
type Shape = [layers: number, hidden: number, heads: number, ffn: number, published: number];

/** What differs between the multi-head families' config.json files once the shape is known. */
type MultiHeadFacts = Pick<ModelArchitecture, "vocabSize" | "tokenizerLength" | "tiedEmbeddings" | "maxPositions" | "source"> & Partial<ModelArchitecture>;

/** Multi-head attention (one KV head per head, head size hidden / heads) and a plain MLP: OPT, BLOOM, GPT-2, GPT-NeoX. */
function multiHead(id: string, family: ModelFamily, [layers, hidden, heads, ffn, published]: Shape, facts: MultiHeadFacts): ModelArchitecture {
  return {id, family, layers, hiddenSize: hidden, heads, kvHeads: heads, headDim: hidden / heads, ffnSize: ffn || 4 * hidden, ffnType: "mlp", finalNorm: true, publishedParams: published, ...facts};
}

const opt = (size: string, shape: Shape, extra: Partial<ModelArchitecture> = {}) =>
  multiHead(`facebook/opt-${size}`, "opt", shape, {
    vocabSize: 50272,
    tokenizerLength: 50265,
    tiedEmbeddings: true,
    maxPositions: 2048,
    source: `facebook/opt-${size} config.json (num_hidden_layers, hidden_size, num_attention_heads, ffn_dim, vocab_size 50272, max_position_embeddings 2048)`,
    ...extra
  });

const bloom = (id: string, shape: Shape) =>
  multiHead(id, "bloom", shape, {vocabSize: 250880, tokenizerLength: 250680, tiedEmbeddings: true, maxPositions: 2048, source: `${id} config.json (n_layer, hidden_size, n_head, vocab_size 250880; ALiBi, seq_length 2048)`});

const gpt2 = (id: string, shape: Shape) =>
  multiHead(id, "gpt2", shape, {vocabSize: 50257, tokenizerLength: 50257, tiedEmbeddings: true, maxPositions: 1024, source: `${id} config.json (n_layer, n_embd, n_head, n_positions 1024, vocab_size 50257)`});

const pythia = (id: string, shape: Shape, vocabSize = 50304) =>
  multiHead(id, "gpt_neox", shape, {
    vocabSize,
    tokenizerLength: 50277,
    tiedEmbeddings: false,
    maxPositions: 2048,
    source: `${id} config.json (num_hidden_layers, hidden_size, num_attention_heads, intermediate_size, vocab_size ${vocabSize}, tie_word_embeddings false)`
  });

interface GqaShape {
  id: string;
  family: ModelFamily;
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  vocab: number;
  tokenizerLength: number;
  tied: boolean;
  maxPositions: number;
  published: number;
  headDim?: number;
}

function gated(shape: GqaShape): ModelArchitecture {
  const keys =
    shape.family === "chatglm"
      ? "num_layers, hidden_size, num_attention_heads, multi_query_group_num, kv_channels, ffn_hidden_size, padded_vocab_size, seq_length"
      : "num_hidden_layers, hidden_size, num_attention_heads, num_key_value_heads, intermediate_size, vocab_size, max_position_embeddings, tie_word_embeddings";
  return {
    id: shape.id,
    family: shape.family,
    layers: shape.layers,
    hiddenSize: shape.hidden,
    heads: shape.heads,
    kvHeads: shape.kvHeads,
    headDim: shape.headDim ?? shape.hidden / shape.heads,
    ffnSize: shape.ffn,
    ffnType: "gated",
    vocabSize: shape.vocab,
    tokenizerLength: shape.tokenizerLength,
    tiedEmbeddings: shape.tied,
    maxPositions: shape.maxPositions,
    finalNorm: true,
    publishedParams: shape.published,
    source: `${shape.id} config.json (${keys})`
  };
}

const llama2 = (size: string, layers: number, hidden: number, heads: number, kvHeads: number, ffn: number, published: number) =>
  gated({id: `meta-llama/Llama-2-${size}-hf`, family: "llama", layers, hidden, heads, kvHeads, ffn, vocab: 32000, tokenizerLength: 32001, tied: false, maxPositions: 4096, published});

const llama3 = (id: string, layers: number, hidden: number, heads: number, ffn: number, tied: boolean, maxPositions: number, published: number) =>
  gated({id, family: "llama", layers, hidden, heads, kvHeads: 8, ffn, vocab: 128256, tokenizerLength: 128256, tied, maxPositions, published});

const qwen25 = (size: string, layers: number, hidden: number, heads: number, kvHeads: number, ffn: number, tied: boolean, published: number) =>
  gated({
    id: `Qwen/Qwen2.5-${size}`,
    family: "qwen2",
    layers,
    hidden,
    heads,
    kvHeads,
    ffn,
    vocab: tied ? 151936 : 152064,
    tokenizerLength: 151665,
    tied,
    maxPositions: 32768,
    published
  });

/**
 * Checkpoints DS-Chat's own scripts load by name (step3 training_scripts/opt/single_node/run_1.3b.sh:21-26 and
 * sweep/run_step3_sweep.sh:6-7): the outputs of its step 1 (facebook/opt-1.3b) and step 2 (facebook/opt-350m),
 * published on the Hub as `pytorch_model.bin` saved by `save_hf_format` — a reward checkpoint's keys are those of
 * DS-Chat's RewardModel (`rwtransformer.*`, `v_head.weight`), which step 3's critic loader reads.
 */
export const dschatPublishedCheckpoints: Readonly<Record<string, {kind: "sft" | "reward"; base: string}>> = {
  "AdamG012/chat-opt-1.3b-sft-deepspeed": {kind: "sft", base: "facebook/opt-1.3b"},
  "AdamG012/chat-opt-350m-reward-deepspeed": {kind: "reward", base: "facebook/opt-350m"}
};

export const modelRegistry: readonly ModelArchitecture[] = [
  opt("125m", [12, 768, 12, 3072, 125e6]),
  opt("350m", [24, 1024, 16, 4096, 331e6], {wordEmbedProjDim: 512, finalNorm: false}),
  opt("1.3b", [24, 2048, 32, 8192, 1.3e9]),
  opt("2.7b", [32, 2560, 32, 10240, 2.7e9]),
  opt("6.7b", [32, 4096, 32, 16384, 6.7e9]),
  opt("13b", [40, 5120, 40, 20480, 13e9]),
  opt("30b", [48, 7168, 56, 28672, 30e9]),
  opt("66b", [64, 9216, 72, 36864, 66e9]),
  {...opt("1.3b", [24, 2048, 32, 8192, 1.3e9]), id: "AdamG012/chat-opt-1.3b-sft-deepspeed", source: "DS-Chat's published step-1 output of facebook/opt-1.3b (same config.json keys)"},
  {...opt("350m", [24, 1024, 16, 4096, 331e6], {wordEmbedProjDim: 512, finalNorm: false}), id: "AdamG012/chat-opt-350m-reward-deepspeed", source: "DS-Chat's published step-2 output of facebook/opt-350m (same config.json keys)"},
  bloom("bigscience/bloom-560m", [24, 1024, 16, 0, 559e6]),
  bloom("bigscience/bloomz-560m", [24, 1024, 16, 0, 559e6]),
  bloom("bigscience/bloom-1b1", [24, 1536, 16, 0, 1.065e9]),
  bloom("bigscience/bloomz-1b1", [24, 1536, 16, 0, 1.065e9]),
  bloom("bigscience/bloom-1b7", [24, 2048, 16, 0, 1.72e9]),
  bloom("bigscience/bloomz-1b7", [24, 2048, 16, 0, 1.72e9]),
  bloom("bigscience/bloom-3b", [30, 2560, 32, 0, 3.0e9]),
  bloom("bigscience/bloomz-3b", [30, 2560, 32, 0, 3.0e9]),
  bloom("bigscience/bloom-7b1", [30, 4096, 32, 0, 7.07e9]),
  bloom("bigscience/bloomz-7b1", [30, 4096, 32, 0, 7.07e9]),
  bloom("bigscience/bloom", [70, 14336, 112, 0, 176e9]),
  bloom("bigscience/bloomz", [70, 14336, 112, 0, 176e9]),
  llama2("7b", 32, 4096, 32, 32, 11008, 6.74e9),
  llama2("13b", 40, 5120, 40, 40, 13824, 13.0e9),
  llama2("70b", 80, 8192, 64, 8, 28672, 69.0e9),
  llama3("meta-llama/Meta-Llama-3-8B", 32, 4096, 32, 14336, false, 8192, 8.03e9),
  llama3("meta-llama/Llama-3.1-8B", 32, 4096, 32, 14336, false, 131072, 8.03e9),
  llama3("meta-llama/Llama-3.1-70B", 80, 8192, 64, 28672, false, 131072, 70.6e9),
  llama3("meta-llama/Llama-3.2-1B", 16, 2048, 32, 8192, true, 131072, 1.24e9),
  llama3("meta-llama/Llama-3.2-3B", 28, 3072, 24, 8192, true, 131072, 3.21e9),
  gpt2("gpt2", [12, 768, 12, 0, 124e6]),
  gpt2("gpt2-medium", [24, 1024, 16, 0, 355e6]),
  gpt2("gpt2-large", [36, 1280, 20, 0, 774e6]),
  gpt2("gpt2-xl", [48, 1600, 25, 0, 1.558e9]),
  {
    id: "EleutherAI/gpt-j-6b",
    family: "gptj",
    layers: 28,
    hiddenSize: 4096,
    heads: 16,
    kvHeads: 16,
    headDim: 256,
    ffnSize: 16384,
    ffnType: "mlp",
    vocabSize: 50400,
    tokenizerLength: 50400,
    tiedEmbeddings: false,
    maxPositions: 2048,
    finalNorm: true,
    publishedParams: 6.053e9,
    source: "EleutherAI/gpt-j-6b config.json (n_layer 28, n_embd 4096, n_head 16, rotary_dim 64, n_positions 2048, vocab_size 50400, tie_word_embeddings false)"
  },
  pythia("EleutherAI/pythia-70m", [6, 512, 8, 0, 70e6]),
  pythia("EleutherAI/pythia-160m", [12, 768, 12, 0, 162e6]),
  pythia("EleutherAI/pythia-410m", [24, 1024, 16, 0, 405e6]),
  pythia("EleutherAI/pythia-1b", [16, 2048, 8, 0, 1.01e9]),
  pythia("EleutherAI/pythia-1.4b", [24, 2048, 16, 0, 1.41e9]),
  pythia("EleutherAI/pythia-2.8b", [32, 2560, 32, 0, 2.78e9]),
  pythia("EleutherAI/pythia-6.9b", [32, 4096, 32, 0, 6.86e9], 50432),
  pythia("EleutherAI/pythia-12b", [36, 5120, 40, 0, 11.8e9], 50688),
  pythia("EleutherAI/gpt-neox-20b", [44, 6144, 64, 0, 20.6e9], 50432),
  qwen25("0.5B", 24, 896, 14, 2, 4864, true, 0.49e9),
  qwen25("1.5B", 28, 1536, 12, 2, 8960, true, 1.54e9),
  qwen25("3B", 36, 2048, 16, 2, 11008, true, 3.09e9),
  qwen25("7B", 28, 3584, 28, 4, 18944, false, 7.61e9),
  qwen25("14B", 48, 5120, 40, 8, 13824, false, 14.7e9),
  qwen25("32B", 64, 5120, 40, 8, 27648, false, 32.5e9),
  qwen25("72B", 80, 8192, 64, 8, 29568, false, 72.7e9),
  gated({id: "THUDM/chatglm2-6b", family: "chatglm", layers: 28, hidden: 4096, heads: 32, kvHeads: 2, headDim: 128, ffn: 13696, vocab: 65024, tokenizerLength: 64794, tied: false, maxPositions: 32768, published: 6.24e9}),
  gated({id: "THUDM/chatglm3-6b", family: "chatglm", layers: 28, hidden: 4096, heads: 32, kvHeads: 2, headDim: 128, ffn: 13696, vocab: 65024, tokenizerLength: 64798, tied: false, maxPositions: 8192, published: 6.24e9}),
  gated({id: "THUDM/glm-4-9b", family: "chatglm", layers: 40, hidden: 4096, heads: 32, kvHeads: 2, headDim: 128, ffn: 13696, vocab: 151552, tokenizerLength: 151343, tied: false, maxPositions: 8192, published: 9.4e9})
];
