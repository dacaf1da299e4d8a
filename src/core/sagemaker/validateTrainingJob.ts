/**
 * CreateTrainingJob's limits (SageMaker service model 2017-07-24, sagemaker.md §2), checked locally so that a mistake is
 * named in plain words before any call — and by the emulator, which answers a ValidationException with the same words.
 * Works on untrusted input (`unknown`). Isomorphic.
 */
import {UserError} from "../contract/userError.js";
import {argSpecsByScript} from "./dschatScripts.js";
import {isTrainingInstanceType, similarInstanceTypes} from "./instanceTypes.js";

export interface RequestProblem {
  /** The request field, e.g. "AlgorithmSpecification.MetricDefinitions[3].Regex". */
  field: string;
  message: string;
}

export const limits = {
  jobNameLength: 63,
  jobNamePattern: /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/,
  roleArnPattern: /^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/,
  imageLength: 255,
  metricDefinitions: 40,
  metricNameLength: 255,
  metricRegexLength: 500,
  hyperParameters: 100,
  /** The API reference says "each key and value is limited to 256 characters" (the model allows 2500 for values). */
  hyperParameterLength: 256,
  channels: 20,
  channelNameLength: 64,
  channelNamePattern: /^[A-Za-z0-9.\-_]+$/,
  s3UriLength: 1024,
  s3UriPattern: /^(https|s3):\/\/([^/]+)\/?(.*)$/,
  maxRuntimeSeconds: 28 * 24 * 3600,
  environmentEntries: 100,
  environmentKeyPattern: /^[a-zA-Z_][a-zA-Z0-9_]*$/,
  environmentLength: 512,
  tags: 50,
  tagKeyLength: 128,
  tagValueLength: 256,
  tagPattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u,
  retryAttempts: [1, 30] as const
};

export interface ValidateOptions {
  /** Values that must appear nowhere in the request (the caller's secret environment values: keys, tokens). */
  secretValues?: readonly string[];
}

const quote = (value: unknown) => (typeof value === "string" ? JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value) : JSON.stringify(value));
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isInt = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value);

/** DS-Chat argument names: hyperparameters like `eot_token` are arguments, not secrets. */
const dsChatArgNames = new Set(Object.values(argSpecsByScript).flatMap((specs) => specs.map((spec) => spec.name)));

/** Whether a variable or hyperparameter name says it holds a secret (HF_TOKEN, AWS_SECRET_ACCESS_KEY, API_KEY…). */
export function looksLikeSecretName(name: string): boolean {
  const words = name.toUpperCase().split(/[^A-Z0-9]+/).filter(Boolean);
  const has = (word: string) => words.includes(word);
  return (
    ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "CREDENTIALS", "APIKEY", "PRIVATEKEY"].some(has) ||
    (has("ACCESS") && has("KEY")) ||
    (has("API") && has("KEY")) ||
    (has("PRIVATE") && has("KEY"))
  );
}

/** Text shaped like a credential: an AWS access key id, a Hugging Face token. */
export function looksLikeSecretValue(value: string): boolean {
  return /\b(AKIA|ASIA)[A-Z0-9]{16}\b/.test(value) || /\bhf_[A-Za-z0-9]{30,}\b/.test(value);
}

/** How a bucket name can be wrong, in words; null when it is valid (S3 bucket naming rules). */
export function bucketNameProblem(bucket: string): string | null {
  if (bucket.length < 3 || bucket.length > 63) return `bucket names have 3 to 63 characters, ${quote(bucket)} has ${bucket.length}`;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket)) return `bucket names use lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit; ${quote(bucket)} does not`;
  if (/\.\./.test(bucket) || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return `${quote(bucket)} is not a valid bucket name (two dots in a row, or an IP address)`;
  return null;
}

/** How an S3 URI can be wrong, in words; null when it is valid. */
export function s3UriProblem(uri: unknown): string | null {
  if (typeof uri !== "string" || uri === "") return `must be an S3 URI such as "s3://my-bucket/prefix/", got ${quote(uri)}`;
  if (uri.length > limits.s3UriLength) return `is ${uri.length} characters; S3 URIs are limited to ${limits.s3UriLength}`;
  const match = limits.s3UriPattern.exec(uri);
  if (!match || match[1] !== "s3") return `must start with s3:// followed by a bucket name, e.g. "s3://my-bucket/prefix/"; got ${quote(uri)}`;
  const bucketProblem = bucketNameProblem(match[2]!);
  return bucketProblem ? `names an invalid bucket: ${bucketProblem}` : null;
}

