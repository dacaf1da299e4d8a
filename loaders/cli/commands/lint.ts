import {readFileSync} from "node:fs";
import {resolve} from "node:path";
import {parseArgs} from "node:util";
import type {Phase} from "../../../src/core/canonical.js";
import type {Finding, PlanFacts} from "../../../src/core/lint/lintContext.js";
import {hasErrors, lint, lintRules} from "../../../src/core/lint/lint.js";
import {planFactsFromJson} from "../../../src/core/lint/planFacts.js";
import {collectDatasetFacts} from "../../stats/collectDatasetFacts.js";
import type {Command} from "../command.js";
import {CliError, EXIT_FINDINGS, EXIT_OK} from "../errors.js";
import {asInputError, positiveInteger, wholeNumber} from "./stats.js";

const usage = `Usage: dschat-studio lint <converted-dir> [--plan plan.json] [--tokenizer PATH|NAME] [options]

Checks a converted directory (and optionally a planned run) for what makes DS-Chat crash, silently misuse the data
or run out of memory. Prints each finding with its rule id, severity, message and fix.
Exit code 4 when any finding is an error, 0 otherwise.

Options:
  --plan FILE                plan JSON: a dschat-studio plan ({steps, step1, step2, step3, infrastructure}) or a
                             PlanFacts object ({step, modelName, zeroStage, ...}; see the README). Its step, seed,
                             data_split and sequence lengths override the flags below.
  --step 1|2|3               check the data for this DS-Chat step only (default: the plan's, else all three)
  --tokenizer PATH|NAME      enables the token checks (truncation, dropped prompts, identical pairs, divergence,
                             data-cache size): tokenizer.json, model folder or name, or gpt2 / llama2
  --model NAME               model name for the tokenizer's family rules (default: the plan's, else the tokenizer's)
  --max-seq-len N            (default 512)       --max-prompt-seq-len N   (default 256)
  --data-split A,B,C         (default 2,4,4)     --seed N                 (default 1234)
  --sample N                 tokenize a seeded sample of N rows (rates get 95% intervals)
  --truncation-threshold X   warn above this share of truncated rows (default 0.05)
  --drop-threshold X         warn above this share of dropped step-3 prompts (default 0.05)
  --download                 fetch the tokenizer from huggingface.co when it is not in the HF cache
  --rules                    list the rules and exit
  --json                     print {findings, errors, warnings, infos} as one JSON document
`;

const command: Command = {
  summary: "Check converted data (and a plan) for DS-Chat crashes, silent data loss and memory limits",
  usage,
  async run(argv, io) {
    const {values, positionals} = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        "plan": {type: "string"},
        "step": {type: "string"},
        "tokenizer": {type: "string"},
        "model": {type: "string"},
        "max-seq-len": {type: "string"},
        "max-prompt-seq-len": {type: "string"},
        "data-split": {type: "string"},
        "seed": {type: "string"},
        "sample": {type: "string"},
        "truncation-threshold": {type: "string"},
        "drop-threshold": {type: "string"},
        "download": {type: "boolean", default: false},
        "rules": {type: "boolean", default: false},
        "json": {type: "boolean", default: false}
      }
    });
    if (values.rules) {
      const rules = lintRules.map(({id, severity, title, needs}) => ({id, severity, title, needs}));
      io.stdout.write(values.json ? JSON.stringify(rules) + "\n" : rules.map((r) => `${r.id.padEnd(28)} ${r.severity.padEnd(8)} ${r.title}`).join("\n") + "\n");
      return EXIT_OK;
    }
    if (positionals.length !== 1) throw new CliError(`expected one converted directory, got ${positionals.length}. See 'dschat-studio lint --help'.`);
    const plans = values.plan ? readPlan(resolve(io.cwd, values.plan)) : [null];
    const thresholds = {
      ...(values["truncation-threshold"] !== undefined && {truncatedRate: share(values["truncation-threshold"], "--truncation-threshold")}),
      ...(values["drop-threshold"] !== undefined && {droppedRate: share(values["drop-threshold"], "--drop-threshold")})
    };
    const perStep: {step: Phase | null; findings: Finding[]}[] = [];
    for (const plan of plans) {
      const settings = {
        maxSeqLen: plan?.maxSeqLen ?? positiveInteger(values["max-seq-len"] ?? "512", "--max-seq-len"),
        maxPromptSeqLen: plan?.maxPromptSeqLen ?? positiveInteger(values["max-prompt-seq-len"] ?? "256", "--max-prompt-seq-len"),
        dataSplit: plan?.dataSplit ?? values["data-split"] ?? "2,4,4",
        // Step 3 without a seed has no reproducible split; lint its data with DS-Chat's steps-1/2 default and flag the seed.
        seed: plan?.seed ?? wholeNumber(values.seed ?? "1234", "--seed")
      };
      let dataset;
      try {
        ({facts: dataset} = await collectDatasetFacts({
          dir: positionals[0],
          tokenizer: values.tokenizer ?? null,
          modelName: values.model ?? plan?.modelName ?? null,
          addEotToken: plan?.addEotToken ? plan.eotToken ?? "<|endoftext|>" : null,
          ...settings,
          sample: values.sample === undefined ? null : positiveInteger(values.sample, "--sample"),
          gpusPerNode: plan?.gpusPerNode ?? 1,
          download: values.download,
          env: io.env,
          cwd: io.cwd
        }));
      } catch (error) {
        throw asInputError(error);
      }
      const steps = plan ? [plan.step] : values.step === undefined ? undefined : [step(values.step)];
      perStep.push({step: plan?.step ?? null, findings: lint({dataset, plan, steps, thresholds})});
    }
    const findings = mergeSteps(perStep);
    const counts = {errors: count(findings, "error"), warnings: count(findings, "warning"), infos: count(findings, "info")};
    io.stdout.write(values.json ? JSON.stringify({findings, ...counts}) + "\n" : formatFindings(findings, counts));
    return hasErrors(findings) ? EXIT_FINDINGS : EXIT_OK;
  }
};

