import {resolve} from "node:path";
import type {Phase} from "../../src/core/canonical.js";
import {versioned} from "../../src/core/contract/schemaVersions.js";
import {locate, UserError} from "../../src/core/contract/userError.js";
import type {Finding, PlanFacts} from "../../src/core/lint/lintContext.js";
import {lint, lintRules} from "../../src/core/lint/lint.js";
import {datasetSettingsForStep, mergeStepFindings} from "../../src/core/lint/stepDataset.js";
import {isPlanJson, planFactsFromJson} from "../../src/core/lint/planFacts.js";
import {normalizePlan} from "../../src/core/plan/normalizePlan.js";
import {planModels} from "../../src/core/plan/planModels.js";
import {stepPlanFacts} from "../../src/core/report/stepPlanFacts.js";
import {localModels} from "../../loaders/plan/localModels.js";
import {collectDatasetFacts} from "../../loaders/stats/collectDatasetFacts.js";
import {readJsonFile} from "../../loaders/readJsonFile.js";
import {defineCommand} from "../command.js";
import {withEveryDschatArg} from "../options/dschatOptions.js";
import {flag, option} from "../options/optionSpec.js";
import {share, step, text} from "../options/parsers.js";
import {createCountProgress} from "../views/progress.js";
import {tokenOptions} from "../options/tokenOptions.js";

const count = (findings: Finding[], severity: Finding["severity"]) => findings.filter((f) => f.severity === severity).length;

function findingsText(findings: Finding[], counts: {errors: number; warnings: number; infos: number}): string {
  const lines = findings.flatMap((f) => [
    `${f.severity.toUpperCase().padEnd(7)} ${f.rule}: ${f.message}`,
    `        fix: ${f.fix}`,
    ...(f.rows?.length ? [`        rows: ${f.rows.join(", ")}`] : [])
  ]);
  lines.push(`${counts.errors} error(s), ${counts.warnings} warning(s), ${counts.infos} info`);
  return lines.join("\n") + "\n";
}

/**
 * One PlanFacts per planned step. A plan.json gets the same facts `plan` computes (memory fit, vocabularies, the critic
 * checkpoint on disk), so `lint --plan` and `plan` report the same plan findings; a bare PlanFacts object is taken as is.
 */
function readPlan(path: string, cwd: string): PlanFacts[] {
  const json = readJsonFile(path, {option: "--plan", what: "a plan.json (dschat-studio plan --out) or a PlanFacts object"});
  return locate({option: "--plan", file: path}, () => {
    if (!isPlanJson(json)) return planFactsFromJson(json);
    const plan = normalizePlan(json);
    const models = planModels(plan);
    return plan.steps.map((step) => stepPlanFacts(plan, step, models, {localModels: localModels(plan, cwd)}));
  });
}

export default defineCommand({
  summary: "Check converted data (and a plan) for DS-Chat crashes, silent data loss and memory limits",
  synopsis: "<converted-dir> [--plan plan.json] [--tokenizer PATH|NAME] [options]",
  description: `Checks a converted directory (and optionally a planned run) for what makes DS-Chat crash, silently misuse the data
or run out of memory. Prints each finding with its rule, severity, message and fix; exit code 4 when any is an error.
Without --tokenizer the token checks (truncation, dropped prompts, identical pairs, divergence, data-cache size) are
skipped. --rules lists the rules.`,
  options: withEveryDschatArg({
    plan: option({parse: text, placeholder: "FILE", help: "plan JSON: a dschat-studio plan.json, or a PlanFacts object ({step, modelName, zeroStage, ...}; see the README). Its step, seed, data_split and sequence lengths override the options below"}),
    step: option({parse: step, placeholder: "1|2|3", help: "check the data for this DS-Chat step only (default: the plan's, else all three)"}),
    ...tokenOptions,
    "truncation-threshold": option({parse: share, placeholder: "X", help: "warn above this share of truncated rows (default 0.05)"}),
    "drop-threshold": option({parse: share, placeholder: "X", help: "warn above this share of dropped step-3 prompts (default 0.05)"}),
    rules: flag("list the rules and exit")
  }, "to lint a planned run's arguments, pass them to 'dschat-studio plan' (or its plan.json with --plan)"),
  positionals: {name: "<converted-dir>", min: 0, max: 1},
  schema: "lint",
  async run({values, positionals}, io) {
    if (values.rules) {
      const rules = lintRules.map(({id, severity, title, needs}) => ({rule: id, severity, title, needs}));
      return {json: versioned("lint-rules", {rules}), text: () => rules.map((r) => `${r.rule.padEnd(28)} ${r.severity.padEnd(8)} ${r.title}`).join("\n") + "\n"};
    }
    if (positionals.length !== 1) {
      throw new UserError("expects one converted directory", {fix: "Pass the folder 'dschat-studio convert --out' wrote (or --rules to list the rules)."});
    }
    const plans = values.plan ? readPlan(resolve(io.cwd, values.plan), io.cwd) : [null];
    const thresholds = {
      ...(values["truncation-threshold"] !== undefined && {truncatedRate: values["truncation-threshold"]}),
      ...(values["drop-threshold"] !== undefined && {droppedRate: values["drop-threshold"]})
    };
    const perStep: {step: Phase | null; findings: Finding[]}[] = [];
    for (const plan of plans) {
      const {facts: dataset} = await collectDatasetFacts({
        dir: positionals[0],
        tokenizer: values.tokenizer ?? null,
        modelName: values.model ?? plan?.modelName ?? null,
        addEotToken: plan?.addEotToken ? plan.eotToken ?? "<|endoftext|>" : null,
        ...datasetSettingsForStep(plan, {dataSplit: values.data_split, seed: values.seed, maxSeqLen: values.max_seq_len, maxPromptSeqLen: values.max_prompt_seq_len}),
        sample: values.sample ?? null,
        gpusPerNode: plan?.gpusPerNode ?? 1,
        download: values.download,
        env: io.env,
        cwd: io.cwd,
        onProgress: createCountProgress(io.stderr, "tokenizing")
      });
      const steps = plan ? [plan.step] : values.step === undefined ? undefined : [values.step];
      perStep.push({step: plan?.step ?? null, findings: lint({dataset, plan, steps, thresholds})});
    }
    const findings = mergeStepFindings(perStep);
    const counts = {errors: count(findings, "error"), warnings: count(findings, "warning"), infos: count(findings, "info")};
    return {json: versioned("lint", {findings, ...counts}), text: () => findingsText(findings, counts), findings};
  }
});
