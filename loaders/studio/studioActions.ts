/**
 * What the studio's API does, over one AWS session (the local emulator by default, SageMaker when configured): submit a
 * plan (the same planning, checks, uploads and CreateTrainingJob calls as `dschat-studio submit`), stop a job, watch
 * jobs into run records (the same watch loop as `dschat-studio watch`, writing the Runs page's live files). Nothing
 * prints: progress and errors go to `log`.
 */
import {join} from "node:path";
import {cacheRoot} from "../engine/cache.js";
import {readManifest} from "../engine/readManifest.js";
import {openAwsSession, type AwsSession} from "../aws/session.js";
import {planSubmission} from "../aws/submission.js";
import {startSubmission, submissionDocument, submissionOptionsFor} from "../aws/submitPlan.js";
import {stopJob, type JobDescription} from "../aws/trainingJobs.js";
import {runsRoot} from "../runs/runRecord.js";
import {liveDir, writeLiveFiles} from "../runs/runsIndex.js";
import {watchJob} from "../runs/watchJob.js";
import {locate, UserError} from "../../src/core/contract/userError.js";
import {normalizePlan, type Plan} from "../../src/core/plan/normalizePlan.js";

export type StudioTarget = "emulator" | "sagemaker";

export interface StudioActionsOptions {
  env: NodeJS.ProcessEnv;
  /** `emulator` (the default: an emulator on DSCHAT_STUDIO_EMULATOR_PORT, started in this process when none answers) or real SageMaker. */
  target: StudioTarget;
  /** SageMaker only: the execution role and the bucket (`submit --role --bucket`). */
  roleArn?: string;
  bucket?: string;
  log?: (line: string) => void;
}

const JOB_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const DATASET_KEY = /^[0-9a-f]{32}$/;

export class StudioActions {
  readonly session: AwsSession;
  readonly target: StudioTarget;
  private readonly env: NodeJS.ProcessEnv;
  private readonly roleArn?: string;
  private readonly bucket?: string;
  private readonly log: (line: string) => void;
  private readonly watches = new Map<string, {controller: AbortController; done: Promise<void>}>();

  private constructor(session: AwsSession, options: StudioActionsOptions) {
    this.session = session;
    this.target = options.target;
    this.env = options.env;
    this.roleArn = options.roleArn;
    this.bucket = options.bucket;
    this.log = options.log ?? (() => {});
  }

  static async open(options: StudioActionsOptions): Promise<StudioActions> {
    const session = await openAwsSession({env: options.env, emulator: options.target === "emulator", startIfMissing: true});
    return new StudioActions(session, options);
  }

  status() {
    return {
      studio: "dschat-studio",
      target: this.target,
      simulated: this.session.simulated,
      region: this.session.clients.region,
      emulator_url: this.session.emulatorUrl,
      watching: [...this.watches.keys()]
    };
  }

  /** A converted dataset of this machine's cache by its key (what the Config page lists), as `--data` would be. */
  datasetDir(key: unknown): string {
    if (typeof key !== "string" || !DATASET_KEY.test(key))
      throw new UserError("is not the cache key of a converted dataset (32 hex digits)", {where: {field: "dataset"}, fix: "Pick a dataset the Config page lists (converted with 'dschat-studio convert')."});
    const dir = join(cacheRoot(this.env), "convert", key);
    if (!readManifest(dir, {required: false}))
      throw new UserError(`no converted dataset ${key} on this machine`, {where: {field: "dataset"}, fix: "Convert it again with 'dschat-studio convert', then reload the page."});
    return dir;
  }

  /** Plans, checks, uploads and starts the plan's jobs, then watches each into its run record. */
  async submit(body: {plan?: unknown; dataset?: unknown}) {
    const plan: Plan = locate({field: "plan"}, () => normalizePlan(body.plan));
    const key = body.dataset ?? plan.dataset?.cache_key;
    const dataDir = this.datasetDir(key);
    if (plan.dataset && plan.dataset.cache_key !== key)
      throw new UserError(`the plan was built for the dataset ${plan.dataset.cache_key}, not ${String(key)}`, {where: {field: "dataset"}, fix: "Submit the plan with the dataset it records."});
    const options = submissionOptionsFor(this.session, {dataDir, roleArn: this.roleArn, bucket: this.bucket}, this.env);
    const submission = await planSubmission(plan, dataDir, options);
    const jobs = await startSubmission(this.session, submission, options.bucket);
    const manifest = readManifest(dataDir, {required: false});
    for (const job of jobs) {
      this.log(`step ${job.phase}: ${job.result!.name} ${job.result!.created ? "submitted" : "already submitted (same request)"}${this.session.simulated ? " [SIMULATED]" : ""}`);
      this.watch(job.result!.name, {plan, manifest});
    }
    const doc = submissionDocument(submission, {simulated: this.session.simulated, dryRun: false, region: this.session.clients.region, bucket: options.bucket, jobs});
    // The page needs the names; the requests, uploads and local paths stay here.
    return {simulated: doc.simulated, jobs: doc.jobs.map((job) => ({step: job.step, script: job.script, name: job.name, created: job.submitted?.created ?? null})), notes: doc.notes};
  }

  async stop(body: {job?: unknown}): Promise<{simulated: boolean; job: JobDescription}> {
    const name = jobName(body.job);
    const job = await stopJob(this.session.clients, name);
    this.log(`${name}: stop requested (${job.status})`);
    return {simulated: job.simulated, job};
  }

  /** Starts following a job into its run record (a job already followed is left as it is). */
  watch(name: string, known: {plan?: Plan | null; manifest?: ReturnType<typeof readManifest>} = {}): {job: string; watching: boolean} {
    if (this.watches.has(name)) return {job: name, watching: true};
    const controller = new AbortController();
    const root = runsRoot(this.env);
    const done = watchJob(this.session.clients, name, {
      root,
      follow: true,
      // Each commit rewrites the Runs page's live files, and preview reloads a page whose files changed between its
      // render and its live-reload handshake: 2 s (the page's own polling interval) keeps a slow page load out of that.
      pollSeconds: this.session.simulated ? 2 : 10,
      signal: controller.signal,
      plan: known.plan ?? null,
      manifest: known.manifest ?? null,
      afterCommit: () => writeLiveFiles(root, liveDir(this.env)),
      onUpdate: (record, newRows) => newRows > 0 && this.log(`${name}: ${record.description?.status} (${record.description?.secondary_status}), +${newRows} metric rows`)
    }).then(
      (record) => this.log(`${name}: watch ended (${record.description?.status})`),
      (error: unknown) => {
        if (!controller.signal.aborted) this.log(`${name}: watch failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    ).finally(() => this.watches.delete(name));
    this.watches.set(name, {controller, done});
    return {job: name, watching: true};
  }

  async unwatch(name: string): Promise<{job: string; watching: boolean}> {
    const watch = this.watches.get(name);
    if (watch) {
      watch.controller.abort();
      await watch.done;
    }
    return {job: name, watching: false};
  }

  async close(): Promise<void> {
    for (const name of [...this.watches.keys()]) await this.unwatch(name);
    await this.session.close();
  }
}

export function jobName(value: unknown): string {
  if (typeof value !== "string" || !JOB_NAME.test(value))
    throw new UserError("is not a training job name (letters, digits and hyphens, at most 63)", {where: {field: "job"}, fix: "Pass the job's name as the Runs page or 'dschat-studio runs' shows it."});
  return value;
}
