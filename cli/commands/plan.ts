import {resolve} from "node:path";
import {versioned} from "../../src/core/contract/schemaVersions.js";
import {locate, UserError} from "../../src/core/contract/userError.js";
import type {TimeInputs} from "../../src/core/estimate/estimateTime.js";
import {instanceCatalog, instancesJson, normalizeInstanceCatalog, requireInstance, type InstanceType} from "../../src/core/estimate/instanceCatalog.js";
import {DSCHAT_INT_MAX, MAX_RUNTIME_HOURS} from "../../src/core/plan/argBounds.js";
import {argSpecsByStep} from "../../src/core/plan/dschatArgs.js";
import {chainSteps, normalizeArg, normalizePlan, stepArgs, type Plan} from "../../src/core/plan/normalizePlan.js";
import {applyPlanDataset, LOCAL_JSONFILE, planDatasetFromManifest, usesOnlyLocalJsonfile} from "../../src/core/plan/planDataset.js";
import type {PlanModels} from "../../src/core/plan/planModels.js";
import {planReport} from "../../src/core/report/planReport.js";
import {readManifest} from "../../loaders/engine/readManifest.js";
import {localModels} from "../../loaders/plan/localModels.js";
import {readManifestRows, readStatsRows, type RowInputs} from "../../loaders/plan/readTokenInputs.js";
import {resolveModelArg} from "../../loaders/plan/resolveModelArg.js";
import {restorePlanDir, writePlanDir} from "../../loaders/plan/writePlanDir.js";
import {readJsonFile} from "../../loaders/readJsonFile.js";
import {defineCommand} from "../command.js";
import {allDschatOptions, dschatArgs} from "../options/dschatOptions.js";
import {flag, option, type OptionValues} from "../options/optionSpec.js";
import {decimal, integer, stepOrAll, text, version} from "../options/parsers.js";
import {DEFAULT_VERSION_SOURCES} from "../../src/core/plan/targetVersions.js";
import {instancesText, planText} from "../views/planView.js";
import {escapeData} from "../views/terminal.js";

const whole = integer({min: 1, example: 8});
/** A price per instance-hour above this is a typo (the largest instances cost tens of dollars an hour); it also keeps the cost finite. */
const MAX_PRICE_PER_HOUR = 1_000_000;
/** GPUs and nodes end up in DeepSpeed's launcher arguments: DS-Chat's integer bound. */
const count = integer({min: 1, max: DSCHAT_INT_MAX, example: 8});

const options = {
  "from": option({parse: text, placeholder: "FILE", help: "start from a plan.json (as written by --out); the options below override it"}),
  "step": option({parse: stepOrAll, placeholder: "S", help: "1 (SFT), 2 (reward model), 3 (PPO) or all (chained; default 1, or the plan's)"}),
  "model": option({parse: text, placeholder: "M", help: "model of the step (step 3: the actor; all: step 1 and the actor): a registry name such as facebook/opt-1.3b, a checkpoint directory, or its config.json"}),
  "critic-model": option({parse: text, placeholder: "M", help: "step 3's critic and reward model (all: also step 2's model)"}),
  "instance": option({parse: text, placeholder: "TYPE", help: "instance type (default ml.g5.2xlarge); one of the catalogue in 'plan --instances'"}),
  "catalog": option({parse: text, placeholder: "FILE", help: "instance types that replace or extend the built-in catalogue (as 'plan --instances --json' prints them)"}),
  "gpus": option({parse: count, placeholder: "N", help: "GPUs per node (default: the instance type's)"}),
  "nodes": option({parse: count, placeholder: "N", help: "instance count (default 1)"}),
  "spot": flag("managed spot pricing"),
  "max-runtime-hours": option({parse: decimal({above: 0, max: MAX_RUNTIME_HOURS, example: 24}), placeholder: "H", help: `flag estimates longer than this (default 24; at most ${MAX_RUNTIME_HOURS}, SageMaker's 28 days)`}),
  "tokens-per-epoch": option({parse: whole, placeholder: "N", help: "compute tokens per epoch of each selected step"}),
  "stats": option({parse: text, placeholder: "FILE", help: "rows per phase from 'dschat-studio stats --json' output"}),
  "data": option({parse: text, placeholder: "DIR", help: "train on a 'convert' output: records the dataset in plan.json, sets every step's data_path to local/jsonfile, and takes the rows per phase from its manifest.json (split by the plan's data_split)"}),
  "price": option({parse: decimal({above: 0, max: MAX_PRICE_PER_HOUR, example: 1.5}), placeholder: "USD", help: "$/h per instance, overriding the catalogue"}),
  "utilisation": option({parse: decimal({above: 0, max: 1, example: 0.35}), placeholder: "U", help: "fraction of GPU peak FLOPS reached (default 0.35)"}),
  "out": option({parse: text, placeholder: "DIR", help: "write plan.json, ds_config.json and run.sh into DIR (replaced atomically, only if empty or an unchanged earlier plan --out)"}),
  "deepspeed-version": option({parse: version, placeholder: "V", help: `DeepSpeed version the run uses, or unknown (default: ${DEFAULT_VERSION_SOURCES.deepspeed}); version-gated findings follow it`}),
  "transformers-version": option({parse: version, placeholder: "V", help: `transformers version, or unknown (default: ${DEFAULT_VERSION_SOURCES.transformers})`}),
  "torch-version": option({parse: version, placeholder: "V", help: `torch version, or unknown (default: ${DEFAULT_VERSION_SOURCES.torch})`}),
  "instances": flag("list the instance catalogue and exit (with --json: a catalogue file --catalog reads)"),
  ...allDschatOptions()
};

