/** The human view of `dschat-studio plan`: the same facts as --json, in the order a user acts on them. */
import type {PlanReport} from "../../src/core/plan/planReport.js";

const STEP_NAMES = {1: "SFT", 2: "reward model", 3: "PPO"} as const;

function gib(value: number): string {
  return `${value.toFixed(2)} GiB`;
}

function hours(value: number): string {
  if (value >= 48) return `${(value / 24).toFixed(1)} days`;
  if (value >= 1) return `${value.toFixed(1)} h`;
  return value * 60 >= 1 ? `${Math.round(value * 60)} min` : `${Math.max(1, Math.round(value * 3600))} s`;
}

export function formatPlanReport(report: PlanReport): string {
  const {memory, estimate, lint} = report;
  const out: string[] = [];
  const models = Object.entries(memory.models).map(([role, id]) => `${role} ${id}`).join(", ");
  out.push(`Plan: step ${report.plan.steps.join(" → ")} on ${memory.worldSize} × ${memory.gpu} (${memory.instanceType}; ${memory.gpuMemoryGiB} GiB per GPU); ${models || "no known model"}`);
  out.push("", "Commands (run from applications/DeepSpeed-Chat):");
  for (const command of report.command) out.push(`  ${command.shell}`);
  for (const step of memory.steps) {
    out.push("", `Memory per GPU, step ${step.step} (${STEP_NAMES[step.step]}), peak in ${step.peakPhase}: ${gib(step.reservedGiB)} reserved (${gib(step.allocatedGiB)} allocated) of ${memory.gpuMemoryGiB} GiB — ${step.fits ? "fits" : "DOES NOT FIT"}`);
    for (const term of step.terms) if (term.GiB > 0) out.push(`  ${`${term.model} ${term.kind}`.padEnd(24)} ${gib(term.GiB).padStart(11)}  ${term.formula}`);
    out.push(`  host memory per node: ${gib(step.hostGiB)}`);
    for (const term of step.host) out.push(`    ${`${term.model} ${term.kind}`.padEnd(22)} ${gib(term.GiB).padStart(11)}  ${term.formula}`);
    if (step.deepspeedEstimator) out.push(`  DeepSpeed's own model-state estimator: ${gib(step.deepspeedEstimator.gpuGiB)} per GPU (${step.deepspeedEstimator.formula})`);
  }
  const current = estimate.fit.find((fit) => fit.instanceType === memory.instanceType);
  if (current) out.push("", `Largest per-device batch on ${current.instanceType}: ${Object.entries(current.largestBatch).map(([step, batch]) => `step ${step}: ${batch || "none fits"}`).join(", ")}`);
  const fitting = estimate.fit.filter((fit) => fit.fits && fit.pricePerHour !== null).sort((a, b) => a.pricePerHour! - b.pricePerHour!);
  out.push(`Instance types that fit (cheapest first): ${fitting.length ? fitting.slice(0, 6).map((fit) => `${fit.instanceType} ($${fit.pricePerHour}/h)`).join(", ") : "none in the catalogue"}`);
  const time = estimate.time;
  if (time) {
    out.push("", `Time: ${hours(time.hours)}${time.cost !== null ? `, cost ≈ $${time.cost.toFixed(2)} (${time.priceSource})` : ", no price for this instance (pass --price)"}${time.exceedsMaxRuntime ? `; exceeds max runtime ${report.plan.infrastructure.maxRuntimeHours} h` : ""}`);
    for (const step of time.steps) out.push(`  step ${step.step}: ${hours(step.hours)}${step.generationHours ? ` (generation ${hours(step.generationHours)})` : ""}; ${step.tokensSource}`);
  } else {
    out.push("", "Time and cost: pass --tokens-per-epoch, --stats or --data");
  }
  if (lint.length) {
    out.push("", "Findings:");
    for (const finding of lint) out.push(`  ${finding.severity} [${finding.rule}] step ${finding.step}: ${finding.message}${finding.fix ? ` Fix: ${finding.fix}` : ""}`);
  }
  out.push("", "Assumptions: see 'plan --json' (memory.assumptions, estimate.time.assumptions).");
  return out.join("\n") + "\n";
}
