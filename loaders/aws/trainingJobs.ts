/**
 * SageMaker training jobs: submit (idempotent), describe, list, stop, wait. Callable from the CLI and from a local studio
 * server alike: nothing prints; progress goes to callbacks; every AWS error arrives as a UserError with its fix (loaders/aws/awsErrors.ts).
 *
 * A retried submit never starts a second job: names are derived from the request (loaders/aws/submission.ts), and
 * `submitJob` describes before it creates; when a create races (an SDK retry after a lost response) and the name turns
 * out to be taken, the existing job is accepted if it is this request, and refused as a name clash otherwise.
 */
import {
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  ListTrainingJobsCommand,
  StopTrainingJobCommand,
  type CreateTrainingJobCommandInput,
  type DescribeTrainingJobCommandOutput,
  type TrainingInstanceType,
  type TrainingJobStatus
} from "@aws-sdk/client-sagemaker";
import {UserError} from "../../src/core/contract/userError.js";
import type {CreateTrainingJobRequest} from "../../src/core/sagemaker/trainingJobRequest.js";
import {assertValidTrainingJobRequest} from "../../src/core/sagemaker/validateTrainingJob.js";
import type {AwsClients} from "./clients.js";
import {awsDetails, awsError, isAwsError, sleep, translateAwsError, withBackoff} from "./awsErrors.js";

export interface JobTransition {
  status: string;
  start_time: string | null;
  end_time: string | null;
  message: string;
}

/** One DescribeTrainingJob answer, in snake_case: the `job` of `status --json` (schemas/job.schema.json) and of run records. */
export interface JobDescription {
  name: string;
  arn: string;
  status: TrainingJobStatus | string;
  secondary_status: string;
  failure_reason: string | null;
  billable_seconds: number | null;
  training_seconds: number | null;
  model_artifact: string | null;
  instance_type: string | null;
  instance_count: number | null;
  created_at: string | null;
  started_at: string | null;
  ended_at: string | null;
  transitions: JobTransition[];
  final_metrics: Array<{name: string; value: number | null; timestamp: string | null}>;
  /** The job's hyperparameters as SageMaker echoes them (JSON-encoded strings; `step` names the DS-Chat step). */
  hyper_parameters: Record<string, string>;
  /** True when the job ran in dschat-studio's local emulator (it says so in its status messages). */
  simulated: boolean;
}

export interface JobSummary {
  name: string;
  arn: string;
  status: string;
  secondary_status: string | null;
  created_at: string | null;
  ended_at: string | null;
}

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(["Completed", "Failed", "Stopped"]);

const iso = (date: Date | undefined) => (date ? date.toISOString() : null);

export function summarizeDescription(raw: DescribeTrainingJobCommandOutput): JobDescription {
  const transitions = (raw.SecondaryStatusTransitions ?? []).map((t) => ({status: t.Status ?? "", start_time: iso(t.StartTime), end_time: iso(t.EndTime), message: t.StatusMessage ?? ""}));
  return {
    name: raw.TrainingJobName ?? "",
    arn: raw.TrainingJobArn ?? "",
    status: raw.TrainingJobStatus ?? "",
    secondary_status: raw.SecondaryStatus ?? "",
    failure_reason: raw.FailureReason ?? null,
    billable_seconds: raw.BillableTimeInSeconds ?? null,
    training_seconds: raw.TrainingTimeInSeconds ?? null,
    model_artifact: raw.ModelArtifacts?.S3ModelArtifacts ?? null,
    instance_type: raw.ResourceConfig?.InstanceType ?? null,
    instance_count: raw.ResourceConfig?.InstanceCount ?? null,
    created_at: iso(raw.CreationTime),
    started_at: iso(raw.TrainingStartTime),
    ended_at: iso(raw.TrainingEndTime),
    transitions,
    final_metrics: (raw.FinalMetricDataList ?? []).map((m) => ({name: m.MetricName ?? "", value: m.Value ?? null, timestamp: iso(m.Timestamp)})),
    hyper_parameters: {...(raw.HyperParameters ?? {})},
    simulated: transitions.some((t) => t.message.includes("SIMULATED"))
  };
}

