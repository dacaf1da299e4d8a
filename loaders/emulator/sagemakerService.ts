/**
 * The emulator's SageMaker (awsJson1_1, target prefix "SageMaker."): CreateTrainingJob validated with SageMaker's limits
 * (src/core/sagemaker/validateTrainingJob.ts), a duplicate name refused with ResourceInUse, an instance quota with
 * ResourceLimitExceeded; jobs move Starting → Downloading → Training → Uploading → Completed (Stopping → Stopped on
 * StopTrainingJob; Failed with a FailureReason), and during Training the job's own launcher runs (jobRunner.ts). Every
 * status message starts with "[SIMULATED]", and every log stream's first line says the job is simulated.
 */
import type {ChildProcess} from "node:child_process";
import {mkdirSync, rmSync} from "node:fs";
import {join} from "node:path";
import type {CreateTrainingJobRequest} from "../../src/core/sagemaker/trainingJobRequest.js";
import {validateTrainingJobRequest} from "../../src/core/sagemaker/validateTrainingJob.js";
import {epochSeconds, readTime, ServiceError} from "./awsJson.js";
import {failureReason, JobFailure, prepareHosts, startHost, uploadModel, type HostLayout} from "./jobRunner.js";
import type {LogsStore} from "./logsService.js";
import type {MetricsStore} from "./metricsService.js";
import type {S3Store} from "./s3Service.js";

export const LOG_GROUP = "/aws/sagemaker/TrainingJobs";
export const SIMULATED = "[SIMULATED]";
/** Added to every job's tags (ListTags): the job never ran on SageMaker. */
export const SIMULATED_TAG = {Key: "dschat-studio-emulator", Value: "SIMULATED: run by the local emulator, no GPU, no model"};
export const SIMULATED_BANNER =
  "[SIMULATED] This training job runs in dschat-studio's local emulator, not on SageMaker: no GPU, no model weights. DS-Chat is a stand-in that parses the arguments with DS-Chat's own argparse definitions, then replays a published DS-Chat log.";

export interface SageMakerOptions {
  /** Seconds per simulated phase (Starting, Downloading, Uploading) — the emulator's speed sets it. */
  phaseSeconds: number;
  /** Seconds the stand-in takes to replay a log. */
  replaySeconds: number;
  /** Grace period after SIGTERM on stop before SIGKILL (SageMaker: 120 s), in seconds. */
  stopGraceSeconds: number;
  python: string;
  workDir: string;
  /** Instances per type that may run at once (the simulated "<type> for training job usage" quota). */
  instanceQuota: number;
}

interface Transition {
  Status: string;
  StartTime: number;
  EndTime?: number;
  StatusMessage: string;
}

interface Job {
  request: CreateTrainingJobRequest;
  arn: string;
  region: string;
  status: "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped";
  secondary: string;
  transitions: Transition[];
  creationTime: number;
  lastModifiedTime: number;
  trainingStartTime?: number;
  trainingEndTime?: number;
  failureReason?: string;
  modelArtifact?: string;
  finalMetrics: Map<string, {value: number; time: number}>;
  stop: AbortController;
  processes: ChildProcess[];
  done: Promise<void>;
  stopOutcome?: "Stopped" | "MaxRuntimeExceeded";
  /** The job's MetricDefinitions, compiled once (SageMaker applies them to every line of every host). */
  metricRegexes?: Array<{name: string; regex: RegExp}>;
}

const messages: Record<string, string> = {
  Starting: "Launching requested ML instances (simulated: none are launched)",
  Downloading: "Downloading input data: sourcedir.tar.gz and the channels are copied from the emulator's S3 into /opt/ml under a temporary folder",
  Training: "Training in progress: the job's launcher runs DS-Chat's stand-in, which replays a published DS-Chat log",
  Uploading: "Uploading generated training model to the emulator's S3",
  Completed: "Training job completed",
  Failed: "Training job failed",
  Stopping: "Stopping the training job",
  Stopped: "Training job stopped",
  MaxRuntimeExceeded: "Training job stopped: MaxRuntimeInSeconds reached"
};

function delay(seconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, seconds * 1000);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), {once: true});
  });
}

export class SageMakerService {
  private jobs = new Map<string, Job>();
  /** Set by stopAll: the emulator is shutting down, so stopped jobs skip their simulated upload time. */
  private closing = false;

  constructor(
    private readonly options: SageMakerOptions,
    private readonly s3: S3Store,
    private readonly logs: LogsStore,
    private readonly metrics: MetricsStore
  ) {
    logs.createGroup(LOG_GROUP);
  }

