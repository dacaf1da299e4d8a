/**
 * Everything derived from a plan, in one isomorphic call used by the CLI (`dschat-studio plan --json`) and the Config
 * page: the launch commands, DS-Chat's DeepSpeed configs, the memory breakdown, fit/time/cost per instance, and the
 * findings. The report is the `plan --json` document itself (schemas/plan-report.schema.json, snake_case keys), so the
 * page and scripts read the same fields.
 */
import type {Phase} from "../canonical.js";
import {deepspeedModelStates} from "../estimate/deepspeedModelStates.js";
import type {StepMemory} from "../estimate/estimateMemory.js";
import {estimateMemory, memoryAssumptions, toGiB} from "../estimate/estimateMemory.js";
import type {TimeEstimate, TimeInputs} from "../estimate/estimateTime.js";
import {estimateTime} from "../estimate/estimateTime.js";
import type {InstanceFit} from "../estimate/fitInstances.js";
import {fitInstances} from "../estimate/fitInstances.js";
import type {InstanceType} from "../estimate/instanceCatalog.js";
import {instanceCatalog, requireInstance} from "../estimate/instanceCatalog.js";
import {GiB} from "../estimate/modelMemory.js";
import type {DatasetFacts, Finding} from "../lint/lintContext.js";
import {datasetSettingsForStep, type DatasetSettings} from "../lint/stepDataset.js";
import {lint as runLint} from "../lint/lint.js";
import type {ModelArchitecture} from "../models/modelArchitecture.js";
import {dschatCommand} from "../plan/dschatCommand.js";
import type {DsConfigs} from "../plan/dsConfig.js";
import {defaultArgs, step1ArgSpecs, step3ArgSpecs} from "../plan/dschatArgs.js";
import {dsConfigsForPlan} from "../plan/dsConfig.js";
import type {Plan} from "../plan/normalizePlan.js";
import {stepArgs} from "../plan/normalizePlan.js";
import type {PlanModels} from "../plan/planModels.js";
import {missingModels, planModels} from "../plan/planModels.js";
import {validatePlan} from "../plan/validatePlan.js";
import {stepPlanFacts, type PlanFactsInputs} from "./stepPlanFacts.js";

/** A plan finding always names its step. */
export type PlanFinding = Finding & {step: Phase};

export interface MemoryTermReport {
  model: string;
  kind: string;
  gib: number;
  formula: string;
}

export interface StepMemoryReport {
  step: Phase;
  peak_phase: string;
  allocated_gib: number;
  reserved_gib: number;
  fits: boolean;
  terms: MemoryTermReport[];
  /** Each phase's peak (steps 1 and 2: forward, backward, backward end, optimizer step, evaluation). */
  phases: {phase: string; allocated_gib: number}[];
  host_gib: number;
  host: MemoryTermReport[];
  /** Parameter counts by model role (step1, actor, critic, …). */
  params: Record<string, {params: number; trainable: number; lora_params: number}>;
  /** What the estimate noticed about the setup (e.g. LoRA wrapping nothing). */
  notes: string[];
  /** DeepSpeed's own model-state estimator for the same run (ZeRO-2/3 full fine-tuning only), for comparison. */
  deepspeed_estimator?: {gpu_gib: number; cpu_gib_per_node: number; formula: string};
}

export interface MemoryReport {
  /** The architecture used for each model role (step1, step2, actor, critic). */
  models: Record<string, string>;
  instance_type: string;
  gpu: string;
  gpu_memory_gib: number;
  world_size: number;
  gpus_per_node: number;
  steps: StepMemoryReport[];
  assumptions: string[];
}

export interface InstanceFitReport {
  instance_type: string;
  gpu: string;
  gpu_count: number;
  instance_count: number;
  gpu_memory_gib: number;
  peak_gib: number;
  host_gib: number;
  fits: boolean;
  reasons: string[];
  /** Per step ("1", "2", "3"): the largest per-device batch that fits (0 = none). */
  largest_batch: Partial<Record<Phase, number>>;
  price_per_hour: number | null;
}

export interface TimeReport {
  steps: Array<{step: Phase; tokens_per_epoch: number; tokens_source: string; flops_per_token: number; training_hours: number; generation_hours: number; hours: number}>;
  hours: number;
  price_per_hour: number | null;
  price_source: string;
  cost: number | null;
  exceeds_max_runtime: boolean;
  assumptions: string[];
}

