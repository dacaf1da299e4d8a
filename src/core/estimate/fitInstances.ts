/**
 * Does the plan fit each instance type, and what is the largest per-device batch that does? "Fits" compares the reserved
 * estimate (what nvidia-smi shows) with the GPU's memory, for every selected step, and the host estimate with the node's RAM.
 */
import type {Phase} from "../canonical.js";
import type {Plan} from "../plan/normalizePlan.js";
import type {PlanModels} from "../plan/planModels.js";
import type {StepMemory} from "./estimateMemory.js";
import {estimateMemory, toGiB} from "./estimateMemory.js";
import type {InstanceType} from "./instanceCatalog.js";
import {instanceCatalog} from "./instanceCatalog.js";
import {GiB} from "./modelMemory.js";

export interface InstanceFit {
  instanceType: string;
  gpu: string;
  gpuCount: number;
  instanceCount: number;
  gpuMemoryGiB: number;
  /** Highest reserved estimate over the selected steps, GiB per GPU. */
  peakGiB: number;
  hostGiB: number;
  fits: boolean;
  /** Why not, when it does not. */
  reasons: string[];
  /** Per step: the largest per-device batch that fits (0 = none; null = step not estimated). */
  largestBatch: Partial<Record<Phase, number>>;
  pricePerHour: number | null;
}

const MAX_BATCH = 1024;

function withBatch(plan: Plan, step: Phase, batch: number): Plan {
  if (step === 1) return {...plan, steps: [1], step1: {...plan.step1, per_device_train_batch_size: batch}};
  if (step === 2) return {...plan, steps: [2], step2: {...plan.step2, per_device_train_batch_size: batch}};
  // DS-Chat's README: keep generation and training batch equal.
  return {...plan, steps: [3], step3: {...plan.step3, per_device_training_batch_size: batch, per_device_generation_batch_size: batch}};
}

function stepFits(memory: StepMemory | undefined, gpuMemoryBytes: number): boolean {
  return memory !== undefined && memory.reservedBytes <= gpuMemoryBytes;
}

/** Largest per-device batch in [1, 1024] whose reserved estimate fits; memory grows with batch, so bisect. */
export function largestBatch(plan: Plan, step: Phase, models: PlanModels, worldSize: number, gpusPerNode: number, gpuMemoryGiB: number): number {
  const fits = (batch: number) => stepFits(estimateMemory(withBatch(plan, step, batch), models, {worldSize, gpusPerNode})[0], gpuMemoryGiB * GiB);
  if (!fits(1)) return 0;
  let low = 1;
  let high = 2;
  while (high <= MAX_BATCH && fits(high)) [low, high] = [high, high * 2];
  if (high > MAX_BATCH) return low;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle;
  }
  return low;
}

export function fitInstance(plan: Plan, models: PlanModels, instance: InstanceType, instanceCount = plan.infrastructure.instance_count): InstanceFit {
  const gpusPerNode = instance.gpuCount;
  const worldSize = gpusPerNode * instanceCount;
  const steps = estimateMemory(plan, models, {worldSize, gpusPerNode});
  const reasons: string[] = [];
  const dtypes = new Set(plan.steps.map((step) => (step === 1 ? plan.step1.dtype : step === 2 ? plan.step2.dtype : plan.step3.dtype)));
  if (dtypes.has("bf16") && !instance.gpu.bf16) reasons.push(`${instance.gpu.name} has no bf16 support; use --dtype fp16`);
  const peak = Math.max(0, ...steps.map((step) => step.reservedBytes));
  const host = Math.max(0, ...steps.map((step) => step.hostBytesPerNode));
  for (const step of steps)
    if (step.reservedBytes > instance.gpu.memoryGiB * GiB)
      reasons.push(`step ${step.step} needs ${toGiB(step.reservedBytes)} GiB per GPU (${step.peakPhase}); ${instance.gpu.name} has ${instance.gpu.memoryGiB} GiB`);
  if (host > instance.hostMemoryGiB * GiB) reasons.push(`host memory ${toGiB(host)} GiB per node exceeds ${instance.hostMemoryGiB} GiB`);
  const largest: Partial<Record<Phase, number>> = {};
  for (const step of steps) largest[step.step] = largestBatch(plan, step.step, models, worldSize, gpusPerNode, instance.gpu.memoryGiB);
  return {
    instanceType: instance.name,
    gpu: instance.gpu.name,
    gpuCount: instance.gpuCount,
    instanceCount,
    gpuMemoryGiB: instance.gpu.memoryGiB,
    peakGiB: toGiB(peak),
    hostGiB: toGiB(host),
    fits: steps.length > 0 && reasons.length === 0,
    reasons,
    largestBatch: largest,
    pricePerHour: instance.pricePerHour
  };
}

export function fitInstances(plan: Plan, models: PlanModels, catalog: readonly InstanceType[] = instanceCatalog): InstanceFit[] {
  return catalog.map((instance) => fitInstance(plan, models, instance));
}