/** Every limit the request breaks, in request order; [] when SageMaker would accept it as far as can be known locally. */
export function validateTrainingJobRequest(request: unknown, options: ValidateOptions = {}): RequestProblem[] {
  const problems: RequestProblem[] = [];
  const add = (field: string, message: string) => problems.push({field, message});
  if (!isRecord(request)) return [{field: "", message: `a CreateTrainingJob request must be an object, got ${quote(request)}`}];

  const name = request.TrainingJobName;
  if (typeof name !== "string" || name === "") add("TrainingJobName", "is required: a name of 1 to 63 letters, digits and hyphens");
  else if (name.length > limits.jobNameLength) add("TrainingJobName", `${quote(name)} has ${name.length} characters; SageMaker allows at most 63`);
  else if (!limits.jobNamePattern.test(name))
    add("TrainingJobName", `${quote(name)} may only hold letters, digits and hyphens, and must start and end with a letter or digit (SageMaker's pattern [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62})`);

  const role = request.RoleArn;
  if (typeof role !== "string" || !limits.roleArnPattern.test(role) || role.length < 20 || role.length > 2048)
    add("RoleArn", `must be an IAM role ARN such as "arn:aws:iam::123456789012:role/SageMakerExecutionRole" (the role the job runs as; you need iam:PassRole on it), got ${quote(role)}`);

  validateAlgorithm(request.AlgorithmSpecification, add);
  validateHyperParameters(request.HyperParameters, add);
  validateChannels(request.InputDataConfig, add);

  const output = request.OutputDataConfig;
  if (!isRecord(output)) add("OutputDataConfig", "is required: {S3OutputPath: \"s3://bucket/prefix/\"}");
  else {
    const problem = s3UriProblem(output.S3OutputPath);
    if (problem) add("OutputDataConfig.S3OutputPath", problem);
    if (output.CompressionType !== undefined && output.CompressionType !== "GZIP" && output.CompressionType !== "NONE")
      add("OutputDataConfig.CompressionType", `must be GZIP or NONE, got ${quote(output.CompressionType)}`);
  }

  const resources = request.ResourceConfig;
  if (!isRecord(resources)) add("ResourceConfig", "is required: {InstanceType, InstanceCount, VolumeSizeInGB}");
  else {
    const type = resources.InstanceType;
    if (typeof type !== "string" || !isTrainingInstanceType(type))
      add("ResourceConfig.InstanceType", `${quote(type)} is not a SageMaker training instance type; did you mean ${similarInstanceTypes(String(type)).join(", ")}?`);
    if (!isInt(resources.InstanceCount) || resources.InstanceCount < 1) add("ResourceConfig.InstanceCount", `must be a whole number ≥ 1, got ${quote(resources.InstanceCount)}`);
    if (!isInt(resources.VolumeSizeInGB) || resources.VolumeSizeInGB < 1) add("ResourceConfig.VolumeSizeInGB", `must be a whole number of GB ≥ 1, got ${quote(resources.VolumeSizeInGB)}`);
  }

  const stopping = request.StoppingCondition;
  const spot = request.EnableManagedSpotTraining;
  if (spot !== undefined && typeof spot !== "boolean") add("EnableManagedSpotTraining", `must be true or false, got ${quote(spot)}`);
  if (!isRecord(stopping)) add("StoppingCondition", "is required: {MaxRuntimeInSeconds}");
  else {
    const runtime = stopping.MaxRuntimeInSeconds;
    if (!isInt(runtime) || runtime < 1 || runtime > limits.maxRuntimeSeconds)
      add("StoppingCondition.MaxRuntimeInSeconds", `must be a whole number of seconds from 1 to ${limits.maxRuntimeSeconds} (28 days), got ${quote(runtime)}`);
    const wait = stopping.MaxWaitTimeInSeconds;
    if (wait !== undefined && (!isInt(wait) || (isInt(runtime) && wait < runtime)))
      add("StoppingCondition.MaxWaitTimeInSeconds", `must be a whole number of seconds at least MaxRuntimeInSeconds (${quote(runtime)}), got ${quote(wait)}`);
    if (spot === true && wait === undefined)
      add("StoppingCondition.MaxWaitTimeInSeconds", "is required with EnableManagedSpotTraining: how long to wait for spot capacity plus the run itself");
  }

  const checkpoint = request.CheckpointConfig;
  if (checkpoint !== undefined) {
    const problem = isRecord(checkpoint) ? s3UriProblem(checkpoint.S3Uri) : "must be an object {S3Uri, LocalPath}";
    if (problem) add("CheckpointConfig.S3Uri", problem);
  }

  for (const flag of ["EnableNetworkIsolation", "EnableInterContainerTrafficEncryption"] as const)
    if (request[flag] !== undefined && typeof request[flag] !== "boolean") add(flag, `must be true or false, got ${quote(request[flag])}`);

  validateEnvironment(request.Environment, add);

  const retry = request.RetryStrategy;
  if (retry !== undefined) {
    const attempts = isRecord(retry) ? retry.MaximumRetryAttempts : undefined;
    if (!isInt(attempts) || attempts < limits.retryAttempts[0] || attempts > limits.retryAttempts[1])
      add("RetryStrategy.MaximumRetryAttempts", `must be a whole number from 1 to 30, got ${quote(attempts)}`);
  }

  validateTags(request.Tags, add);
  checkSecrets(request, options, add);
  return problems;
}

