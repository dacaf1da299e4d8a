/**
 * The plan: one object describing a DS-Chat run (one step, or all three chained), from which the command lines, the
 * DeepSpeed configs, the memory/time/cost estimate and the lint findings are derived. Untrusted plan JSON becomes a Plan
 * here, once; every error names the field and quotes the bad value.
 */
import type {Phase} from "../canonical.js";
import {checkKeys, checkSchemaVersion, quote, readBoolean, readChoice, readNumber, readObject, readString} from "../contract/jsonFields.js";
import {SCHEMA_VERSIONS} from "../contract/schemaVersions.js";
import {UserError} from "../contract/userError.js";
import type {ArgSpec, Step1Args, Step2Args, Step3Args} from "./dschatArgs.js";
import {MAX_SEED} from "../split/mt19937.js";
import {DSCHAT_INT_MAX, MAX_RUNTIME_HOURS} from "./argBounds.js";
import {argSpecsByStep, defaultArgs, step1ArgSpecs, step2ArgSpecs, step3ArgSpecs} from "./dschatArgs.js";
import {checkDatasetDataPath, normalizePlanDataset, type PlanDataset} from "./planDataset.js";
import {defaultTargetVersions, normalizeVersions, type TargetVersions} from "./targetVersions.js";

export interface Infrastructure {
  /** A key of the instance catalogue (e.g. "ml.g5.2xlarge"). */
  instance_type: string;
  instance_count: number;
  /** GPUs per node; null = the instance type's count. */
  gpus_per_node: number | null;
  spot: boolean;
  /** SageMaker MaxRuntimeInSeconds, in hours. */
  max_runtime_hours: number;
}

/** plan.json: the steps, every DS-Chat argument of each step's main.py, and where it runs. Schema: schemas/plan.schema.json. */
export interface Plan {
  schema_version: (typeof SCHEMA_VERSIONS)["plan"];
  /** The steps to run, in order; [1, 2, 3] chains them (step 3 trains step 1's output against step 2's). */
  steps: Phase[];
  step1: Step1Args;
  step2: Step2Args;
  step3: Step3Args;
  infrastructure: Infrastructure;
  /** The converted dataset every selected step trains on through local/jsonfile (`plan --data DIR`); null: none recorded. */
  dataset: PlanDataset | null;
  /** The DeepSpeed, transformers and torch versions the run uses (default: the hand-off's training image; targetVersions.ts). */
  versions: TargetVersions;
}

export interface StepArgsByPhase {
  1: Step1Args;
  2: Step2Args;
  3: Step3Args;
}

export const defaultInfrastructure: Infrastructure = {instance_type: "ml.g5.2xlarge", instance_count: 1, gpus_per_node: null, spot: false, max_runtime_hours: 24};

/** Output directories used when steps are chained and the plan names none (DS-Chat's e2e_rlhf.py layout). */
export const chainedOutputDirs = {1: "./output/actor-models", 2: "./output/reward-models", 3: "./output/step3-models"} as const;

export function defaultPlan(): Plan {
  return {
    schema_version: SCHEMA_VERSIONS.plan,
    steps: [1],
    step1: defaultArgs(step1ArgSpecs),
    step2: defaultArgs(step2ArgSpecs),
    step3: defaultArgs(step3ArgSpecs),
    infrastructure: {...defaultInfrastructure},
    dataset: null,
    versions: defaultTargetVersions()
  };
}

const FIX = "Correct the plan: plan.json is written by 'dschat-studio plan --out' and described by schemas/plan.schema.json.";
const PLAN_KEYS = ["schema_version", "steps", "step1", "step2", "step3", "infrastructure", "dataset", "versions"] as const;
const INFRASTRUCTURE_KEYS = Object.keys(defaultInfrastructure);

/** Checks one argument value against its spec; `field` is the JSON path used in messages. */
export function normalizeArg(spec: ArgSpec, value: unknown, field: string): unknown {
  switch (spec.kind) {
    case "bool":
      return readBoolean(value, field, FIX);
    case "strings": {
      const list = typeof value === "string" ? [value] : value;
      if (!Array.isArray(list) || list.some((item) => typeof item !== "string" || item === ""))
        throw new UserError(`must be a list of non-empty strings, got ${quote(value)}`, {where: {field}, fix: FIX});
      return [...list];
    }
    case "choice":
      return readChoice(value, field, FIX, spec.choices);
    case "string":
      if (value === null && spec.default === null) return null;
      return readString(value, field, FIX);
    case "int":
    case "float":
      if (value === null && spec.default === null) return null;
      return readNumber(value, field, FIX, spec.kind === "int" ? {integer: true, min: spec.min, max: spec.name === "seed" ? MAX_SEED : DSCHAT_INT_MAX} : {min: spec.min});
  }
}

function normalizeStepArgs<T>(specs: readonly ArgSpec[], spec: unknown, field: string): T {
  const args = defaultArgs(specs) as Record<string, unknown>;
  if (spec === undefined) return args as T;
  const given = readObject(spec, field, FIX);
  const names = specs.map((s) => s.name);
  checkKeys(given, names, field, `It is not an argument of this step's main.py. ${FIX}`);
  for (const argSpec of specs) if (argSpec.name in given) args[argSpec.name] = normalizeArg(argSpec, given[argSpec.name], `${field}.${argSpec.name}`);
  return args as T;
}

