/**
 * (plan, converted dataset, options) → a Submission: the uploads and the exact AWS requests a submit makes, in order —
 * computed without any call, so that `submit --dry-run --json` prints it — and `executeSubmission`, which makes them.
 *
 * Names are derived from content: a job's name ends in a digest of its request (with the name-dependent fields blanked),
 * the source bundle and the dataset, so submitting the same thing twice finds the first job instead of starting a
 * second one. `nonce` starts a new run of an identical request on purpose.
 */
import {createHash} from "node:crypto";
import {existsSync, statSync} from "node:fs";
import {join, resolve} from "node:path";
import type {Phase} from "../../src/core/canonical.js";
import {locate, UserError} from "../../src/core/contract/userError.js";
import type {Plan} from "../../src/core/plan/normalizePlan.js";
import {LOCAL_JSONFILE} from "../../src/core/plan/planDataset.js";
import {buildTrainingJob, modelArtifactUri, modelNameOf, trainingJobName, type BuiltTrainingJob, type TrainingJobOptions} from "../../src/core/sagemaker/buildTrainingJob.js";
import {bucketNameProblem, looksLikeSecretName} from "../../src/core/sagemaker/validateTrainingJob.js";
import {sha256File} from "../engine/inputs.js";
import {readManifest} from "../engine/readManifest.js";
import type {AwsClients} from "./clients.js";
import {uploadIfChanged, s3Uri, DIGEST_METADATA, PART_SIZE, type UploadEffects, type UploadResult} from "./s3Objects.js";
import {buildSourceBundle, type SourceBundle} from "./sourceBundle.js";
import {submitJob, type SubmitResult} from "./trainingJobs.js";

export interface DatasetFiles {
  dir: string;
  /** The convert manifest's cache key, or a digest of train.json + eval.json when there is no manifest. */
  key: string;
  files: Array<{name: "train.json" | "eval.json"; path: string; sha256: string; size: number}>;
  /** Row counts from manifest.json, when present. */
  counts: {train: number; eval: number} | null;
}

/** A `dschat-studio convert` output folder (or any folder with DS-Chat's train.json and eval.json). */
export async function readDatasetDir(dir: string): Promise<DatasetFiles> {
  const root = resolve(dir);
  const files: DatasetFiles["files"] = [];
  for (const name of ["train.json", "eval.json"] as const) {
    const path = join(root, name);
    if (!existsSync(path))
      throw new UserError(`${name} is missing`, {where: {option: "--data", file: root}, fix: "Pass a `dschat-studio convert` output folder (train.json and eval.json, DS-Chat's local/jsonfile layout)."});
    files.push({name, path, sha256: await sha256File(path), size: statSync(path).size});
  }
  const manifest = locate({option: "--data"}, () => readManifest(root, {required: false}));
  const key = manifest?.cache_key ?? null;
  const counts = manifest ? {train: manifest.counts.train, eval: manifest.counts.eval} : null;
  // The manifest's key names the conversion; the files' digests guard against edits after it.
  const digest = createHash("sha256").update(files.map((f) => f.sha256).join("\n")).digest("hex").slice(0, 16);
  return {dir: root, key: key ? `${key.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 24)}-${digest.slice(0, 8)}` : digest, files, counts};
}

export interface SubmissionOptions extends Omit<TrainingJobOptions, "jobName" | "sourceBundleUri" | "trainDataUri"> {
  /** The user's DS-Chat checkout to pack (--dschat DIR); without it the job uses the image's or the pinned DS-Chat. */
  dschatDir?: string | null;
  /** Folder with the launcher (default: the repository's training/). */
  trainingDir?: string;
  /** Changes every job name: a deliberate new run of an otherwise identical submission. */
  nonce?: string;
}

export interface PlannedUpload {
  bucket: string;
  key: string;
  uri: string;
  sha256: string;
  size: number;
  contentType: string;
  /** Local file, or "sourcedir.tar.gz (built in memory)". */
  source: string;
}

/** One AWS call as the SDK command input (uploads show their parameters, not their bytes). */
export interface PlannedCall {
  service: "s3" | "sagemaker";
  operation: string;
  input: Record<string, unknown>;
  /** When the call is skipped (e.g. the object already holds the same bytes). */
  unless?: string;
}

export interface PlannedJob extends BuiltTrainingJob {
  name: string;
  modelArtifact: string;
}

export interface Submission {
  jobs: PlannedJob[];
  uploads: PlannedUpload[];
  calls: PlannedCall[];
  notes: string[];
  bundle: {sha256: string; size: number; files: string[]; excluded: string[]; dschatRoot: string | null};
  dataset: {dir: string; key: string; uri: string; counts: DatasetFiles["counts"]} | null;
  /** Not serialised: the bundle bytes, kept for executeSubmission. */
  bundleBytes: Buffer;
}

