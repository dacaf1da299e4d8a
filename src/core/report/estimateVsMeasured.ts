/**
 * The studio's estimate of a run against what its log measured: the plan's per-GPU memory (allocated, as DeepSpeed's
 * MaxMemAllocated counts it) and its time for the work the log shows — the rows it trained (micro-steps × per-device
 * batch × GPUs, spread over the plan's epochs), so that a dataset of another size does not blur the comparison of the
 * throughput model. Differences are (estimate − measured) / measured. Isomorphic.
 */
import type {Phase} from "../canonical.js";
import type {Plan} from "../plan/normalizePlan.js";
import {stepArgs} from "../plan/normalizePlan.js";
import type {RunMeasurement} from "../runs/measurement.js";
import {planReport} from "./planReport.js";

export interface EstimateComparison {
  step: Phase;
  memory: {estimate_gib: number; measured_gib: number; diff_percent: number} | null;
  time: {estimate_hours: number; measured_hours: number; diff_percent: number; rows_trained: number} | null;
  /** Why a part is missing, in words. */
  notes: string[];
}

const percent = (estimate: number, measured: number) => Math.round(((estimate - measured) / measured) * 1000) / 10;

export function compareEstimate(plan: Plan, step: Phase, measured: RunMeasurement): EstimateComparison {
  const notes: string[] = [];
  const single = {...plan, steps: [step]} as Plan;
  let report: ReturnType<typeof planReport> | null = null;
  const args = stepArgs(plan, step) as {per_device_train_batch_size?: number; per_device_generation_batch_size?: number; num_train_epochs: number};
  const perDevice = step === 3 ? args.per_device_generation_batch_size! : args.per_device_train_batch_size!;
  try {
    const probe = planReport(single, {lint: () => []});
    const rowsTrained = measured.iterations === null ? null : measured.iterations * perDevice * probe.memory.world_size;
    report = rowsTrained === null ? probe : planReport(single, {lint: () => [], time: {rows: {[step]: rowsTrained / args.num_train_epochs}, source: "rows the log shows"}});
  } catch (error) {
    notes.push(`no estimate: ${(error as Error).message}`);
  }
  const memoryStep = report?.memory.steps.find((s) => s.step === step);
  const memory =
    memoryStep && measured.peak_memory_gib !== null
      ? {estimate_gib: memoryStep.allocated_gib, measured_gib: measured.peak_memory_gib, diff_percent: percent(memoryStep.allocated_gib, measured.peak_memory_gib)}
      : null;
  if (!memory) notes.push(measured.peak_memory_gib === null ? "the log prints no DeepSpeed MaxMemAllocated line" : "no memory estimate for this plan");
  const timeStep = report?.estimate.time?.steps.find((s) => s.step === step);
  const time =
    timeStep && measured.wall_seconds !== null && measured.iterations !== null && timeStep.hours > 0
      ? {estimate_hours: timeStep.hours, measured_hours: measured.wall_seconds / 3600, diff_percent: percent(timeStep.hours, measured.wall_seconds / 3600), rows_trained: measured.iterations * perDevice * report!.memory.world_size}
      : null;
  if (!time) notes.push(measured.wall_seconds === null ? "the log has no DeepSpeed timestamps to measure its wall time" : "no time estimate for this plan (unknown model or no training step counter in the log)");
  return {step, memory, time, notes};
}