type Add = (field: string, message: string) => void;

function validateAlgorithm(spec: unknown, add: Add) {
  const where = "AlgorithmSpecification";
  if (!isRecord(spec)) return add(where, "is required: {TrainingImage, TrainingInputMode, MetricDefinitions}");
  const image = spec.TrainingImage;
  if (typeof image !== "string" || image === "" || image.length > limits.imageLength || /\s/.test(image))
    add(`${where}.TrainingImage`, `must be an image URI of at most 255 characters without spaces, got ${quote(image)}`);
  if (!["File", "FastFile", "Pipe"].includes(spec.TrainingInputMode as string))
    add(`${where}.TrainingInputMode`, `must be File, FastFile or Pipe, got ${quote(spec.TrainingInputMode)}`);
  const definitions = spec.MetricDefinitions;
  if (definitions === undefined) return;
  if (!Array.isArray(definitions)) return add(`${where}.MetricDefinitions`, "must be a list of {Name, Regex}");
  if (definitions.length > limits.metricDefinitions)
    add(`${where}.MetricDefinitions`, `has ${definitions.length} metric definitions; SageMaker accepts at most ${limits.metricDefinitions} per job (drop the ones you do not chart)`);
  const seen = new Set<string>();
  definitions.forEach((definition, index) => {
    const field = `${where}.MetricDefinitions[${index}]`;
    if (!isRecord(definition)) return add(field, "must be {Name, Regex}");
    const {Name: metricName, Regex: regex} = definition;
    if (typeof metricName !== "string" || metricName.length < 1 || metricName.length > limits.metricNameLength)
      add(`${field}.Name`, `must be 1 to 255 characters, got ${quote(metricName)}`);
    else if (seen.has(metricName)) add(`${field}.Name`, `${quote(metricName)} is defined twice`);
    else seen.add(metricName);
    if (typeof regex !== "string" || regex.length < 1 || regex.length > limits.metricRegexLength) return add(`${field}.Regex`, `must be 1 to 500 characters, got ${quote(regex)}`);
    let compiled: RegExp;
    try {
      compiled = new RegExp(regex);
    } catch (error) {
      return add(`${field}.Regex`, `${quote(regex)} is not a valid regular expression: ${(error as Error).message}`);
    }
    if (new RegExp(`${compiled.source}|`).exec("")!.length < 2)
      add(`${field}.Regex`, `${quote(regex)} has no capture group: SageMaker records the first group ( … ) as the value`);
  });
}