/** Values of secret-named variables in this environment: they must appear in no request (checked before any call). */
export function secretValuesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env)
    .filter(([name, value]) => looksLikeSecretName(name) && typeof value === "string" && value.length >= 8)
    .map(([, value]) => value as string);
}

function digestOf(request: unknown, extra: string[]): string {
  return createHash("sha256")
    .update(JSON.stringify(request))
    .update(extra.join("\n"))
    .digest("hex");
}

const PLACEHOLDER = "dschat-pending-name";

/**
 * The submission of the given phases (default: the plan's steps). Step 3 of a chained plan needs its actor and critic:
 * pass `models.actor`/`models.critic`, or plan the whole chain (`chain: true`), which points them at steps 1 and 2's
 * model artefacts — their names are known in advance because they are derived from content.
 */
export async function planSubmission(plan: Plan, datasetDir: string | null, options: SubmissionOptions, phases: readonly Phase[] = plan.steps, chain = false): Promise<Submission> {
  const prefix = options.keyPrefix ?? "";
  const bucketProblem = bucketNameProblem(options.bucket);
  if (bucketProblem) throw new UserError(bucketProblem, {where: {option: "--bucket"}, fix: "Pass the name of an S3 bucket in the job's region."});
  const dataset = datasetDir ? await readDatasetDir(datasetDir) : null;
  const bundle: SourceBundle = buildSourceBundle({dschatDir: options.dschatDir, trainingDir: options.trainingDir});
  const trainDataUri = dataset ? s3Uri(options.bucket, `${prefix}datasets/${dataset.key}/`) : null;
  const secretValues = options.secretValues ?? secretValuesFromEnv();

  const jobs: PlannedJob[] = [];
  const artefacts: Partial<Record<Phase, string>> = {};
  for (const phase of [...phases].sort()) {
    const models = {...(options.models ?? {})};
    if (chain && phase === 3) {
      if (artefacts[1] && !models.actor) models.actor = artefacts[1];
      if (artefacts[2] && !models.critic) models.critic = artefacts[2];
    }
    const jobOptions = (jobName: string): TrainingJobOptions => ({
      ...options,
      models,
      secretValues,
      jobName,
      trainDataUri: stepUsesLocal(plan, phase) ? trainDataUri : null,
      sourceBundleUri: s3Uri(options.bucket, `${prefix}code/${jobName}/sourcedir.tar.gz`),
      chainId: chain ? options.chainId ?? chainIdOf(plan, dataset, bundle, options.nonce) : options.chainId
    });
    const draft = buildTrainingJob(plan, phase, jobOptions(PLACEHOLDER));
    // Tags stay out of the digest: the same step in another chain is the same work, found and reused by name.
    const {Tags: _tags, ...identity} = draft.request;
    const digest = digestOf(identity, [bundle.sha256, ...(dataset?.files.map((f) => f.sha256) ?? []), options.nonce ?? ""]);
    const name = trainingJobName(draft.script, modelNameOf(plan, phase), digest.slice(0, 10));
    const built = buildTrainingJob(plan, phase, jobOptions(name));
    const modelArtifact = modelArtifactUri(built.request);
    artefacts[phase] = modelArtifact;
    jobs.push({...built, name, modelArtifact});
  }

  const uploads: PlannedUpload[] = [];
  if (dataset && jobs.some((job) => job.request.InputDataConfig?.some((c) => c.ChannelName === "train")))
    for (const file of dataset.files)
      uploads.push({
        bucket: options.bucket,
        key: `${prefix}datasets/${dataset.key}/${file.name}`,
        uri: s3Uri(options.bucket, `${prefix}datasets/${dataset.key}/${file.name}`),
        sha256: file.sha256,
        size: file.size,
        contentType: "application/jsonlines",
        source: file.path
      });
  for (const job of jobs) {
    const uri = JSON.parse(job.request.HyperParameters!.sagemaker_submit_directory!) as string;
    const key = uri.slice(`s3://${options.bucket}/`.length);
    uploads.push({bucket: options.bucket, key, uri, sha256: bundle.sha256, size: bundle.bytes.length, contentType: "application/gzip", source: "sourcedir.tar.gz (built in memory)"});
  }

  const calls: PlannedCall[] = [{service: "s3", operation: "HeadBucket", input: {Bucket: options.bucket}}];
  for (const upload of uploads) {
    calls.push({service: "s3", operation: "HeadObject", input: {Bucket: upload.bucket, Key: upload.key}});
    const params = {Bucket: upload.bucket, Key: upload.key, ContentType: upload.contentType, Metadata: {[DIGEST_METADATA]: upload.sha256}, ChecksumAlgorithm: "SHA256", ContentLength: upload.size};
    const unless = `the object's ${DIGEST_METADATA} metadata is already ${upload.sha256}`;
    if (upload.size > PART_SIZE) {
      const parts = Math.ceil(upload.size / PART_SIZE);
      calls.push({service: "s3", operation: "CreateMultipartUpload", input: {...params, ContentLength: undefined}, unless});
      calls.push({service: "s3", operation: `UploadPart ×${parts}`, input: {Bucket: upload.bucket, Key: upload.key, ChecksumAlgorithm: "SHA256", PartSize: PART_SIZE}, unless});
      calls.push({service: "s3", operation: "CompleteMultipartUpload", input: {Bucket: upload.bucket, Key: upload.key}, unless});
    } else calls.push({service: "s3", operation: "PutObject", input: params, unless});
  }
  for (const job of jobs) {
    calls.push({service: "sagemaker", operation: "DescribeTrainingJob", input: {TrainingJobName: job.name}});
    calls.push({
      service: "sagemaker",
      operation: "CreateTrainingJob",
      input: job.request as unknown as Record<string, unknown>,
      unless: "a job of this name already exists with this request (a retried submit); another request under this name is refused"
    });
  }

  const notes = [...new Set(jobs.flatMap((job) => job.notes))];
  if (!bundle.dschatRoot)
    notes.push(
      "No --dschat checkout: the launcher uses a DS-Chat already in the image ($DSCHAT_ROOT) or downloads DeepSpeedExamples 83757d9c from github.com at start (the job needs egress to github.com)."
    );
  return {
    jobs,
    uploads,
    calls,
    notes,
    bundle: {sha256: bundle.sha256, size: bundle.bytes.length, files: bundle.files, excluded: bundle.excluded, dschatRoot: bundle.dschatRoot},
    dataset: dataset && trainDataUri ? {dir: dataset.dir, key: dataset.key, uri: trainDataUri, counts: dataset.counts} : null,
    bundleBytes: bundle.bytes
  };
}

