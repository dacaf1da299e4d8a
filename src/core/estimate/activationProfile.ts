/**
 * What one decoder layer saves for backward, per token, in a 16-bit training step — written from each family's modelling
 * code and, for OPT and BLOOM, checked against torch.cuda.max_memory_allocated on an H200 (bench/gpu, README "GPU
 * measurements"): OPT with SDPA saves 26·h bytes per token and layer, BLOOM 32·h + 6·a·s, within 1% over 100 points.
 *
 * Per layer and token, 16-bit (2 B) tensors unless said otherwise:
 * - two norms, each keeping its input and its output (the output is the next linear's saved input): 8·h;
 * - the attention projections' outputs that attention keeps (q, and k, v of the key/value heads): 2·h + 4·kv;
 * - the attention output (the out-projection's input): 2·h;
 * - a 1-byte dropout mask per residual dropout when its probability is above 0 (OPT's `dropout` 0.1): 2·h;
 * - the MLP: ReLU keeps its output (OPT: 2·f); BLOOM's GeLU function keeps its input and its output (4·f); a gated MLP
 *   keeps gate, SiLU(gate) and up (6·f);
 * - eager attention only: the fp32 softmax (4·a·s) and its 16-bit copy (2·a·s) that the value product keeps; SDPA keeps
 *   only its small log-sum-exp;
 * - DS-Chat's LoRA keeps x·R (r values) for every wrapped linear: 2·r each.
 */
import {compareVersions} from "../contract/softwareVersions.js";
import type {ModelFamily} from "../models/familySupport.js";
import type {ModelArchitecture} from "../models/modelArchitecture.js";

export type AttentionKernel = "eager" | "sdpa";

interface FamilyActivations {
  /** Bytes per token kept by the MLP, in units of the FFN width f. */
  mlpPerF: number;
  /** The residual-dropout probability in the family's published config.json (DS-Chat's --dropout overrides it). */
  configDropout: number;
  /** First transformers release whose default attention for the family is SDPA; null: eager in every release. */
  sdpaSince: string | null;
  /** How the figures were obtained. */
  basis: "measured" | "from code";
  source: string;
}

/** Keyed by family so that the compiler checks every family has an entry. */
export const familyActivations = {
  opt: {mlpPerF: 2, configDropout: 0.1, sdpaSince: "4.46.0", basis: "measured", source: "modeling_opt.py (ReLU, dropout 0.1 after attention and fc2); SDPA added in huggingface/transformers#33298 (v4.46)"},
  bloom: {mlpPerF: 4, configDropout: 0, sdpaSince: null, basis: "measured", source: "modeling_bloom.py (GeLUFunction saves its input; hidden_dropout 0.0; baddbmm + fp32 softmax, no SDPA path)"},
  llama: {mlpPerF: 6, configDropout: 0, sdpaSince: "4.36.0", basis: "from code", source: "modeling_llama.py (SiLU-gated MLP, attention_dropout 0.0); SDPA default since v4.36"},
  qwen2: {mlpPerF: 6, configDropout: 0, sdpaSince: "4.37.0", basis: "from code", source: "modeling_qwen2.py (SiLU-gated MLP); added with SDPA in v4.37"},
  gpt2: {mlpPerF: 4, configDropout: 0.1, sdpaSince: "4.41.0", basis: "from code", source: "modeling_gpt2.py (gelu_new, resid_pdrop 0.1); SDPA since v4.41"},
  gptj: {mlpPerF: 4, configDropout: 0, sdpaSince: null, basis: "from code", source: "modeling_gptj.py (gelu_new, resid_pdrop 0.0, eager attention)"},
  gpt_neox: {mlpPerF: 4, configDropout: 0, sdpaSince: "4.41.0", basis: "from code", source: "modeling_gpt_neox.py (GeLU, hidden_dropout 0.0); SDPA since v4.41"},
  chatglm: {mlpPerF: 6, configDropout: 0, sdpaSince: null, basis: "from code", source: "THUDM modelling code (SwiGLU), outside transformers"}
} satisfies Record<ModelFamily, FamilyActivations>;

/** The attention kernel transformers picks by default for the family (attn_implementation unset, as DS-Chat leaves it). */
export function defaultAttention(family: ModelFamily, transformersVersion: string): AttentionKernel {
  const since = familyActivations[family].sdpaSince;
  return since !== null && compareVersions(transformersVersion, since) >= 0 ? "sdpa" : "eager";
}

export interface LayerActivationSetup {
  seqLen: number;
  attention: AttentionKernel;
  /** DS-Chat's --dropout (null: the config's own). */
  dropout: number | null;
  /** LoRA rank and the number of wrapped linears per layer (0 when LoRA is off). */
  loraDim: number;
  loraLinearsPerLayer: number;
}

/** Bytes one decoder layer keeps for backward per token (see the module comment for each part). */
export function layerBytesPerToken(arch: ModelArchitecture, setup: LayerActivationSetup): {bytes: number; formula: string} {
  const h = arch.hiddenSize;
  const kv = arch.kvHeads * arch.headDim;
  const profile = familyActivations[arch.family];
  const dropout = setup.dropout ?? profile.configDropout;
  const norms = 8 * h;
  const attention = 2 * h + 4 * kv + 2 * h;
  const masks = dropout > 0 ? 2 * h : 0;
  const mlp = profile.mlpPerF * arch.ffnSize;
  const scores = setup.attention === "eager" ? 6 * arch.heads * setup.seqLen : 0;
  const lora = 2 * setup.loraDim * setup.loraLinearsPerLayer;
  const parts = ["8h norms", `${fmtUnits(attention, h)}h attention`];
  if (masks) parts.push("2h dropout masks");
  parts.push(`${profile.mlpPerF}f MLP`);
  if (scores) parts.push("6·a·s eager scores");
  if (lora) parts.push(`2r×${setup.loraLinearsPerLayer} LoRA`);
  return {bytes: norms + attention + masks + mlp + scores + lora, formula: parts.join(" + ")};
}

function fmtUnits(bytes: number, unit: number): string {
  return (bytes / unit).toFixed(2).replace(/\.?0+$/, "");
}