function validateHyperParameters(hyperParameters: unknown, add: Add) {
  if (hyperParameters === undefined) return;
  if (!isRecord(hyperParameters)) return add("HyperParameters", "must be a map of strings to strings");
  const entries = Object.entries(hyperParameters);
  if (entries.length > limits.hyperParameters)
    add("HyperParameters", `has ${entries.length} entries; SageMaker accepts at most ${limits.hyperParameters} (leave DS-Chat defaults out, or shorten lists)`);
  for (const [key, value] of entries) {
    const field = `HyperParameters.${key}`;
    if (key.length < 1 || key.length > limits.hyperParameterLength) add(field, `the key has ${key.length} characters; keys are 1 to 256 characters`);
    if (typeof value !== "string") add(field, `must be a string (JSON-encoded), got ${quote(value)}`);
    else if (value.length > limits.hyperParameterLength)
      add(field, `the value has ${value.length} characters; SageMaker limits each value to 256 (a long --data_path list? use fewer datasets or a converted local/jsonfile dataset)`);
    if (!dsChatArgNames.has(key) && !key.startsWith("sagemaker_") && looksLikeSecretName(key))
      add(field, `looks like a secret; hyperparameters are stored and shown in plain text — never pass credentials or tokens this way`);
  }
}

function validateChannels(channels: unknown, add: Add) {
  if (channels === undefined) return;
  if (!Array.isArray(channels)) return add("InputDataConfig", "must be a list of channels");
  if (channels.length > limits.channels) add("InputDataConfig", `has ${channels.length} channels; SageMaker accepts at most ${limits.channels}`);
  const names = new Set<string>();
  channels.forEach((channel, index) => {
    const field = `InputDataConfig[${index}]`;
    if (!isRecord(channel)) return add(field, "must be {ChannelName, DataSource}");
    const name = channel.ChannelName;
    if (typeof name !== "string" || !limits.channelNamePattern.test(name) || name.length > limits.channelNameLength)
      add(`${field}.ChannelName`, `must be 1 to 64 letters, digits, dots, hyphens or underscores, got ${quote(name)}`);
    else if (names.has(name)) add(`${field}.ChannelName`, `channel ${quote(name)} appears twice`);
    else names.add(name);
    const source = isRecord(channel.DataSource) && isRecord(channel.DataSource.S3DataSource) ? channel.DataSource.S3DataSource : undefined;
    if (!source) return add(`${field}.DataSource`, "must be {S3DataSource: {S3DataType, S3Uri, S3DataDistributionType}}");
    if (!["S3Prefix", "ManifestFile", "AugmentedManifestFile"].includes(source.S3DataType as string))
      add(`${field}.DataSource.S3DataSource.S3DataType`, `must be S3Prefix, ManifestFile or AugmentedManifestFile, got ${quote(source.S3DataType)}`);
    const uriProblem = s3UriProblem(source.S3Uri);
    if (uriProblem) add(`${field}.DataSource.S3DataSource.S3Uri`, uriProblem);
    if (source.S3DataDistributionType !== undefined && !["FullyReplicated", "ShardedByS3Key"].includes(source.S3DataDistributionType as string))
      add(`${field}.DataSource.S3DataSource.S3DataDistributionType`, `must be FullyReplicated or ShardedByS3Key, got ${quote(source.S3DataDistributionType)}`);
    if (channel.InputMode !== undefined && !["File", "FastFile", "Pipe"].includes(channel.InputMode as string))
      add(`${field}.InputMode`, `must be File, FastFile or Pipe, got ${quote(channel.InputMode)}`);
    if (channel.CompressionType !== undefined && !["None", "Gzip"].includes(channel.CompressionType as string))
      add(`${field}.CompressionType`, `must be None or Gzip, got ${quote(channel.CompressionType)}`);
  });
}

function validateEnvironment(environment: unknown, add: Add) {
  if (environment === undefined) return;
  if (!isRecord(environment)) return add("Environment", "must be a map of strings to strings");
  const entries = Object.entries(environment);
  if (entries.length > limits.environmentEntries) add("Environment", `has ${entries.length} variables; SageMaker accepts at most ${limits.environmentEntries}`);
  for (const [key, value] of entries) {
    const field = `Environment.${key}`;
    if (!limits.environmentKeyPattern.test(key) || key.length > limits.environmentLength)
      add(field, `variable names use letters, digits and underscores and do not start with a digit (at most 512 characters)`);
    if (typeof value !== "string" || value.length > limits.environmentLength) add(field, `must be a string of at most 512 characters, got ${quote(value)}`);
    if (looksLikeSecretName(key))
      add(field, `looks like a secret; a job's environment is stored and shown in plain text (DescribeTrainingJob) — give the job's role access instead, or read the secret from AWS Secrets Manager inside the job`);
  }
}

