/**
 * A plan's step → the CreateTrainingJob request that runs it on SageMaker in script mode (sagemaker.md §1, §3): the HF
 * PyTorch image under torch_distributed, our launcher `sm_entry.py` as the entry point, every DS-Chat argument as a
 * JSON-encoded hyperparameter (store_true flags gathered in `flags`), the converted dataset as the `train` channel, model
 * folders or earlier steps' `model.tar.gz` as `model`/`actor`/`critic` channels, and the MetricDefinitions of the log-line
 * table. The request is validated against SageMaker's limits before it is returned. Isomorphic.
 */
import type {Phase} from "../canonical.js";
import type {ArgSpec} from "../plan/dschatArgs.js";
import {argSpecsByStep} from "../plan/dschatArgs.js";
import {formatNumber} from "../plan/dschatCommand.js";
import type {Plan} from "../plan/normalizePlan.js";
import {isChainedModel, stepArgs} from "../plan/normalizePlan.js";
import {LOCAL_JSONFILE} from "../plan/planDataset.js";
import {metricDefinitions, scriptOfPhase, type TrainingScript} from "../runs/logLines.js";
import {argSpecsByScript} from "./dschatScripts.js";
import {trainingImageTag, trainingImageUri} from "./trainingImage.js";
import type {ChannelField, CreateTrainingJobRequest} from "./trainingJobRequest.js";
import {assertValidTrainingJobRequest, s3UriProblem, trainingJobRequestError, type RequestProblem} from "./validateTrainingJob.js";

/** The launcher inside the container (training/sm_entry.py), at the root of sourcedir.tar.gz. */
export const ENTRY_POINT = "sm_entry.py";
/** Where SageMaker mounts channel <name> (SM_CHANNEL_<NAME>). */
export const channelPath = (name: string) => `/opt/ml/input/data/${name}`;

/** Keys the launcher reads itself; no DS-Chat argument may use them. */
export const RESERVED_HYPERPARAMETERS = ["step", "flags", "local_rank", "output_dir"] as const;

export type ExtraArgValue = string | number | boolean | readonly string[] | null;

export interface TrainingJobOptions {
  region: string;
  roleArn: string;
  /** The bucket for code, data and outputs. */
  bucket: string;
  /** Key prefix inside the bucket ("" or ending in "/"). */
  keyPrefix?: string;
  jobName: string;
  /** s3:// URI of this job's sourcedir.tar.gz. */
  sourceBundleUri: string;
  /** s3:// prefix holding train.json and eval.json; required when data_path uses local/jsonfile. */
  trainDataUri?: string | null;
  /**
   * Model inputs from S3 (a folder prefix, or an earlier job's model.tar.gz): `model` for steps 1–2, `actor` and `critic`
   * for step 3. A chained step 3 must get both.
   */
  models?: {model?: string; actor?: string; critic?: string};
  /** Full image URI; default: the HF PyTorch DLC of the region with `imageTag` (default: `trainingImageTag(plan)`). */
  image?: string;
  imageTag?: string;
  /** EBS volume per instance (ignored by SageMaker on NVMe instance families such as g5, p4d, p5). Default 200. */
  volumeSizeGB?: number;
  /** Spot only: MaxWaitTimeInSeconds in hours (capacity wait + run); default twice the maximum runtime. */
  maxWaitHours?: number;
  /** GZIP (default, SageMaker's): one model.tar.gz; NONE: files under output/model/ (faster for multi-GB weights). */
  outputCompression?: "GZIP" | "NONE";
  /** main.py arguments the plan's table does not know (a newer or forked DS-Chat). Passed verbatim; DS-Chat's argparse judges them. */
  extraArgs?: Record<string, ExtraArgValue>;
  environment?: Record<string, string>;
  tags?: Record<string, string>;
  /** RetryStrategy.MaximumRetryAttempts (on InternalServerError); default 1. */
  retryAttempts?: number;
  /** Values that must not appear in the request (the caller's secret environment values). */
  secretValues?: readonly string[];
  /** Tag grouping the jobs of one chain. */
  chainId?: string;
  /**
   * Step 2 with DS-Chat's DPO script (training/step2_dpo_finetuning) instead of the reward model: the plan's step-2
   * arguments that the DPO parser also has are passed (model_name_or_path is then the policy, an SFT model); DPO's own
   * (beta, label_smoothing, offload_reference_model, print_loss) go through extraArgs.
   */
  dpo?: boolean;
}

