/**
 * What the plan rules share: the models a step loads and in which role, the plan path of an argument, and the version
 * gate of version-dependent rules. Isomorphic: no Node or DOM imports.
 */
import type {ModelFamily} from "../models/familySupport.js";
import {modelFamilyOf} from "../models/modelFamilyOf.js";
import {inRange, rangeText, type Library, type VersionRange} from "../plan/targetVersions.js";
import type {PlanFacts, Severity} from "./lintContext.js";

export interface StepModelFacts {
  /** "model" in steps 1/2; step 3's "actor" and "critic" (which also stands for the reward model). */
  role: "model" | "actor" | "critic";
  name: string;
  family: ModelFamily | null;
  loraDim?: number;
  loraModuleName?: string;
  matched?: number;
  /** AutoModelForCausalLM (step 1, actor) or AutoModel + v_head (reward model, critic). */
  kind: "causalLM" | "base";
}

const familyOf = (name: string, given?: ModelFamily | null) => given ?? modelFamilyOf(name);

/** The plan JSON path of a DS-Chat argument of the linted step (`step3.offload`), as `normalizePlan` names it. */
export const stepField = (plan: PlanFacts, arg: string) => `step${plan.step}.${arg}`;

/** The models a step loads, with the family each is: steps 1/2 one model, step 3 the actor and the critic (reward). */
export function modelsOf(plan: PlanFacts): StepModelFacts[] {
  const main: StepModelFacts = {role: plan.step === 3 ? "actor" : "model", name: plan.modelName, family: familyOf(plan.modelName, plan.family), loraDim: plan.loraDim, loraModuleName: plan.loraModuleName, matched: plan.loraMatchedLinears, kind: plan.step === 2 ? "base" : "causalLM"};
  if (plan.step !== 3 || !plan.criticModelName) return [main];
  const critic: StepModelFacts = {role: "critic", name: plan.criticModelName, family: familyOf(plan.criticModelName, plan.criticFamily), loraDim: plan.criticLoraDim, loraModuleName: plan.criticLoraModuleName, matched: plan.criticLoraMatchedLinears, kind: "base"};
  return [main, critic];
}

const LIBRARY_NAMES: Record<Library, string> = {deepspeed: "DeepSpeed", transformers: "transformers", torch: "torch"};

/**
 * Whether a fact that holds for `range` of `library` applies to the plan: its severity (the rule's when the plan's
 * version is in range, info when the version is unknown, null when it is outside) and the words that say which version
 * was judged.
 */
export function versionGate(plan: PlanFacts, library: Library, range: VersionRange, severity: Severity): {severity: Severity; judged: string} | null {
  const version = plan.versions?.[library] ?? null;
  const name = LIBRARY_NAMES[library];
  if (range.from === undefined && range.before === undefined) return {severity, judged: `every ${name} version`};
  if (version === null) return {severity: "info", judged: `applies if ${name} is ${rangeText(range)} (the plan does not know its ${name} version)`};
  return inRange(version, range) ? {severity, judged: `${name} ${version} (plan versions) is ${rangeText(range)}`} : null;
}
