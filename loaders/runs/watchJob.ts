/**
 * The watch loop: a SageMaker job (or a simulated one) → its run record. Each pass describes the job, reads every host's
 * CloudWatch Logs stream from where the record stopped (the stored forward tokens), parses rank 0's lines with the
 * shared table and commits — all under the record's lock, so two watchers never store a line twice. With `follow` it
 * polls until the job ended and its logs are drained. When a finished job left no log lines to parse (logs expired, or
 * reading them denied), CloudWatch's GetMetricData series of its MetricDefinitions stand in. Nothing prints: progress goes to
 * `onUpdate`, so the CLI and a local studio server share it.
 */
import type {Phase} from "../../src/core/canonical.js";
import type {Manifest} from "../../src/core/contract/manifest.js";
import {normalizePlan, type Plan} from "../../src/core/plan/normalizePlan.js";
import {argSpecsByStep} from "../../src/core/plan/dschatArgs.js";
import {scriptOfPhase, type TrainingScript} from "../../src/core/runs/logLines.js";
import type {AwsClients} from "../aws/clients.js";
import {awsDetails, sleep} from "../aws/awsErrors.js";
import {getJobMetrics, readJobLogs} from "../aws/jobLogs.js";
import {describeJob, TERMINAL_STATUSES, type JobDescription} from "../aws/trainingJobs.js";
import {RunRecord, type RunRecordDocument} from "./runRecord.js";

export interface WatchOptions {
  /** Where records live (runsRoot()). */
  root: string;
  /** Keep polling until the job ended and its logs are read; otherwise one pass. */
  follow?: boolean;
  pollSeconds?: number;
  signal?: AbortSignal;
  /** The plan and the dataset's manifest the job ran with, when the caller knows them (submit does). */
  plan?: Plan | null;
  manifest?: Manifest | null;
  /** After each commit (the live files for the Runs page). */
  afterCommit?: () => Promise<void>;
  onUpdate?: (record: RunRecordDocument, newRows: number) => void;
}

/** Which DS-Chat script a job runs, from its `step` hyperparameter (1, 2, "dpo" or 3: training/sm_entry.py step_of). */
export function scriptOfJob(job: JobDescription): {step: Phase; script: TrainingScript} {
  let step: unknown = job.hyper_parameters.step ?? "1";
  try {
    step = JSON.parse(String(step));
  } catch {
    // a bare word
  }
  if (String(step).toLowerCase() === "dpo") return {step: 2, script: "step2-dpo"};
  const phase = (Number(step) === 2 || Number(step) === 3 ? Number(step) : 1) as Phase;
  return {step: phase, script: scriptOfPhase(phase)};
}

/** The plan a job ran with, rebuilt from its hyperparameters when nobody recorded it (arguments the table knows). */
export function planFromJob(job: JobDescription, step: Phase): Plan | null {
  const args: Record<string, unknown> = {};
  const names = new Set<string>(argSpecsByStep[step].map((spec) => spec.name));
  for (const [key, raw] of Object.entries(job.hyper_parameters)) {
    if (!names.has(key)) continue;
    try {
      args[key] = JSON.parse(raw);
    } catch {
      args[key] = raw;
    }
  }
  let flags: unknown = job.hyper_parameters.flags ?? "";
  try {
    flags = JSON.parse(String(flags));
  } catch {
    // kept as is
  }
  for (const flag of String(flags).split(",")) if (names.has(flag)) args[flag] = true;
  for (const spec of argSpecsByStep[step]) if (spec.kind === "strings" && typeof args[spec.name] === "string") args[spec.name] = [args[spec.name]];
  try {
    return normalizePlan({steps: [step], [`step${step}`]: args, infrastructure: {instance_type: job.instance_type ?? undefined, instance_count: job.instance_count ?? undefined}});
  } catch {
    return null;
  }
}

/** One pass over the job; returns the record as committed and whether the job is over (ended, logs drained). */
async function watchPass(clients: AwsClients, name: string, options: WatchOptions): Promise<{doc: RunRecordDocument; over: boolean; newRows: number}> {
  const job = await describeJob(clients, name);
  const {step, script} = scriptOfJob(job);
  const record = await RunRecord.open(options.root, name, {simulated: job.simulated, source: "sagemaker", step, script});
  try {
    record.setDescription(job);
    if (options.plan) record.setPlan(options.plan);
    else if (!record.planOf) {
      const rebuilt = planFromJob(job, step);
      if (rebuilt) record.setPlan(rebuilt);
    }
    if (options.manifest) record.setManifest(options.manifest);
    const before = record.rows.length;
    const cursor = Object.fromEntries(Object.entries(record.doc.streams).flatMap(([stream, state]) => (state.token ? [[stream, state.token]] : [])));
    // Logs the caller may not read (no logs:GetLogEvents) leave GetMetricData's series, below, as the record's metrics.
    const logs = await readJobLogs(clients, name, cursor).catch((error: unknown) => {
      if (awsDetails(error)?.kind !== "access-denied") throw error;
      return {streams: [], cursor};
    });
    let events = 0;
    for (const chunk of logs.streams) {
      events += chunk.events.length;
      record.addLines(chunk.stream, chunk.host, chunk.events.map((event) => ({message: event.message, timestamp: event.timestamp || null})), logs.cursor[chunk.stream] ?? null);
    }
    const ended = TERMINAL_STATUSES.has(job.status);
    const over = ended && events === 0;
    if (over && record.rows.length === 0 && job.final_metrics.length) await addMetricSeries(clients, record, job, step);
    await record.commit({complete: over});
    return {doc: record.doc, over, newRows: record.rows.length - before};
  } finally {
    await record.close();
  }
}

/** GetMetricData's per-minute averages of the job's metrics, as rows without an iteration (the fallback when no line was read). */
async function addMetricSeries(clients: AwsClients, record: RunRecord, job: JobDescription, step: Phase): Promise<void> {
  const start = job.started_at ? new Date(job.started_at) : job.created_at ? new Date(job.created_at) : new Date(Date.now() - 86_400_000);
  const end = new Date((job.ended_at ? Date.parse(job.ended_at) : Date.now()) + 60_000);
  const series = await getJobMetrics(clients, job.name, job.final_metrics.map((metric) => metric.name), {start, end});
  let line = 0;
  for (const {metric, timestamps, values} of series)
    timestamps.forEach((time, index) => record.rows.push({step, epoch: null, iteration: null, metric, value: values[index]!, time: Date.parse(time), host: "cloudwatch", line: ++line, kind: "cloudwatch-metric"}));
}

/** Watches one job into its record (one pass, or until it is over with `follow`); returns the record as last committed. */
export async function watchJob(clients: AwsClients, name: string, options: WatchOptions): Promise<RunRecordDocument> {
  for (;;) {
    const {doc, over, newRows} = await watchPass(clients, name, options);
    await options.afterCommit?.();
    options.onUpdate?.(doc, newRows);
    if (over || !options.follow) return doc;
    await sleep((options.pollSeconds ?? 5) * 1000, options.signal);
  }
}