export interface BuiltTrainingJob {
  phase: Phase;
  script: TrainingScript;
  request: CreateTrainingJobRequest;
  /** Facts the user should read before submitting (spot restarts, downloads the job needs egress for). */
  notes: string[];
}

export const DEFAULT_VOLUME_GB = 200;

/** The environment every job gets (sagemaker.md §3): unbuffered stdout so metrics arrive line by line. */
export const baseEnvironment: Readonly<Record<string, string>> = {
  PYTHONUNBUFFERED: "1",
  HF_HOME: "/tmp/hf",
  NCCL_DEBUG: "WARN",
  TOKENIZERS_PARALLELISM: "false"
};

const isHubName = (path: string) => !path.startsWith("/") && !path.startsWith(".") && path !== LOCAL_JSONFILE;

/** One argument value as the SageMaker toolkit expects it: JSON text that json.loads turns back into the value. */
export function encodeHyperParameter(spec: ArgSpec | undefined, value: Exclude<ExtraArgValue, null | boolean>): string {
  if (Array.isArray(value)) return value.length === 1 ? JSON.stringify(value[0]) : JSON.stringify(value);
  if (typeof value === "number") {
    // Floats travel as quoted strings so that e.g. 9.65e-6 reaches argparse verbatim (an unquoted 1e-5 decodes to 1e-05).
    const isFloat = spec ? spec.kind === "float" : !Number.isInteger(value);
    return isFloat ? JSON.stringify(formatNumber(value)) : String(value);
  }
  return JSON.stringify(value);
}

function slug(text: string, max: number): string {
  const base = text.split("/").filter(Boolean).pop() ?? text;
  return base.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, max).replace(/-+$/, "") || "model";
}

const stepLabel: Record<TrainingScript, string> = {step1: "step1", "step2-reward": "step2", "step2-dpo": "dpo", step3: "step3"};

/**
 * `dschat-step1-opt-1-3b-<suffix>`: readable, within SageMaker's 63 characters and pattern. `suffix` makes it unique
 * (loaders/aws derives it from a digest of the request, so a retried submit finds its own job instead of starting another).
 */
export function trainingJobName(script: TrainingScript, modelName: string, suffix: string): string {
  const tail = suffix.toLowerCase().replace(/[^a-z0-9-]/g, "").slice(0, 20);
  const head = `dschat-${stepLabel[script]}-`;
  const room = 63 - head.length - tail.length - 1;
  return `${head}${slug(modelName, Math.min(24, room))}-${tail}`;
}

/** The model a step trains from, as written in the plan (for names and tags). */
export function modelNameOf(plan: Plan, phase: Phase): string {
  if (phase === 3) return plan.step3.actor_model_name_or_path ?? "actor";
  return stepArgs(plan, phase).model_name_or_path ?? "model";
}

function modelChannel(name: string, uri: string): ChannelField {
  return {ChannelName: name, DataSource: {S3DataSource: {S3DataType: "S3Prefix", S3Uri: uri, S3DataDistributionType: "FullyReplicated"}}, InputMode: "FastFile"};
}

/** Tag values allow letters, digits, spaces and _ . : / = + - @ only. */
const tagValue = (text: string) => text.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, "_").slice(0, 256);