  /** Resolves when every job has ended (close() waits for it after stopping them). */
  async stopAll(): Promise<void> {
    this.closing = true;
    for (const job of this.jobs.values()) if (job.status === "InProgress") this.requestStop(job, "Stopped");
    await Promise.all([...this.jobs.values()].map((job) => job.done));
  }

  jobNames(): string[] {
    return [...this.jobs.keys()];
  }

  private enter(job: Job, status: string, message = messages[status] ?? status) {
    const now = Date.now();
    const last = job.transitions[job.transitions.length - 1];
    if (last && last.EndTime === undefined) last.EndTime = now;
    job.transitions.push({Status: status, StartTime: now, StatusMessage: `${SIMULATED} ${message}`});
    job.secondary = status;
    job.lastModifiedTime = now;
  }

  handle(operation: string, input: Record<string, any>, context: {region: string}): unknown {
    switch (operation) {
      case "CreateTrainingJob":
        return this.create(input, context.region);
      case "DescribeTrainingJob":
        return this.describe(this.find(input.TrainingJobName));
      case "ListTrainingJobs":
        return this.list(input);
      case "StopTrainingJob": {
        const job = this.find(input.TrainingJobName);
        if (job.status !== "InProgress") throw new ServiceError("ValidationException", `The request was rejected because the training job is in status ${job.status}.`);
        this.requestStop(job, "Stopped");
        return {};
      }
      case "ListTags": {
        const job = [...this.jobs.values()].find((candidate) => candidate.arn === input.ResourceArn);
        if (!job) throw new ServiceError("ResourceNotFound", `${input.ResourceArn} not found`);
        return {Tags: [...(job.request.Tags ?? []), SIMULATED_TAG]};
      }
      default:
        throw new ServiceError("UnknownOperationException", `SageMaker ${operation} is not emulated (CreateTrainingJob, DescribeTrainingJob, ListTrainingJobs, StopTrainingJob, ListTags are)`);
    }
  }

  private find(name: unknown): Job {
    const job = typeof name === "string" ? this.jobs.get(name) : undefined;
    if (!job) throw new ServiceError("ValidationException", "Requested resource not found.");
    return job;
  }

  private create(input: Record<string, any>, region: string): unknown {
    const problems = validateTrainingJobRequest(input);
    if (problems.length)
      throw new ServiceError("ValidationException", `${problems.length} validation error${problems.length === 1 ? "" : "s"} detected: ${problems.map((p) => `${p.field}: ${p.message}`).join("; ")}`);
    const request = input as CreateTrainingJobRequest;
    const name = request.TrainingJobName;
    if (this.jobs.has(name)) throw new ServiceError("ResourceInUse", `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${this.jobs.get(name)!.arn})`);
    const type = request.ResourceConfig.InstanceType;
    const inUse = [...this.jobs.values()].filter((job) => job.status === "InProgress" || job.status === "Stopping").filter((job) => job.request.ResourceConfig.InstanceType === type).reduce((sum, job) => sum + job.request.ResourceConfig.InstanceCount, 0);
    if (inUse + request.ResourceConfig.InstanceCount > this.options.instanceQuota)
      throw new ServiceError(
        "ResourceLimitExceeded",
        `The account-level service limit '${type} for training job usage' is ${this.options.instanceQuota} Instances, with current utilization of ${inUse} Instances and a request delta of ${request.ResourceConfig.InstanceCount} Instances. Please use AWS Service Quotas to request an increase for this quota. If AWS Service Quotas is not available, contact AWS support to request an increase for this quota.`
      );
    const now = Date.now();
    const job: Job = {
      request: structuredClone(request),
      arn: `arn:aws:sagemaker:${region}:000000000000:training-job/${name.toLowerCase()}`,
      region,
      status: "InProgress",
      secondary: "Starting",
      transitions: [],
      creationTime: now,
      lastModifiedTime: now,
      finalMetrics: new Map(),
      stop: new AbortController(),
      processes: [],
      done: Promise.resolve()
    };
    this.jobs.set(name, job);
    this.enter(job, "Starting");
    job.done = this.run(job).catch((error) => this.fail(job, `InternalServerError: the emulator failed: ${(error as Error).message}`));
    return {TrainingJobArn: job.arn};
  }