type Values = OptionValues<typeof options>;

function readCatalog(file: string | undefined, cwd: string): InstanceType[] {
  if (file === undefined) return [...instanceCatalog];
  const path = resolve(cwd, file);
  const json = readJsonFile(path, {option: "--catalog", what: "an instance catalogue (dschat-studio plan --instances --json)"});
  return locate({option: "--catalog", file: path}, () => normalizeInstanceCatalog(json));
}

/** Applies one DS-Chat argument to every selected step whose main.py has it. */
function applyDschatArg(plan: Plan, name: string, value: unknown): void {
  const steps = plan.steps.filter((step) => argSpecsByStep[step].some((spec) => spec.name === name));
  if (steps.length === 0) {
    const owners = ([1, 2, 3] as const).filter((step) => argSpecsByStep[step].some((spec) => spec.name === name));
    throw new UserError(`is not an argument of step ${plan.steps.join("/")}'s main.py`, {where: {option: `--${name}`}, fix: `Choose the step with --step (it belongs to step ${owners.join(", ")}).`});
  }
  for (const step of steps) {
    const spec = argSpecsByStep[step].find((candidate) => candidate.name === name)!;
    (stepArgs(plan, step) as Record<string, unknown>)[name] = locate({option: `--${name}`}, () => normalizeArg(spec, value, `plan.step${step}.${name}`));
  }
}

/**
 * `--data DIR` records the converted dataset and trains every selected step on it (local/jsonfile); a plan that already
 * records one keeps it for newly selected steps, unless --data_path names other data, which drops the record.
 */
function applyDataArg(plan: Plan, values: Values, given: ReadonlySet<string>, cwd: string): void {
  const dataPath = given.has("data_path") ? (values as Record<string, unknown>).data_path as string[] : null;
  if (values.data !== undefined) {
    if (dataPath && !usesOnlyLocalJsonfile(dataPath))
      throw new UserError(`--data trains on the converted dataset (data_path ${LOCAL_JSONFILE}), but --data_path names ${JSON.stringify(dataPath)}`, {where: {option: "--data_path"}, fix: "Pass only one of them."});
    const manifest = locate({option: "--data"}, () => readManifest(resolve(cwd, values.data!))!);
    applyPlanDataset(plan, planDatasetFromManifest(manifest));
  } else if (plan.dataset) {
    if (dataPath && !usesOnlyLocalJsonfile(dataPath)) plan.dataset = null;
    else applyPlanDataset(plan, plan.dataset);
  }
}

