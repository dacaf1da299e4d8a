import {readFileSync} from "node:fs";
import {resolve} from "node:path";
import {parseArgs} from "node:util";
import type {Phase} from "../../../src/core/canonical.js";
import type {TimeInputs} from "../../../src/core/estimate/estimateTime.js";
import type {InstanceType} from "../../../src/core/estimate/instanceCatalog.js";
import {instanceCatalog, normalizeInstanceCatalog} from "../../../src/core/estimate/instanceCatalog.js";
import type {ArgSpec} from "../../../src/core/plan/dschatArgs.js";
import {argSpecsByStep} from "../../../src/core/plan/dschatArgs.js";
import type {Plan} from "../../../src/core/plan/normalizePlan.js";
import {chainSteps, normalizeArg, normalizePlan, stepArgs} from "../../../src/core/plan/normalizePlan.js";
import type {PlanModels} from "../../../src/core/plan/planModels.js";
import type {PlanReport} from "../../../src/core/plan/planReport.js";
import {planReport} from "../../../src/core/plan/planReport.js";
import {readManifestRows, readStatsRows} from "../../plan/readTokenInputs.js";
import {resolveModelArg} from "../../plan/resolveModelArg.js";
import {writePlanDir} from "../../plan/writePlanDir.js";
import type {CliIO, Command} from "../command.js";
import {CliError, EXIT_FINDINGS, EXIT_OK} from "../errors.js";
import {formatPlanReport} from "../../plan/formatPlanReport.js";

const usage = `Usage: dschat-studio plan [--from plan.json] [--model NAME|config.json] [--step 1|2|3|all] [--<dschat_arg> VALUE ...] [options]

Builds a DS-Chat run from one plan: the deepspeed command per step, the DeepSpeed config DS-Chat will build
(key for key), the per-GPU memory breakdown, fit and largest batch per instance type, time and cost, and lint.

Plan:
  --from FILE           start from a plan.json (as written by --out); flags below override it
  --step S              1 (SFT), 2 (reward model), 3 (PPO) or all (chained; default 1, or the plan's)
  --model M             model of the step (step 3: the actor; all: step 1 and the actor): a registry name such as
                        facebook/opt-1.3b, a checkpoint directory, or its config.json
  --critic-model M      step 3's critic and reward model (all: also step 2's model)
  --<arg> VALUE         any argument of the selected steps' main.py, spelt as DS-Chat spells it, e.g.
                        --per_device_train_batch_size 8 --zero_stage 3 --lora_dim 128 --gradient_checkpointing
                        (boolean flags take no value; list arguments such as --data_path take several)
Infrastructure:
  --instance TYPE       instance type (default ml.g5.2xlarge); one of the catalogue in 'plan --instances'
  --catalog FILE        JSON list of instance types that replace or extend the built-in catalogue
                        ({name, gpu: "A100_80" | {name, memoryGiB, peakTflops, bandwidthGBs, bf16}, gpuCount,
                        hostMemoryGiB, pricePerHour, priceSource})
  --gpus N              GPUs per node (default: the instance type's)
  --nodes N             instance count (default 1)
  --spot                managed spot pricing
  --max-runtime-hours H flag estimates longer than this (default 24)
Time and cost (DS-Chat pads every sample, so compute = rows × sequence length):
  --tokens-per-epoch N  compute tokens per epoch of each selected step
  --stats FILE          rows per phase from 'dschat-studio stats --json' output
  --data DIR            rows per phase from a converted directory's manifest.json, split by the plan's data_split
  --price USD           $/h per instance, overriding the catalogue
  --utilisation U       fraction of GPU peak FLOPS reached (default 0.35)
Output:
  --json                print {"plan","command","ds_config","memory","estimate","lint"} on stdout
  --out DIR             write plan.json, ds_config.json and run.sh into DIR
  --instances           list the instance catalogue and exit
  -h, --help            show this help

Exit codes: 0 ok, 2 unusable input or arguments, 4 the plan has errors (DS-Chat would refuse or crash).`;

/** Every DS-Chat argument of the three scripts, once, for parseArgs. */
const dschatSpecs = new Map<string, ArgSpec>();
for (const specs of Object.values(argSpecsByStep)) for (const spec of specs) if (!dschatSpecs.has(spec.name)) dschatSpecs.set(spec.name, spec);

