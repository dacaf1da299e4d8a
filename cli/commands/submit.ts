import {join, resolve} from "node:path";
import {openAwsSession} from "../../loaders/aws/session.js";
import {planSubmission} from "../../loaders/aws/submission.js";
import {checkPlanDataset, readPlanFile, startSubmission, submissionDocument, submissionOptionsFor} from "../../loaders/aws/submitPlan.js";
import {jobEndedError, waitForJob} from "../../loaders/aws/trainingJobs.js";
import {readManifest} from "../../loaders/engine/readManifest.js";
import {runsRoot} from "../../loaders/runs/runRecord.js";
import {liveDir, writeLiveFiles} from "../../loaders/runs/runsIndex.js";
import {watchJob} from "../../loaders/runs/watchJob.js";
import {UserError} from "../../src/core/contract/userError.js";
import {defineCommand} from "../command.js";
import {submissionOptions} from "../options/awsOptions.js";
import {flag, option} from "../options/optionSpec.js";
import {text} from "../options/parsers.js";
import {SIMULATED_BANNER, submissionText} from "../views/jobView.js";

export default defineCommand({
  summary: "Start a plan's steps as SageMaker training jobs (or simulated ones in the local emulator)",
  synopsis: "<plan.json> --data DIR [--dschat DIR] [--role ARN] [--bucket B] [--dry-run] [--wait | --watch] [--emulator] [--json]",
  description: `Uploads the converted dataset (train.json, eval.json) and the job's code (sourcedir.tar.gz: the launcher, curated
requirements and, with --dschat, your DeepSpeed-Chat checkout) to S3 — multipart, with checksums, skipping objects that
already hold the same bytes — and starts one CreateTrainingJob per step of the plan, built from the plan and checked
against SageMaker's limits before any call. Job names derive from the request, so a retried submit finds the job it
started instead of starting a second one. A plan whose step 3 trains steps 1 and 2's outputs is submitted with 'chain'.
--dry-run prints the uploads and the exact requests and calls nothing. --wait polls until every job ended; a job that
did not complete exits 2 with its failure reason. Credentials come only from the AWS SDK's default chain.`,
  options: {
    ...submissionOptions,
    "wait": flag("wait until the jobs end (exit 2 when one fails or is stopped)"),
    "watch": flag("wait, recording each job's logs and metrics into its run record (data/runs/<job>) as they come: the Runs page follows live"),
    "dpo": flag("run the plan's step 2 with DS-Chat's DPO script (step2_dpo_finetuning) instead of the reward model: model_name_or_path is then the policy (an SFT model); DPO's own arguments via --dschat-arg (beta=0.1, label_smoothing=0, offload_reference_model)"),
    "model-uri": option({parse: text, placeholder: "S3", help: "steps 1–2: the model as an S3 folder or model.tar.gz, mounted as the 'model' channel (default: the plan's model, downloaded by the job)"}),
    "actor-uri": option({parse: text, placeholder: "S3", help: "step 3 alone: the actor (step 1's model.tar.gz), the 'actor' channel"}),
    "critic-uri": option({parse: text, placeholder: "S3", help: "step 3 alone: the critic and reward model (step 2's model.tar.gz), the 'critic' channel"})
  },
  positionals: {name: "<plan.json>", min: 1, max: 1},
  schema: "submission",
  async run({values, positionals}, io) {
    const planFile = resolve(io.cwd, positionals[0]!);
    const plan = readPlanFile(planFile);
    const dataDir = resolve(io.cwd, values.data);
    checkPlanDataset(plan, planFile, dataDir);
    const dryRun = values["dry-run"];
    const session = await openAwsSession({env: io.env, emulator: values.emulator, startIfMissing: true});
    try {
      const models = {...(values["model-uri"] && {model: values["model-uri"]}), ...(values["actor-uri"] && {actor: values["actor-uri"]}), ...(values["critic-uri"] && {critic: values["critic-uri"]})};
      const options = submissionOptionsFor(session, {dataDir, dschatDir: values.dschat, roleArn: values.role, bucket: values.bucket, prefix: values.prefix, image: values.image, extraArgs: values["dschat-arg"] as unknown as string[] | undefined /* a "list" option holds every value given */, rerun: values.rerun, models}, io.env);
      if (values.dpo) {
        if (!plan.steps.includes(2)) throw new UserError(`runs step ${plan.steps.join(", ")}: DPO replaces step 2`, {where: {option: "--dpo"}, fix: "Build the plan with 'dschat-studio plan --step 2' (model: the SFT model to optimise)."});
        options.dpo = true;
      }
      const submission = await planSubmission(plan, dataDir, options);
      const context = {simulated: session.simulated, dryRun, region: session.clients.region, bucket: options.bucket};
      if (dryRun) {
        const doc = submissionDocument(submission, context);
        return {json: doc, text: () => submissionText(doc)};
      }
      if (session.simulated) io.stderr.write(`${SIMULATED_BANNER}\n`);
      const uploaded = new Map<string, boolean>();
      const jobs = await startSubmission(session, submission, options.bucket, (uri, wasUploaded) => uploaded.set(uri, wasUploaded));
      for (const job of jobs) io.stderr.write(`step ${job.phase}: ${job.result!.name} ${job.result!.created ? "submitted" : "already submitted (same request)"}\n`);
      const wait = values.wait || values.watch || session.ownEmulator !== null;
      if (session.ownEmulator && !values.wait && !values.watch) io.stderr.write("note: no emulator was running, so this command started one and waits for its jobs (start `dschat-studio emulator` to keep one).\n");
      if (values.watch) {
        const root = runsRoot(io.env);
        const manifest = readManifest(dataDir, {required: false});
        for (const job of jobs) {
          const record = await watchJob(session.clients, job.result!.name, {
            root,
            follow: true,
            pollSeconds: session.simulated ? 0.5 : 10,
            plan,
            manifest,
            afterCommit: () => writeLiveFiles(root, liveDir(io.env)),
            onUpdate: (update, newRows) => io.stderr.write(`step ${job.phase}: ${update.description?.status} (${update.description?.secondary_status}), +${newRows} metric rows${update.simulated ? " [SIMULATED]" : ""}\n`)
          });
          job.final = record.description;
          job.record = join(root, record.job);
          if (job.final?.status !== "Completed") throw jobEndedError(job.phase, job.final!);
        }
      } else if (wait) {
        for (const job of jobs) {
          job.final = await waitForJob(session.clients, job.result!.name, {
            pollSeconds: session.simulated ? 0.5 : 30,
            onUpdate: (update) => io.stderr.write(`step ${job.phase}: ${update.status} (${update.secondary_status})${update.simulated ? " [SIMULATED]" : ""}\n`)
          });
          if (job.final.status !== "Completed") throw jobEndedError(job.phase, job.final);
        }
      }
      const doc = submissionDocument(submission, {...context, uploaded, jobs});
      return {json: doc, text: () => submissionText(doc)};
    } finally {
      await session.close();
    }
  }
});
