/**
 * The plan: one object describing a DS-Chat run (one step, or all three chained), from which the command lines, the
 * DeepSpeed configs, the memory/time/cost estimate and the lint findings are derived. Untrusted plan JSON becomes a Plan
 * here, once; every error names the field and quotes the bad value.
 */
import type {Phase} from "../canonical.js";
import type {ArgSpec, Step1Args, Step2Args, Step3Args} from "./dschatArgs.js";
import {argSpecsByStep, defaultArgs, step1ArgSpecs, step2ArgSpecs, step3ArgSpecs} from "./dschatArgs.js";

export interface Infrastructure {
  /** A key of the instance catalogue (e.g. "ml.g5.2xlarge"), or a custom name when `gpusPerNode`/`gpuMemoryGiB` are given. */
  instanceType: string;
  instanceCount: number;
  /** GPUs per node; null = the instance type's count. */
  gpusPerNode: number | null;
  spot: boolean;
  /** SageMaker MaxRuntimeInSeconds, in hours. */
  maxRuntimeHours: number;
}

export interface Plan {
  /** The steps to run, in order; [1, 2, 3] chains them (step 3 trains step 1's output against step 2's). */
  steps: Phase[];
  step1: Step1Args;
  step2: Step2Args;
  step3: Step3Args;
  infrastructure: Infrastructure;
}

export interface StepArgsByPhase {
  1: Step1Args;
  2: Step2Args;
  3: Step3Args;
}

export const defaultInfrastructure: Infrastructure = {instanceType: "ml.g5.2xlarge", instanceCount: 1, gpusPerNode: null, spot: false, maxRuntimeHours: 24};

/** Output directories used when steps are chained and the plan names none (DS-Chat's e2e_rlhf.py layout). */
export const chainedOutputDirs = {1: "./output/actor-models", 2: "./output/reward-models", 3: "./output/step3-models"} as const;

export function defaultPlan(): Plan {
  return {
    steps: [1],
    step1: defaultArgs(step1ArgSpecs),
    step2: defaultArgs(step2ArgSpecs),
    step3: defaultArgs(step3ArgSpecs),
    infrastructure: {...defaultInfrastructure}
  };
}

const quote = (value: unknown): string => (value === undefined ? "undefined" : JSON.stringify(value));

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks one argument value against its spec; `where` is the JSON path used in messages. */
export function normalizeArg(spec: ArgSpec, value: unknown, where: string): unknown {
  switch (spec.kind) {
    case "bool":
      if (typeof value !== "boolean") throw new Error(`${where} must be true or false, got ${quote(value)}`);
      return value;
    case "strings": {
      const list = typeof value === "string" ? [value] : value;
      if (!Array.isArray(list) || list.some((item) => typeof item !== "string" || item === ""))
        throw new Error(`${where} must be a list of non-empty strings, got ${quote(value)}`);
      return [...list];
    }
    case "choice":
      if (typeof value !== "string" || !spec.choices.includes(value)) throw new Error(`${where} must be one of ${spec.choices.join(", ")}; got ${quote(value)}`);
      return value;
    case "string":
      if (value === null && spec.default === null) return null;
      if (typeof value !== "string" || value === "") throw new Error(`${where} must be a non-empty string, got ${quote(value)}`);
      return value;
    case "int":
    case "float": {
      if (value === null && spec.default === null) return null;
      const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      if (typeof number !== "number" || !Number.isFinite(number)) throw new Error(`${where} must be a number, got ${quote(value)}`);
      if (spec.kind === "int" && !Number.isInteger(number)) throw new Error(`${where} must be an integer, got ${quote(value)}`);
      if (spec.min !== undefined && number < spec.min) throw new Error(`${where} must be at least ${spec.min}, got ${quote(value)}`);
      return number;
    }
  }
}

function normalizeStepArgs<T>(specs: readonly ArgSpec[], spec: unknown, where: string): T {
  const args = defaultArgs(specs) as Record<string, unknown>;
  if (spec === undefined) return args as T;
  if (!isRecord(spec)) throw new Error(`${where} must be an object of DS-Chat arguments, got ${quote(spec)}`);
  const known = new Map(specs.map((s) => [s.name, s]));
  for (const [key, value] of Object.entries(spec)) {
    const argSpec = known.get(key) ?? known.get(key.replace(/-/g, "_"));
    if (!argSpec) throw new Error(`${where}.${key} is not an argument of this step's main.py; known: ${[...known.keys()].join(", ")}`);
    args[argSpec.name] = normalizeArg(argSpec, value, `${where}.${key}`);
  }
  return args as T;
}