function normalizeSteps(value: unknown): Phase[] {
  if (value === undefined) return [1];
  if (value === "all") return [1, 2, 3];
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.some((step) => step !== 1 && step !== 2 && step !== 3))
    throw new UserError(`must be 1, 2, 3, a list of them, or "all"; got ${quote(value)}`, {where: {field: "plan.steps"}, fix: FIX});
  return [...new Set(list as Phase[])].sort();
}

function normalizeInfrastructure(value: unknown): Infrastructure {
  if (value === undefined) return {...defaultInfrastructure};
  const field = "plan.infrastructure";
  const given = readObject(value, field, FIX);
  checkKeys(given, INFRASTRUCTURE_KEYS, field, FIX);
  const at = (key: string) => `${field}.${key}`;
  return {
    instance_type: given.instance_type === undefined ? defaultInfrastructure.instance_type : readString(given.instance_type, at("instance_type"), FIX),
    instance_count: given.instance_count === undefined ? defaultInfrastructure.instance_count : readNumber(given.instance_count, at("instance_count"), FIX, {integer: true, min: 1, max: DSCHAT_INT_MAX}),
    gpus_per_node: given.gpus_per_node === undefined || given.gpus_per_node === null ? null : readNumber(given.gpus_per_node, at("gpus_per_node"), FIX, {integer: true, min: 1, max: DSCHAT_INT_MAX}),
    spot: given.spot === undefined ? defaultInfrastructure.spot : readBoolean(given.spot, at("spot"), FIX),
    max_runtime_hours: given.max_runtime_hours === undefined ? defaultInfrastructure.max_runtime_hours : readNumber(given.max_runtime_hours, at("max_runtime_hours"), FIX, {above: 0, max: MAX_RUNTIME_HOURS})
  };
}

/**
 * Parses untrusted plan JSON: `{schema_version?, steps?, step1?, step2?, step3?, infrastructure?, dataset?, versions?}`. Missing arguments take
 * DS-Chat's defaults. Chained plans fill step outputs and step 3's actor/critic paths from steps 1 and 2 when the plan
 * leaves them empty. A `schema_version` other than this one's is refused (a plan the page or CLI builds may omit it).
 */
export function normalizePlan(spec: unknown): Plan {
  const given = readObject(spec, "plan", FIX);
  if (given.schema_version !== undefined) checkSchemaVersion(given, SCHEMA_VERSIONS.plan, "plan.json", FIX);
  checkKeys(given, PLAN_KEYS, "plan", FIX);
  const plan: Plan = {
    schema_version: SCHEMA_VERSIONS.plan,
    steps: normalizeSteps(given.steps),
    step1: normalizeStepArgs<Step1Args>(argSpecsByStep[1], given.step1, "plan.step1"),
    step2: normalizeStepArgs<Step2Args>(argSpecsByStep[2], given.step2, "plan.step2"),
    step3: normalizeStepArgs<Step3Args>(argSpecsByStep[3], given.step3, "plan.step3"),
    infrastructure: normalizeInfrastructure(given.infrastructure),
    dataset: normalizePlanDataset(given.dataset),
    versions: normalizeVersions(given.versions)
  };
  checkDatasetDataPath(plan.dataset, plan.steps.map((step) => ({step, data_path: stepArgs(plan, step).data_path})));
  return chainSteps(plan);
}

/** Wires chained steps together; leaves explicit choices alone. */
export function chainSteps(plan: Plan): Plan {
  const has = (step: Phase) => plan.steps.includes(step);
  if (plan.steps.length > 1) {
    for (const step of plan.steps) {
      const args = stepArgs(plan, step);
      if (args.output_dir === null) args.output_dir = chainedOutputDirs[step];
    }
  }
  if (has(3) && has(1) && plan.step3.actor_model_name_or_path === null) plan.step3.actor_model_name_or_path = plan.step1.output_dir;
  if (has(3) && has(2) && plan.step3.critic_model_name_or_path === null) plan.step3.critic_model_name_or_path = plan.step2.output_dir;
  return plan;
}

/** Whether a step-3 model is an earlier step's output in this plan: the actor step 1's, the critic (and reward) step 2's. */
export function isChainedModel(plan: Plan, role: "actor" | "critic"): boolean {
  const from = role === "actor" ? 1 : 2;
  const path = role === "actor" ? plan.step3.actor_model_name_or_path : plan.step3.critic_model_name_or_path;
  return plan.steps.includes(from) && path !== null && path === stepArgs(plan, from).output_dir;
}

export function stepArgs<P extends Phase>(plan: Plan, step: P): StepArgsByPhase[P] {
  return (step === 1 ? plan.step1 : step === 2 ? plan.step2 : plan.step3) as StepArgsByPhase[P];
}

/** The required arguments of the selected steps that the plan leaves empty (e.g. step 1's model_name_or_path). */
export function missingRequiredArgs(plan: Plan): Array<{step: Phase; arg: string}> {
  const missing: Array<{step: Phase; arg: string}> = [];
  for (const step of plan.steps) {
    const args = stepArgs(plan, step) as Record<string, unknown>;
    for (const spec of argSpecsByStep[step])
      if (spec.kind === "string" && "required" in spec && spec.required && (args[spec.name] === null || args[spec.name] === "")) missing.push({step, arg: spec.name});
  }
  return missing;
}
