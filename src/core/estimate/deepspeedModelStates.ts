/**
 * DeepSpeed's own model-state estimators, `estimate_zero2_model_states_mem_needs` and `estimate_zero3_model_states_mem_needs`
 * (microsoft/DeepSpeed@38327e07f, deepspeed/runtime/zero/stage_1_and_2.py estimate_zero2_model_states_mem_needs, stage3.py estimate_zero3_model_states_mem_needs). Kept verbatim as a cross-check: the
 * plan estimator's own breakdown is in modelMemory.ts. For ZeRO-2 without offload DeepSpeed's code (2Ψ + 18Ψ/N) and its
 * docs (4Ψ + 16Ψ/N) disagree for N > 1; `formula` picks one and the result says which.
 */

export interface ModelStatesInput {
  params: number;
  /** Parameters of the largest layer (ZeRO-3 gathers one at a time). */
  largestLayerParams: number;
  gpusPerNode: number;
  nodes: number;
  stage: 2 | 3;
  offloadOptimizer: boolean;
  /** ZeRO-3 only. */
  offloadParam?: boolean;
  /** ZeRO-3 only: the model is built under zero.Init (DS-Chat does this via HfDeepSpeedConfig). */
  zeroInit?: boolean;
  formula?: "code" | "docs";
  /** DeepSpeed's default head-room on CPU memory. */
  additionalBufferFactor?: number;
}

export interface ModelStates {
  gpuBytes: number;
  cpuBytesPerNode: number;
  formula: string;
}

export function deepspeedModelStates(input: ModelStatesInput): ModelStates {
  const {params: p, largestLayerParams: largest, gpusPerNode, nodes, stage, offloadOptimizer} = input;
  const {offloadParam = false, zeroInit = true, formula = "code", additionalBufferFactor = 1.5} = input;
  const totalGpus = gpusPerNode * nodes;
  if (stage === 2) {
    if (offloadOptimizer)
      return {
        gpuBytes: 2 * p,
        cpuBytesPerNode: p * Math.max(4 * totalGpus, 16) * additionalBufferFactor,
        formula: "ZeRO-2 offload_optimizer=cpu: GPU 2Ψ; CPU Ψ·max(4·N, 16)·1.5 (DeepSpeed code: N = total GPUs)"
      };
    const gpuBytes = formula === "code" ? 2 * p + (18 * p) / totalGpus : 4 * p + (16 * p) / totalGpus;
    return {
      gpuBytes,
      cpuBytesPerNode: 4 * p * gpusPerNode * additionalBufferFactor,
      formula: formula === "code" ? "ZeRO-2: GPU 2Ψ + 18Ψ/N (DeepSpeed code); CPU 4Ψ·n·1.5 while loading" : "ZeRO-2: GPU 4Ψ + 16Ψ/N (DeepSpeed docs, memory.rst); CPU 4Ψ·n·1.5 while loading"
    };
  }
  const largestLayerBytes = 4 * largest;
  if (offloadParam && offloadOptimizer)
    return {
      gpuBytes: largestLayerBytes,
      cpuBytesPerNode: (zeroInit ? (p * 18) / nodes : p * Math.max(4 * gpusPerNode, 18 / nodes)) * additionalBufferFactor,
      formula: "ZeRO-3 offload param+optimizer: GPU 4·L_max; CPU Ψ·18/nodes·1.5 (zero.Init) or Ψ·max(4n, 18/nodes)·1.5"
    };
  if (offloadOptimizer)
    return {
      gpuBytes: largestLayerBytes + (2 * p) / totalGpus,
      cpuBytesPerNode: (zeroInit ? (p * 16) / nodes : p * Math.max(4 * gpusPerNode, 16 / nodes)) * additionalBufferFactor,
      formula: "ZeRO-3 offload optimizer: GPU 4·L_max + 2Ψ/N; CPU Ψ·16/nodes·1.5 (zero.Init) or Ψ·max(4n, 16/nodes)·1.5"
    };
  return {
    gpuBytes: largestLayerBytes + (18 * p) / totalGpus,
    cpuBytesPerNode: (zeroInit ? largest * 4 * gpusPerNode : p * 4 * gpusPerNode) * additionalBufferFactor,
    formula: "ZeRO-3: GPU 4·L_max + 18Ψ/N; CPU L_max·4·n·1.5 (zero.Init) or Ψ·4·n·1.5"
  };
}