function stepUsesLocal(plan: Plan, phase: Phase): boolean {
  const args = phase === 1 ? plan.step1 : phase === 2 ? plan.step2 : plan.step3;
  return args.data_path.includes(LOCAL_JSONFILE);
}

function chainIdOf(plan: Plan, dataset: DatasetFiles | null, bundle: SourceBundle, nonce: string | undefined): string {
  return `chain-${createHash("sha256").update(JSON.stringify(plan)).update(dataset?.key ?? "").update(bundle.sha256).update(nonce ?? "").digest("hex").slice(0, 12)}`;
}

/** The submission as JSON for --dry-run --json (everything but the bundle bytes). */
export function submissionToJson(submission: Submission): Omit<Submission, "bundleBytes"> {
  const {bundleBytes: _bytes, ...rest} = submission;
  return rest;
}

export interface ExecuteEffects extends UploadEffects {
  onUpload?: (result: UploadResult) => void;
  onSubmitted?: (job: PlannedJob, result: SubmitResult) => void;
}

/** Uploads the dataset and each job's bundle (skipping unchanged objects), then submits the jobs in order. */
export async function executeSubmission(clients: AwsClients, submission: Submission, effects: ExecuteEffects = {}, onlyJobs?: readonly PlannedJob[]): Promise<SubmitResult[]> {
  const jobs = onlyJobs ?? submission.jobs;
  const bundleKeys = new Set(jobs.map((job) => JSON.parse(job.request.HyperParameters!.sagemaker_submit_directory!) as string));
  const results: SubmitResult[] = [];
  for (const upload of submission.uploads) {
    const isBundle = upload.source.startsWith("sourcedir.tar.gz");
    if (isBundle && !bundleKeys.has(upload.uri)) continue;
    const result = await uploadIfChanged(
      clients,
      {bucket: upload.bucket, key: upload.key, sha256: upload.sha256, size: upload.size, contentType: upload.contentType, ...(isBundle ? {bytes: submission.bundleBytes} : {file: upload.source})},
      effects
    );
    effects.onUpload?.(result);
  }
  const secretValues = secretValuesFromEnv();
  for (const job of jobs) {
    const result = await submitJob(clients, job.request, {secretValues});
    effects.onSubmitted?.(job, result);
    results.push(result);
  }
  return results;
}