export default command;

function readPlan(path: string): PlanFacts[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new CliError(`cannot read the plan ${path}: ${(error as Error).message}`, {cause: error});
  }
  try {
    return planFactsFromJson(json);
  } catch (error) {
    throw new CliError(`${path}: ${(error as Error).message}`, {cause: error});
  }
}

function step(text: string): Phase {
  if (text !== "1" && text !== "2" && text !== "3") throw new CliError(`--step ${JSON.stringify(text)} is not a DS-Chat step: use 1, 2 or 3.`);
  return Number(text) as Phase;
}

function share(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0 || value > 1) throw new CliError(`${flag} ${JSON.stringify(text)} is not a share between 0 and 1 (e.g. 0.05).`);
  return value;
}

const severityOrder = {error: 0, warning: 1, info: 2} as const;

/**
 * One list for a multi-step plan: a finding several steps share (same rule and message, e.g. about the data) is listed
 * once, prefixed with the steps it concerns; errors first.
 */
function mergeSteps(perStep: {step: Phase | null; findings: Finding[]}[]): Finding[] {
  if (perStep.length === 1) return perStep[0].findings;
  const merged = new Map<string, {finding: Finding; steps: Phase[]}>();
  for (const {step, findings} of perStep) {
    for (const finding of findings) {
      const key = JSON.stringify([finding.id, finding.severity, finding.message, finding.rows ?? []]);
      const entry = merged.get(key);
      if (entry) entry.steps.push(step!);
      else merged.set(key, {finding, steps: [step!]});
    }
  }
  return [...merged.values()]
    .map(({finding, steps}) => ({...finding, message: `step${steps.length > 1 ? "s" : ""} ${steps.join(", ")}: ${finding.message}`}))
    .sort((a, b) => severityOrder[a.severity] - severityOrder[b.severity]);
}

const count = (findings: Finding[], severity: Finding["severity"]) => findings.filter((f) => f.severity === severity).length;

function formatFindings(findings: Finding[], counts: {errors: number; warnings: number; infos: number}): string {
  const lines = findings.flatMap((f) => [
    `${f.severity.toUpperCase().padEnd(7)} ${f.id}: ${f.message}`,
    `        fix: ${f.fix}`,
    ...(f.rows?.length ? [`        rows: ${f.rows.join(", ")}`] : [])
  ]);
  lines.push(`${counts.errors} error(s), ${counts.warnings} warning(s), ${counts.infos} info`);
  return lines.join("\n") + "\n";
}
