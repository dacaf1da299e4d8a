import {resolve} from "node:path";
import {runChain} from "../../loaders/aws/chain.js";
import {ensureBucket} from "../../loaders/aws/s3Objects.js";
import {openAwsSession} from "../../loaders/aws/session.js";
import {planSubmission} from "../../loaders/aws/submission.js";
import {checkPlanDataset, readPlanFile, submissionDocument, submissionOptionsFor, type SubmittedJob} from "../../loaders/aws/submitPlan.js";
import {UserError} from "../../src/core/contract/userError.js";
import {defineCommand} from "../command.js";
import {submissionOptions} from "../options/awsOptions.js";
import {SIMULATED_BANNER, submissionText} from "../views/jobView.js";

export default defineCommand({
  summary: "Run a plan's steps 1 → 2 → 3 as chained SageMaker jobs, each wired into the next",
  synopsis: "<plan.json> --data DIR [--dschat DIR] [--role ARN] [--bucket B] [--dry-run] [--emulator] [--json]",
  description: `Submits the plan's steps in order, each when the previous one completed: step 3 gets step 1's model.tar.gz as its
actor channel and step 2's as its critic channel. The whole chain is planned first (its job names derive from the
requests), so running it again resumes after the steps that completed and never starts one twice. A step that fails
or is stopped ends the chain (exit 2) with its failure reason. Uploads, limits and credentials as in 'submit'.`,
  options: submissionOptions,
  positionals: {name: "<plan.json>", min: 1, max: 1},
  schema: "submission",
  async run({values, positionals}, io) {
    const planFile = resolve(io.cwd, positionals[0]!);
    const plan = readPlanFile(planFile);
    if (plan.steps.length < 2)
      throw new UserError(`runs only step ${plan.steps[0]}: there is nothing to chain`, {where: {file: planFile, field: "plan.steps"}, fix: "Build the plan with 'dschat-studio plan --step all', or use 'submit' for one step."});
    const dataDir = resolve(io.cwd, values.data);
    checkPlanDataset(plan, planFile, dataDir);
    const session = await openAwsSession({env: io.env, emulator: values.emulator, startIfMissing: true});
    try {
      const options = submissionOptionsFor(session, {dataDir, dschatDir: values.dschat, roleArn: values.role, bucket: values.bucket, prefix: values.prefix, image: values.image, extraArgs: values["dschat-arg"] as unknown as string[] | undefined /* a "list" option holds every value given */, rerun: values.rerun}, io.env);
      const context = {simulated: session.simulated, region: session.clients.region, bucket: options.bucket};
      if (values["dry-run"]) {
        const doc = submissionDocument(await planSubmission(plan, dataDir, options, plan.steps, true), {...context, dryRun: true});
        return {json: doc, text: () => submissionText(doc)};
      }
      if (session.simulated) io.stderr.write(`${SIMULATED_BANNER}\n`);
      await ensureBucket(session.clients, options.bucket, {create: session.simulated});
      let submission = null as Awaited<ReturnType<typeof planSubmission>> | null;
      const jobs = new Map<number, SubmittedJob>();
      await runChain(session.clients, plan, dataDir, {
        ...options,
        wait: {pollSeconds: session.simulated ? 0.5 : 30},
        onEvent: (event) => {
          if (event.type === "planned") submission = event.submission;
          else if (event.type === "submitted") {
            jobs.set(event.phase, {phase: event.phase, result: {name: event.name, arn: "", created: event.created, status: "InProgress"}, final: null});
            io.stderr.write(`step ${event.phase}: ${event.name} ${event.created ? "submitted" : "already submitted (same request)"}\n`);
          } else if (event.type === "status") io.stderr.write(`step ${event.phase}: ${event.job.status} (${event.job.secondary_status})${event.job.simulated ? " [SIMULATED]" : ""}\n`);
          else {
            const job = jobs.get(event.phase) ?? {phase: event.phase, result: null, final: null};
            jobs.set(event.phase, {...job, final: event.job, result: job.result ?? {name: event.job.name, arn: event.job.arn, created: false, status: event.job.status}});
            if (job.result === null) io.stderr.write(`step ${event.phase}: ${event.job.name} already completed (same request): reused\n`);
          }
        }
      });
      const doc = submissionDocument(submission!, {...context, dryRun: false, jobs: [...jobs.values()]});
      return {json: doc, text: () => submissionText(doc)};
    } finally {
      await session.close();
    }
  }
});