export interface CommandReport {
  step: Phase;
  /** The step's directory (its main.py), relative to the DeepSpeed-Chat root, which is the working directory. */
  step_directory: string;
  argv: string[];
  /** argv quoted for a POSIX shell. */
  shell: string;
}

export interface PlanReport {
  plan: Plan;
  command: CommandReport[];
  ds_config: DsConfigs;
  memory: MemoryReport;
  estimate: {fit: InstanceFitReport[]; time: TimeReport | null};
  lint: PlanFinding[];
}

export interface PlanReportOptions {
  /** Architectures from the user's config.json files, overriding registry lookups. */
  models?: PlanModels;
  catalog?: readonly InstanceType[];
  time?: TimeInputs;
  /** Model paths of the plan that are local folders: their files and config.json `_name_or_path` (the CLI reads them). */
  localModels?: PlanFactsInputs["localModels"];
  /** The plan's data: train rows and rows usable per phase (a converted directory's manifest), for the split findings. */
  dataRows?: PlanFactsInputs["dataRows"];
  /** Replaces the lint engine's plan rules (src/core/lint), e.g. with none in a test; validatePlan's value checks still run. */
  lint?: (plan: Plan, models: PlanModels, inputs: PlanFactsInputs) => PlanFinding[];
}

function crossCheck(memory: StepMemory, plan: Plan, arch: ModelArchitecture | undefined, gpusPerNode: number, nodes: number): StepMemoryReport["deepspeed_estimator"] {
  if (!arch || memory.step === 3) return undefined;
  const args = stepArgs(plan, memory.step);
  const counts = Object.values(memory.counts)[0];
  if (args.zero_stage < 2 || args.zero_stage > 3 || counts.trainable !== counts.params) return undefined;
  const states = deepspeedModelStates({
    params: counts.params,
    largestLayerParams: counts.largestLayer,
    gpusPerNode,
    nodes,
    stage: args.zero_stage as 2 | 3,
    offloadOptimizer: args.offload,
    offloadParam: args.offload && args.zero_stage === 3
  });
  return {gpu_gib: toGiB(states.gpuBytes), cpu_gib_per_node: toGiB(states.cpuBytesPerNode), formula: states.formula};
}

/**
 * The lint engine's plan rules (DS-Chat's argument rules, the families' known failures, the issue tracker's failure
 * classes, the memory fit), one run per step, with the facts only the plan knows (family, LoRA matches, vocabularies,
 * memory and generation figures). With `dataset` (the data's facts for a step's data_split, seed and lengths), each
 * step's run also applies the data rules to that data, as `lint <dir> --plan` does (src/core/lint/stepDataset.ts).
 */
export function lintFindings(plan: Plan, models: PlanModels, inputs: PlanFactsInputs = {}, dataset: ((settings: DatasetSettings) => DatasetFacts) | null = null): PlanFinding[] {
  return plan.steps.flatMap((step) => {
    const facts = stepPlanFacts(plan, step, models, inputs);
    const data = dataset ? dataset(datasetSettingsForStep(facts, DSCHAT_DATA_DEFAULTS)) : null;
    return runLint({plan: facts, dataset: data}).map((finding): PlanFinding => ({...finding, step}));
  });
}

/** What DS-Chat reads data with when a step does not say (its main.py defaults, as the lint command's options). */
const DSCHAT_DATA_DEFAULTS: DatasetSettings = {
  dataSplit: defaultArgs(step1ArgSpecs).data_split,
  seed: defaultArgs(step1ArgSpecs).seed!,
  maxSeqLen: defaultArgs(step1ArgSpecs).max_seq_len,
  maxPromptSeqLen: defaultArgs(step3ArgSpecs).max_prompt_seq_len
};

const terms = (list: StepMemory["terms"]): MemoryTermReport[] => list.map((term) => ({model: term.model, kind: term.kind, gib: toGiB(term.bytes), formula: term.formula}));