  private requestStop(job: Job, outcome: "Stopped" | "MaxRuntimeExceeded") {
    if (job.status !== "InProgress") return;
    job.status = "Stopping";
    job.stopOutcome = outcome;
    this.enter(job, "Stopping", outcome === "MaxRuntimeExceeded" ? "Stopping the training job: MaxRuntimeInSeconds reached" : messages.Stopping);
    for (const child of job.processes) child.kill("SIGTERM");
    setTimeout(() => job.processes.forEach((child) => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL")), this.options.stopGraceSeconds * 1000).unref();
    job.stop.abort();
  }

  private fail(job: Job, reason: string) {
    if (job.status === "Completed" || job.status === "Failed" || job.status === "Stopped") return;
    job.status = "Failed";
    job.failureReason = reason;
    job.trainingEndTime = Date.now();
    this.enter(job, "Failed", `Training job failed: ${reason.slice(0, 300)}`);
  }

  private log(job: Job, stream: string, line: string) {
    this.logs.append(LOG_GROUP, stream, [line]);
    job.metricRegexes ??= (job.request.AlgorithmSpecification.MetricDefinitions ?? []).map((definition) => ({name: definition.Name, regex: new RegExp(definition.Regex)}));
    for (const definition of job.metricRegexes) {
      const match = definition.regex.exec(line);
      if (!match) continue;
      const value = Number(match[1]);
      if (!Number.isFinite(value)) continue;
      const now = Date.now();
      this.metrics.put(LOG_GROUP, definition.name, [{Name: "TrainingJobName", Value: job.request.TrainingJobName}], value, now);
      job.finalMetrics.set(definition.name, {value, time: now});
    }
  }

  private async run(job: Job): Promise<void> {
    const {phaseSeconds} = this.options;
    const signal = job.stop.signal;
    const workDir = join(this.options.workDir, job.request.TrainingJobName);
    const maxRuntime = setTimeout(() => this.requestStop(job, "MaxRuntimeExceeded"), job.request.StoppingCondition.MaxRuntimeInSeconds * 1000);
    maxRuntime.unref();
    let layouts: HostLayout[] = [];
    try {
      await delay(phaseSeconds, signal);
      if (signal.aborted) return await this.finishStopped(job, layouts);
      this.enter(job, "Downloading");
      job.trainingStartTime = Date.now();
      mkdirSync(workDir, {recursive: true});
      layouts = prepareHosts(this.s3, job.request, workDir);
      await delay(phaseSeconds, signal);
      if (signal.aborted) return await this.finishStopped(job, layouts);

      this.enter(job, "Training");
      const epoch = Math.floor(Date.now() / 1000);
      const exits = layouts.map((layout) => {
        const stream = `${job.request.TrainingJobName}/${layout.host}-${epoch}`;
        const lastLines: string[] = [];
        this.log(job, stream, SIMULATED_BANNER);
        const child = startHost(job.request, layout, layouts, {
          python: this.options.python,
          jobName: job.request.TrainingJobName,
          jobArn: job.arn,
          region: job.region,
          replaySeconds: this.options.replaySeconds,
          onLine: (line) => {
            lastLines.push(line);
            if (lastLines.length > 20) lastLines.shift();
            this.log(job, stream, line);
          }
        });
        job.processes.push(child);
        return new Promise<{layout: HostLayout; code: number | null; lastLines: string[]}>((resolve) => {
          child.on("error", (error) => {
            lastLines.push(`could not start ${this.options.python}: ${error.message}`);
            resolve({layout, code: 127, lastLines});
          });
          child.on("close", (code) => resolve({layout, code, lastLines}));
        });
      });
      // SageMaker ends the job when one host's script fails: stop the others then.
      const results = await Promise.all(
        exits.map(async (exit) => {
          const result = await exit;
          if (result.code !== 0 && !signal.aborted) for (const child of job.processes) if (child.exitCode === null) child.kill("SIGTERM");
          return result;
        })
      );
      if (signal.aborted) return await this.finishStopped(job, layouts);
      const failed = results.find((result) => result.code !== 0);
      if (failed) return this.fail(job, failureReason(failed.layout, failed.code, failed.lastLines));

      this.enter(job, "Uploading");
      job.modelArtifact = uploadModel(this.s3, job.request, layouts[0]!) ?? undefined;
      await delay(phaseSeconds, new AbortController().signal);
      job.trainingEndTime = Date.now();
      job.status = "Completed";
      this.enter(job, "Completed");
      const last = job.transitions[job.transitions.length - 1]!;
      last.EndTime = last.StartTime;
    } catch (error) {
      if (error instanceof JobFailure) return this.fail(job, error.reason);
      throw error;
    } finally {
      clearTimeout(maxRuntime);
      rmSync(workDir, {recursive: true, force: true});
    }
  }

  private async finishStopped(job: Job, layouts: HostLayout[]) {
    await Promise.all(job.processes.map((child) => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.on("close", resolve)))));
    if (!this.closing) await delay(this.options.phaseSeconds, new AbortController().signal);
    // As on SageMaker, what the script saved in /opt/ml/model before it was stopped is still uploaded.
    if (layouts[0]) job.modelArtifact = uploadModel(this.s3, job.request, layouts[0]) ?? undefined;
    job.trainingEndTime = job.trainingStartTime ? Date.now() : undefined;
    job.status = "Stopped";
    this.enter(job, job.stopOutcome === "MaxRuntimeExceeded" ? "MaxRuntimeExceeded" : "Stopped");
    const last = job.transitions[job.transitions.length - 1]!;
    last.EndTime = last.StartTime;
  }