function normalizeSteps(value: unknown): Phase[] {
  if (value === undefined) return [1];
  if (value === "all") return [1, 2, 3];
  const list = Array.isArray(value) ? value : [value];
  const steps = list.map((step) => (typeof step === "string" && /^[123]$/.test(step) ? Number(step) : step));
  if (steps.length === 0 || steps.some((step) => step !== 1 && step !== 2 && step !== 3))
    throw new Error(`plan.steps must be 1, 2, 3, a list of them, or "all"; got ${quote(value)}`);
  return [...new Set(steps as Phase[])].sort();
}

function normalizeInfrastructure(value: unknown): Infrastructure {
  if (value === undefined) return {...defaultInfrastructure};
  if (!isRecord(value)) throw new Error(`plan.infrastructure must be an object, got ${quote(value)}`);
  const result: Infrastructure = {...defaultInfrastructure};
  for (const [key, field] of Object.entries(value)) {
    const where = `plan.infrastructure.${key}`;
    switch (key) {
      case "instanceType":
        if (typeof field !== "string" || field === "") throw new Error(`${where} must be an instance type such as "ml.g5.2xlarge", got ${quote(field)}`);
        result.instanceType = field;
        break;
      case "instanceCount":
      case "gpusPerNode":
        if (key === "gpusPerNode" && field === null) break;
        if (typeof field !== "number" || !Number.isInteger(field) || field < 1) throw new Error(`${where} must be a whole number ≥ 1, got ${quote(field)}`);
        result[key] = field;
        break;
      case "spot":
        if (typeof field !== "boolean") throw new Error(`${where} must be true or false, got ${quote(field)}`);
        result.spot = field;
        break;
      case "maxRuntimeHours":
        if (typeof field !== "number" || !(field > 0)) throw new Error(`${where} must be a positive number of hours, got ${quote(field)}`);
        result.maxRuntimeHours = field;
        break;
      default:
        throw new Error(`${where} is not a plan field; known: instanceType, instanceCount, gpusPerNode, spot, maxRuntimeHours`);
    }
  }
  return result;
}

/**
 * Parses untrusted plan JSON: `{steps?, step1?, step2?, step3?, infrastructure?}`. Missing arguments take DS-Chat's defaults.
 * Chained plans fill step outputs and step 3's actor/critic paths from steps 1 and 2 when the plan leaves them empty.
 */
export function normalizePlan(spec: unknown): Plan {
  if (!isRecord(spec)) throw new Error(`a plan must be a JSON object, got ${quote(spec)}`);
  for (const key of Object.keys(spec))
    if (!["steps", "step1", "step2", "step3", "infrastructure"].includes(key))
      throw new Error(`plan.${key} is not a plan field; known: steps, step1, step2, step3, infrastructure`);
  const plan: Plan = {
    steps: normalizeSteps(spec.steps),
    step1: normalizeStepArgs<Step1Args>(argSpecsByStep[1], spec.step1, "plan.step1"),
    step2: normalizeStepArgs<Step2Args>(argSpecsByStep[2], spec.step2, "plan.step2"),
    step3: normalizeStepArgs<Step3Args>(argSpecsByStep[3], spec.step3, "plan.step3"),
    infrastructure: normalizeInfrastructure(spec.infrastructure)
  };
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

/** Missing required arguments of the selected steps, as messages naming the field. */
export function missingRequiredArgs(plan: Plan): string[] {
  const missing: string[] = [];
  for (const step of plan.steps) {
    const args = stepArgs(plan, step) as Record<string, unknown>;
    for (const spec of argSpecsByStep[step])
      if (spec.kind === "string" && "required" in spec && spec.required && (args[spec.name] === null || args[spec.name] === ""))
        missing.push(`plan.step${step}.${spec.name} is required by step ${step}'s main.py (set it, e.g. --model facebook/opt-1.3b)`);
  }
  return missing;
}
