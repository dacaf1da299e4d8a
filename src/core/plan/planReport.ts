/**
 * Everything derived from a plan, in one isomorphic call used by the CLI (`dschat-studio plan --json`) and the Config page:
 * the launch commands, DS-Chat's DeepSpeed configs, the memory breakdown, fit/time/cost per instance, and the findings.
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
import {lint as runLint} from "../lint/lint.js";
import type {ModelArchitecture} from "../models/modelArchitecture.js";
import type {StepCommand} from "./dschatCommand.js";
import {dschatCommand} from "./dschatCommand.js";
import type {DsConfigs} from "./dsConfig.js";
import {dsConfigsForPlan} from "./dsConfig.js";
import type {Plan} from "./normalizePlan.js";
import {stepArgs} from "./normalizePlan.js";
import type {PlanModels} from "./planModels.js";
import {missingModels, planModels} from "./planModels.js";
import {planFacts} from "./planFacts.js";
import {validatePlan} from "./validatePlan.js";

export interface PlanFinding {
  severity: "error" | "warning" | "info";
  rule: string;
  step: Phase;
  field?: string;
  message: string;
  fix?: string;
}

export interface MemoryReport {
  /** The architecture used for each model role (step1, step2, actor, critic). */
  models: Record<string, string>;
  instanceType: string;
  gpu: string;
  gpuMemoryGiB: number;
  worldSize: number;
  gpusPerNode: number;
  steps: Array<{
    step: Phase;
    peakPhase: string;
    allocatedGiB: number;
    reservedGiB: number;
    fits: boolean;
    terms: Array<{model: string; kind: string; GiB: number; formula: string}>;
    hostGiB: number;
    host: Array<{model: string; kind: string; GiB: number; formula: string}>;
    params: Record<string, {params: number; trainable: number; loraParams: number}>;
    /** What the estimate noticed about the setup (e.g. LoRA wrapping nothing). */
    notes: string[];
    /** DeepSpeed's own model-state estimator for the same run (ZeRO-2/3 full fine-tuning only), for comparison. */
    deepspeedEstimator?: {gpuGiB: number; cpuGiBPerNode: number; formula: string};
  }>;
  assumptions: string[];
}

export interface PlanReport {
  plan: Plan;
  command: StepCommand[];
  ds_config: DsConfigs;
  memory: MemoryReport;
  estimate: {fit: InstanceFit[]; time: TimeEstimate | null};
  lint: PlanFinding[];
}

export interface PlanReportOptions {
  /** Architectures from the user's config.json files, overriding registry lookups. */
  models?: PlanModels;
  catalog?: readonly InstanceType[];
  time?: TimeInputs;
  /** Replaces the lint engine's plan rules (src/core/lint), e.g. with none in a test; validatePlan's value checks still run. */
  lint?: (plan: Plan, models: PlanModels) => PlanFinding[];
}

function crossCheck(memory: StepMemory, plan: Plan, arch: ModelArchitecture | undefined, gpusPerNode: number, nodes: number): MemoryReport["steps"][number]["deepspeedEstimator"] {
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
  return {gpuGiB: toGiB(states.gpuBytes), cpuGiBPerNode: toGiB(states.cpuBytesPerNode), formula: states.formula};
}

/**
 * The lint engine's plan rules (DS-Chat's argument rules and the families' known failures), one run per step, with the
 * facts only the plan knows (family, LoRA matches).
 */
export function lintFindings(plan: Plan, models: PlanModels): PlanFinding[] {
  return plan.steps.flatMap((step) =>
    runLint({plan: planFacts(plan, step, models)}).map(
      (finding): PlanFinding => ({severity: finding.severity, rule: finding.id, step, ...(finding.field ? {field: finding.field} : {}), message: finding.message, fix: finding.fix})
    )
  );
}

export function planReport(plan: Plan, options: PlanReportOptions = {}): PlanReport {
  const catalog = options.catalog ?? instanceCatalog;
  const instance = requireInstance(plan.infrastructure.instanceType, catalog);
  const gpusPerNode = plan.infrastructure.gpusPerNode ?? instance.gpuCount;
  const nodes = plan.infrastructure.instanceCount;
  const worldSize = gpusPerNode * nodes;
  const models = planModels(plan, options.models);
  // validatePlan and the lint rules share no rule id, so each finding is here once.
  const lint: PlanFinding[] = [
    ...validatePlan(plan).map((issue): PlanFinding => ({severity: "error", rule: issue.rule, step: issue.step, field: issue.field, message: issue.message})),
    ...missingModels(plan, models).map((message): PlanFinding => ({severity: "error", rule: "unknown-model", step: plan.steps[0], message})),
    ...(options.lint ?? lintFindings)(plan, models)
  ];
  const stepMemories = estimateMemory(plan, models, {worldSize, gpusPerNode, trainRows: options.time?.rows});
  const archOf = (step: Phase) => (step === 1 ? models.step1 : step === 2 ? models.step2 : models.actor);
  const toTerms = (terms: StepMemory["terms"]) => terms.map((term) => ({model: term.model, kind: term.kind, GiB: toGiB(term.bytes), formula: term.formula}));
  const memory: MemoryReport = {
    models: Object.fromEntries(Object.entries(models).map(([role, arch]) => [role, (arch as ModelArchitecture).id])),
    instanceType: instance.name,
    gpu: instance.gpu.name,
    gpuMemoryGiB: instance.gpu.memoryGiB,
    worldSize,
    gpusPerNode,
    steps: stepMemories.map((step) => {
      const deepspeedEstimator = crossCheck(step, plan, archOf(step.step), gpusPerNode, nodes);
      return {
        step: step.step,
        peakPhase: step.peakPhase,
        allocatedGiB: toGiB(step.allocatedBytes),
        reservedGiB: toGiB(step.reservedBytes),
        fits: step.reservedBytes <= instance.gpu.memoryGiB * GiB,
        terms: toTerms(step.terms),
        hostGiB: toGiB(step.hostBytesPerNode),
        host: toTerms(step.host),
        notes: step.notes,
        params: Object.fromEntries(Object.entries(step.counts).map(([name, c]) => [name, {params: c.params, trainable: c.trainable, loraParams: c.loraParams}])),
        ...(deepspeedEstimator ? {deepspeedEstimator} : {})
      };
    }),
    assumptions: memoryAssumptions
  };
  const hasTokens = Boolean(options.time?.rows || options.time?.tokensPerEpoch);
  return {
    plan,
    command: plan.steps.map((step) => dschatCommand(plan, step, gpusPerNode, nodes)),
    ds_config: dsConfigsForPlan(plan, worldSize, gpusPerNode),
    memory,
    estimate: {fit: fitInstances(plan, models, catalog), time: hasTokens ? estimateTime(plan, models, {...instance, gpuCount: gpusPerNode}, options.time) : null},
    lint
  };
}