export function buildTrainingJob(plan: Plan, phase: Phase, options: TrainingJobOptions): BuiltTrainingJob {
  const problems: RequestProblem[] = [];
  if (options.dpo && phase !== 2) problems.push({field: "dpo", message: `DPO replaces step 2 (the reward model); step ${phase} has no DPO variant`});
  const script: TrainingScript = options.dpo && phase === 2 ? "step2-dpo" : scriptOfPhase(phase);
  const notes: string[] = [];
  const args = {...(stepArgs(plan, phase) as Record<string, unknown>)};
  const prefix = options.keyPrefix ?? "";
  if (prefix !== "" && !prefix.endsWith("/")) problems.push({field: "keyPrefix", message: `must be empty or end with "/", got ${JSON.stringify(prefix)}`});
  const channels: ChannelField[] = [];

  // Data: the converted dataset is the train channel, which the launcher links as DS-Chat's data/ folder.
  const dataPath = args.data_path as string[];
  const usesLocal = dataPath.includes(LOCAL_JSONFILE);
  if (usesLocal && !options.trainDataUri)
    problems.push({field: `plan.step${phase}.data_path`, message: `uses ${LOCAL_JSONFILE} but no converted dataset was given: pass the convert output folder (--data DIR)`});
  if (!usesLocal && options.trainDataUri)
    problems.push({
      field: `plan.step${phase}.data_path`,
      message: `is ${JSON.stringify(dataPath)}: the job would train on downloaded data, not on the dataset you gave; set data_path to ["${LOCAL_JSONFILE}"] (plan --data DIR does)`
    });
  if (options.trainDataUri) {
    const problem = s3UriProblem(options.trainDataUri);
    if (problem) problems.push({field: "trainDataUri", message: problem});
    channels.push({
      ChannelName: "train",
      DataSource: {S3DataSource: {S3DataType: "S3Prefix", S3Uri: options.trainDataUri, S3DataDistributionType: "FullyReplicated"}},
      ContentType: "application/jsonlines",
      CompressionType: "None"
    });
  }
  const hubData = dataPath.filter(isHubName);
  if (hubData.length) notes.push(`data_path ${hubData.join(", ")} is downloaded from the Hugging Face Hub inside the job: the job needs internet egress (no network isolation; NAT in a VPC).`);

  // Models: S3 inputs become channels; the hyperparameter names SageMaker's mount path, which the launcher resolves.
  const models = options.models ?? {};
  const useChannel = (argName: string, channel: "model" | "actor" | "critic") => {
    const uri = models[channel];
    if (!uri) return false;
    const problem = s3UriProblem(uri);
    if (problem) problems.push({field: `models.${channel}`, message: problem});
    channels.push(modelChannel(channel, uri));
    args[argName] = channelPath(channel);
    return true;
  };
  if (phase === 3) {
    for (const [role, argName, from] of [["actor", "actor_model_name_or_path", 1], ["critic", "critic_model_name_or_path", 2]] as const) {
      if (useChannel(argName, role)) continue;
      if (isChainedModel(plan, role))
        problems.push({field: `models.${role}`, message: `step 3's ${role} is step ${from}'s output in this plan: pass step ${from}'s model artefact (s3://…/model.tar.gz) as the ${role} input — chain does this`});
    }
  } else {
    useChannel("model_name_or_path", "model");
  }
  for (const argName of phase === 3 ? ["actor_model_name_or_path", "critic_model_name_or_path"] : ["model_name_or_path"]) {
    const value = args[argName];
    if (typeof value === "string" && isHubName(value))
      notes.push(`${argName} ${value} is downloaded from the Hugging Face Hub inside the job: the job needs internet egress (or upload the model to S3 and pass it as a channel).`);
  }

  // Hyperparameters: framework keys first (as the SageMaker Python SDK writes them), then step, arguments, flags.
  const hyperParameters: Record<string, string> = {
    sagemaker_program: JSON.stringify(ENTRY_POINT),
    sagemaker_submit_directory: JSON.stringify(options.sourceBundleUri),
    sagemaker_container_log_level: "20",
    sagemaker_job_name: JSON.stringify(options.jobName),
    sagemaker_region: JSON.stringify(options.region),
    sagemaker_torch_distributed_enabled: "true",
    sagemaker_instance_type: JSON.stringify(plan.infrastructure.instance_type),
    step: script === "step2-dpo" ? JSON.stringify("dpo") : String(phase)
  };
  const flags: string[] = [];
  // The arguments the script's parser knows; the plan's step gives their values (DPO: the step-2 ones it shares).
  const planSpecs = argSpecsByStep[phase] as readonly ArgSpec[];
  const specs = argSpecsByScript[script].filter((spec) => planSpecs.some((planSpec) => planSpec.name === spec.name));
  for (const spec of specs) {
    if (spec.name === "output_dir") continue; // the launcher writes to /opt/ml/model, the folder SageMaker uploads
    const value = args[spec.name];
    if (value === null || value === undefined) continue;
    if (spec.kind === "bool") {
      if (value === true) flags.push(spec.name);
      continue;
    }
    if (Array.isArray(value) && value.length === 0) continue; // argparse's nargs='*' default; nothing to pass
    hyperParameters[spec.name] = encodeHyperParameter(spec, value as string | number | string[]);
  }
  for (const [key, value] of Object.entries(options.extraArgs ?? {})) {
    const field = `extraArgs.${key}`;
    if ((RESERVED_HYPERPARAMETERS as readonly string[]).includes(key) || key.startsWith("sagemaker_"))
      problems.push({field, message: `${key} is set by the launcher or by SageMaker and cannot be passed`});
    else if (planSpecs.some((spec) => spec.name === key)) problems.push({field, message: `${key} is an argument of the plan: set plan.step${phase}.${key} instead`});
    else if (!/^[A-Za-z0-9_-]+$/.test(key)) problems.push({field, message: `an argument name uses letters, digits, _ and -; got ${JSON.stringify(key)}`});
    else if (value === true) flags.push(key);
    else if (value !== null && value !== false) hyperParameters[key] = encodeHyperParameter(undefined, value);
  }
  if (flags.length) hyperParameters.flags = JSON.stringify(flags.join(","));

  const infrastructure = plan.infrastructure;
  const maxRuntime = Math.round(infrastructure.max_runtime_hours * 3600);
  const stopping: CreateTrainingJobRequest["StoppingCondition"] = {MaxRuntimeInSeconds: maxRuntime};
  if (infrastructure.spot) {
    stopping.MaxWaitTimeInSeconds = Math.round((options.maxWaitHours ?? 2 * infrastructure.max_runtime_hours) * 3600);
    notes.push(
      `Spot: DS-Chat saves no checkpoint it can resume from, so when SageMaker interrupts a spot job, step ${phase} restarts from the beginning (billable time counts again); MaxWaitTimeInSeconds ${stopping.MaxWaitTimeInSeconds} covers waiting for capacity plus the runs.`
    );
  }

  const environment = {...baseEnvironment, ...(options.environment ?? {})};
  const tags: Record<string, string> = {
    app: "dschat-studio",
    "dschat-step": String(phase),
    "dschat-script": script,
    "dschat-model": tagValue(modelNameOf(plan, phase)),
    ...(options.chainId ? {"dschat-chain": tagValue(options.chainId)} : {}),
    ...(options.tags ?? {})
  };

  const request: CreateTrainingJobRequest = {
    TrainingJobName: options.jobName,
    RoleArn: options.roleArn,
    AlgorithmSpecification: {
      TrainingImage: options.image ?? trainingImageUri(options.region, options.imageTag ?? trainingImageTag(plan)),
      TrainingInputMode: "File",
      EnableSageMakerMetricsTimeSeries: true,
      MetricDefinitions: metricDefinitions(script)
    },
    HyperParameters: hyperParameters,
    InputDataConfig: channels,
    OutputDataConfig: {S3OutputPath: `s3://${options.bucket}/${prefix}output/`, CompressionType: options.outputCompression ?? "GZIP"},
    ResourceConfig: {InstanceType: infrastructure.instance_type, InstanceCount: infrastructure.instance_count, VolumeSizeInGB: options.volumeSizeGB ?? DEFAULT_VOLUME_GB},
    StoppingCondition: stopping,
    EnableManagedSpotTraining: infrastructure.spot,
    EnableNetworkIsolation: false,
    EnableInterContainerTrafficEncryption: false,
    Environment: environment,
    RetryStrategy: {MaximumRetryAttempts: options.retryAttempts ?? 1},
    Tags: Object.entries(tags).map(([Key, Value]) => ({Key, Value}))
  };
  if (problems.length) throw trainingJobRequestError(problems, `step ${phase} of the plan`);
  assertValidTrainingJobRequest(request, {secretValues: options.secretValues}, `the step ${phase} training job`);
  return {phase, script, request, notes};
}

/** Where SageMaker puts a finished job's model (sagemaker.md §2: <S3OutputPath>/<job>/output/model.tar.gz, or output/model/ uncompressed). */
export function modelArtifactUri(request: CreateTrainingJobRequest): string {
  const base = request.OutputDataConfig.S3OutputPath.replace(/\/?$/, "/");
  return request.OutputDataConfig.CompressionType === "NONE" ? `${base}${request.TrainingJobName}/output/model/` : `${base}${request.TrainingJobName}/output/model.tar.gz`;
}
