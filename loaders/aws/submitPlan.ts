/**
 * What `submit` and `chain` share: a plan file and a convert output → the SubmissionOptions of a session (AWS or the
 * emulator), with every check that needs no AWS call — the plan's dataset against --data, the role and bucket AWS needs
 * — and the versioned JSON document both commands print. Nothing prints.
 */
import {resolve} from "node:path";
import type {Phase} from "../../src/core/canonical.js";
import {versioned} from "../../src/core/contract/schemaVersions.js";
import {locate, UserError} from "../../src/core/contract/userError.js";
import {normalizePlan, type Plan} from "../../src/core/plan/normalizePlan.js";
import {readManifest} from "../engine/readManifest.js";
import {readJsonFile} from "../readJsonFile.js";
import {EMULATOR_BUCKET, EMULATOR_ROLE_ARN, type AwsSession} from "./session.js";
import type {ExtraArgValue} from "../../src/core/sagemaker/buildTrainingJob.js";
import {ensureBucket} from "./s3Objects.js";
import {executeSubmission, secretValuesFromEnv, type Submission, type SubmissionOptions} from "./submission.js";
import type {SubmitResult, JobDescription} from "./trainingJobs.js";

/** A plan.json as `plan --out` writes it. */
export function readPlanFile(path: string): Plan {
  const json = readJsonFile(path, {what: "a plan.json written by 'dschat-studio plan --out'"});
  return locate({file: path}, () => normalizePlan(json));
}

/** A plan that records its dataset must be submitted with that very dataset (same cache key in --data's manifest). */
export function checkPlanDataset(plan: Plan, planFile: string, dataDir: string): void {
  if (!plan.dataset) return;
  const manifest = locate({option: "--data"}, () => readManifest(dataDir, {required: false}));
  if (!manifest)
    throw new UserError(`has no manifest.json, so it cannot be checked against the dataset ${plan.dataset.cache_key} that ${planFile} records`, {
      where: {option: "--data", file: dataDir},
      fix: "Pass the 'dschat-studio convert' output folder the plan was built with ('plan --data DIR')."
    });
  if (manifest.cache_key !== plan.dataset.cache_key)
    throw new UserError(`holds the dataset ${manifest.cache_key}, but ${planFile} was built for ${plan.dataset.cache_key} (${plan.dataset.sources.join(", ")})`, {
      where: {option: "--data", file: dataDir},
      fix: "Pass the folder 'plan --data' read, or rebuild the plan on this dataset with 'dschat-studio plan --from PLAN --data DIR --out DIR'."
    });
}

/** `--dschat-arg NAME=VALUE` (a value, passed as text) or `--dschat-arg NAME` (a switch). */
export function parseExtraArgs(items: readonly string[]): Record<string, ExtraArgValue> {
  const extra: Record<string, ExtraArgValue> = {};
  for (const item of items) {
    const at = item.indexOf("=");
    const name = (at === -1 ? item : item.slice(0, at)).replace(/^--/, "");
    if (!/^[A-Za-z0-9_-]+$/.test(name))
      throw new UserError(`${JSON.stringify(item)} does not start with an argument name`, {where: {option: "--dschat-arg"}, fix: "Pass NAME=VALUE (e.g. --dschat-arg lora_alpha=16) or NAME for a switch."});
    extra[name] = at === -1 ? true : item.slice(at + 1);
  }
  return extra;
}

export interface SubmitArguments {
  dataDir: string;
  dschatDir?: string;
  roleArn?: string;
  bucket?: string;
  prefix?: string;
  image?: string;
  extraArgs?: readonly string[];
  rerun?: boolean;
  /** S3 models: `model` for steps 1–2, `actor`/`critic` for step 3 alone. */
  models?: {model?: string; actor?: string; critic?: string};
}

