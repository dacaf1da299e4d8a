/**
 * Data and plan linted together, one planned step at a time, as `dschat-studio lint <dir> --plan plan.json` does: the
 * dataset is read with the step's own data_split, seed and sequence lengths (DS-Chat splits and truncates per step), and
 * a multi-step plan's findings are merged into one list. The lint command and the Config page both use this module, so
 * the page lists what the command prints. Isomorphic: no Node or DOM imports.
 */
import type {Phase} from "../canonical.js";
import type {DatasetFacts, Finding, PlanFacts} from "./lintContext.js";

export type DatasetSettings = DatasetFacts["settings"];

/** The settings a step reads its data with: the plan's where it sets them, else `fallback` (the command's options). */
export function datasetSettingsForStep(plan: PlanFacts | null, fallback: DatasetSettings): DatasetSettings {
  return {
    dataSplit: plan?.dataSplit ?? fallback.dataSplit,
    // Step 3 without a seed has no reproducible split; its data is read with the steps-1/2 default and the seed flagged.
    seed: plan?.seed ?? fallback.seed,
    maxSeqLen: plan?.maxSeqLen ?? fallback.maxSeqLen,
    maxPromptSeqLen: plan?.maxPromptSeqLen ?? fallback.maxPromptSeqLen
  };
}

/** Dataset facts built once per distinct settings (the steps of a chained plan usually share them). */
export function memoizeBySettings(build: (settings: DatasetSettings) => DatasetFacts): (settings: DatasetSettings) => DatasetFacts {
  const built = new Map<string, DatasetFacts>();
  return (settings) => {
    const key = JSON.stringify([settings.dataSplit, settings.seed, settings.maxSeqLen, settings.maxPromptSeqLen]);
    let facts = built.get(key);
    if (!facts) built.set(key, (facts = build(settings)));
    return facts;
  };
}

const severityOrder = {error: 0, warning: 1, info: 2} as const;

/**
 * One list for a multi-step plan: a finding several steps share (same rule and message, e.g. about the data) is listed
 * once, prefixed with the steps it concerns; errors first.
 */
export function mergeStepFindings(perStep: {step: Phase | null; findings: Finding[]}[]): Finding[] {
  if (perStep.length === 1) return perStep[0].findings;
  const merged = new Map<string, {finding: Finding; steps: Phase[]}>();
  for (const {step, findings} of perStep) {
    for (const finding of findings) {
      const key = JSON.stringify([finding.rule, finding.severity, finding.message, finding.rows ?? []]);
      const entry = merged.get(key);
      if (entry) entry.steps.push(step!);
      else merged.set(key, {finding, steps: [step!]});
    }
  }
  return [...merged.values()]
    .map(({finding, steps}) => ({...finding, ...(steps.length === 1 && {step: steps[0]}), message: `step${steps.length > 1 ? "s" : ""} ${steps.join(", ")}: ${finding.message}`}))
    .sort((a, b) => severityOrder[a.severity] - severityOrder[b.severity]);
}