function validateTags(tags: unknown, add: Add) {
  if (tags === undefined) return;
  if (!Array.isArray(tags)) return add("Tags", "must be a list of {Key, Value}");
  if (tags.length > limits.tags) add("Tags", `has ${tags.length} tags; SageMaker accepts at most ${limits.tags}`);
  const keys = new Set<string>();
  tags.forEach((tag, index) => {
    const field = `Tags[${index}]`;
    if (!isRecord(tag)) return add(field, "must be {Key, Value}");
    const {Key: key, Value: value} = tag;
    if (typeof key !== "string" || key.length < 1 || key.length > limits.tagKeyLength || !limits.tagPattern.test(key))
      add(`${field}.Key`, `must be 1 to 128 letters, digits, spaces or _ . : / = + - @, got ${quote(key)}`);
    else if (key.toLowerCase().startsWith("aws:")) add(`${field}.Key`, `${quote(key)}: the aws: prefix is reserved`);
    else if (keys.has(key)) add(`${field}.Key`, `${quote(key)} appears twice`);
    else keys.add(key);
    if (typeof value !== "string" || value.length > limits.tagValueLength || !limits.tagPattern.test(value))
      add(`${field}.Value`, `must be at most 256 letters, digits, spaces or _ . : / = + - @, got ${quote(value)}`);
    if (typeof key === "string" && looksLikeSecretName(key)) add(`${field}.Key`, "looks like a secret; tags are visible to anyone who can list the job");
  });
}

/** Secrets must not travel in any field: the caller's secret values anywhere, and credential-shaped text in free-form fields. */
function checkSecrets(request: Record<string, unknown>, options: ValidateOptions, add: Add) {
  const secrets = (options.secretValues ?? []).filter((secret) => secret.length >= 8);
  const visit = (value: unknown, field: string) => {
    if (typeof value === "string") {
      if (secrets.some((secret) => value.includes(secret)))
        add(field, "contains the value of a secret from your environment (a key or token); requests are stored in plain text — remove it");
      else if (looksLikeSecretValue(value)) add(field, "contains what looks like an AWS access key or a Hugging Face token; requests are stored in plain text — remove it");
    } else if (Array.isArray(value)) value.forEach((item, index) => visit(item, `${field}[${index}]`));
    else if (isRecord(value)) for (const [key, item] of Object.entries(value)) visit(item, field ? `${field}.${key}` : key);
  };
  visit(request, "");
}

/** UserError code of a request that SageMaker would refuse; `details.problems` holds every RequestProblem. */
export const REQUEST_REFUSED = "sagemaker-request-refused";

/** The UserError for a request SageMaker would refuse: every problem at once, each naming its field and what is wrong. */
export function trainingJobRequestError(problems: readonly RequestProblem[], context = "the training job request"): UserError {
  const where = problems.length === 1 && problems[0]!.field.startsWith("plan.") ? {field: problems[0]!.field} : {};
  const list = problems.map((p) => `  - ${p.field ? `${p.field}: ` : ""}${p.message}`).join("\n");
  return new UserError(`${context} would be refused by SageMaker:\n${list}\n`, {
    where,
    fix: "Correct each field listed (nothing was sent to AWS).",
    code: REQUEST_REFUSED,
    details: {problems: problems.map((p) => ({...p}))}
  });
}

/** The RequestProblems of a refused request's UserError; [] for any other error. */
export function requestProblems(error: unknown): RequestProblem[] {
  return error instanceof UserError && error.code === REQUEST_REFUSED ? (error.details.problems as RequestProblem[]) : [];
}

export function assertValidTrainingJobRequest(request: unknown, options: ValidateOptions = {}, context?: string): void {
  const problems = validateTrainingJobRequest(request, options);
  if (problems.length) throw trainingJobRequestError(problems, context);
}