/** The plan the options describe, read files included (after every option was parsed). */
export function buildPlan(values: Values, given: ReadonlySet<string>, cwd: string): {plan: Plan; models: PlanModels; time: TimeInputs; catalog: InstanceType[]; dataRows?: RowInputs["dataRows"]} {
  const catalog = readCatalog(values.catalog, cwd);
  let plan: Plan;
  if (values.from !== undefined) {
    const path = resolve(cwd, values.from);
    const json = readJsonFile(path, {option: "--from", what: "a plan.json written by 'dschat-studio plan --out'"});
    plan = locate({option: "--from", file: path}, () => normalizePlan(json));
  } else plan = normalizePlan({});
  if (values.step) {
    plan.steps = values.step;
    for (const step of plan.steps) {
      const args = stepArgs(plan, step) as Record<string, unknown>;
      if (step === 3 && plan.steps.length > 1) args.actor_model_name_or_path = args.critic_model_name_or_path = null;
    }
  }
  const models: PlanModels = {};
  if (values.model) {
    const model = resolveModelArg(values.model, cwd, "--model");
    const first = plan.steps[0];
    if (first === 1) [plan.step1.model_name_or_path, models.step1] = [model.modelPath, model.arch];
    if (first === 2) [plan.step2.model_name_or_path, models.step2] = [model.modelPath, model.arch];
    if (first === 3) [plan.step3.actor_model_name_or_path, models.actor] = [model.modelPath, model.arch];
    if (first === 1 && plan.steps.includes(3)) models.actor = model.arch;
  }
  if (values["critic-model"]) {
    const critic = resolveModelArg(values["critic-model"], cwd, "--critic-model");
    if (plan.steps.includes(2)) [plan.step2.model_name_or_path, models.step2] = [critic.modelPath, critic.arch];
    if (plan.steps.includes(3)) {
      models.critic = critic.arch;
      if (!plan.steps.includes(2)) plan.step3.critic_model_name_or_path = critic.modelPath;
    }
  }
  for (const name of given) if (dschatArgs.has(name)) applyDschatArg(plan, name, (values as Record<string, unknown>)[name]);
  applyDataArg(plan, values, given, cwd);
  chainSteps(plan);
  const infra = plan.infrastructure;
  if (values.instance) infra.instance_type = values.instance;
  if (values.gpus) infra.gpus_per_node = values.gpus;
  if (values.nodes) infra.instance_count = values.nodes;
  if (values.spot) infra.spot = true;
  if (values["max-runtime-hours"]) infra.max_runtime_hours = values["max-runtime-hours"];
  for (const library of ["deepspeed", "transformers", "torch"] as const) if (given.has(`${library}-version`)) plan.versions[library] = values[`${library}-version`] ?? null;
  locate({option: "--instance"}, () => requireInstance(infra.instance_type, catalog));
  const time: TimeInputs = {};
  const sources = (["tokens-per-epoch", "stats", "data"] as const).filter((flag) => values[flag] !== undefined);
  if (sources.length > 1) throw new UserError(`--${sources.join(" and --")} each set the tokens per epoch`, {where: {option: `--${sources[1]}`}, fix: "Pass only one of --tokens-per-epoch, --stats and --data."});
  if (values["tokens-per-epoch"]) {
    const tokens = values["tokens-per-epoch"];
    time.tokensPerEpoch = Object.fromEntries(plan.steps.map((step) => [step, tokens]));
    time.source = "--tokens-per-epoch";
  }
  if (values.stats) Object.assign(time, readStatsRows(resolve(cwd, values.stats)));
  let dataRows: RowInputs["dataRows"];
  if (values.data) {
    const {rows, source, dataRows: counts} = readManifestRows(resolve(cwd, values.data), plan);
    Object.assign(time, {rows, source});
    dataRows = counts;
  }
  if (values.price) time.pricePerHour = values.price;
  if (values.utilisation) time.utilisation = values.utilisation;
  return {plan, models, time, catalog, dataRows};
}

export default defineCommand({
  summary: "Build the DS-Chat command, ds_config and memory/time/cost estimate for a training plan",
  synopsis: "[--from plan.json] [--model NAME|config.json] [--step 1|2|3|all] [--<dschat_arg> VALUE ...] [options]",
  description: `Builds a DS-Chat run from one plan: the deepspeed command per step, the DeepSpeed config DS-Chat will build
(key for key), the per-GPU memory breakdown, fit and largest batch per instance type, time and cost, and the findings
(exit code 4 when DS-Chat would refuse the plan or crash).

Any argument of the selected steps' main.py is accepted, in DS-Chat's spelling or kebab-case, e.g.
--per_device_train_batch_size 8 (or --per-device-train-batch-size 8) --zero_stage 3 --lora_dim 128
--gradient_checkpointing (boolean flags take no value; list arguments such as --data_path take several).`,
  options,
  positionals: {name: "positional", min: 0, max: 0},
  schema: "plan-report",
  notes: "Time and cost: DS-Chat pads every sample, so compute = rows × sequence length; give --tokens-per-epoch, --stats or --data.",
  async run({values, given}, io) {
    if (values.instances) {
      const catalog = readCatalog(values.catalog, io.cwd);
      return {json: instancesJson(catalog), text: () => instancesText(catalog)};
    }
    if (values.out) await restorePlanDir(resolve(io.cwd, values.out));
    const {plan, models, time, catalog, dataRows} = buildPlan(values, given, io.cwd);
    const report = planReport(plan, {models, time, catalog, dataRows, localModels: localModels(plan, io.cwd)});
    if (values.out) {
      const written = await writePlanDir(resolve(io.cwd, values.out), report, values.data === undefined ? {} : {dataDir: resolve(io.cwd, values.data)});
      io.stderr.write(`wrote ${written.map(escapeData).join(", ")}\n`);
    }
    return {json: versioned("plan-report", report), text: () => planText(report), findings: report.lint};
  }
});
