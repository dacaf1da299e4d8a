/**
 * The lint engine's PlanFacts for each step of a plan, with what only the plan side knows: the family from the resolved
 * architecture (a user's config.json says model_type; a path says nothing), how many linears LoRA really wraps (taken
 * from the model as the estimator sets it up, `stepModel`, so lint and the memory estimate never disagree), the
 * vocabularies step 3 joins, what the critic checkpoint is, and the memory and generation-time figures the
 * does-not-fit and ZeRO-3 generation findings quote.
 */
import type {Phase} from "../canonical.js";
import {generationSecondsPerToken, type TimeInputs} from "../estimate/estimateTime.js";
import {stepFit} from "../estimate/fitAdvice.js";
import {toGiB} from "../estimate/estimateMemory.js";
import {findInstance, instanceCatalog, type InstanceType} from "../estimate/instanceCatalog.js";
import {stepModel} from "../estimate/stepModel.js";
import type {GenerationFacts, PlanFacts} from "../lint/lintContext.js";
import {planFactsFromPlan} from "../lint/planFacts.js";
import {findModel} from "../models/findModel.js";
import {dschatPublishedCheckpoints} from "../models/modelRegistry.js";
import {isChainedModel, type Plan} from "../plan/normalizePlan.js";
import type {PlanModels} from "../plan/planModels.js";

const trainedRole = {1: "step1", 2: "step2", 3: "actor"} as const;

/** What the plan side found on disk about a model path that is a local folder (the CLI reads it; pages have none). */
export interface LocalModelFacts {
  /** File names in the folder. */
  files: string[];
  /** config.json `_name_or_path`, which DS-Chat's tokenizer loader tests instead of the path (utils.py:97-105). */
  nameOrPath: string | null;
}

export interface PlanFactsInputs {
  catalog?: readonly InstanceType[];
  time?: TimeInputs;
  /** Local model folders by model path, as the plan names them. */
  localModels?: Readonly<Record<string, LocalModelFacts>>;
  /** Train rows and rows usable per phase of the plan's data (a converted directory's manifest). */
  dataRows?: PlanFacts["dataRows"];
}

function criticCheckpoint(plan: Plan, facts: PlanFacts, local: LocalModelFacts | undefined): Pick<PlanFacts, "criticCheckpoint" | "criticCheckpointFiles"> {
  if (facts.criticCheckpoint === "chained") return {criticCheckpoint: "chained"};
  if (local) return {criticCheckpoint: "local", criticCheckpointFiles: local.files};
  const path = plan.step3.critic_model_name_or_path ?? "";
  if (dschatPublishedCheckpoints[path]?.kind === "reward") return {criticCheckpoint: "dschat-reward"};
  const known = findModel(path);
  // A registry id names a base model on the Hub: its weights have no rwtransformer./v_head. keys.
  if (known && known.id.toLowerCase() === path.toLowerCase() && !dschatPublishedCheckpoints[known.id]) return {criticCheckpoint: "base-model"};
  return {criticCheckpoint: "unknown"};
}

function generationFacts(plan: Plan, models: PlanModels, instance: InstanceType, gpusPerNode: number, time: TimeInputs | undefined): GenerationFacts | undefined {
  if (!models.actor) return undefined;
  const a = plan.step3;
  const worldSize = gpusPerNode * plan.infrastructure.instance_count;
  const node = {...instance, gpuCount: gpusPerNode};
  const params = stepModel(plan, "actor", models.actor).counts.params;
  const perToken = (hybridEngine: boolean) => generationSecondsPerToken(plan, params, node, worldSize, {efficiency: time?.generationEfficiency, hybridEngine});
  const facts: GenerationFacts = {actorParams: params, answerTokens: a.max_answer_seq_len, secondsPerToken: perToken(a.enable_hybrid_engine), secondsPerTokenWithHybridEngine: perToken(true)};
  const seqLen = a.max_prompt_seq_len + a.max_answer_seq_len;
  const prompts = time?.tokensPerEpoch?.[3] !== undefined ? time.tokensPerEpoch[3] / seqLen : time?.rows?.[3];
  if (prompts !== undefined) {
    const tokensPerGpu = Math.ceil(prompts / worldSize / a.per_device_generation_batch_size) * a.max_answer_seq_len;
    facts.hours = (tokensPerGpu * facts.secondsPerToken) / 3600;
    facts.hoursWithHybridEngine = (tokensPerGpu * facts.secondsPerTokenWithHybridEngine) / 3600;
  }
  return facts;
}

export function stepPlanFacts(plan: Plan, step: Phase, models: PlanModels, inputs: PlanFactsInputs = {}): PlanFacts {
  const catalog = inputs.catalog ?? instanceCatalog;
  const facts = planFactsFromPlan(plan, step, catalog);
  const main = models[trainedRole[step]];
  const mainPath = facts.modelName;
  const local = inputs.localModels?.[mainPath];
  if (local?.nameOrPath) facts.tokenizerName = local.nameOrPath;
  // A chained actor is step 1's save_hf_format folder, whose config.json keeps step 1's _name_or_path (utils.py:119-134).
  else if (step === 3 && isChainedModel(plan, "actor") && plan.step1.model_name_or_path)
    facts.tokenizerName = inputs.localModels?.[plan.step1.model_name_or_path]?.nameOrPath ?? plan.step1.model_name_or_path;
  if (main) {
    facts.family = main.family;
    facts.vocabSize = main.vocabSize;
    facts.loraMatchedLinears = stepModel(plan, trainedRole[step], main).counts.matchedLinears;
  }
  if (step === 3) {
    Object.assign(facts, criticCheckpoint(plan, facts, inputs.localModels?.[plan.step3.critic_model_name_or_path ?? ""]));
    if (models.critic) {
      facts.criticFamily = models.critic.family;
      facts.criticLoraMatchedLinears = stepModel(plan, "critic", models.critic).counts.matchedLinears;
      // The critic checkpoint's own rows: what its step 2 resized it to (chained: with step 2's --add_eot_token).
      const criticEot = facts.criticCheckpoint === "chained" ? plan.step2.add_eot_token : plan.step3.add_eot_token;
      facts.criticVocabRows = stepModel({...plan, step3: {...plan.step3, add_eot_token: criticEot}}, "critic", models.critic).vocabRows;
    }
    if (models.actor) facts.actorVocabRows = stepModel(plan, "actor", models.actor).vocabRows;
  }
  if (inputs.dataRows) facts.dataRows = inputs.dataRows;
  const instance = findInstance(plan.infrastructure.instance_type, catalog);
  if (!instance) return facts;
  const gpusPerNode = plan.infrastructure.gpus_per_node ?? instance.gpuCount;
  const fit = stepFit(plan, step, models, instance, gpusPerNode, catalog);
  if (fit) {
    const terms = [...fit.memory.terms].sort((x, y) => y.bytes - x.bytes).slice(0, 3);
    facts.memory = {
      gpuName: instance.gpu.name,
      gpuMemoryGiB: instance.gpu.memoryGiB,
      reservedGiB: toGiB(fit.memory.reservedBytes),
      peakPhase: fit.memory.peakPhase,
      largestTerms: terms.map((term) => ({model: term.model, kind: term.kind, gib: toGiB(term.bytes)})),
      largestBatch: fit.largestBatch,
      fix: fit.fix && {change: fit.fix.change, reservedGiB: toGiB(fit.fix.reservedBytes)}
    };
  }
  if (step === 3) {
    const generation = generationFacts(plan, models, instance, gpusPerNode, inputs.time);
    if (generation) facts.generation = generation;
  }
  return facts;
}