  private describe(job: Job): unknown {
    const r = job.request;
    const seconds = job.trainingStartTime && job.trainingEndTime ? Math.max(1, Math.ceil((job.trainingEndTime - job.trainingStartTime) / 1000)) : undefined;
    return {
      TrainingJobName: r.TrainingJobName,
      TrainingJobArn: job.arn,
      ...(job.modelArtifact ? {ModelArtifacts: {S3ModelArtifacts: job.modelArtifact}} : {ModelArtifacts: {S3ModelArtifacts: undefined}}),
      TrainingJobStatus: job.status,
      SecondaryStatus: job.secondary,
      ...(job.failureReason ? {FailureReason: job.failureReason} : {}),
      HyperParameters: r.HyperParameters,
      AlgorithmSpecification: r.AlgorithmSpecification,
      RoleArn: r.RoleArn,
      InputDataConfig: r.InputDataConfig,
      OutputDataConfig: r.OutputDataConfig,
      ResourceConfig: r.ResourceConfig,
      StoppingCondition: r.StoppingCondition,
      CreationTime: epochSeconds(job.creationTime),
      ...(job.trainingStartTime ? {TrainingStartTime: epochSeconds(job.trainingStartTime)} : {}),
      ...(job.trainingEndTime ? {TrainingEndTime: epochSeconds(job.trainingEndTime)} : {}),
      LastModifiedTime: epochSeconds(job.lastModifiedTime),
      SecondaryStatusTransitions: job.transitions.map((t) => ({Status: t.Status, StartTime: epochSeconds(t.StartTime), ...(t.EndTime !== undefined ? {EndTime: epochSeconds(t.EndTime)} : {}), StatusMessage: t.StatusMessage})),
      FinalMetricDataList: [...job.finalMetrics.entries()].map(([MetricName, point]) => ({MetricName, Value: point.value, Timestamp: epochSeconds(point.time)})),
      EnableNetworkIsolation: r.EnableNetworkIsolation ?? false,
      EnableInterContainerTrafficEncryption: r.EnableInterContainerTrafficEncryption ?? false,
      EnableManagedSpotTraining: r.EnableManagedSpotTraining ?? false,
      ...(seconds !== undefined ? {TrainingTimeInSeconds: seconds, BillableTimeInSeconds: seconds} : {}),
      ...(r.Environment ? {Environment: r.Environment} : {}),
      ...(r.RetryStrategy ? {RetryStrategy: r.RetryStrategy} : {})
    };
  }

  private list(input: Record<string, any>): unknown {
    const after = readTime(input.CreationTimeAfter, "CreationTimeAfter");
    const before = readTime(input.CreationTimeBefore, "CreationTimeBefore");
    const max = input.MaxResults === undefined ? 10 : Number(input.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > 100) throw new ServiceError("ValidationException", "MaxResults must be between 1 and 100");
    const sortBy = input.SortBy ?? "CreationTime";
    const descending = (input.SortOrder ?? "Ascending") === "Descending";
    const filtered = [...this.jobs.values()]
      .filter((job) => !input.NameContains || job.request.TrainingJobName.toLowerCase().includes(String(input.NameContains).toLowerCase()))
      .filter((job) => !input.StatusEquals || job.status === input.StatusEquals)
      .filter((job) => (!after || job.creationTime > after.getTime()) && (!before || job.creationTime < before.getTime()));
    const key = (job: Job) => (sortBy === "Name" ? job.request.TrainingJobName : sortBy === "Status" ? job.status : String(job.creationTime).padStart(16, "0"));
    filtered.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (descending ? -1 : 1));
    const start = input.NextToken ? Number(Buffer.from(String(input.NextToken), "base64url").toString()) : 0;
    if (!Number.isInteger(start) || start < 0) throw new ServiceError("ValidationException", "Invalid NextToken");
    const page = filtered.slice(start, start + max);
    return {
      TrainingJobSummaries: page.map((job) => ({
        TrainingJobName: job.request.TrainingJobName,
        TrainingJobArn: job.arn,
        CreationTime: epochSeconds(job.creationTime),
        ...(job.trainingEndTime ? {TrainingEndTime: epochSeconds(job.trainingEndTime)} : {}),
        LastModifiedTime: epochSeconds(job.lastModifiedTime),
        TrainingJobStatus: job.status,
        SecondaryStatus: job.secondary
      })),
      ...(start + max < filtered.length ? {NextToken: Buffer.from(String(start + max)).toString("base64url")} : {})
    };
  }
}