function fitReport(fit: InstanceFit): InstanceFitReport {
  return {
    instance_type: fit.instanceType,
    gpu: fit.gpu,
    gpu_count: fit.gpuCount,
    instance_count: fit.instanceCount,
    gpu_memory_gib: fit.gpuMemoryGiB,
    peak_gib: fit.peakGiB,
    host_gib: fit.hostGiB,
    fits: fit.fits,
    reasons: fit.reasons,
    largest_batch: fit.largestBatch,
    price_per_hour: fit.pricePerHour
  };
}

function timeReport(time: TimeEstimate): TimeReport {
  return {
    steps: time.steps.map((step) => ({
      step: step.step,
      tokens_per_epoch: step.tokensPerEpoch,
      tokens_source: step.tokensSource,
      flops_per_token: step.flopsPerToken,
      training_hours: step.trainingHours,
      generation_hours: step.generationHours,
      hours: step.hours
    })),
    hours: time.hours,
    price_per_hour: time.pricePerHour,
    price_source: time.priceSource,
    cost: time.cost,
    exceeds_max_runtime: time.exceedsMaxRuntime,
    assumptions: time.assumptions
  };
}

export function planReport(plan: Plan, options: PlanReportOptions = {}): PlanReport {
  const catalog = options.catalog ?? instanceCatalog;
  const instance = requireInstance(plan.infrastructure.instance_type, catalog);
  const gpusPerNode = plan.infrastructure.gpus_per_node ?? instance.gpuCount;
  const nodes = plan.infrastructure.instance_count;
  const worldSize = gpusPerNode * nodes;
  const models = planModels(plan, options.models);
  // validatePlan and the lint rules share no rule id, so each finding is here once.
  const lint: PlanFinding[] = [
    ...validatePlan(plan).map(({rule, step, field, message, fix}): PlanFinding => ({severity: "error", rule, step, message, fix, field})),
    ...missingModels(plan, models).map(({step, message, fix}): PlanFinding => ({severity: "error", rule: "unknown-model", step, message, fix})),
    ...(options.lint ?? lintFindings)(plan, models, {catalog, time: options.time, localModels: options.localModels, dataRows: options.dataRows})
  ];
  const stepMemories = estimateMemory(plan, models, {worldSize, gpusPerNode, trainRows: options.time?.rows});
  const archOf = (step: Phase) => (step === 1 ? models.step1 : step === 2 ? models.step2 : models.actor);
  const memory: MemoryReport = {
    models: Object.fromEntries(Object.entries(models).map(([role, arch]) => [role, (arch as ModelArchitecture).id])),
    instance_type: instance.name,
    gpu: instance.gpu.name,
    gpu_memory_gib: instance.gpu.memoryGiB,
    world_size: worldSize,
    gpus_per_node: gpusPerNode,
    steps: stepMemories.map((step): StepMemoryReport => {
      const deepspeedEstimator = crossCheck(step, plan, archOf(step.step), gpusPerNode, nodes);
      return {
        step: step.step,
        peak_phase: step.peakPhase,
        allocated_gib: toGiB(step.allocatedBytes),
        reserved_gib: toGiB(step.reservedBytes),
        fits: step.reservedBytes <= instance.gpu.memoryGiB * GiB,
        terms: terms(step.terms),
        phases: step.phases.map((phase) => ({phase: phase.phase, allocated_gib: toGiB(phase.bytes)})),
        host_gib: toGiB(step.hostBytesPerNode),
        host: terms(step.host),
        params: Object.fromEntries(Object.entries(step.counts).map(([name, c]) => [name, {params: c.params, trainable: c.trainable, lora_params: c.loraParams}])),
        notes: step.notes,
        ...(deepspeedEstimator ? {deepspeed_estimator: deepspeedEstimator} : {})
      };
    }),
    assumptions: memoryAssumptions
  };
  const hasTokens = Boolean(options.time?.rows || options.time?.tokensPerEpoch);
  return {
    plan,
    command: plan.steps.map((step) => {
      const {stepDirectory, argv, shell} = dschatCommand(plan, step, gpusPerNode, nodes);
      return {step, step_directory: stepDirectory, argv, shell};
    }),
    ds_config: dsConfigsForPlan(plan, worldSize, gpusPerNode),
    memory,
    estimate: {
      fit: fitInstances(plan, models, catalog).map(fitReport),
      time: hasTokens ? timeReport(estimateTime(plan, models, {...instance, gpuCount: gpusPerNode}, options.time)) : null
    },
    lint
  };
}