async function describeRaw(clients: AwsClients, name: string): Promise<DescribeTrainingJobCommandOutput | null> {
  try {
    return await withBackoff({action: "sagemaker:DescribeTrainingJob", resource: name}, () => clients.sagemaker.send(new DescribeTrainingJobCommand({TrainingJobName: name})));
  } catch (error) {
    if (isAwsError(error, "not-found")) return null;
    throw error;
  }
}

export async function describeJob(clients: AwsClients, name: string): Promise<JobDescription> {
  const raw = await describeRaw(clients, name);
  if (!raw)
    throw awsError("not-found", `no training job named ${name} in ${clients.region}`, "Check the name (`dschat-studio list`) and the region (AWS_REGION).", {action: "sagemaker:DescribeTrainingJob", resource: name});
  return summarizeDescription(raw);
}

/** The fields that make two requests the same job (DescribeTrainingJob echoes them). */
function fingerprint(request: {
  HyperParameters?: Record<string, string>;
  AlgorithmSpecification?: {TrainingImage?: string};
  RoleArn?: string;
  ResourceConfig?: {InstanceType?: string; InstanceCount?: number};
  OutputDataConfig?: {S3OutputPath?: string};
  InputDataConfig?: Array<{ChannelName?: string; DataSource?: {S3DataSource?: {S3Uri?: string}}}>;
}): string {
  const hps = Object.entries(request.HyperParameters ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([
    hps,
    request.AlgorithmSpecification?.TrainingImage,
    request.RoleArn,
    request.ResourceConfig?.InstanceType,
    request.ResourceConfig?.InstanceCount,
    request.OutputDataConfig?.S3OutputPath,
    (request.InputDataConfig ?? []).map((c) => [c.ChannelName, c.DataSource?.S3DataSource?.S3Uri])
  ]);
}

export interface SubmitResult {
  name: string;
  arn: string;
  /** False when the job already existed with this very request (a retried submit). */
  created: boolean;
  status: string;
}

export interface SubmitJobOptions {
  /** Secret values that must not appear in the request (checked before the call). */
  secretValues?: readonly string[];
}

export async function submitJob(clients: AwsClients, request: CreateTrainingJobRequest, options: SubmitJobOptions = {}): Promise<SubmitResult> {
  assertValidTrainingJobRequest(request, {secretValues: options.secretValues});
  const name = request.TrainingJobName;
  const context = {action: "sagemaker:CreateTrainingJob", resource: name};
  const existing = await describeRaw(clients, name);
  const accept = (raw: DescribeTrainingJobCommandOutput): SubmitResult => {
    if (fingerprint(raw) !== fingerprint(request))
      throw translateAwsError(Object.assign(new Error(`Training job names must be unique within an AWS account and region, and a training job with this name already exists (${raw.TrainingJobArn})`), {name: "ResourceInUse"}), context);
    return {name, arn: raw.TrainingJobArn ?? "", created: false, status: raw.TrainingJobStatus ?? ""};
  };
  if (existing) return accept(existing);
  // The instance type was checked against the SDK's enum by the validator above.
  const input: CreateTrainingJobCommandInput = {...request, ResourceConfig: {...request.ResourceConfig, InstanceType: request.ResourceConfig.InstanceType as TrainingInstanceType}};
  try {
    const created = await withBackoff(context, () => clients.sagemaker.send(new CreateTrainingJobCommand(input)));
    return {name, arn: created.TrainingJobArn ?? "", created: true, status: "InProgress"};
  } catch (error) {
    if (awsDetails(error)?.awsCode === "ResourceInUse") {
      const raced = await describeRaw(clients, name);
      if (raced) return accept(raced);
    }
    throw error;
  }
}

export interface ListJobsOptions {
  nameContains?: string;
  status?: "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped";
  /** Most jobs returned (default 50), newest first. */
  max?: number;
  createdAfter?: Date;
}

export async function listJobs(clients: AwsClients, options: ListJobsOptions = {}): Promise<JobSummary[]> {
  const max = options.max ?? 50;
  const jobs: JobSummary[] = [];
  let token: string | undefined;
  do {
    const page = await withBackoff({action: "sagemaker:ListTrainingJobs"}, () =>
      clients.sagemaker.send(
        new ListTrainingJobsCommand({
          NextToken: token,
          MaxResults: Math.min(100, max - jobs.length),
          SortBy: "CreationTime",
          SortOrder: "Descending",
          ...(options.nameContains ? {NameContains: options.nameContains} : {}),
          ...(options.status ? {StatusEquals: options.status} : {}),
          ...(options.createdAfter ? {CreationTimeAfter: options.createdAfter} : {})
        })
      )
    );
    for (const job of page.TrainingJobSummaries ?? [])
      jobs.push({
        name: job.TrainingJobName ?? "",
        arn: job.TrainingJobArn ?? "",
        status: job.TrainingJobStatus ?? "",
        secondary_status: job.SecondaryStatus ?? null,
        created_at: iso(job.CreationTime),
        ended_at: iso(job.TrainingEndTime)
      });
    token = page.NextToken;
  } while (token && jobs.length < max);
  return jobs;
}

/** Asks SageMaker to stop the job (SIGTERM, then 120 s to save); returns its description right after. */
export async function stopJob(clients: AwsClients, name: string): Promise<JobDescription> {
  const before = await describeJob(clients, name);
  if (TERMINAL_STATUSES.has(before.status))
    throw awsError("validation", `training job ${name} has already ended (${before.status}); there is nothing to stop`, "Nothing to do: `dschat-studio status` shows how it ended.", {action: "sagemaker:StopTrainingJob", resource: name});
  if (before.status !== "Stopping")
    await withBackoff({action: "sagemaker:StopTrainingJob", resource: name}, () => clients.sagemaker.send(new StopTrainingJobCommand({TrainingJobName: name})));
  return describeJob(clients, name);
}

export interface WaitOptions {
  /** Seconds between polls (default 30; sagemaker.md §2 advises 30–60 rather than the SDK waiter's fixed 120). */
  pollSeconds?: number;
  /** Give up after this many seconds (default: never). */
  timeoutSeconds?: number;
  signal?: AbortSignal;
  /** Called on every change of status or secondary status. */
  onUpdate?: (job: JobDescription) => void;
}

/** Polls until the job is Completed, Failed or Stopped; returns the final description (it does not throw on Failed). */
export async function waitForJob(clients: AwsClients, name: string, options: WaitOptions = {}): Promise<JobDescription> {
  const started = Date.now();
  const pollMs = (options.pollSeconds ?? 30) * 1000;
  let last = "";
  let delay = pollMs;
  for (;;) {
    let job: JobDescription | null = null;
    try {
      job = await describeJob(clients, name);
      delay = pollMs;
    } catch (error) {
      // Throttling that outlasted the retries: back off harder and keep watching; anything else ends the wait.
      if (!awsDetails(error)?.retryable) throw error;
      delay = Math.min(delay * 2, 5 * 60_000);
    }
    if (job) {
      const key = `${job.status}/${job.secondary_status}`;
      if (key !== last) {
        last = key;
        options.onUpdate?.(job);
      }
      if (TERMINAL_STATUSES.has(job.status)) return job;
    }
    if (options.timeoutSeconds !== undefined && Date.now() - started > options.timeoutSeconds * 1000)
      throw awsError("service", `training job ${name} did not end within ${options.timeoutSeconds} s (last status ${last})`, "Wait longer, or check it with `dschat-studio status`.", {action: "sagemaker:DescribeTrainingJob", resource: name});
    await sleep(delay, options.signal);
  }
}

/** UserError code of a job that was waited for and did not complete; `details` hold its phase and its JobDescription. */
export const JOB_NOT_COMPLETED = "job-not-completed";

/** The error for a job that ended Failed or Stopped while a command waited for it (submit --wait, chain). */
export function jobEndedError(phase: number, job: JobDescription, consequence?: string): UserError {
  return new UserError(`step ${phase} (${job.name}) ended ${job.status}${job.failure_reason ? `: ${job.failure_reason}` : ""}${consequence ? `; ${consequence}` : ""}`, {
    fix:
      job.status === "Failed"
        ? "Correct the cause, then submit again (--rerun starts new jobs; a chain reuses its completed steps)."
        : "Submit again: a stopped DS-Chat step starts from the beginning (it saves no checkpoint to resume from).",
    code: JOB_NOT_COMPLETED,
    details: {phase, job}
  });
}