/** The SubmissionOptions for a session: the emulator supplies a role and bucket; AWS needs both from the user. */
export function submissionOptionsFor(session: AwsSession, args: SubmitArguments, env: NodeJS.ProcessEnv): SubmissionOptions {
  const roleArn = args.roleArn ?? (session.simulated ? EMULATOR_ROLE_ARN : undefined);
  const bucket = args.bucket ?? (session.simulated ? EMULATOR_BUCKET : undefined);
  if (!roleArn)
    throw new UserError("a SageMaker job runs as an IAM role, and none was given", {
      where: {option: "--role"},
      fix: "Pass --role arn:aws:iam::<account>:role/<SageMaker execution role> (with iam:PassRole on it), or try the local emulator with --emulator."
    });
  if (!bucket) throw new UserError("the job's code, data and model go to S3, and no bucket was given", {where: {option: "--bucket"}, fix: "Pass --bucket with a bucket in the job's region, or try the local emulator with --emulator."});
  const prefix = args.prefix ? args.prefix.replace(/^\/+/, "").replace(/\/?$/, "/") : "";
  return {
    region: session.clients.region,
    roleArn,
    bucket,
    keyPrefix: prefix,
    dschatDir: args.dschatDir ? resolve(args.dschatDir) : null,
    ...(args.image ? {image: args.image} : {}),
    ...(args.extraArgs?.length ? {extraArgs: parseExtraArgs(args.extraArgs)} : {}),
    ...(args.models ? {models: args.models} : {}),
    ...(args.rerun ? {nonce: new Date().toISOString()} : {}),
    secretValues: secretValuesFromEnv(env)
  };
}

export interface SubmittedJob {
  phase: Phase;
  result: SubmitResult | null;
  final: JobDescription | null;
  /** The run record's folder, when the job was watched. */
  record?: string | null;
}

/**
 * Starts a planned submission: the bucket (created only on the emulator), the uploads, then each job; one entry per job
 * in plan order. What `submit` and the studio server both do once the requests are built.
 */
export async function startSubmission(session: AwsSession, submission: Submission, bucket: string, onUpload?: (uri: string, uploaded: boolean) => void): Promise<SubmittedJob[]> {
  await ensureBucket(session.clients, bucket, {create: session.simulated});
  const results = await executeSubmission(session.clients, submission, {onUpload: onUpload && ((result) => onUpload(result.uri, result.uploaded))});
  return submission.jobs.map((job, index) => ({phase: job.phase, result: results[index] ?? null, final: null}));
}

/**
 * The `submit`/`chain` document (schemas/submission.schema.json): the uploads and exact calls (all a dry run does), and
 * per job what happened to it.
 */
export function submissionDocument(submission: Submission, context: {simulated: boolean; dryRun: boolean; region: string; bucket: string; uploaded?: ReadonlyMap<string, boolean>; jobs?: readonly SubmittedJob[]}) {
  const byPhase = new Map((context.jobs ?? []).map((job) => [job.phase, job]));
  return versioned("submission", {
    simulated: context.simulated,
    dry_run: context.dryRun,
    region: context.region,
    bucket: context.bucket,
    dataset: submission.dataset ? {dir: submission.dataset.dir, key: submission.dataset.key, uri: submission.dataset.uri, rows: submission.dataset.counts} : null,
    bundle: {sha256: submission.bundle.sha256, size: submission.bundle.size, files: submission.bundle.files, excluded: submission.bundle.excluded, dschat_root: submission.bundle.dschatRoot},
    uploads: submission.uploads.map((upload) => ({uri: upload.uri, sha256: upload.sha256, size: upload.size, source: upload.source, uploaded: context.uploaded?.get(upload.uri) ?? null})),
    calls: submission.calls.map((call) => ({service: call.service, operation: call.operation, input: call.input, unless: call.unless ?? null})),
    jobs: submission.jobs.map((job) => {
      const done = byPhase.get(job.phase);
      return {
        step: job.phase,
        script: job.script,
        name: job.name,
        model_artifact: job.modelArtifact,
        request: job.request,
        notes: job.notes,
        submitted: done?.result ? {created: done.result.created, arn: done.result.arn} : null,
        final: done?.final ?? null,
        run_record: done?.record ?? null
      };
    }),
    notes: submission.notes
  });
}

export type SubmissionDocument = ReturnType<typeof submissionDocument>;