const ownOptions = {
  from: {type: "string"},
  step: {type: "string"},
  model: {type: "string"},
  "critic-model": {type: "string"},
  instance: {type: "string"},
  catalog: {type: "string"},
  gpus: {type: "string"},
  nodes: {type: "string"},
  spot: {type: "boolean"},
  "max-runtime-hours": {type: "string"},
  "tokens-per-epoch": {type: "string"},
  stats: {type: "string"},
  data: {type: "string"},
  price: {type: "string"},
  utilisation: {type: "string"},
  json: {type: "boolean", default: false},
  out: {type: "string"},
  instances: {type: "boolean", default: false}
} as const;

type OptionConfig = {type: "string" | "boolean"; multiple?: boolean};
const options: Record<string, OptionConfig> = {...ownOptions};
for (const [name, spec] of dschatSpecs) options[name] = spec.kind === "bool" ? {type: "boolean"} : {type: "string", multiple: spec.kind === "strings"};

/** DS-Chat's list arguments are argparse `nargs="*"` (`--data_path a b`); parseArgs wants the flag repeated. */
export function expandListArgs(argv: string[]): string[] {
  const expanded: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    expanded.push(token);
    const spec = token.startsWith("--") ? dschatSpecs.get(token.slice(2)) : undefined;
    if (spec?.kind !== "strings") continue;
    let first = true;
    while (i + 1 < argv.length && !argv[i + 1].startsWith("-")) {
      if (!first) expanded.push(token);
      expanded.push(argv[++i]);
      first = false;
    }
  }
  return expanded;
}

function positiveNumber(value: string, flag: string, integer: boolean): number {
  const number = Number(value);
  if (!value.trim() || !Number.isFinite(number) || number <= 0 || (integer && !Number.isInteger(number)))
    throw new CliError(`--${flag} ${JSON.stringify(value)} must be a positive ${integer ? "whole number" : "number"}, e.g. --${flag} ${integer ? 8 : 1.5}`);
  return number;
}

function readJsonFile(file: string, cwd: string, flag: string): unknown {
  try {
    return JSON.parse(readFileSync(resolve(cwd, file), "utf8"));
  } catch (error) {
    throw new CliError(`cannot read --${flag} ${file}: ${(error as Error).message}`, {cause: error});
  }
}

function parseStep(value: string): Phase[] {
  if (value === "all") return [1, 2, 3];
  if (value === "1" || value === "2" || value === "3") return [Number(value) as Phase];
  throw new CliError(`--step ${JSON.stringify(value)} must be 1, 2, 3 or all`);
}

/** Applies one DS-Chat flag to every selected step whose main.py has it. */
function applyDschatArg(plan: Plan, name: string, raw: string | boolean | string[]): void {
  const steps = plan.steps.filter((step) => argSpecsByStep[step].some((spec) => spec.name === name));
  if (steps.length === 0) throw new CliError(`--${name} is not an argument of step ${plan.steps.join("/")}'s main.py; choose the step with --step`);
  for (const step of steps) {
    const spec = argSpecsByStep[step].find((candidate) => candidate.name === name)!;
    try {
      (stepArgs(plan, step) as Record<string, unknown>)[name] = normalizeArg(spec, raw, `--${name}`);
    } catch (error) {
      throw new CliError((error as Error).message, {cause: error});
    }
  }
}

function userError<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError((error as Error).message, {cause: error});
  }
}

