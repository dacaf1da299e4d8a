/**
 * The lint engine's PlanFacts for each step of a plan, with what only the plan side knows: the family from the resolved
 * architecture (a user's config.json says model_type; a path says nothing) and how many linears LoRA really wraps, taken
 * from the model as the estimator sets it up (`stepModel`), so lint and the memory estimate never disagree.
 */
import type {Phase} from "../canonical.js";
import {stepModel} from "../estimate/stepModel.js";
import type {PlanFacts} from "../lint/lintContext.js";
import {planFactsFromPlan} from "../lint/planFacts.js";
import type {Plan} from "../plan/normalizePlan.js";
import type {PlanModels} from "../plan/planModels.js";

const trainedRole = {1: "step1", 2: "step2", 3: "actor"} as const;

export function stepPlanFacts(plan: Plan, step: Phase, models: PlanModels): PlanFacts {
  const facts = planFactsFromPlan(plan, step);
  const main = models[trainedRole[step]];
  if (main) {
    facts.family = main.family;
    facts.loraMatchedLinears = stepModel(plan, trainedRole[step], main).counts.matchedLinears;
  }
  if (step === 3 && models.critic) {
    facts.criticFamily = models.critic.family;
    facts.criticLoraMatchedLinears = stepModel(plan, "critic", models.critic).counts.matchedLinears;
  }
  return facts;
}
