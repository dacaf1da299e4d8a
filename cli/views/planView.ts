/** The human view of `dschat-studio plan`: the same facts as --json, in the order a user acts on them. */
import type {InstanceType} from "../../src/core/estimate/instanceCatalog.js";
import {formatHours} from "../../src/core/estimate/formatHours.js";
import type {PlanReport} from "../../src/core/report/planReport.js";

const STEP_NAMES = {1: "SFT", 2: "reward model", 3: "PPO"} as const;

function gib(value: number): string {
  return `${value.toFixed(2)} GiB`;
}

export function planText(report: PlanReport): string {
  const {memory, estimate, lint} = report;
  const out: string[] = [];
  const models = Object.entries(memory.models).map(([role, id]) => `${role} ${id}`).join(", ");
  out.push(`Plan: step ${report.plan.steps.join(" → ")} on ${memory.world_size} × ${memory.gpu} (${memory.instance_type}; ${memory.gpu_memory_gib} GiB per GPU); ${models || "no known model"}`);
  const v = report.plan.versions;
  const version = (value: string | null) => value ?? "unknown";
  out.push(`Versions: DeepSpeed ${version(v.deepspeed)}, transformers ${version(v.transformers)}, torch ${version(v.torch)}, DS-Chat ${v.dschat} (--deepspeed-version etc. to change)`);
  out.push("", "Commands (run from applications/DeepSpeed-Chat):");
  for (const command of report.command) out.push(`  ${command.shell}`);
  for (const step of memory.steps) {
    out.push("", `Memory per GPU, step ${step.step} (${STEP_NAMES[step.step]}), peak in ${step.peak_phase}: ${gib(step.reserved_gib)} reserved (${gib(step.allocated_gib)} allocated) of ${memory.gpu_memory_gib} GiB — ${step.fits ? "fits" : "DOES NOT FIT"}`);
    for (const term of step.terms) if (term.gib > 0) out.push(`  ${`${term.model} ${term.kind}`.padEnd(24)} ${gib(term.gib).padStart(11)}  ${term.formula}`);
    out.push(`  host memory per node: ${gib(step.host_gib)}`);
    for (const term of step.host) out.push(`    ${`${term.model} ${term.kind}`.padEnd(22)} ${gib(term.gib).padStart(11)}  ${term.formula}`);
    if (step.deepspeed_estimator) out.push(`  DeepSpeed's own model-state estimator: ${gib(step.deepspeed_estimator.gpu_gib)} per GPU (${step.deepspeed_estimator.formula})`);
  }
  const current = estimate.fit.find((fit) => fit.instance_type === memory.instance_type);
  if (current) out.push("", `Largest per-device batch on ${current.instance_type}: ${Object.entries(current.largest_batch).map(([step, batch]) => `step ${step}: ${batch || "none fits"}`).join(", ")}`);
  const fitting = estimate.fit.filter((fit) => fit.fits && fit.price_per_hour !== null).sort((a, b) => a.price_per_hour! - b.price_per_hour!);
  out.push(`Instance types that fit (cheapest first): ${fitting.length ? fitting.slice(0, 6).map((fit) => `${fit.instance_type} ($${fit.price_per_hour}/h)`).join(", ") : "none in the catalogue"}`);
  const time = estimate.time;
  if (time) {
    out.push("", `Time: ${formatHours(time.hours)}${time.cost !== null ? `, cost ≈ $${time.cost.toFixed(2)} (${time.price_source})` : ", no price for this instance (pass --price)"}${time.exceeds_max_runtime ? `; exceeds max runtime ${report.plan.infrastructure.max_runtime_hours} h` : ""}`);
    for (const step of time.steps) out.push(`  step ${step.step}: ${formatHours(step.hours)}${step.generation_hours ? ` (generation ${formatHours(step.generation_hours)})` : ""}; ${step.tokens_source}`);
  } else {
    out.push("", "Time and cost: pass --tokens-per-epoch, --stats or --data");
  }
  if (lint.length) {
    out.push("", "Findings:");
    for (const finding of lint) out.push(`  ${finding.severity} [${finding.rule}] step ${finding.step}: ${finding.message} Fix: ${finding.fix}`);
  }
  out.push("", "Assumptions: see 'plan --json' (memory.assumptions, estimate.time.assumptions).");
  return out.join("\n") + "\n";
}

export function instancesText(catalog: readonly InstanceType[]): string {
  const lines = ["instance type        GPUs  GPU           GiB/GPU  host GiB  $/h      price source"];
  for (const entry of catalog)
    lines.push(
      `${entry.name.padEnd(20)} ${String(entry.gpuCount).padStart(4)}  ${entry.gpu.name.padEnd(12)} ${String(entry.gpu.memoryGiB).padStart(8)}  ${String(entry.hostMemoryGiB).padStart(8)}  ${(entry.pricePerHour?.toFixed(3) ?? "—").padEnd(8)} ${entry.priceSource}`
    );
  return lines.join("\n") + "\n";
}
