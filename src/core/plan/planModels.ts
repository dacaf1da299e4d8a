/**
 * Which architecture each model of a plan has. Names are looked up in the registry; a chained step 3 trains step 1's
 * output (same architecture as step 1's model) against step 2's; callers pass architectures read from a user's
 * config.json as overrides.
 */
import type {Phase} from "../canonical.js";
import {findModel} from "../models/findModel.js";
import type {ModelArchitecture} from "../models/modelArchitecture.js";
import type {Plan} from "./normalizePlan.js";
import {isChainedModel} from "./normalizePlan.js";

export interface PlanModels {
  step1?: ModelArchitecture;
  step2?: ModelArchitecture;
  actor?: ModelArchitecture;
  critic?: ModelArchitecture;
}

export function planModels(plan: Plan, overrides: PlanModels = {}): PlanModels {
  const lookup = (name: string | null) => (name ? findModel(name) : undefined);
  const has = (step: 1 | 2 | 3) => plan.steps.includes(step);
  const step1 = overrides.step1 ?? (has(1) || has(3) ? lookup(plan.step1.model_name_or_path) : undefined);
  const step2 = overrides.step2 ?? (has(2) || has(3) ? lookup(plan.step2.model_name_or_path) : undefined);
  const actor = overrides.actor ?? (isChainedModel(plan, "actor") ? step1 : lookup(plan.step3.actor_model_name_or_path)) ?? (has(3) ? step1 : undefined);
  const critic = overrides.critic ?? (isChainedModel(plan, "critic") ? step2 : lookup(plan.step3.critic_model_name_or_path)) ?? (has(3) ? step2 : undefined);
  return {
    ...(has(1) && step1 ? {step1} : {}),
    ...(has(2) && step2 ? {step2} : {}),
    ...(has(3) && actor ? {actor} : {}),
    ...(has(3) && critic ? {critic} : {})
  };
}

/** The models a plan needs but whose architecture is unknown, with the step that loads each and the option that fixes it. */
export function missingModels(plan: Plan, models: PlanModels): Array<{step: Phase; message: string; fix: string}> {
  const missing: Array<{step: Phase; message: string; fix: string}> = [];
  const add = (step: Phase, what: string, name: string | null, option: string) =>
    missing.push({step, message: `${what} ${JSON.stringify(name)} is not in the model registry`, fix: `pass ${option} with its config.json (or its repo id, if registered)`});
  if (plan.steps.includes(1) && !models.step1) add(1, "step 1 model", plan.step1.model_name_or_path, "--model");
  if (plan.steps.includes(2) && !models.step2) add(2, "step 2 model", plan.step2.model_name_or_path, "--model");
  if (plan.steps.includes(3) && !models.actor) add(3, "step 3 actor", plan.step3.actor_model_name_or_path, "--model");
  if (plan.steps.includes(3) && !models.critic) add(3, "step 3 critic", plan.step3.critic_model_name_or_path, "--critic-model");
  return missing;
}
