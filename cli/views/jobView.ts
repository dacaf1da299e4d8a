/** The human views of the SageMaker commands: a job, a list of jobs, a submission; simulated jobs say so on every view. */
import type {SubmissionDocument} from "../../loaders/aws/submitPlan.js";
import type {JobDescription, JobSummary} from "../../loaders/aws/trainingJobs.js";
import {escapeData} from "./terminal.js";

// Log lines and AWS messages are not ours: every control character is shown escaped (escapeData), never sent to the terminal.

export const SIMULATED_BANNER =
  "[SIMULATED] dschat-studio's local emulator: no AWS account, no GPU, no model is trained; the job's log replays a published DS-Chat log.";

function seconds(value: number | null): string {
  if (value === null) return "—";
  return value < 120 ? `${value} s` : `${(value / 60).toFixed(1)} min`;
}

export function jobText(job: JobDescription, lastLines: ReadonlyArray<{host: string; message: string}> = []): string {
  const out: string[] = [];
  if (job.simulated) out.push(SIMULATED_BANNER);
  out.push(`${job.name}: ${job.status} (${job.secondary_status})${job.simulated ? " [SIMULATED]" : ""}`);
  out.push(`  instances: ${job.instance_count ?? "?"} × ${job.instance_type ?? "?"}; billable ${seconds(job.billable_seconds)}; training ${seconds(job.training_seconds)}`);
  if (job.failure_reason) out.push(`  failure: ${escapeData(job.failure_reason)}`);
  if (job.model_artifact) out.push(`  model: ${job.model_artifact}`);
  out.push("  status transitions:");
  for (const t of job.transitions) out.push(`    ${(t.start_time ?? "").padEnd(24)} ${t.status.padEnd(12)} ${escapeData(t.message)}`);
  if (job.final_metrics.length) out.push(`  final metrics: ${job.final_metrics.map((m) => `${m.name}=${m.value}`).join(", ")}`);
  if (lastLines.length) {
    out.push("  last log lines:");
    for (const line of lastLines) out.push(`    [${line.host}] ${escapeData(line.message)}`);
  }
  return out.join("\n") + "\n";
}

export function jobsText(jobs: readonly JobSummary[], simulated: boolean): string {
  const out: string[] = simulated ? [SIMULATED_BANNER] : [];
  if (jobs.length === 0) out.push("No training jobs.");
  for (const job of jobs) out.push(`${(job.created_at ?? "").padEnd(24)} ${job.status.padEnd(10)} ${(job.secondary_status ?? "").padEnd(12)} ${job.name}`);
  return out.join("\n") + "\n";
}

export function submissionText(doc: SubmissionDocument): string {
  const out: string[] = doc.simulated ? [SIMULATED_BANNER] : [];
  if (doc.dry_run) out.push(`Dry run: nothing was called. ${doc.calls.length} calls would be made in ${doc.region} (--json prints them in full):`);
  if (doc.dataset) out.push(`dataset ${doc.dataset.key} → ${doc.dataset.uri}`);
  if (doc.dry_run) for (const call of doc.calls) out.push(`  ${call.service}:${call.operation}${call.unless ? ` (unless ${call.unless})` : ""}`);
  else {
    const skipped = doc.uploads.filter((upload) => upload.uploaded === false).length;
    out.push(`uploads: ${doc.uploads.length - skipped} uploaded, ${skipped} already there with the same SHA-256`);
  }
  for (const job of doc.jobs) {
    const state = job.final ? `${job.final.status}${job.final.failure_reason ? `: ${escapeData(job.final.failure_reason)}` : ""}${job.final.billable_seconds !== null ? `, billable ${seconds(job.final.billable_seconds)}` : ""}` : job.submitted ? (job.submitted.created ? "submitted" : "already submitted (the same request): not started again") : "planned";
    out.push(`step ${job.step} ${job.name}: ${state}${doc.simulated ? " [SIMULATED]" : ""}`);
    if (job.final?.model_artifact ?? (doc.dry_run ? null : job.model_artifact)) out.push(`  model: ${job.final?.model_artifact ?? job.model_artifact}`);
    if (job.run_record) out.push(`  run record: ${job.run_record}`);
  }
  for (const note of doc.notes) out.push(`note: ${note}`);
  return out.join("\n") + "\n";
}

type RunView = Awaited<ReturnType<typeof import("../../loaders/runs/runsIndex.js").runSummary>>;

const signed = (value: number) => `${value > 0 ? "+" : ""}${value}%`;

/** `runs` and `watch`: one block per run record. */
export function runsText(runs: readonly RunView[]): string {
  if (runs.length === 0) return "No run records (watch a job, submit --watch, or import-log).\n";
  const out: string[] = [];
  for (const run of runs) {
    out.push(`${run.job}${run.simulated ? " [SIMULATED]" : ""}: step ${run.step} (${run.script}), ${run.status}${run.secondary_status && run.secondary_status !== run.status ? ` (${run.secondary_status})` : ""}`);
    out.push(`  ${run.instance_count ?? "?"} × ${run.instance_type ?? "?"}; ${run.duration_seconds !== null ? `${run.duration_seconds} s` : "duration unknown"}; ${run.cost_usd !== null ? `$${run.cost_usd.toFixed(2)}` : "cost unknown"}; ${run.metrics.rows} metric rows (${run.metrics.names.length} metrics)`);
    if (run.failure_reason) out.push(`  failure: ${escapeData(run.failure_reason)}`);
    const comparison = run.comparison;
    if (comparison?.memory) out.push(`  memory per GPU: estimate ${comparison.memory.estimate_gib.toFixed(2)} GiB, measured ${comparison.memory.measured_gib.toFixed(2)} GiB (${signed(comparison.memory.diff_percent)})`);
    if (comparison?.time) out.push(`  time: estimate ${(comparison.time.estimate_hours * 60).toFixed(1)} min, measured ${(comparison.time.measured_hours * 60).toFixed(1)} min (${signed(comparison.time.diff_percent)}) for ${comparison.time.rows_trained} rows`);
    if (run.status === "Failed" || run.status === "Stopped") for (const line of run.last_lines.slice(-5)) out.push(`  [${line.host}] ${escapeData(line.message)}`);
  }
  return out.join("\n") + "\n";
}
