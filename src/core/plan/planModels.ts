/**
 * Which architecture each model of a plan has. Names are looked up in the registry; a chained step 3 trains step 1's
 * output (same architecture as step 1's model) against step 2's; callers pass architectures read from a user's
 * config.json as overrides.
 */
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

/** The models a plan needs but whose architecture is unknown, as messages that say how to fix it. */
export function missingModels(plan: Plan, models: PlanModels): string[] {
  const missing: string[] = [];
  const hint = "is not in the model registry; pass --model <config.json> (or its repo id if registered)";
  if (plan.steps.includes(1) && !models.step1) missing.push(`step 1 model ${JSON.stringify(plan.step1.model_name_or_path)} ${hint}`);
  if (plan.steps.includes(2) && !models.step2) missing.push(`step 2 model ${JSON.stringify(plan.step2.model_name_or_path)} ${hint}`);
  if (plan.steps.includes(3) && !models.actor) missing.push(`step 3 actor ${JSON.stringify(plan.step3.actor_model_name_or_path)} ${hint}`);
  if (plan.steps.includes(3) && !models.critic) missing.push(`step 3 critic ${JSON.stringify(plan.step3.critic_model_name_or_path)} ${hint.replace("--model", "--critic-model")}`);
  return missing;
}
