/**
 * The lint engine's PlanFacts for each step of a plan, with what only the plan side knows: the family from the resolved
 * architecture (a user's config.json says model_type; a path says nothing) and how many linears LoRA really wraps.
 */
import type {Phase} from "../canonical.js";
import type {PlanFacts} from "../lint/lintContext.js";
import {planFactsFromPlan} from "../lint/planFacts.js";
import {loraTargets} from "../models/loraTargets.js";
import type {Plan} from "./normalizePlan.js";
import type {PlanModels} from "./planModels.js";

export function planFacts(plan: Plan, step: Phase, models: PlanModels): PlanFacts {
  const facts = planFactsFromPlan(plan, step);
  const main = step === 1 ? models.step1 : step === 2 ? models.step2 : models.actor;
  if (main) {
    facts.family = main.family;
    if (facts.loraDim !== undefined && facts.loraModuleName !== undefined)
      facts.loraMatchedLinears = loraTargets(main, facts.loraModuleName, facts.loraDim, step === 2 ? "base" : "causalLM").matchedLinears;
  }
  if (step === 3 && models.critic) {
    facts.criticFamily = models.critic.family;
    if (facts.criticLoraDim !== undefined && facts.criticLoraModuleName !== undefined)
      facts.criticLoraMatchedLinears = loraTargets(models.critic, facts.criticLoraModuleName, facts.criticLoraDim, "base").matchedLinears;
  }
  return facts;
}
