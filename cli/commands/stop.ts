import {withAwsSession} from "../../loaders/aws/session.js";
import {stopJob} from "../../loaders/aws/trainingJobs.js";
import {versioned} from "../../src/core/contract/schemaVersions.js";
import {defineCommand} from "../command.js";
import {emulatorOptions} from "../options/awsOptions.js";
import {jobText} from "../views/jobView.js";

export default defineCommand({
  summary: "Stop a running SageMaker training job (Stopping, then Stopped)",
  synopsis: "<job> [--emulator] [--json]",
  description: `Asks SageMaker to stop the job (StopTrainingJob): its processes get SIGTERM and 120 s to save, then the job ends
Stopped; what it saved to /opt/ml/model is still uploaded. A job that already ended is refused (exit 2). DS-Chat saves
no checkpoint it can resume from: a stopped step starts from the beginning when submitted again.`,
  options: emulatorOptions,
  positionals: {name: "<job>", min: 1, max: 1},
  schema: "job",
  async run({values, positionals}, io) {
    return withAwsSession({env: io.env, emulator: values.emulator}, async (session) => {
      const job = await stopJob(session.clients, positionals[0]!);
      return {json: versioned("job", {simulated: job.simulated, job, last_lines: []}), text: () => jobText(job)};
    });
  }
});
