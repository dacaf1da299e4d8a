/**
 * `lint(context)`: every registered rule whose inputs are present, findings sorted errors first.
 * Isomorphic: no Node or DOM imports.
 */
import {datasetRules} from "./datasetRules.js";
import {dschatIssueRules} from "./dschatIssueRules.js";
import {defaultThresholds, type Finding, type LintContext, type LintRule, type ResolvedLintContext, type Severity} from "./lintContext.js";
import {planRules} from "./planRules.js";

export const lintRules: readonly LintRule[] = [...datasetRules, ...planRules, ...dschatIssueRules];

const severityOrder: Record<Severity, number> = {error: 0, warning: 1, info: 2};

export function lint(context: LintContext, rules: readonly LintRule[] = lintRules): Finding[] {
  const resolved: ResolvedLintContext = {
    dataset: context.dataset ?? null,
    plan: context.plan ?? null,
    steps: context.steps ?? (context.plan ? [context.plan.step] : [1, 2, 3]),
    thresholds: {...defaultThresholds, ...context.thresholds}
  };
  const ready = (rule: LintRule) =>
    rule.needs.every((need) => (need === "dataset" ? !!resolved.dataset : need === "tokens" ? !!resolved.dataset?.tokenized : !!resolved.plan));
  const findings: Finding[] = [];
  for (const rule of rules) {
    if (!ready(rule)) continue;
    for (const {rule: refined, severity, step, message, fix, ...where} of rule.check(resolved)) {
      findings.push({severity: severity ?? rule.severity, rule: refined ?? rule.id, ...(step !== undefined && {step}), message, fix, ...where});
    }
  }
  return findings.sort((a, b) => severityOrder[a.severity] - severityOrder[b.severity]);
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((finding) => finding.severity === "error");
}
