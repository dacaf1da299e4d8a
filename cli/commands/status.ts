import {readLastLogLines} from "../../loaders/aws/jobLogs.js";
import {withAwsSession} from "../../loaders/aws/session.js";
import {describeJob} from "../../loaders/aws/trainingJobs.js";
import {versioned} from "../../src/core/contract/schemaVersions.js";
import {defineCommand} from "../command.js";
import {emulatorOptions} from "../options/awsOptions.js";
import {jobText} from "../views/jobView.js";

export default defineCommand({
  summary: "Show a SageMaker training job: status, transitions, billable time, failure reason, last log lines",
  synopsis: "<job> [--emulator] [--json]",
  description: `Describes one training job (DescribeTrainingJob) with its secondary-status transitions, billable seconds, failure
reason and model artefact, and the last log lines of each host (CloudWatch Logs). Credentials come from the AWS SDK's
default chain (profiles, SSO, environment); AWS_REGION picks the region.`,
  options: emulatorOptions,
  positionals: {name: "<job>", min: 1, max: 1},
  schema: "job",
  async run({values, positionals}, io) {
    return withAwsSession({env: io.env, emulator: values.emulator}, async (session) => {
      const job = await describeJob(session.clients, positionals[0]!);
      const lastLines = await readLastLogLines(session.clients, job.name, 10);
      return {json: versioned("job", {simulated: job.simulated, job, last_lines: lastLines}), text: () => jobText(job, lastLines)};
    });
  }
});