export function buildPlan(values: Record<string, unknown>, cwd: string): {plan: Plan; models: PlanModels; time: TimeInputs; catalog: InstanceType[]} {
  const catalog = values.catalog ? userError(() => normalizeInstanceCatalog(readJsonFile(values.catalog as string, cwd, "catalog"))) : [...instanceCatalog];
  const spec = values.from ? readJsonFile(values.from as string, cwd, "from") : {};
  const plan = userError(() => normalizePlan(spec));
  if (values.step) {
    plan.steps = parseStep(values.step as string);
    for (const step of plan.steps) {
      const args = stepArgs(plan, step) as Record<string, unknown>;
      if (step === 3 && plan.steps.length > 1) args.actor_model_name_or_path = args.critic_model_name_or_path = null;
    }
  }
  const models: PlanModels = {};
  if (values.model) {
    const model = userError(() => resolveModelArg(values.model as string, cwd));
    const first = plan.steps[0];
    if (first === 1) [plan.step1.model_name_or_path, models.step1] = [model.modelPath, model.arch];
    if (first === 2) [plan.step2.model_name_or_path, models.step2] = [model.modelPath, model.arch];
    if (first === 3) [plan.step3.actor_model_name_or_path, models.actor] = [model.modelPath, model.arch];
    if (first === 1 && plan.steps.includes(3)) models.actor = model.arch;
  }
  if (values["critic-model"]) {
    const critic = userError(() => resolveModelArg(values["critic-model"] as string, cwd));
    if (plan.steps.includes(2)) [plan.step2.model_name_or_path, models.step2] = [critic.modelPath, critic.arch];
    if (plan.steps.includes(3)) {
      models.critic = critic.arch;
      if (!plan.steps.includes(2)) plan.step3.critic_model_name_or_path = critic.modelPath;
    }
  }
  for (const [name, value] of Object.entries(values)) if (dschatSpecs.has(name) && value !== undefined) applyDschatArg(plan, name, value as string);
  chainSteps(plan);
  const infra = plan.infrastructure;
  if (values.instance) infra.instanceType = values.instance as string;
  if (values.gpus) infra.gpusPerNode = positiveNumber(values.gpus as string, "gpus", true);
  if (values.nodes) infra.instanceCount = positiveNumber(values.nodes as string, "nodes", true);
  if (values.spot) infra.spot = true;
  if (values["max-runtime-hours"]) infra.maxRuntimeHours = positiveNumber(values["max-runtime-hours"] as string, "max-runtime-hours", false);
  if (!catalog.some((entry) => entry.name.toLowerCase() === infra.instanceType.toLowerCase()))
    throw new CliError(`--instance ${JSON.stringify(infra.instanceType)} is not in the catalogue; see 'dschat-studio plan --instances' or pass --catalog`);
  const time: TimeInputs = {};
  const sources = ["tokens-per-epoch", "stats", "data"].filter((flag) => values[flag] !== undefined);
  if (sources.length > 1) throw new CliError(`pass only one of --${sources.join(", --")}: each sets the tokens per epoch`);
  if (values["tokens-per-epoch"]) {
    const tokens = positiveNumber(values["tokens-per-epoch"] as string, "tokens-per-epoch", true);
    time.tokensPerEpoch = Object.fromEntries(plan.steps.map((step) => [step, tokens]));
    time.source = "--tokens-per-epoch";
  }
  if (values.stats) Object.assign(time, userError(() => readStatsRows(resolve(cwd, values.stats as string))));
  if (values.data) Object.assign(time, userError(() => readManifestRows(resolve(cwd, values.data as string), plan)));
  if (values.price) time.pricePerHour = positiveNumber(values.price as string, "price", false);
  if (values.utilisation) {
    const utilisation = positiveNumber(values.utilisation as string, "utilisation", false);
    if (utilisation > 1) throw new CliError(`--utilisation ${utilisation} must be a fraction of peak, at most 1 (e.g. 0.35)`);
    time.utilisation = utilisation;
  }
  return {plan, models, time, catalog};
}

function instancesText(catalog: readonly InstanceType[]): string {
  const lines = ["instance type        GPUs  GPU           GiB/GPU  host GiB  $/h      price source"];
  for (const entry of catalog)
    lines.push(
      `${entry.name.padEnd(20)} ${String(entry.gpuCount).padStart(4)}  ${entry.gpu.name.padEnd(12)} ${String(entry.gpu.memoryGiB).padStart(8)}  ${String(entry.hostMemoryGiB).padStart(8)}  ${(entry.pricePerHour?.toFixed(3) ?? "—").padEnd(8)} ${entry.priceSource}`
    );
  return lines.join("\n") + "\n";
}

const command: Command = {
  summary: "Build the DS-Chat command, ds_config and memory/time/cost estimate for a training plan",
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const {values} = parseArgs({args: expandListArgs(argv), options, strict: true, allowPositionals: false});
    if (values.instances) {
      const catalog = values.catalog ? userError(() => normalizeInstanceCatalog(readJsonFile(values.catalog as string, io.cwd, "catalog"))) : instanceCatalog;
      io.stdout.write(instancesText(catalog));
      return EXIT_OK;
    }
    const {plan, models, time, catalog} = buildPlan(values, io.cwd);
    const report: PlanReport = userError(() => planReport(plan, {models, time, catalog}));
    if (values.out) {
      const written = await writePlanDir(resolve(io.cwd, values.out as string), report);
      io.stderr.write(`wrote ${written.join(", ")}\n`);
    }
    const {plan: planOut, command: commands, ds_config, memory, estimate, lint} = report;
    io.stdout.write(values.json ? JSON.stringify({plan: planOut, command: commands, ds_config, memory, estimate, lint}, null, 2) + "\n" : formatPlanReport(report));
    return lint.some((finding) => finding.severity === "error") ? EXIT_FINDINGS : EXIT_OK;
  }
};

export default command;
